import math

import pytest
from google.protobuf.field_mask_pb2 import FieldMask

from aura.admin.v1 import admin_pb2 as pb
from aura.common.v1 import common_pb2 as c
from services.admin.domain import registry as dom
from services.common.errors import ConflictError, ValidationError

H = [0.1, 0, 0, 0, -0.1, 72, 0, 0, 1]  # 10 px per metre, v down


def v(x, y, z=0.0):
    return c.Vector3(x=x, y=y, z=z)


def square(n=1.0):
    return [v(0, 0), v(n, 0), v(n, n), v(0, n)]


def zone(**kw):
    kw.setdefault("zone_id", "gate_north")
    kw.setdefault("kind", pb.ZONE_KIND_MONITORING)
    if "line" not in kw:
        kw.setdefault("polygon", pb.Polygon(vertices=square()))
    return pb.Zone(**kw)


def camera(**kw):
    kw.setdefault("sensor_id", "cam-1")
    kw.setdefault("kind", c.SENSOR_KIND_CAMERA)
    kw.setdefault("homography", pb.Homography(values=H))
    return pb.Sensor(**kw)


def radar(**kw):
    kw.setdefault("sensor_id", "radar:1")
    kw.setdefault("kind", c.SENSOR_KIND_RADAR)
    kw.setdefault("pose", pb.SensorPose(position=v(1, 2), heading_deg=90))
    return pb.Sensor(**kw)


def field_of(fn, *args):
    with pytest.raises(ValidationError) as err:
        fn(*args)
    return err.value.field


# ----------------------------------------------------------------------------- ids


@pytest.mark.parametrize("bad", ["../x", "a/b", "a\\b", "..", "x..y", "", "a b", "é", "x" * 65])
def test_sensor_ids_with_separators_traversal_or_odd_characters_are_refused(bad):
    assert field_of(dom.check_sensor_id, "sensor_id", bad) == "sensor_id"


@pytest.mark.parametrize("bad", [".cam", "cam."])
def test_sensor_ids_may_not_start_or_end_with_a_dot(bad):
    with pytest.raises(ValidationError, match="not starting or ending"):
        dom.check_sensor_id("sensor_id", bad)


@pytest.mark.parametrize("good", ["cam-1", "radar:north.2", "A_b-c.d:e", "x" * 64])
def test_sensor_ids_accept_the_documented_alphabet(good):
    dom.check_sensor_id("sensor_id", good)


@pytest.mark.parametrize("bad", ["../x", "a/b", "a.b", "a:b", ""])
def test_zone_ids_are_one_subject_token(bad):
    with pytest.raises(ValidationError) as err:
        dom.validate_zone(zone(zone_id=bad))
    assert err.value.field == "zone.zone_id"


def test_traversal_message_names_the_problem():
    with pytest.raises(ValidationError, match=r"must not hold '/'"):
        dom.check_sensor_id("sensor_id", "../etc")


# ------------------------------------------------------------------------- sensors


def test_valid_camera_and_radar_pass():
    dom.validate_sensor(camera())
    dom.validate_sensor(radar())


@pytest.mark.parametrize("kind", [c.SENSOR_KIND_UNSPECIFIED, 99])
def test_unknown_or_unspecified_sensor_kind_is_refused(kind):
    s = pb.Sensor(sensor_id="s1")
    s.kind = kind
    assert field_of(dom.validate_sensor, s) == "sensor.kind"


@pytest.mark.parametrize("axis", ["x", "y", "z"])
def test_non_finite_pose_position_is_refused(axis):
    s = radar()
    setattr(s.pose.position, axis, math.nan)
    assert field_of(dom.validate_sensor, s) == f"sensor.pose.position.{axis}"


@pytest.mark.parametrize("heading", [math.inf, -1.0, 361.0])
def test_heading_must_be_finite_and_within_a_turn(heading):
    s = radar()
    s.pose.heading_deg = heading
    assert field_of(dom.validate_sensor, s) == "sensor.pose.heading_deg"


