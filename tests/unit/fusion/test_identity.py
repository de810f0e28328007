"""Global identities: hand-over between two cameras with disjoint fields of view keeps the
id; ids are never reused, across a restart too; identity hysteresis: strained bindings
(FusionConfig.hold_s), the consensus of the sensor tracks bound to one fused track
(FusionConfig.consensus_gate_prob) and merge-back (FusionConfig.merge_back_s)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from bench.fusion.scenario import Camera
from services.common.geometry import Pose
from services.fusion.domain.engine import FusionConfig, FusionEngine, dissenters
from services.fusion.domain.identity import Bindings, IdAllocator, global_id, global_num
from services.fusion.domain.to_world import SensorFrame
from services.fusion.domain.types import MeasurementKind, SensorTrack

CAM_A = Camera(0.0, 0.0, 6.0, 0.0, 15.0)
CAM_B = Camera(30.0, 0.0, 6.0, 0.0, 15.0)


def box_track(cam: Camera, sensor: str, tid: str, t: float, x: float, y: float) -> SensorTrack:
    uv_f, _ = cam.project(np.array([[x, y, 0.0]]))
    uv_h, _ = cam.project(np.array([[x, y, 1.7]]))
    h = float(uv_f[0, 1] - uv_h[0, 1])
    w = 0.41 * h
    mean = np.array([uv_f[0, 0], uv_f[0, 1] - h / 2, w, h, 0.0, 0.0, 0.0, 0.0])
    # pixel velocity of a walker along +x at 1.4 m/s, from the projection
    uv_n, _ = cam.project(np.array([[x + 0.014, y, 0.0]]))
    mean[4:6] = (uv_n[0] - uv_f[0]) / 0.01
    cov = np.diag([(0.05 * w) ** 2, (0.05 * h) ** 2, (0.05 * w) ** 2, (0.05 * h) ** 2,
                   (0.3 * w) ** 2, (0.3 * h) ** 2, (0.1 * w) ** 2, (0.1 * h) ** 2])  # fmt: skip
    return SensorTrack(sensor, tid, t, MeasurementKind.BOX, mean, cov, "person", 0.9)


def test_handover_between_cameras_keeps_the_global_id() -> None:
    geo = {"cam-a": SensorFrame(homography=CAM_A.homography()),
           "cam-b": SensorFrame(homography=CAM_B.homography())}  # fmt: skip
    eng = FusionEngine(FusionConfig(coast_s=5.0), geo)
    seen: set[str] = set()
    t = 0.0
    while t < 20.0:
        x = 2.0 + 1.4 * t  # walks east along y = 25 m
        tracks = []
        if x < 14.0:  # camera A's part of the walk
            tracks.append(box_track(CAM_A, "cam-a", "cam-a-000001", t, x, 25.0))
        elif x > 18.0:  # camera B's part, after 4 m (about 3 s) seen by no one
            tracks.append(box_track(CAM_B, "cam-b", "cam-b-000001", t, x, 25.0))
        res = eng.update(tracks, t + 0.3)
        seen.update(f.global_id for f in res.tracks)
        t = round(t + 0.1, 6)
    assert seen == {"g-000001"}
    [f] = res.tracks
    assert [c.sensor_id for c in f.contributors] == ["cam-b"]


def test_radar_to_camera_handover() -> None:
    geo = {"radar": SensorFrame(pose=Pose(0.0, 0.0, 0.0, 90.0)),
           "cam-b": SensorFrame(homography=CAM_B.homography())}  # fmt: skip
    eng = FusionEngine(FusionConfig(), geo)
    ids: set[str] = set()
    for k in range(150):
        t = 0.1 * k
        x = 5.0 + 1.4 * t
        tracks = []
        if x < 17.0:
            tracks.append(SensorTrack("radar", "radar-000001", t, MeasurementKind.POINT,
                                      np.array([x, 25.0, 1.4, 0.0]),
                                      np.diag([0.2, 0.2, 0.1, 0.1])))  # fmt: skip
        if x > 19.0:
            tracks.append(box_track(CAM_B, "cam-b", "cam-b-000007", t, x, 25.0))
        ids.update(f.global_id for f in eng.update(tracks, t + 0.3).tracks)
    assert ids == {"g-000001"}


def test_ids_are_never_reused_across_deletion_and_restart() -> None:
    geo = {"r": SensorFrame(pose=Pose(0, 0, 0, 90.0))}
    eng = FusionEngine(FusionConfig(coast_s=0.5, stale_s=0.2), geo)
    born: list[str] = []
    t = 0.0
    for round_ in range(3):
        for _ in range(5):
            tr = [SensorTrack("r", f"r-{round_}", t, MeasurementKind.POINT,
                              np.array([5.0 * round_, 0, 0, 0]), np.eye(4) * 0.1)]  # fmt: skip
            born += eng.update(tr, t + 0.3).new_ids
            t += 0.1
        for _ in range(12):  # the track ends, the fused one coasts out
            eng.update([], t + 0.3)
            t += 0.1
        eng = FusionEngine.from_state(json.loads(json.dumps(eng.to_state())), geo)
    assert born == ["g-000001", "g-000002", "g-000003"]
    assert len(eng) == 0
    assert eng.ids.next_num == 4


def test_allocator_and_format() -> None:
    ids = IdAllocator(41)
    assert ids.take(2) == [41, 42]
    assert global_id(42) == "g-000042" and global_num("g-000042") == 42
    assert ids.take() == [43]


GEO = {s: SensorFrame(pose=Pose(0, 0, 0, 90.0)) for s in ("radar", "lidar", "cam")}
COV = np.diag([0.05, 0.05, 0.05, 0.05])


def pt(sensor: str, tid: str, t: float, x: float, y: float = 0.0) -> SensorTrack:
    return SensorTrack(sensor, tid, t, MeasurementKind.POINT, np.array([x, y, 1.0, 0.0]), COV,
                       "person", 0.8)  # fmt: skip


def walk(eng: FusionEngine, jump: dict[int, float], steps: int = 30) -> set[str]:
    """Radar and lidar see one walker along y = 0; the lidar's state jumps sideways by
    jump[k] metres at step k. Returns every confirmed or coasting global id seen."""
    ids: set[str] = set()
    for k in range(steps):
        t = 0.1 * k
        tracks = [pt("radar", "r-1", t, t), pt("lidar", "l-1", t, t, jump.get(k, 0.0))]
        ids.update(f.global_id for f in eng.update(tracks, t).tracks)
    return ids


def test_a_brief_gate_failure_keeps_the_binding_and_the_id() -> None:
    jump = {10: 3.0, 11: 3.0}  # two states far outside the gate
    old = FusionConfig(lateness_s=0.0, confirm_s=0.0, hold_s=0.0, consensus_gate_prob=0.0)
    without = walk(FusionEngine(old, GEO), jump)
    held = FusionEngine(FusionConfig(lateness_s=0.0, confirm_s=0.0, hold_s=1.0), GEO)
    assert len(without) > 1
    assert walk(held, jump) == {"g-000001"}
    assert held.ids.next_num == 2  # no fused track was ever born for the odd states


def test_held_track_is_left_out_of_the_state_while_others_contribute() -> None:
    eng = FusionEngine(FusionConfig(lateness_s=0.0, hold_s=1.0), GEO)
    walk(eng, {}, steps=10)
    res = eng.update([pt("radar", "r-1", 1.0, 1.0), pt("lidar", "l-1", 1.0, 1.0, 3.0)], 1.0)
    [f] = res.tracks
    assert [c.sensor_id for c in f.contributors] == ["radar"]
    assert abs(f.x[1]) < 0.1 and res.new_ids == []
    assert eng.bindings.get(("lidar", "l-1")) == 1
    assert eng.bindings.strained_since(("lidar", "l-1")) == pytest.approx(1.0)


def test_a_lasting_disagreement_starts_a_new_track_after_hold_s() -> None:
    eng = FusionEngine(FusionConfig(lateness_s=0.0, hold_s=0.5), GEO)
    walk(eng, {}, steps=10)
    new: list[str] = []
    for k in range(10, 20):
        t = 0.1 * k
        res = eng.update([pt("radar", "r-1", t, t), pt("lidar", "l-1", t, t, 4.0)], t)
        new += res.new_ids
    assert new == ["g-000002"]


def test_all_contributors_out_of_the_gate_are_fused_not_reborn() -> None:
    eng = FusionEngine(FusionConfig(lateness_s=0.0, hold_s=1.0), GEO)
    walk(eng, {}, steps=10)
    res = eng.update([pt("radar", "r-1", 1.0, 1.0, 3.0), pt("lidar", "l-1", 1.0, 1.0, 3.0)], 1.0)
    [f] = res.tracks
    assert f.global_id == "g-000001" and len(f.contributors) == 2
    assert f.x[1] == pytest.approx(3.0, abs=1e-6)


def test_strained_bindings_survive_a_restart() -> None:
    eng = FusionEngine(FusionConfig(lateness_s=0.0, hold_s=1.0), GEO)
    walk(eng, {}, steps=10)
    eng.update([pt("radar", "r-1", 1.0, 1.0), pt("lidar", "l-1", 1.0, 1.0, 3.0)], 1.0)
    again = FusionEngine.from_state(json.loads(json.dumps(eng.to_state())), GEO)
    assert again.bindings.strained_since(("lidar", "l-1")) == pytest.approx(1.0)
    b = Bindings.from_list([["s", "t", 3]])  # a checkpoint from before strains
    assert b.get(("s", "t")) == 3 and b.strained_since(("s", "t")) is None


def test_bind_and_unbind_clear_the_strain() -> None:
    b = Bindings()
    b.bind(("s", "1"), 1)
    assert b.strain(("s", "1"), 2.0) == 2.0 and b.strain(("s", "1"), 3.0) == 2.0
    b.bind(("s", "1"), 1)
    assert b.strained_since(("s", "1")) is None
    b.strain(("s", "1"), 4.0)
    b.drop_fused([1])
    assert b.get(("s", "1")) == -1 and b.strained_since(("s", "1")) is None


def test_dissenters_majority_and_weights() -> None:
    P = np.tile(np.eye(2) * 0.1, (3, 1, 1))
    x = np.array([[0.0, 0.0], [0.1, 0.0], [3.0, 0.0]])
    assert dissenters(x, P, [1, 1, 1], 13.8, [7, 8, 9]) == [9]  # two against one
    assert dissenters(x[[0, 2]], P[:2], [1, 1], 13.8, [7, 9]) == []  # a tie keeps both
    assert dissenters(x[[0, 2]], P[:2], [1, 0.2], 13.8, [7, 9]) == [9]  # the swap-prone one
    assert dissenters(x[:2], P[:2], [1, 0.2], 13.8, [7, 8]) == []  # they agree


def test_consensus_keeps_the_id_with_the_reliable_sensor() -> None:
    """Radar and lidar follow person A; the radar's track swaps to person B (3 m away, who
    has a fused track of the radar's other track); the id stays with the lidar."""
    cfg = FusionConfig(lateness_s=0.0, hold_s=1.0, consensus_gate_prob=0.999,
                       identity_weight={"radar": 0.2})  # fmt: skip
    eng = FusionEngine(cfg, GEO)
    for k in range(40):
        t = 0.1 * k
        ya, yb = (0.0, 3.0) if k < 20 else (3.0, 0.0)  # the radar swaps at k = 20
        res = eng.update([pt("radar", "r-1", t, t, ya), pt("lidar", "l-1", t, t, 0.0),
                          pt("radar", "r-2", t, t, yb)], t)  # fmt: skip
    by = {f.global_id: {c.track_id for c in f.contributors} for f in res.tracks}
    assert by["g-000001"] == {"l-1", "r-2"}


