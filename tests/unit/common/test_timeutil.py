from datetime import UTC, datetime

import pytest

from services.common.errors import ValidationError
from services.common.timeutil import parse_time, ts_from_seconds, ts_micros, ts_seconds


@pytest.mark.parametrize(
    "text",
    ["2025-09-09T11:00:01Z", "2025-09-09T13:00:01+02:00", "2025-09-09T06:00:01-05:00"],
)
def test_aware_times_become_utc(text):
    assert parse_time(text, "t") == datetime(2025, 9, 9, 11, 0, 1, tzinfo=UTC)


def test_naive_is_rejected_with_field_or_read_in_default_zone():
    with pytest.raises(ValidationError) as err:
        parse_time("2025-09-09T11:00:01", "detections[0].timestamp")
    assert err.value.field == "detections[0].timestamp"
    assert parse_time("2025-09-09T11:00:01", "t", True, "UTC").tzinfo is not None


def test_garbage_and_unknown_zone():
    with pytest.raises(ValidationError, match="not an ISO 8601"):
        parse_time("yesterday", "t")
    with pytest.raises(ValidationError, match="AURA_DEFAULT_TZ"):
        parse_time("2025-09-09T11:00:01", "t", True, "Mars/Olympus")


def test_timestamp_round_trip_keeps_microseconds():
    ts = ts_from_seconds(1757415601.123456)
    assert abs(ts_seconds(ts) - 1757415601.123456) < 1e-6
    assert ts_micros(ts) == 1757415601123456
