"""The fusion service's edge: tracker Tracks -> SensorTracks, admin Zones and ThreatRules ->
domain values, domain results -> fusion protos, and the fused-track filter."""

from __future__ import annotations

import numpy as np
import pytest

from aura.admin.v1 import admin_pb2 as apb
from aura.common.v1 import common_pb2 as c
from aura.fusion.v1 import fusion_pb2 as fpb
from services.common.geometry import ImageToGround, Pose
from services.common.timeutil import ts_from_seconds, ts_seconds
from services.fusion.adapters import convert
from services.fusion.domain.engine import Contributor, FusedTrack, FusionEngine
from services.fusion.domain.threats import Threat, ThreatKind
from services.fusion.domain.types import MeasurementKind, TrackStatus
from services.fusion.domain.zones import ZoneKind

# 10 px per metre; v grows downwards, so ground y = 72 - v / 10.
H = [0.1, 0, 0, 0, -0.1, 72, 0, 0, 1]


def camera_track(tid: str = "cam-000001", status: int = c.TRACK_STATUS_CONFIRMED) -> c.Track:
    cov = np.diag(np.arange(1.0, 9.0))
    return c.Track(
        id=tid,
        sensor_id="cam",
        sensor_kind=c.SENSOR_KIND_CAMERA,
        status=status,  # type: ignore[arg-type]
        position=c.Vector3(x=110, y=430),
        velocity=c.Velocity(vx=15, vy=-2),
        covariance=c.Covariance(dim=8, values=cov.ravel().tolist()),
        bbox=c.BoundingBox(x=100, y=400, width=20, height=60),
        class_label="person",
        confidence=0.9,
    )


def radar_track(dim: int = 4) -> c.Track:
    return c.Track(
        id="radar-000007",
        sensor_id="radar",
        sensor_kind=c.SENSOR_KIND_RADAR,
        status=c.TRACK_STATUS_CONFIRMED,
        position=c.Vector3(x=10, y=2, z=1),
        velocity=c.Velocity(vx=1, vy=0.5, vz=0.1),
        covariance=c.Covariance(dim=dim, values=np.eye(dim).ravel().tolist()),
        class_label="car",
        confidence=0.7,
    )


def test_camera_track_becomes_a_box_state_with_its_whole_covariance() -> None:
    st = convert.sensor_track(camera_track(), 100.0)
    assert st.kind is MeasurementKind.BOX
    assert st.key == ("cam", "cam-000001")
    np.testing.assert_allclose(st.mean, [110, 430, 20, 60, 15, -2, 0, 0])
    np.testing.assert_allclose(np.diag(st.cov), np.arange(1.0, 9.0))
    assert (st.t, st.label, st.confidence, st.deleted) == (100.0, "person", 0.9, False)


@pytest.mark.parametrize(("dim", "mean"), [(4, [10, 2, 1, 0.5]), (6, [10, 2, 1, 1, 0.5, 0.1])])
def test_point_track_keeps_its_layout(dim: int, mean: list[float]) -> None:
    st = convert.sensor_track(radar_track(dim), 5.0)
    assert st.kind is MeasurementKind.POINT
    np.testing.assert_allclose(st.mean, mean)
    assert st.cov.shape == (dim, dim)


def test_malformed_tracks_are_refused_with_the_track_named() -> None:
    bad = camera_track()
    bad.covariance.CopyFrom(c.Covariance(dim=4, values=np.eye(4).ravel().tolist()))
    with pytest.raises(ValueError, match="cam-000001.*8x8"):
        convert.sensor_track(bad, 0.0)
    short = radar_track()
    del short.covariance.values[-1]
    with pytest.raises(ValueError, match="radar-000007"):
        convert.sensor_track(short, 0.0)
    nan = radar_track()
    nan.position.x = float("nan")
    with pytest.raises(ValueError, match="non-finite"):
        convert.sensor_track(nan, 0.0)


def test_a_frame_gives_its_confirmed_and_ended_tracks_at_the_frame_time() -> None:
    frame = c.TrackFrame(
        sensor_id="cam",
        frame_id=3,
        timestamp=ts_from_seconds(1_700_000_000.25),
        tracks=[
            camera_track("cam-000001"),
            camera_track("cam-000002", c.TRACK_STATUS_TENTATIVE),
            camera_track("cam-000003", c.TRACK_STATUS_COASTING),
        ],
        deleted_tracks=[camera_track("cam-000004", c.TRACK_STATUS_DELETED)],
    )
    out = convert.frame_tracks(frame)
    assert [(s.track_id, s.deleted) for s in out] == [("cam-000001", False), ("cam-000004", True)]
    assert {s.t for s in out} == {1_700_000_000.25}
    frame.dropped = True
    assert convert.frame_tracks(frame) == []
    assert convert.kinds_of(frame) == {"cam": c.SENSOR_KIND_CAMERA}