@pytest.mark.parametrize(
    "values, match",
    [
        ([1, 0, 0, 0, 1, 0, 0, 0, 0], "singular"),  # third row zero
        ([1, 2, 3, 2, 4, 6, 0, 0, 1], "singular|ill-conditioned"),  # dependent rows
        ([1e9, 0, 0, 0, 1e-9, 0, 0, 0, 1], "ill-conditioned"),
        ([1, 0, 0, 0, 1, 0, 0, 0], "9 values"),
        ([1, 0, 0, 0, math.nan, 0, 0, 0, 1], "finite"),
    ],
)
def test_singular_ill_conditioned_or_malformed_homography_is_refused(values, match):
    with pytest.raises(ValidationError, match=match) as err:
        dom.validate_sensor(camera(homography=pb.Homography(values=values)))
    assert err.value.field == "sensor.homography.values"


def test_homography_on_a_radar_is_refused():
    s = radar(homography=pb.Homography(values=H))
    assert field_of(dom.validate_sensor, s) == "sensor.homography"


@pytest.mark.parametrize(
    "field, value",
    [("expected_rate_hz", -1.0), ("expected_rate_hz", math.nan), ("expected_delay_ms", -5.0)],
)
def test_rates_and_delays_are_finite_and_not_negative(field, value):
    s = radar()
    setattr(s, field, value)
    assert field_of(dom.validate_sensor, s) == f"sensor.{field}"


def test_fusable_needs_a_homography_for_a_camera_and_a_pose_otherwise():
    assert dom.is_fusable(camera())
    assert not dom.is_fusable(camera(homography=None, pose=pb.SensorPose(position=v(1, 1))))
    assert dom.is_fusable(radar())
    assert not dom.is_fusable(radar(pose=None))


# --------------------------------------------------------------------------- zones


def test_a_square_and_a_concave_polygon_pass():
    dom.validate_zone(zone())
    concave = [v(0, 0), v(3, 0), v(3, 3), v(0, 3), v(0, 2), v(1, 1.5), v(0, 1)]
    dom.validate_zone(zone(polygon=pb.Polygon(vertices=concave)))


def test_a_bow_tie_polygon_is_refused_naming_the_field():
    bow_tie = [v(0, 0), v(1, 1), v(1, 0), v(0, 1)]
    with pytest.raises(ValidationError, match="intersects itself") as err:
        dom.validate_zone(zone(polygon=pb.Polygon(vertices=bow_tie)))
    assert err.value.field == "zone.polygon.vertices"


@pytest.mark.parametrize(
    "pts",
    [
        [(0, 0), (2, 0), (2, 2), (1, 0), (0, 2)],  # a vertex touching another edge
        [(0, 0), (4, 0), (4, 4), (2, 4), (2, -1), (0, 4)],  # edges crossing far apart
        [(0, 0), (2, 0), (1, 0), (1, 1)],  # an edge folding back onto its neighbour
    ],
)
def test_touching_crossing_or_folding_edges_are_self_intersections(pts):
    with pytest.raises(ValidationError, match="intersects itself"):
        dom.check_polygon("p", [v(x, y) for x, y in pts])


@pytest.mark.parametrize("n", [0, 1, 2])
def test_polygons_need_three_vertices(n):
    with pytest.raises(ValidationError, match="at least 3") as err:
        dom.validate_zone(zone(polygon=pb.Polygon(vertices=square()[:n])))
    assert err.value.field == "zone.polygon.vertices"


def test_nan_vertex_is_refused_with_its_index():
    pts = square()
    pts[2] = v(math.nan, 1)
    with pytest.raises(ValidationError, match="finite") as err:
        dom.validate_zone(zone(polygon=pb.Polygon(vertices=pts)))
    assert err.value.field == "zone.polygon.vertices[2].x"


