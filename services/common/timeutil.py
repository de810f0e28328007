"""The UTC policy: aware times are normalised to UTC; naive ones are rejected unless a
development setting accepts them in a stated zone."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from google.protobuf.timestamp_pb2 import Timestamp

from services.common.errors import ValidationError


def parse_time(
    value: str, field: str, accept_naive: bool = False, default_tz: str = "UTC"
) -> datetime:
    """Parse ISO 8601 / RFC 3339 text into an aware UTC datetime, or raise ValidationError."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValidationError(field, f"{value!r} is not an ISO 8601 time") from exc
    if dt.tzinfo is None:
        if not accept_naive:
            raise ValidationError(
                field,
                f"{value!r} has no time zone; send UTC ('Z') or an offset "
                "(naive times are accepted only with AURA_ACCEPT_NAIVE_TS=1)",
            )
        try:
            dt = dt.replace(tzinfo=ZoneInfo(default_tz))
        except ZoneInfoNotFoundError as exc:
            raise ValidationError(field, f"unknown AURA_DEFAULT_TZ {default_tz!r}") from exc
    return dt.astimezone(UTC)


def to_timestamp(dt: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(dt.astimezone(UTC))
    return ts


def ts_from_seconds(t: float) -> Timestamp:
    ts = Timestamp()
    sec = int(t // 1)
    ts.seconds = sec
    ts.nanos = int(round((t - sec) * 1e9)) % 1_000_000_000
    return ts


def ts_seconds(ts: Timestamp) -> float:
    """Seconds since the epoch as a float (microsecond precision is kept)."""
    return ts.seconds + ts.nanos * 1e-9


def ts_micros(ts: Timestamp) -> int:
    return ts.seconds * 1_000_000 + ts.nanos // 1000