def test_a_camera_track_through_the_homography_lands_at_the_feet() -> None:
    """Conversion and engine together: the bottom centre (110, 460) px is (11, 26) m."""
    hom = ImageToGround.from_values(H)
    eng = FusionEngine(geometries={"cam": convert.sensor_frame(apb.Sensor(), None, hom)})
    frame = c.TrackFrame(
        sensor_id="cam", frame_id=1, timestamp=ts_from_seconds(10.0), tracks=[camera_track()]
    )
    res = eng.update(convert.frame_tracks(frame), 10.3)
    (fused,) = res.tracks
    assert fused.x[:2] == pytest.approx([11.0, 26.0])
    assert fused.x[2:] == pytest.approx([1.5, 0.2])  # 15 px/s right, 2 px/s up


def test_a_disabled_sensor_has_no_placement() -> None:
    pose = Pose(0, 0, 0, 90)
    assert convert.sensor_frame(apb.Sensor(enabled=False), pose, None) is None
    placed = convert.sensor_frame(apb.Sensor(), pose, None)
    assert placed is not None and placed.pose == pose and placed.homography is None


def test_zones_convert_with_their_geometry_and_defaults() -> None:
    square = [c.Vector3(x=x, y=y) for x, y in ((0, 0), (10, 0), (10, 10), (0, 10))]
    z = convert.zone(
        apb.Zone(
            zone_id="gate",
            name="Gate",
            kind=apb.ZONE_KIND_PROTECTED,
            polygon=apb.Polygon(vertices=square),
            anchor=c.Vector3(x=5, y=9),
            dwell_threshold_s=30,
            class_labels=["person"],
        )
    )
    assert (z.zone_id, z.name, z.kind, z.enabled) == ("gate", "Gate", ZoneKind.PROTECTED, True)
    np.testing.assert_allclose(z.polygon, [[0, 0], [10, 0], [10, 10], [0, 10]])
    np.testing.assert_allclose(z.anchor_point, [5, 9])
    assert (z.dwell_threshold_s, z.class_labels) == (30.0, ("person",))
    line = convert.zone(
        apb.Zone(
            zone_id="count",
            kind=apb.ZONE_KIND_COUNTING_LINE,
            line=apb.LineSegment(start=c.Vector3(x=0, y=0), end=c.Vector3(x=0, y=5)),
            enabled=False,
        )
    )
    assert line.kind is ZoneKind.COUNTING_LINE and not line.enabled
    np.testing.assert_allclose(line.line, [[0, 0], [0, 5]])
    assert line.polygon is None


def test_zones_that_do_not_fit_their_kind_are_reported_and_left_out() -> None:
    good = apb.Zone(
        zone_id="a",
        kind=apb.ZONE_KIND_MONITORING,
        polygon=apb.Polygon(vertices=[c.Vector3(x=0), c.Vector3(x=1), c.Vector3(y=1)]),
    )
    line_as_polygon = apb.Zone(
        zone_id="b",
        kind=apb.ZONE_KIND_LANE,
        line=apb.LineSegment(start=c.Vector3(), end=c.Vector3(x=1)),
    )
    no_kind = apb.Zone(zone_id="c", polygon=good.polygon)
    errors: list[tuple[str, str]] = []
    out = convert.zones([no_kind, line_as_polygon, good], lambda z, why: errors.append((z, why)))
    assert [z.zone_id for z in out] == ["a"]
    assert [z for z, _ in errors] == ["b", "c"]
    assert "needs a polygon" in errors[0][1] and "unspecified" in errors[1][1]


def test_threat_rules_convert_and_disabled_rules_may_hold_zeros() -> None:
    r = convert.rules(
        apb.ThreatRules(
            protected_zone=apb.ZoneEntryRule(enabled=True, level=4),
            approach=apb.ApproachRule(
                enabled=True,
                level=2,
                min_speed_mps=0.5,
                max_time_to_closest_approach_s=8,
                max_closest_approach_m=3,
            ),
            loitering=apb.LoiteringRule(enabled=False),  # level 0, min_dwell_s 0
            ignored_class_labels=["bird"],
            hold_s=5,
        )
    )
    assert (r.protected_zone.enabled, r.protected_zone.level) == (True, 4)
    a = r.approach
    assert (a.level, a.min_speed_mps, a.max_tca_s, a.max_closest_m) == (2, 0.5, 8.0, 3.0)
    assert not r.loitering.enabled
    assert (r.ignored_class_labels, r.hold_s) == (("bird",), 5.0)
    off = convert.rules(apb.ThreatRules())
    assert not (off.protected_zone.enabled or off.approach.enabled or off.loitering.enabled)
    with pytest.raises(ValueError, match="level"):
        convert.rules(apb.ThreatRules(protected_zone=apb.ZoneEntryRule(enabled=True, level=0)))