def test_repeated_closing_vertex_and_collinear_polygons_are_refused():
    with pytest.raises(ValidationError, match="repeats the first"):
        dom.check_polygon("p", [*square(), v(0, 0)])
    with pytest.raises(ValidationError, match="no area"):
        dom.check_polygon("p", [v(0, 0), v(1, 1), v(2, 2)])


def test_large_simple_polygon_is_checked_quickly():
    n = 500
    t = [2 * math.pi * k / n for k in range(n)]
    dom.check_polygon("p", [v(10 * math.cos(a), 10 * math.sin(a)) for a in t])


def test_geometry_must_fit_the_kind():
    line = pb.LineSegment(start=v(0, 0), end=v(5, 0))
    assert field_of(dom.validate_zone, zone(kind=pb.ZONE_KIND_COUNTING_LINE)) == "zone.line"
    assert field_of(dom.validate_zone, zone(line=line)) == "zone.polygon"
    dom.validate_zone(zone(kind=pb.ZONE_KIND_COUNTING_LINE, line=line))
    zero = pb.LineSegment(start=v(1, 1, 0), end=v(1, 1, 5))
    with pytest.raises(ValidationError, match="zero length"):
        dom.validate_zone(zone(kind=pb.ZONE_KIND_COUNTING_LINE, line=zero))


def test_unspecified_zone_kind_and_stray_anchor_are_refused():
    assert field_of(dom.validate_zone, zone(kind=pb.ZONE_KIND_UNSPECIFIED)) == "zone.kind"
    assert field_of(dom.validate_zone, zone(anchor=v(1, 1))) == "zone.anchor"
    dom.validate_zone(zone(kind=pb.ZONE_KIND_PROTECTED, anchor=v(1, 1)))


# ---------------------------------------------------------------------- thresholds


def thresholds():
    t = pb.Thresholds()
    t.CopyFrom(dom.DEFAULT_THRESHOLDS)
    return t


def test_the_seeded_defaults_are_valid():
    dom.validate_thresholds(dom.DEFAULT_THRESHOLDS)


@pytest.mark.parametrize(
    "field, value",
    [
        ("high_score", 0.3),  # below moderate 0.4
        ("severe_score", 0.6),  # equal to high
        ("moderate_score", 0.0),
        ("severe_score", 1.5),
    ],
)
def test_congestion_levels_out_of_order_or_out_of_range_are_refused(field, value):
    t = thresholds()
    setattr(t.congestion, field, value)
    assert field_of(dom.validate_thresholds, t) == f"thresholds.congestion.{field}"


def test_out_of_order_message_says_so():
    t = thresholds()
    t.congestion.high_score = 0.3
    with pytest.raises(ValidationError, match="out of order"):
        dom.validate_thresholds(t)


@pytest.mark.parametrize("field", ["free_flow_speed_mps", "capacity_per_window", "speed_weight"])
def test_non_finite_threshold_numbers_are_refused(field):
    t = thresholds()
    setattr(t.congestion, field, math.inf)
    assert field_of(dom.validate_thresholds, t) == f"thresholds.congestion.{field}"


def test_weights_may_not_all_be_zero_and_overrides_are_checked_by_key():
    t = thresholds()
    t.congestion.speed_weight = t.congestion.occupancy_weight = t.congestion.count_weight = 0
    assert field_of(dom.validate_thresholds, t) == "thresholds.congestion.speed_weight"
    t = thresholds()
    t.congestion_overrides["lane_1"].CopyFrom(t.congestion)
    t.congestion_overrides["lane_1"].severe_score = 0.1
    assert field_of(dom.validate_thresholds, t) == (
        "thresholds.congestion_overrides[lane_1].severe_score"
    )
    t = thresholds()
    t.congestion_overrides["../x"].CopyFrom(t.congestion)
    assert field_of(dom.validate_thresholds, t) == "thresholds.congestion_overrides[../x]"


