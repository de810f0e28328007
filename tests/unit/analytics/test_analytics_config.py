import pytest

from services.analytics.config import AnalyticsSettings
from services.common.config import SettingsError


def test_defaults_are_valid() -> None:
    s = AnalyticsSettings.from_env({})
    assert s.analytics_window_s == 5.0
    assert s.analytics_retention_detections_h == 24.0
    assert s.analytics_retention_metrics_d == 30.0


def test_from_env() -> None:
    s = AnalyticsSettings.from_env(
        {"AURA_ANALYTICS_WINDOW_S": "10", "AURA_ANALYTICS_DURABLE_PREFIX": "analytics-b"}
    )
    assert s.analytics_window_s == 10.0 and s.analytics_durable_prefix == "analytics-b"


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"AURA_ANALYTICS_WINDOW_S": "0"}, "AURA_ANALYTICS_WINDOW_S"),
        ({"AURA_ANALYTICS_ALLOWED_LATENESS_S": "-1"}, "AURA_ANALYTICS_ALLOWED_LATENESS_S"),
        ({"AURA_ANALYTICS_RETENTION_BATCH": "0"}, "AURA_ANALYTICS_RETENTION_BATCH"),
        # acks are held for a window + lateness + idle time: ack_wait must be longer
        ({"AURA_ANALYTICS_ACK_WAIT_S": "15"}, "AURA_ANALYTICS_ACK_WAIT_S"),
        ({"AURA_ANALYTICS_DURABLE_PREFIX": "a.b"}, "AURA_ANALYTICS_DURABLE_PREFIX"),
    ],
)
def test_bad_values_name_the_variable(env: dict[str, str], names: str) -> None:
    with pytest.raises(SettingsError, match=names):
        AnalyticsSettings.from_env(env)
