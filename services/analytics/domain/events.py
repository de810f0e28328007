"""StreamEvents, the pure part: which events a subscriber's filter keeps, and how a message
on one of the subscribed subjects becomes an event (see EVENTS.md).

Filter (aura.analytics.v1.StreamEventsRequest):

- `types`: empty keeps every type; MISSED_EVENTS and HEARTBEAT are always sent.
- `sensor_ids`: of the events tied to sensors — metrics of a key with a sensor, alerts
  (their sensor_ids, or their key's sensor), zone events (their contributing sensors) —
  those tied to one of these sensors. Events tied to no sensor (zone metrics, heatmaps,
  broadcasts, threats) still pass.
- `zone_ids`: of the events tied to zones — zone metrics (zone_id), LANE zone metrics
  (lane of no sensor: the lane id is the LANE zone's id), zone events, alerts with a zone,
  threats with a zone — those tied to one of these zones. Other events still pass.
- An event must pass every filter that is set.
"""

from __future__ import annotations

from dataclasses import dataclass

from google.protobuf.message import DecodeError

from aura.admin.v1 import admin_pb2
from aura.analytics.v1 import analytics_pb2 as pb
from aura.fusion.v1 import fusion_pb2
from services.common.errors import ValidationError

DEFAULT_HEARTBEAT_S, MAX_HEARTBEAT_S = 15, 300

#: Types a client may ask for (MISSED_EVENTS and HEARTBEAT come anyway).
_ALWAYS = frozenset({pb.EVENT_TYPE_MISSED_EVENTS, pb.EVENT_TYPE_HEARTBEAT})
_KNOWN = frozenset(v for v in pb.EventType.values() if v != pb.EVENT_TYPE_UNSPECIFIED)

#: The payload field each type carries.
PAYLOAD = {
    pb.EVENT_TYPE_METRICS_UPDATE: "metrics_update",
    pb.EVENT_TYPE_HEATMAP_UPDATE: "heatmap_update",
    pb.EVENT_TYPE_ALERT_RAISED: "alert_raised",
    pb.EVENT_TYPE_ALERT_ACKNOWLEDGED: "alert_acknowledged",
    pb.EVENT_TYPE_ALERT_CLEARED: "alert_cleared",
    pb.EVENT_TYPE_ADMIN_BROADCAST: "admin_broadcast",
    pb.EVENT_TYPE_ZONE_EVENT: "zone_event",
    pb.EVENT_TYPE_THREAT_CHANGE: "threat_change",
    pb.EVENT_TYPE_MISSED_EVENTS: "missed_events",
    pb.EVENT_TYPE_HEARTBEAT: "heartbeat",
}


@dataclass(frozen=True, slots=True)
class EventFilter:
    types: frozenset[int] = frozenset()
    sensor_ids: frozenset[str] = frozenset()
    zone_ids: frozenset[str] = frozenset()
    heartbeat_s: int = DEFAULT_HEARTBEAT_S


def event_filter(r: pb.StreamEventsRequest) -> EventFilter:
    """Validate a StreamEventsRequest: unknown or UNSPECIFIED types and a heartbeat outside
    1..300 s are INVALID_ARGUMENT (0 is the default, 15 s)."""
    for i, t in enumerate(r.types):
        if t not in _KNOWN:
            raise ValidationError(f"types[{i}]", f"unknown or unspecified event type {t}")
    hb = r.heartbeat_seconds or DEFAULT_HEARTBEAT_S
    if hb > MAX_HEARTBEAT_S:
        raise ValidationError(
            "heartbeat_seconds", f"must be from 1 to {MAX_HEARTBEAT_S}, got {r.heartbeat_seconds}"
        )
    for i, s in enumerate(r.sensor_ids):
        if not s:
            raise ValidationError(f"sensor_ids[{i}]", "must not be empty")
    for i, z in enumerate(r.zone_ids):
        if not z:
            raise ValidationError(f"zone_ids[{i}]", "must not be empty")
    return EventFilter(
        types=frozenset(r.types),
        sensor_ids=frozenset(r.sensor_ids),
        zone_ids=frozenset(r.zone_ids),
        heartbeat_s=hb,
    )