def fused(**kw: object) -> FusedTrack:
    base: dict[str, object] = dict(
        global_id="g-000042",
        status=TrackStatus.CONFIRMED,
        x=np.array([3.0, 4.0, 1.0, 0.0]),
        P=np.eye(4) * 0.5,
        label="person",
        confidence=0.8,
        contributors=(
            Contributor("cam", "cam-000001", MeasurementKind.BOX, 99.9),
            Contributor("radar", "radar-000007", MeasurementKind.POINT, 100.0),
        ),
        created_t=90.0,
        t=100.0,
        threat_level=3,
        threat_reason="inside protected zone Gate",
        zone_ids=("gate",),
    )
    base.update(kw)
    return FusedTrack(**base)  # type: ignore[arg-type]


def test_fused_track_proto_carries_state_contributors_site_and_threat() -> None:
    kinds = {"cam": c.SENSOR_KIND_CAMERA, "radar": c.SENSOR_KIND_RADAR}
    p = convert.fused_track(fused(), lambda s: kinds[s], lambda s: "site-" + s)
    assert (p.global_id, p.status, p.class_label) == (
        "g-000042",
        c.TRACK_STATUS_CONFIRMED,
        "person",
    )
    assert (p.position.x, p.position.y, p.velocity.vx, p.velocity.vy) == (3, 4, 1, 0)
    assert (p.speed_mps, p.heading_deg) == (1.0, 90.0)  # moving east
    assert p.covariance.dim == 4 and list(p.covariance.values)[:5] == [0.5, 0, 0, 0, 0]
    assert [(k.sensor_id, k.sensor_kind) for k in p.contributors] == [
        ("cam", c.SENSOR_KIND_CAMERA),
        ("radar", c.SENSOR_KIND_RADAR),
    ]
    assert ts_seconds(p.contributors[0].updated_at) == pytest.approx(99.9)
    assert (ts_seconds(p.created_at), ts_seconds(p.updated_at)) == (90.0, 100.0)
    assert (p.threat_level, p.zone_ids, p.site_id) == (3, ["gate"], "site-cam")


def test_threat_proto_sets_optional_numbers_only_when_known() -> None:
    t = Threat("g-1", 2, 0, ThreatKind.APPROACH, "approaching", "gate", 5.0, (1.0, 2.0), 1.5,
               "car", tca_s=4.0, closest_m=1.0)  # fmt: skip
    p = convert.threat(t, 7, 0.9)
    assert (p.level, p.previous_level, p.kind, p.sequence) == (2, 0, fpb.THREAT_KIND_APPROACH, 7)
    assert p.HasField("time_to_closest_approach_s") and p.HasField("closest_approach_m")
    assert not p.HasField("dwell_s")
    assert (p.position.x, p.position.y, p.confidence) == (1.0, 2.0, 0.9)


def test_filter_matches_every_field_that_is_set() -> None:
    p = convert.fused_track(fused(), lambda s: 0, lambda s: "north")
    f = fpb.FusedTrackFilter
    assert convert.matches(p, f())
    assert convert.matches(p, f(zone_ids=["x", "gate"], class_labels=["person"]))
    assert not convert.matches(p, f(zone_ids=["x"]))
    assert not convert.matches(p, f(class_labels=["car"]))
    assert convert.matches(p, f(sensor_ids=["radar"])) and not convert.matches(
        p, f(sensor_ids=["lidar"])
    )
    assert not convert.matches(p, f(min_threat_level=4)) and convert.matches(
        p, f(min_threat_level=3)
    )
    assert not convert.matches(p, f(min_confidence=0.9))
    assert not convert.matches(p, f(site_id="south"))
    gone = convert.fused_track(fused(status=TrackStatus.DELETED), lambda s: 0, lambda s: "")
    assert not convert.matches(gone, f())
    assert convert.matches(gone, f(statuses=[c.TRACK_STATUS_DELETED]))
