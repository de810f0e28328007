"""The local copy of AURA_CONFIG: sensors, zones and thresholds from KV entries, and the
listeners told which part changed."""

from __future__ import annotations

from aura.admin.v1 import admin_pb2 as apb
from aura.common.v1 import common_pb2 as c
from services.common.registry import Registry, sensor_key


def test_sensors_zones_and_thresholds_follow_puts_and_deletes():
    reg = Registry()
    seen: list[str] = []
    reg.on_change(seen.append)
    sensor = apb.Sensor(sensor_id="site:radar_1", kind=c.SENSOR_KIND_RADAR)
    sensor.pose.position.x = 3.0
    reg.apply(sensor_key(sensor.sensor_id), sensor.SerializeToString())
    zone = apb.Zone(zone_id="gate", name="Gate", kind=apb.ZONE_KIND_PROTECTED)
    reg.apply("zones.gate", zone.SerializeToString())
    th = apb.Thresholds(version=7)
    th.congestion.high_score = 0.6
    reg.apply("thresholds", th.SerializeToString())

    assert reg.get("site:radar_1").pose.x == 3.0
    assert reg.zones["gate"].name == "Gate"
    assert reg.thresholds.version == 7 and reg.thresholds.congestion.high_score == 0.6
    assert seen == ["sensors", "zones", "thresholds"]

    reg.apply(sensor_key("site:radar_1"), None)
    reg.apply("zones.gate", None)
    reg.apply("thresholds", None)
    assert reg.get("site:radar_1") is None and reg.zones == {} and reg.thresholds is None
    assert seen[3:] == ["sensors", "zones", "thresholds"]


def test_a_failing_listener_does_not_stop_the_others_or_the_update():
    reg = Registry()
    seen: list[str] = []

    def broken(part: str) -> None:
        raise RuntimeError("boom")

    reg.on_change(broken)
    reg.on_change(seen.append)
    reg.apply("zones.z1", apb.Zone(zone_id="z1").SerializeToString())
    assert "z1" in reg.zones and seen == ["zones"]


def test_unknown_keys_are_ignored():
    reg = Registry()
    seen: list[str] = []
    reg.on_change(seen.append)
    reg.apply("something.else", b"\x00")
    assert seen == [] and reg.sensors == {} and reg.zones == {}


def test_a_sensor_in_an_active_session_is_attributed_to_it_until_the_session_ends():
    reg = Registry()
    seen: list[str] = []
    reg.on_change(seen.append)
    s = apb.Session(session_id="s-1", name="night run", sensor_ids=["cam_1", "radar_1"])
    reg.apply("sessions.s-1", s.SerializeToString())
    assert reg.session_for("cam_1") == "s-1" and reg.session_for("radar_1") == "s-1"
    assert reg.session_for("lidar_9") == ""
    reg.apply("sessions.s-1", None)
    assert reg.session_for("cam_1") == "" and seen == ["sessions", "sessions"]
