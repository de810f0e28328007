"""What the write side publishes for StreamEvents (see ../EVENTS.md): closed windows
(METRICS_UPDATE) and alerts raised and cleared, as StreamEventsResponse on AURA_EVENTS with
deterministic message ids, so that a replay publishes nothing twice."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aura.analytics.v1 import analytics_pb2 as apb
from services.analytics.adapters.queries import alert_of_row
from services.analytics.adapters.store import ScoredWindow
from services.common.timeutil import ts_from_seconds

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


def alert_event(row: Any, raised: bool) -> tuple[str, bytes, str]:
    """(subject, payload, msg id) of ALERT_RAISED or ALERT_CLEARED."""
    a = alert_of_row(row)
    if raised:
        ev = apb.StreamEventsResponse(
            timestamp=a.raised_at, type=apb.EVENT_TYPE_ALERT_RAISED, alert_raised=a
        )
        return "aura.events.alert.raised", ev.SerializeToString(), f"alert:{a.alert_id}:raised"
    ev = apb.StreamEventsResponse(
        timestamp=a.cleared_at, type=apb.EVENT_TYPE_ALERT_CLEARED, alert_cleared=a
    )
    return "aura.events.alert.cleared", ev.SerializeToString(), f"alert:{a.alert_id}:cleared"