def test_threat_levels_and_rule_numbers_are_in_range():
    t = thresholds()
    t.threat_rules.protected_zone.level = 5
    assert field_of(dom.validate_thresholds, t) == "thresholds.threat_rules.protected_zone.level"
    t = thresholds()
    t.threat_rules.loitering.min_dwell_s = 0
    assert field_of(dom.validate_thresholds, t) == "thresholds.threat_rules.loitering.min_dwell_s"
    t = thresholds()
    t.alert_rules.min_threat_level = 7
    assert field_of(dom.validate_thresholds, t) == "thresholds.alert_rules.min_threat_level"
    t = thresholds()
    t.threat_rules.hold_s = -1
    assert field_of(dom.validate_thresholds, t) == "thresholds.threat_rules.hold_s"


def test_new_thresholds_drop_output_only_fields():
    t = thresholds()
    t.version, t.updated_by = 4, "x"
    out = dom.new_thresholds(t)
    assert out.version == 0 and out.updated_by == "" and out.congestion == t.congestion


def test_missing_congestion_is_refused():
    assert field_of(dom.validate_thresholds, pb.Thresholds()) == "thresholds.congestion"


# --------------------------------------------------------------- masks and versions


def test_masked_update_changes_only_the_masked_fields():
    current = dom.new_sensor(radar(name="old", expected_rate_hz=10, labels={"a": "1"}))
    current.version = 3
    patch = pb.Sensor(name="new", expected_rate_hz=20, enabled=False)
    paths = dom.mask_paths(
        FieldMask(paths=["expectedRateHz", "enabled"]), pb.Sensor, dom.SENSOR_WRITABLE
    )
    assert paths == ["expected_rate_hz", "enabled"]
    out = dom.merge_sensor(current, patch, paths)
    assert (out.name, out.expected_rate_hz, out.enabled) == ("old", 20, False)
    assert out.labels == {"a": "1"} and out.HasField("pose") and out.version == 0


def test_sub_field_mask_and_enabled_defaulting_to_true():
    current = dom.new_sensor(radar(enabled=False))
    patch = pb.Sensor(pose=pb.SensorPose(heading_deg=180))
    out = dom.merge_sensor(current, patch, ["pose.heading_deg", "enabled"])
    assert out.pose.heading_deg == 180 and out.pose.position.x == 1
    assert out.enabled  # masked but unset: true, as on create


def test_empty_mask_replaces_every_writable_field():
    current = dom.new_sensor(radar(name="old", labels={"a": "1"}))
    out = dom.merge_sensor(current, pb.Sensor(kind=c.SENSOR_KIND_LIDAR), [])
    assert out.sensor_id == "radar:1" and out.kind == c.SENSOR_KIND_LIDAR
    assert not out.HasField("pose") and out.name == "" and not out.labels and out.enabled


def test_zone_mask_switches_the_geometry():
    current = dom.new_zone(zone(), "z1")
    line = pb.LineSegment(start=v(0, 0), end=v(1, 0))
    patch = pb.Zone(kind=pb.ZONE_KIND_COUNTING_LINE, line=line)
    out = dom.merge_zone(current, patch, ["kind", "line"])
    assert out.WhichOneof("geometry") == "line"
    dom.validate_zone(out)


@pytest.mark.parametrize("path", ["sensor_id", "version", "updated_by", "nope", "labels.a"])
def test_mask_paths_outside_the_writable_fields_are_refused(path):
    with pytest.raises(ValidationError) as err:
        dom.mask_paths(FieldMask(paths=[path]), pb.Sensor, dom.SENSOR_WRITABLE)
    assert err.value.field == "update_mask"


def test_versions():
    with pytest.raises(ValidationError, match="required"):
        dom.require_version(0)
    dom.check_version("x", 3, 3)
    dom.check_version("x", 3, 0)  # deletes may leave it out
    with pytest.raises(ConflictError, match="version 4, not 3"):
        dom.check_version("x", 4, 3)


