"""FusionEngine: refusal of sensors without geometry, lateness, state round trip, zones and
threats through the engine, duplicate merge, config validation."""

from __future__ import annotations

import json

import numpy as np
import pytest

from services.common.geometry import Pose
from services.fusion.domain.engine import FusionConfig, FusionEngine
from services.fusion.domain.threats import ThreatKind, ThreatRules
from services.fusion.domain.to_world import SensorFrame
from services.fusion.domain.types import MeasurementKind, SensorTrack, TrackStatus
from services.fusion.domain.zones import Zone, ZoneEventType, ZoneKind

GEO = {"radar": SensorFrame(pose=Pose(0, 0, 0, 90.0)),
       "lidar": SensorFrame(pose=Pose(0, 0, 0, 90.0))}  # fmt: skip
COV = np.diag([0.1, 0.1, 0.05, 0.05])


def pt(sensor: str, tid: str, t: float, x: float, y: float = 0.0, vx: float = 1.0) -> SensorTrack:
    return SensorTrack(sensor, tid, t, MeasurementKind.POINT, np.array([x, y, vx, 0.0]), COV,
                       "person", 0.8)  # fmt: skip


def test_sensor_without_geometry_is_refused_not_fused() -> None:
    eng = FusionEngine(geometries={**GEO, "cam-x": SensorFrame()})
    box = SensorTrack("cam-x", "cam-x-000001", 0.0, MeasurementKind.BOX, np.ones(8), np.eye(8))
    res = eng.update([box, pt("unknown", "u-1", 0.0, 1.0), pt("radar", "r-1", 0.0, 1.0)], 0.3)
    assert res.refused_sensors == ("cam-x", "unknown")
    assert [c.sensor_id for f in res.tracks for c in f.contributors] == ["radar"]


def test_late_state_within_lateness_is_fused_at_its_time() -> None:
    eng = FusionEngine(FusionConfig(lateness_s=0.3), GEO)
    eng.update([pt("radar", "r-1", 0.0, 0.0)], 0.3)
    # The lidar's state for t = 0.12 arrives at 0.45 (330 ms late), after the radar's 0.2.
    eng.update([pt("radar", "r-1", 0.2, 0.2)], 0.4)
    res = eng.update([pt("lidar", "l-1", 0.12, 0.12)], 0.45)
    [f] = res.tracks
    assert {c.sensor_id for c in f.contributors} == {"radar", "lidar"}
    assert res.t == pytest.approx(0.15) and res.late == 0
    np.testing.assert_allclose(f.x[:2], [0.15, 0.0], atol=1e-9)


def test_fusion_time_never_goes_backwards() -> None:
    eng = FusionEngine(geometries=GEO)
    assert eng.update([], 10.0).t == pytest.approx(9.7)
    assert eng.update([], 5.0).t == pytest.approx(9.7)


def test_state_round_trip_continues_identically() -> None:
    zones = [Zone("z", ZoneKind.MONITORING, polygon=np.array([[2, -5], [8, -5], [8, 5],
                                                              [2, 5]], float))]  # fmt: skip
    a = FusionEngine(FusionConfig(), GEO, zones)
    feed = [[pt("radar", "r-1", 0.1 * k, 0.1 * k), pt("lidar", "l-1", 0.1 * k, 0.1 * k + 0.05),
             pt("radar", "r-2", 0.1 * k, 20.0 - 0.1 * k, vx=-1.0)] for k in range(60)]  # fmt: skip
    for k in range(30):
        a.update(feed[k], 0.1 * k + 0.3)
    b = FusionEngine.from_state(json.loads(json.dumps(a.to_state())), GEO, zones)
    for k in range(30, 60):
        ra, rb = a.update(feed[k], 0.1 * k + 0.3), b.update(feed[k], 0.1 * k + 0.3)
        assert [f.global_id for f in ra.tracks] == [f.global_id for f in rb.tracks]
        for fa, fb in zip(ra.tracks, rb.tracks, strict=True):
            np.testing.assert_allclose(fa.x, fb.x)
            assert fa.contributors == fb.contributors
        assert [e.event_id for e in ra.zone_events] == [e.event_id for e in rb.zone_events]
        assert ra.sequence == rb.sequence and ra.new_ids == rb.new_ids == []
    with pytest.raises(ValueError, match="version"):
        FusionEngine.from_state({"version": 99})


def test_zone_events_and_threat_changes_through_the_engine() -> None:
    gate = Zone("gate", ZoneKind.PROTECTED, polygon=np.array([[5, -2], [8, -2], [8, 2], [5, 2]],
                                                             float))  # fmt: skip
    eng = FusionEngine(FusionConfig(lateness_s=0.0), GEO, [gate], ThreatRules())
    events, threats = [], []
    for k in range(100):
        t = 0.1 * k
        res = eng.update([pt("radar", "r-1", t, t)], t)
        events += res.zone_events
        threats += res.threats
    assert [e.type for e in events] == [ZoneEventType.ENTER, ZoneEventType.EXIT]
    assert events[0].t == pytest.approx(5.0, abs=0.11) and events[1].t == pytest.approx(
        8.0, abs=0.11
    )
    assert events[1].dwell_s == pytest.approx(3.0, abs=0.11)
    steps = [(th.previous_level, th.level, th.kind) for th in threats]
    assert steps[0][:2] == (0, 2) and steps[0][2] is ThreatKind.APPROACH
    assert (0, 3) not in [s[:2] for s in steps]  # levels move from the current one
    assert (2, 3, ThreatKind.PROTECTED_ZONE) in steps and steps[-1][1] == 0
    assert len(steps) == len({(s, th.t) for s, th in zip(steps, threats, strict=True)})