def test_merge_back_gives_a_coasting_track_its_object_again() -> None:
    """The lidar's track of a walker ends and a new one starts 0.3 s later, 2.5 m on (out of
    the hand-over gate of the coasting track: a fresh track's velocity is unknown)."""

    def run(merge_back_s: float) -> dict[str, str]:
        cfg = FusionConfig(lateness_s=0.0, confirm_s=0.3, stale_s=0.15,
                           merge_back_s=merge_back_s)  # fmt: skip
        eng = FusionEngine(cfg, GEO)
        for k in range(26):
            t = 0.1 * k
            tr = []
            if k < 15:
                tr = [pt("lidar", "l-1", t, t)]
            elif k >= 18:  # the new track, with a velocity not yet settled
                tr = [SensorTrack("lidar", "l-2", t, MeasurementKind.POINT,
                                  np.array([t + 1.0, 0.0, -1.0, 0.0]), COV)]  # fmt: skip
            res = eng.update(tr, t)
        return {f.global_id: f.status.name for f in res.tracks}

    assert run(0.0) == {"g-000001": "COASTING", "g-000002": "CONFIRMED"}
    assert run(0.5) == {"g-000001": "CONFIRMED"}


@pytest.mark.parametrize(
    "kwargs", [{"hold_s": -1.0}, {"consensus_gate_prob": 1.0},
               {"identity_weight": {"radar": 0.0}}, {"merge_back_s": float("inf")}],
)  # fmt: skip
def test_identity_config_validation(kwargs: dict) -> None:
    with pytest.raises(ValueError):
        FusionConfig(**kwargs)
