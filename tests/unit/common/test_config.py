import pytest

from services.common.config import CommonSettings, SettingsError
from services.tracker.config import TrackerSettings


def test_reads_typed_values_from_env():
    s = TrackerSettings.from_env(
        {
            "AURA_TRACKER_PORT": "6000",
            "AURA_TRACKER_LATENESS_S": "0.25",
            "AURA_ACCEPT_NAIVE_TS": "yes",
            "AURA_NATS_URL": "nats://h:1",
        }
    )
    assert (s.tracker_port, s.tracker_lateness_s, s.accept_naive_ts, s.nats_url) == (
        6000,
        0.25,
        True,
        "nats://h:1",
    )


def test_defaults_without_env_and_overrides_win():
    s = TrackerSettings.from_env({}, tracker_port=1)
    assert s.tracker_port == 1 and s.tracker_point_dims == 2


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"AURA_TRACKER_PORT": "eighty"}, "AURA_TRACKER_PORT"),
        ({"AURA_TRACKER_LATENESS_S": "nan"}, "AURA_TRACKER_LATENESS_S"),
        ({"AURA_ACCEPT_NAIVE_TS": "maybe"}, "AURA_ACCEPT_NAIVE_TS"),
        ({"AURA_TRACKER_POINT_DIMS": "4"}, "AURA_TRACKER_POINT_DIMS"),
        ({"AURA_OTEL_EXPORTER": "zipkin"}, "AURA_OTEL_EXPORTER"),
    ],
)
def test_bad_values_fail_fast_naming_the_variable(env, name):
    with pytest.raises(SettingsError, match=name):
        TrackerSettings.from_env(env)


def test_common_settings_alone():
    assert CommonSettings.from_env({}).otel_exporter == "none"