def test_ids_in_path_and_body_must_agree():
    assert dom.same_id("sensor.sensor_id", "a", "") == "a"
    assert dom.same_id("sensor.sensor_id", "", "b") == "b"
    assert field_of(dom.same_id, "sensor.sensor_id", "a", "b") == "sensor.sensor_id"


def test_output_only_fields_are_dropped_and_enabled_defaults_to_true():
    s = camera(version=9, updated_by="mallory")
    out = dom.new_sensor(s)
    assert out.version == 0 and out.updated_by == "" and out.enabled


# -------------------------------------------------------------------------- paging


def test_page_tokens_round_trip_and_bad_ones_are_refused():
    assert dom.decode_page_token(dom.encode_page_token("radar:9")) == "radar:9"
    assert dom.decode_page_token("") == ""
    for bad in ("!!!", dom.encode_page_token("../x")):
        assert field_of(dom.decode_page_token, bad) == "page_token"
    assert dom.page_size(0) == 100 and dom.page_size(5000) == 1000 and dom.page_size(7) == 7


# ----------------------------------------------------------------------- broadcast


def test_broadcast_defaults_and_limits():
    msg = dom.broadcast_message(pb.BroadcastRequest(text=" hi "), "b1", "ops", 1000.0)
    assert msg.text == "hi" and msg.severity == pb.BROADCAST_SEVERITY_INFO
    assert msg.expires_at.seconds - msg.sent_at.seconds == 300 and msg.sender == "ops"
    assert field_of(dom.broadcast_message, pb.BroadcastRequest(text=" "), "b", "s", 0.0) == "text"
    long = pb.BroadcastRequest(text="x", ttl_seconds=100_000)
    assert field_of(dom.broadcast_message, long, "b", "s", 0.0) == "ttl_seconds"


# -------------------------------------------------------------------------- status

NOW = 1_760_000_000.0


def test_sensor_without_pose_is_kept_out_of_fusion():
    st = dom.sensor_status(radar(pose=None), dom.SensorActivity(True, NOW - 1, 10.0), NOW)
    assert st.state == pb.HEALTH_STATE_DEGRADED and not st.fusable
    assert "kept out of fusion" in st.detail


def test_sensor_states():
    ok = dom.sensor_status(radar(expected_rate_hz=10), dom.SensorActivity(True, NOW, 9.0), NOW)
    assert ok.state == pb.HEALTH_STATE_OK and ok.detail == "" and ok.fusable
    slow = dom.sensor_status(radar(expected_rate_hz=10), dom.SensorActivity(True, NOW, 2.0), NOW)
    assert slow.state == pb.HEALTH_STATE_DEGRADED and "slow" in slow.detail
    silent = dom.sensor_status(radar(), dom.SensorActivity(True, NOW - 60, 0.0), NOW)
    assert silent.state == pb.HEALTH_STATE_DOWN and "silent for 60 s" in silent.detail
    never = dom.sensor_status(radar(), dom.SensorActivity(True), NOW)
    assert never.state == pb.HEALTH_STATE_DOWN
    off = dom.sensor_status(radar(enabled=False), dom.SensorActivity(True, NOW, 9.0), NOW)
    assert off.state == pb.HEALTH_STATE_DOWN and "disabled" in off.detail
    unknown = dom.sensor_status(radar(), dom.SensorActivity(False), NOW)
    assert unknown.state == pb.HEALTH_STATE_DEGRADED and "not checked" in unknown.detail


def test_worst():
    assert dom.worst([]) == pb.HEALTH_STATE_OK
    assert dom.worst([pb.HEALTH_STATE_OK, pb.HEALTH_STATE_DEGRADED]) == pb.HEALTH_STATE_DEGRADED
    assert dom.worst([pb.HEALTH_STATE_DOWN, pb.HEALTH_STATE_DEGRADED]) == pb.HEALTH_STATE_DOWN
    assert dom.worst([pb.HEALTH_STATE_UNSPECIFIED]) == pb.HEALTH_STATE_DEGRADED
