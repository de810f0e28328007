"""Track-to-track association: gating, assignment, sticky bindings, sub-quadratic work."""

from __future__ import annotations

import numpy as np

from services.common.geometry import Pose
from services.fusion.domain.associate import TrackToTrackAssociator
from services.fusion.domain.engine import FusionEngine
from services.fusion.domain.to_world import SensorFrame
from services.fusion.domain.types import MeasurementKind, SensorTrack

COV = np.diag([0.09, 0.09, 0.04, 0.04])


def states(pos: list[tuple[float, float]], vel: tuple[float, float] = (1.0, 0.0)) -> np.ndarray:
    return np.array([[x, y, *vel] for x, y in pos], float)


def covs(n: int) -> np.ndarray:
    return np.broadcast_to(COV, (n, 4, 4)).copy()


def test_matches_the_nearest_and_gates_far_pairs() -> None:
    a = TrackToTrackAssociator.from_probability(0.999, 10.0)
    fx = states([(0, 0), (10, 0)])
    zx = states([(10.2, 0.1), (0.1, -0.1), (50, 50), (3, 0)])
    r = a.associate(fx, covs(2), zx, covs(4))
    assert dict(zip(r.dets.tolist(), r.tracks.tolist(), strict=True)) == {0: 1, 1: 0}
    assert r.unmatched_dets.tolist() == [2, 3]  # 50 m away (pre-gate), 3 m away (chi-square)


def test_velocity_disagreement_is_gated() -> None:
    a = TrackToTrackAssociator()
    r = a.associate(states([(0, 0)]), covs(1), states([(0, 0)], (-1.4, 0.0)), covs(1))
    assert len(r.tracks) == 0


def test_bound_pair_is_kept_within_the_gate() -> None:
    a = TrackToTrackAssociator()
    fx = states([(0, 0), (0.6, 0)])
    zx = states([(0.55, 0)])  # nearer fused track 1, but bound to fused track 0
    assert a.associate(fx, covs(2), zx, covs(1)).tracks.tolist() == [1]
    assert a.associate(fx, covs(2), zx, covs(1), np.array([0])).tracks.tolist() == [0]
    far = states([(5.0, 0)])  # out of the gate of its binding: assigned afresh
    r = a.associate(fx, covs(2), far, covs(1), np.array([0]))
    assert r.tracks.tolist() == []


def test_position_only_gate_ignores_velocity() -> None:
    fx, zx = states([(0, 0)]), states([(0.1, 0)], (-1.4, 0.0))
    assert len(TrackToTrackAssociator().associate(fx, covs(1), zx, covs(1)).tracks) == 0
    a2 = TrackToTrackAssociator.from_probability(0.999, 10.0, 0.99, dims=2)
    assert a2.associate(fx, covs(1), zx, covs(1)).tracks.tolist() == [0]


def test_sticky_m_keeps_a_binding_through_one_odd_state() -> None:
    """A bound sensor track whose state jumped out of the gate (a box whose height jumped)
    keeps its fused track while it stays within sticky_m metres; an unbound one does not."""
    fx = states([(0, 0)])
    odd = states([(0.8, 0)], (-1.0, 0.0))  # 0.8 m away, velocity reversed: d² far past gate
    a = TrackToTrackAssociator.from_probability(0.999, 10.0, 0.99, sticky_m=1.0)
    assert a.associate(fx, covs(1), odd, covs(1)).tracks.tolist() == []
    assert a.associate(fx, covs(1), odd, covs(1), np.array([0])).tracks.tolist() == [0]
    off = TrackToTrackAssociator.from_probability(0.999, 10.0, 0.99)
    assert off.associate(fx, covs(1), odd, covs(1), np.array([0])).tracks.tolist() == []
    far = states([(1.5, 0)], (-1.0, 0.0))
    assert a.associate(fx, covs(1), far, covs(1), np.array([0])).tracks.tolist() == []


def test_costs_grow_with_pairs_not_with_tracks_squared() -> None:
    rng = np.random.default_rng(0)
    n = 3000
    side = np.sqrt(n * 400.0)
    fx = states([tuple(p) for p in rng.uniform(0, side, (n, 2))])
    zx = fx + np.c_[rng.normal(0, 0.3, (n, 2)), np.zeros((n, 2))]
    a = TrackToTrackAssociator()
    h = a.costs(fx, covs(n), zx, covs(n))
    assert len(h.rows) < 3 * n  # vs n² = 9,000,000 for a dense matrix
    r = a.associate(fx, covs(n), zx, covs(n))
    assert (r.tracks == r.dets).mean() > 0.99


def test_two_sensors_two_targets_give_two_fused_tracks() -> None:
    geo = {"radar": SensorFrame(pose=Pose(0, 0, 0, 90.0)),
           "lidar": SensorFrame(pose=Pose(100.0, 0, 0, 270.0))}  # fmt: skip
    eng = FusionEngine(geometries=geo)
    rng = np.random.default_rng(3)
    for k in range(10):
        t = 0.1 * k
        tracks = []
        for j, (x, y) in enumerate([(20.0 + t, 5.0), (20.0 + t, 9.0)]):
            n1, n2 = rng.normal(0, 0.2, 2), rng.normal(0, 0.2, 2)
            tracks.append(
                SensorTrack(
                    "radar",
                    f"radar-{j}",
                    t,
                    MeasurementKind.POINT,
                    np.r_[np.array([x, y]) + n1, 1.0, 0.0],
                    COV,
                )
            )
            # the lidar faces west from (100, 0): its frame is the world turned by 180°
            tracks.append(
                SensorTrack(
                    "lidar",
                    f"lidar-{j}",
                    t,
                    MeasurementKind.POINT,
                    np.r_[np.array([100 - x, -y]) + n2, -1.0, 0.0],
                    COV,
                )
            )
        res = eng.update(tracks, t + 0.3)  # fmt: skip
    assert len(res.tracks) == 2
    for f in res.tracks:
        assert {c.sensor_id for c in f.contributors} == {"radar", "lidar"}
        srcs = {c.track_id[-1] for c in f.contributors}
        assert len(srcs) == 1  # the same target from both sensors
    ys = sorted(float(f.x[1]) for f in res.tracks)
    np.testing.assert_allclose(ys, [5.0, 9.0], atol=0.5)