def test_duplicates_from_disjoint_sensors_are_merged_into_the_older_id() -> None:
    eng = FusionEngine(FusionConfig(max_gate_m=0.5), GEO)  # pre-gate too tight to associate
    eng.update([pt("radar", "r-1", 0.0, 0.0)], 0.3)
    res = eng.update([pt("radar", "r-1", 0.1, 0.1), pt("lidar", "l-1", 0.1, 0.8)], 0.4)
    assert [f.global_id for f in res.tracks] == ["g-000001"]
    assert {c.sensor_id for c in res.tracks[0].contributors} == {"radar", "lidar"}
    assert [d.global_id for d in res.deleted] == ["g-000002"]
    assert res.deleted[0].status is TrackStatus.DELETED


def test_tentative_track_dies_at_once_confirmed_one_coasts_then_ends() -> None:
    cfg = FusionConfig(coast_s=1.0, lateness_s=0.0, stale_s=0.2, confirm_s=1.0)
    eng = FusionEngine(cfg, GEO)
    res = eng.update([pt("radar", "r-1", 0.0, 0.0)], 0.0)
    assert res.tracks[0].status is TrackStatus.TENTATIVE
    res = eng.update([], 0.5)  # a lone sensor's short-lived track: no coasting
    assert res.tracks == [] and [d.global_id for d in res.deleted] == ["g-000001"]
    for k in range(11):
        res = eng.update([pt("radar", "r-2", 1.0 + 0.1 * k, 0.1 * k)], 1.0 + 0.1 * k)
    assert res.tracks[0].status is TrackStatus.CONFIRMED
    res = eng.update([], 2.5)
    assert res.tracks[0].status is TrackStatus.COASTING
    np.testing.assert_allclose(res.tracks[0].x[0], 1.5)
    res = eng.update([], 3.1)
    assert res.tracks == [] and [d.global_id for d in res.deleted] == ["g-000002"]


def test_two_sensors_confirm_at_once() -> None:
    eng = FusionEngine(FusionConfig(lateness_s=0.0), GEO)
    res = eng.update([pt("radar", "r-1", 0.0, 0.0), pt("lidar", "l-1", 0.0, 0.1)], 0.0)
    assert [f.status for f in res.tracks] == [TrackStatus.CONFIRMED]


@pytest.mark.parametrize(
    "kwargs", [{"lateness_s": -1.0}, {"gate_prob": 1.0}, {"max_gate_m": 0.0},
               {"buffer_depth": 0}, {"coast_s": float("nan")}, {"fusion_rule": "mean"},
               {"sensor_cov_scale": {"cam": 0.0}}, {"sensor_cov_scale": {"cam": (1.0,)}},
               {"sensor_cov_scale": {"cam": (1.0, float("inf"))}}, {"gate_dims": 3},
               {"sticky_m": -1.0}, {"sticky_m": 20.0}],
)  # fmt: skip
def test_config_validation(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        FusionConfig(**kwargs)


def test_sensor_cov_scale_scales_position_and_velocity_blocks() -> None:
    """A calibrated sensor's covariance enters fusion as D P D, D = diag(√kp, √kp, √kv, √kv)."""
    cfg = FusionConfig(lateness_s=0.0, sensor_cov_scale={"radar": (0.25, 4.0), "lidar": 0.5})
    assert cfg.cov_scale("radar") == (0.25, 4.0)
    assert cfg.cov_scale("lidar") == (0.5, 0.5) and cfg.cov_scale("other") == (1.0, 1.0)
    cov = np.array([[0.1, 0.02, 0.01, 0.0], [0.02, 0.2, 0.0, 0.01],
                    [0.01, 0.0, 0.05, 0.0], [0.0, 0.01, 0.0, 0.05]])  # fmt: skip
    eng = FusionEngine(cfg, GEO)
    st = SensorTrack("radar", "r-1", 0.0, MeasurementKind.POINT, np.array([1.0, 0, 1, 0]), cov)
    [f] = eng.update([st], 0.0).tracks
    D = np.sqrt([0.25, 0.25, 4.0, 4.0])
    R = Pose(0, 0, 0, 90.0).rotation  # the radar's pose in GEO
    M = np.zeros((4, 4))
    M[:2, :2] = M[2:, 2:] = R
    np.testing.assert_allclose(f.P, D[:, None] * (M @ cov @ M.T) * D[None, :], atol=1e-12)


@pytest.mark.parametrize("rule", ["ci", "ici", "independent"])
def test_every_fusion_rule_fuses_and_round_trips(rule: str) -> None:
    cfg = FusionConfig(lateness_s=0.0, fusion_rule=rule, sensor_cov_scale={"lidar": (0.5, 2.0)})
    eng = FusionEngine(cfg, GEO)
    res = eng.update([pt("radar", "r-1", 0.0, 0.0), pt("lidar", "l-1", 0.0, 0.1)], 0.0)
    [f] = res.tracks
    assert {c.sensor_id for c in f.contributors} == {"radar", "lidar"}
    assert np.trace(f.P) <= np.trace(COV) * (1 + 1e-9)
    state = json.loads(json.dumps(eng.to_state()))
    again = FusionEngine.from_state(state, GEO)
    assert again.config.fusion_rule == rule and again.config.cov_scale("lidar") == (0.5, 2.0)
    nxt = [pt("radar", "r-1", 0.1, 0.1), pt("lidar", "l-1", 0.1, 0.2)]
    a, b = eng.update(nxt, 0.1), again.update(nxt, 0.1)
    np.testing.assert_allclose(a.tracks[0].x, b.tracks[0].x)
