"""StreamEvents filters and the subject → event conversion."""

from __future__ import annotations

import pytest

from aura.admin.v1 import admin_pb2
from aura.analytics.v1 import analytics_pb2 as pb
from aura.fusion.v1 import fusion_pb2
from services.analytics.domain import events as ev
from services.common.errors import ValidationError

E = pb.StreamEventsResponse


def metrics(scope: int, sensor: str = "", zone: str = "", lane: str = "") -> E:
    key = pb.MetricsKey(scope=scope, sensor_id=sensor, zone_id=zone, lane_id=lane)
    return E(type=pb.EVENT_TYPE_METRICS_UPDATE, metrics_update=pb.WindowMetrics(key=key))


SENSOR = metrics(1, "s1")
ZONE = metrics(2, zone="z1")
LANE_ZONE = metrics(3, zone="l1", lane="l1")
ALERT = E(
    type=pb.EVENT_TYPE_ALERT_RAISED,
    alert_raised=pb.Alert(alert_id="a", sensor_ids=["s2"], zone_id="z2"),
)
ZONE_EVENT = E(
    type=pb.EVENT_TYPE_ZONE_EVENT,
    zone_event=fusion_pb2.ZoneEvent(zone_id="z1", sensor_ids=["s1", "s3"]),
)
THREAT = E(type=pb.EVENT_TYPE_THREAT_CHANGE, threat_change=fusion_pb2.Threat(zone_id="z2"))
BROADCAST = E(
    type=pb.EVENT_TYPE_ADMIN_BROADCAST, admin_broadcast=admin_pb2.BroadcastMessage(text="hi")
)
HEARTBEAT = E(type=pb.EVENT_TYPE_HEARTBEAT, heartbeat=pb.Heartbeat(interval_seconds=1))
ALL = {
    "sensor": SENSOR,
    "zone": ZONE,
    "lane_zone": LANE_ZONE,
    "alert": ALERT,
    "zone_event": ZONE_EVENT,
    "threat": THREAT,
    "broadcast": BROADCAST,
    "heartbeat": HEARTBEAT,
}


def kept(**req) -> set[str]:
    f = ev.event_filter(pb.StreamEventsRequest(**req))
    return {name for name, e in ALL.items() if ev.matches(f, e)}


def test_filters():
    assert kept() == set(ALL)
    assert kept(types=[pb.EVENT_TYPE_ALERT_RAISED]) == {"alert", "heartbeat"}
    assert kept(sensor_ids=["s1"]) == set(ALL) - {"alert"}
    assert kept(sensor_ids=["s2"]) == set(ALL) - {"sensor", "zone_event"}
    assert kept(zone_ids=["z1"]) == set(ALL) - {"lane_zone", "alert", "threat"}
    assert kept(zone_ids=["l1"]) == set(ALL) - {"zone", "alert", "threat", "zone_event"}
    both = kept(sensor_ids=["s3"], zone_ids=["z1"], types=[pb.EVENT_TYPE_ZONE_EVENT])
    assert both == {"zone_event", "heartbeat"}


def test_filter_validation():
    assert ev.event_filter(pb.StreamEventsRequest()).heartbeat_s == 15
    assert ev.event_filter(pb.StreamEventsRequest(heartbeat_seconds=300)).heartbeat_s == 300
    for req, field in (
        (pb.StreamEventsRequest(types=[0]), "types[0]"),
        (pb.StreamEventsRequest(types=[1, 99]), "types[1]"),
        (pb.StreamEventsRequest(heartbeat_seconds=301), "heartbeat_seconds"),
        (pb.StreamEventsRequest(sensor_ids=[""]), "sensor_ids[0]"),
    ):
        with pytest.raises(ValidationError) as err:
            ev.event_filter(req)
        assert err.value.field == field


def test_messages_become_events():
    e = ev.event_from_message("aura.events.metrics.sensor", SENSOR.SerializeToString())
    assert e == SENSOR
    z = fusion_pb2.ZoneEvent(event_id="x", zone_id="z1")
    z.timestamp.seconds = 100
    e = ev.event_from_message("aura.zones.z1", z.SerializeToString())
    assert e.type == pb.EVENT_TYPE_ZONE_EVENT and e.zone_event == z and e.timestamp.seconds == 100
    e = ev.event_from_message("aura.threats", fusion_pb2.Threat(global_id="g").SerializeToString())
    assert e.type == pb.EVENT_TYPE_THREAT_CHANGE and e.threat_change.global_id == "g"
    e = ev.event_from_message("aura.broadcast", BROADCAST.admin_broadcast.SerializeToString())
    assert e.type == pb.EVENT_TYPE_ADMIN_BROADCAST and e.admin_broadcast.text == "hi"
    wrong = E(type=pb.EVENT_TYPE_ALERT_RAISED, metrics_update=pb.WindowMetrics())
    for subject, data in (
        ("aura.events.alert.raised", wrong.SerializeToString()),
        ("aura.events.x", HEARTBEAT.SerializeToString()),  # only the servicer makes these
        ("aura.events.x", b"\xff\xff"),
        ("aura.other", b""),
    ):
        with pytest.raises(ev.BadEvent):
            ev.event_from_message(subject, data)
    assert ev.heatmap_msg_id(10_000_000) == "heatmap:10000000"
    assert ev.ack_msg_id("a-1") == "alert:a-1:ack"