def sensors_of(e: pb.StreamEventsResponse) -> set[str]:
    """The sensors an event is tied to (empty: tied to none)."""
    kind = e.WhichOneof("payload")
    if kind == "metrics_update":
        sid = e.metrics_update.key.sensor_id
        return {sid} if sid else set()
    if kind in ("alert_raised", "alert_acknowledged", "alert_cleared"):
        alert: pb.Alert = getattr(e, kind)
        out = set(alert.sensor_ids)
        if alert.key.sensor_id:
            out.add(alert.key.sensor_id)
        return out
    if kind == "zone_event":
        return set(e.zone_event.sensor_ids)
    return set()


def zones_of(e: pb.StreamEventsResponse) -> set[str]:
    """The zones an event is tied to (empty: tied to none)."""
    kind = e.WhichOneof("payload")
    if kind == "metrics_update":
        key = e.metrics_update.key
        if key.zone_id:
            return {key.zone_id}
        if key.scope == pb.METRICS_SCOPE_LANE and not key.sensor_id and key.lane_id:
            return {key.lane_id}  # a LANE zone's metrics: lane id = zone id
        return set()
    if kind in ("alert_raised", "alert_acknowledged", "alert_cleared"):
        alert: pb.Alert = getattr(e, kind)
        out = {alert.zone_id} if alert.zone_id else set()
        if alert.key.zone_id:
            out.add(alert.key.zone_id)
        if alert.key.scope == pb.METRICS_SCOPE_LANE and not alert.key.sensor_id:
            out.add(alert.key.lane_id)
        return out - {""}
    if kind == "zone_event":
        return {e.zone_event.zone_id}
    if kind == "threat_change":
        return {e.threat_change.zone_id} if e.threat_change.zone_id else set()
    return set()


def matches(f: EventFilter, e: pb.StreamEventsResponse) -> bool:
    if e.type in _ALWAYS:
        return True
    if f.types and e.type not in f.types:
        return False
    if f.sensor_ids:
        tied = sensors_of(e)
        if tied and not tied & f.sensor_ids:
            return False
    if f.zone_ids:
        tied = zones_of(e)
        if tied and not tied & f.zone_ids:
            return False
    return True


class BadEvent(ValueError):
    """A message on a subscribed subject that is not an event (logged, then skipped)."""


def event_from_message(subject: str, data: bytes) -> pb.StreamEventsResponse:
    """The event a message on a subscribed subject stands for (sequence unset)."""
    try:
        if subject.startswith("aura.events."):
            e = pb.StreamEventsResponse.FromString(data)
            e.ClearField("sequence")
            kind = e.WhichOneof("payload")
            if e.type not in _KNOWN or e.type in _ALWAYS or PAYLOAD.get(e.type) != kind:
                raise BadEvent(f"{subject}: type {e.type} does not match payload {kind}")
            return e
        if subject == "aura.broadcast":
            b = admin_pb2.BroadcastMessage.FromString(data)
            out = pb.StreamEventsResponse(type=pb.EVENT_TYPE_ADMIN_BROADCAST, admin_broadcast=b)
            if b.HasField("sent_at"):
                out.timestamp.CopyFrom(b.sent_at)
            return out
        if subject.startswith("aura.zones."):
            z = fusion_pb2.ZoneEvent.FromString(data)
            out = pb.StreamEventsResponse(type=pb.EVENT_TYPE_ZONE_EVENT, zone_event=z)
            if z.HasField("timestamp"):
                out.timestamp.CopyFrom(z.timestamp)
            return out
        if subject == "aura.threats":
            t = fusion_pb2.Threat.FromString(data)
            out = pb.StreamEventsResponse(type=pb.EVENT_TYPE_THREAT_CHANGE, threat_change=t)
            if t.HasField("timestamp"):
                out.timestamp.CopyFrom(t.timestamp)
            return out
    except DecodeError as exc:
        raise BadEvent(f"{subject}: not a valid payload: {exc}") from exc
    raise BadEvent(f"{subject}: not an event subject")


def heatmap_msg_id(bucket_start_us: int) -> str:
    """EVENTS.md: `heatmap:<bucket start, 10 s, us>`."""
    return f"heatmap:{bucket_start_us}"


def ack_msg_id(alert_id: str) -> str:
    """EVENTS.md: `alert:<alert_id>:ack`."""
    return f"alert:{alert_id}:ack"
