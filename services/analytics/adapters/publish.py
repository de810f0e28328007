"""What the write side publishes for StreamEvents (see ../EVENTS.md): closed windows
(METRICS_UPDATE) and alerts raised and cleared, as StreamEventsResponse on AURA_EVENTS with
deterministic message ids, so that a replay publishes nothing twice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aura.analytics.v1 import analytics_pb2 as apb
from aura.common.v1 import common_pb2 as c
from services.analytics.adapters.store import ScoredWindow
from services.common.timeutil import to_timestamp, ts_from_seconds

Publish = Callable[[str, bytes, str], Awaitable[Any]]


def _us(t: float) -> int:
    return round(t * 1_000_000)


def window_pb(w: ScoredWindow) -> apb.WindowMetrics:
    r = w.result
    k = r.key
    return apb.WindowMetrics(
        key=apb.MetricsKey(
            scope=k.scope, sensor_id=k.sensor_id, zone_id=k.zone_id, lane_id=k.lane_id
        ),
        window_start=ts_from_seconds(r.start_s),
        window_end=ts_from_seconds(r.end_s),
        detection_count=r.detection_count,
        counts_by_class=r.counts_by_class,
        unique_tracks=r.unique_tracks,
        unique_tracks_by_class=r.unique_tracks_by_class,
        mean_speed_mps=r.mean_speed_mps,
        p85_speed_mps=r.p85_speed_mps,
        speed_source=r.speed_source,
        occupancy=r.occupancy,
        congestion_level=w.congestion_level,
        congestion_score=w.congestion_score,
    )


def metrics_event(w: ScoredWindow) -> tuple[str, bytes, str]:
    """(subject, payload, msg id) of a closed window's METRICS_UPDATE."""
    r = w.result
    k = r.key
    ev = apb.StreamEventsResponse(
        timestamp=ts_from_seconds(r.end_s),
        type=apb.EVENT_TYPE_METRICS_UPDATE,
        metrics_update=window_pb(w),
    )
    msg_id = f"metrics:{k.scope_name}:{k.sensor_id}:{k.zone_id}:{k.lane_id}:{_us(r.start_s)}"
    return f"aura.events.metrics.{k.scope_name}", ev.SerializeToString(), msg_id


def _ts(value: datetime | None) -> Any:
    return to_timestamp(value) if value is not None else None


def alert_pb(row: Any) -> apb.Alert:
    """An alerts row as the proto."""
    a = apb.Alert(
        alert_id=row["alert_id"],
        kind=row["kind"],
        severity=row["severity"],
        state=row["state"],
        title=row["title"],
        detail=row["detail"],
        sensor_ids=list(row["sensor_ids"]),
        zone_id=row["zone_id"],
        global_id=row["global_id"],
        congestion_level=row["congestion_level"],
        congestion_score=row["congestion_score"],
        threat_level=row["threat_level"],
        raised_at=to_timestamp(row["raised_at"]),
        last_seen_at=to_timestamp(row["last_seen_at"]),
        occurrences=row["occurrences"],
        acknowledged=row["acknowledged_at"] is not None,
        acknowledged_by=row["acknowledged_by"],
        acknowledge_comment=row["acknowledge_comment"],
        session_id=row["session_id"],
    )
    if row["scope"]:
        a.key.CopyFrom(
            apb.MetricsKey(
                scope=row["scope"],
                sensor_id=row["sensor_id"],
                zone_id=row["zone_id"],
                lane_id=row["lane_id"],
            )
        )
    if row["x"] is not None and row["y"] is not None:
        a.position.CopyFrom(c.Vector3(x=row["x"], y=row["y"]))
    if row["cleared_at"] is not None:
        a.cleared_at.CopyFrom(to_timestamp(row["cleared_at"]))
    if row["acknowledged_at"] is not None:
        a.acknowledged_at.CopyFrom(to_timestamp(row["acknowledged_at"]))
    return a


def alert_event(row: Any, raised: bool) -> tuple[str, bytes, str]:
    """(subject, payload, msg id) of ALERT_RAISED or ALERT_CLEARED."""
    a = alert_pb(row)
    if raised:
        ev = apb.StreamEventsResponse(
            timestamp=a.raised_at, type=apb.EVENT_TYPE_ALERT_RAISED, alert_raised=a
        )
        return "aura.events.alert.raised", ev.SerializeToString(), f"alert:{a.alert_id}:raised"
    ev = apb.StreamEventsResponse(
        timestamp=a.cleared_at, type=apb.EVENT_TYPE_ALERT_CLEARED, alert_cleared=a
    )
    return "aura.events.alert.cleared", ev.SerializeToString(), f"alert:{a.alert_id}:cleared"
