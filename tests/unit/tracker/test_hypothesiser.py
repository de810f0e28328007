"""Gating: Mahalanobis/chi-square for points, IoU (and centre distance) for boxes."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import chi2

from services.tracker.domain.hypothesiser import (
    IouHypothesiser,
    MahalanobisHypothesiser,
    box_iou_pairs,
    pairs_within,
)


def _tracks(pos: list[list[float]], var: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    p = np.asarray(pos, dtype=float)
    n, m = p.shape
    x = np.hstack([p, np.zeros((n, m))])
    P = np.tile(np.eye(2 * m) * var, (n, 1, 1))
    return x, P


def test_gate_is_the_chi_square_quantile() -> None:
    for dims in (2, 3):
        h = MahalanobisHypothesiser.from_probability(0.99, dims)
        assert h.gate == pytest.approx(chi2.ppf(0.99, dims))
    assert MahalanobisHypothesiser.from_probability(0.99, 2).gate == pytest.approx(9.21034, 1e-5)


def test_cost_is_squared_mahalanobis_distance_with_innovation_covariance() -> None:
    x, P = _tracks([[0.0, 0.0]], var=3.0)
    z = np.array([[2.0, 0.0], [0.0, 1.0]])
    R = np.tile(np.eye(2), (2, 1, 1))
    h = MahalanobisHypothesiser(gate=100.0).hypothesise(x, P, z, R)
    cost = dict(zip(h.cols.tolist(), h.cost.tolist(), strict=True))
    # S = P_pos + R = 4 I: d² = |ν|² / 4
    assert cost == pytest.approx({0: 1.0, 1: 0.25})


def test_far_detection_is_gated_out() -> None:
    x, P = _tracks([[0.0, 0.0], [100.0, 0.0]])
    z = np.array([[0.5, 0.0], [50.0, 0.0], [100.0, 1.0]])
    R = np.tile(np.eye(2) * 0.25, (3, 1, 1))
    h = MahalanobisHypothesiser.from_probability(0.999, 2).hypothesise(x, P, z, R)
    assert set(zip(h.rows.tolist(), h.cols.tolist(), strict=True)) == {(0, 0), (1, 2)}
    assert np.all(h.cost <= h.cost_limit)


def test_gate_boundary_follows_the_chi_square_threshold() -> None:
    x, P = _tracks([[0.0, 0.0]], var=0.5)
    R = np.tile(np.eye(2) * 0.5, (2, 1, 1))  # S = I
    gate = chi2.ppf(0.95, 2)
    r = np.sqrt(gate)
    z = np.array([[r * 0.999, 0.0], [r * 1.001, 0.0]])
    h = MahalanobisHypothesiser(gate=gate).hypothesise(x, P, z, R)
    assert h.cols.tolist() == [0]


def test_per_detection_covariance_widens_the_gate() -> None:
    x, P = _tracks([[0.0, 0.0]], var=0.1)
    z = np.array([[3.0, 0.0], [0.0, 3.0]])
    R = np.stack([np.eye(2) * 0.1, np.diag([0.1, 25.0])])  # second: very uncertain in y
    h = MahalanobisHypothesiser.from_probability(0.99, 2).hypothesise(x, P, z, R)
    assert h.cols.tolist() == [1]


def test_three_dimensional_points() -> None:
    x, P = _tracks([[0.0, 0.0, 0.0]])
    z = np.array([[0.0, 0.0, 1.0], [0.0, 0.0, 30.0]])
    R = np.tile(np.eye(3), (2, 1, 1))
    h = MahalanobisHypothesiser.from_probability(0.99, 3).hypothesise(x, P, z, R)
    assert h.cols.tolist() == [0]
    assert h.cost[0] == pytest.approx(0.5)


def test_box_iou_values() -> None:
    a = np.array([[5.0, 5.0, 10.0, 10.0], [5.0, 5.0, 10.0, 10.0], [0.0, 0.0, 2.0, 2.0]])
    b = np.array([[5.0, 5.0, 10.0, 10.0], [10.0, 5.0, 10.0, 10.0], [50.0, 0.0, 2.0, 2.0]])
    np.testing.assert_allclose(box_iou_pairs(a, b), [1.0, 1 / 3, 0.0])


def test_iou_gate_and_cost() -> None:
    x = np.zeros((1, 8))
    x[0, :4] = [50.0, 50.0, 10.0, 20.0]
    P = np.tile(np.eye(8), (1, 1, 1))
    z = np.array([[50.0, 50.0, 10.0, 20.0], [55.0, 50.0, 10.0, 20.0], [70.0, 50.0, 10.0, 20.0]])
    h = IouHypothesiser(min_iou=0.3).hypothesise(x, P, z, np.zeros((3, 4, 4)))
    assert h.cols.tolist() == [0, 1]
    np.testing.assert_allclose(h.cost, [0.0, 1 - 1 / 3])
    assert h.cost_limit == pytest.approx(0.7)


def test_candidate_search_equals_brute_force() -> None:
    rng = np.random.default_rng(0)
    for trial in range(60):
        n, p = int(rng.integers(1, 400)), int(rng.integers(1, 400))
        k = 2 + trial % 2
        spread = rng.uniform(1, 5000)
        centres = rng.uniform(0, spread, (n, k))
        points = rng.uniform(0, spread, (p, k))
        radius = rng.uniform(0, spread / 20, n)
        if trial % 3 == 0:
            radius[: max(1, n // 50)] *= 100  # a few very uncertain tracks
        got = set(zip(*(a.tolist() for a in pairs_within(centres, radius, points)), strict=True))
        d = np.linalg.norm(centres[:, None, :] - points[None, :, :], axis=2)
        want = set(zip(*(a.tolist() for a in np.nonzero(d <= radius[:, None])), strict=True))
        assert got == want, trial


def test_centre_distance_gate() -> None:
    x = np.zeros((1, 8))
    x[0, :4] = [50.0, 50.0, 10.0, 10.0]  # diagonal 14.1 px
    P = np.tile(np.eye(8), (1, 1, 1))
    # A detection 3x larger overlapping the track entirely: IoU = 1/9 >= 0.1, centre 10 px away.
    z = np.array([[60.0, 50.0, 30.0, 30.0]])
    R = np.zeros((1, 4, 4))
    assert IouHypothesiser(min_iou=0.1).hypothesise(x, P, z, R).cols.tolist() == [0]
    gated = IouHypothesiser(min_iou=0.1, max_centre_dist=0.5).hypothesise(x, P, z, R)
    assert gated.cols.tolist() == []


def test_size_ratio_gate() -> None:
    x = np.zeros((1, 8))
    x[0, :4] = [50.0, 50.0, 20.0, 40.0]
    P = np.tile(np.eye(8), (1, 1, 1))
    # Same centre: 4x as wide (IoU 0.25) and a third as wide (IoU 0.33); one within 2x.
    z = np.array(
        [[50.0, 50.0, 80.0, 40.0], [50.0, 50.0, 20.0 / 3.0, 40.0], [50.0, 50.0, 30.0, 40.0]]
    )
    R = np.zeros((3, 4, 4))
    assert IouHypothesiser(min_iou=0.2).hypothesise(x, P, z, R).cols.tolist() == [0, 1, 2]
    gated = IouHypothesiser(min_iou=0.2, max_size_ratio=2.5).hypothesise(x, P, z, R)
    assert gated.cols.tolist() == [2]
