"""ConstantVelocityPredictor: exact dt from timestamps, irregular intervals, per-track dt."""

from __future__ import annotations

import numpy as np
import pytest

from services.tracker.domain.predictor import ConstantVelocityPredictor


def _random_states(rng: np.random.Generator, n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    x = rng.normal(size=(n, 2 * k))
    A = rng.normal(size=(n, 2 * k, 2 * k))
    P = A @ A.transpose(0, 2, 1) + np.eye(2 * k)
    return x, P


def _reference(
    x: np.ndarray, P: np.ndarray, dt: float, q: float, qp: float, s: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Textbook F x, F P Fᵀ + Q for one track, with explicit matrices."""
    k = len(x) // 2
    F = np.eye(2 * k)
    F[:k, k:] = dt * np.eye(k)
    Q = np.zeros((2 * k, 2 * k))
    for a in range(k):
        block = q * np.array([[dt**3 / 3, dt**2 / 2], [dt**2 / 2, dt]])
        block[0, 0] += qp * dt
        idx = np.ix_([a, a + k], [a, a + k])
        Q[idx] = s[a] ** 2 * block
    return F @ x, F @ P @ F.T + Q


@pytest.mark.parametrize("k", [2, 3, 4])
def test_matches_textbook_kalman_prediction(k: int) -> None:
    rng = np.random.default_rng(k)
    x, P = _random_states(rng, 5, k)
    scale = rng.uniform(0.5, 3.0, size=(5, k))
    pred = ConstantVelocityPredictor(accel_noise=0.7, pos_noise=0.2)
    xp, Pp = pred.predict(x, P, 0.37, scale)
    for i in range(5):
        rx, rP = _reference(x[i], P[i], 0.37, 0.7, 0.2, scale[i])
        np.testing.assert_allclose(xp[i], rx, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(Pp[i], rP, rtol=1e-12, atol=1e-12)


def test_mean_moves_by_velocity_times_dt_exactly() -> None:
    x = np.array([[10.0, -5.0, 2.0, -0.5]])
    P = np.tile(np.eye(4), (1, 1, 1))
    xp, _ = ConstantVelocityPredictor(accel_noise=1.0).predict(x, P, 0.25, np.ones((1, 2)))
    np.testing.assert_array_equal(xp, [[10.5, -5.125, 2.0, -0.5]])


def test_irregular_intervals_compose_exactly() -> None:
    """Predicting 0.1 s then 0.73 s equals predicting 0.83 s at once (exact discretisation of
    white-noise acceleration), so irregular scan intervals lose nothing."""
    rng = np.random.default_rng(0)
    x, P = _random_states(rng, 4, 2)
    scale = np.ones((4, 2))
    pred = ConstantVelocityPredictor(accel_noise=2.5, pos_noise=0.3)
    x1, P1 = pred.predict(*pred.predict(x, P, 0.1, scale), 0.73, scale)
    x2, P2 = pred.predict(x, P, 0.83, scale)
    np.testing.assert_allclose(x1, x2, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(P1, P2, rtol=1e-12, atol=1e-12)


def test_per_track_dt() -> None:
    rng = np.random.default_rng(1)
    x, P = _random_states(rng, 3, 2)
    scale = np.ones((3, 2))
    pred = ConstantVelocityPredictor(accel_noise=1.0)
    dts = np.array([0.0, 0.5, 2.0])
    xp, Pp = pred.predict(x, P, dts, scale)
    for i, dt in enumerate(dts):
        xi, Pi = pred.predict(x[i : i + 1], P[i : i + 1], float(dt), scale[i : i + 1])
        np.testing.assert_allclose(xp[i], xi[0], rtol=1e-12)
        np.testing.assert_allclose(Pp[i], Pi[0], rtol=1e-12)


def test_zero_dt_is_identity_and_inputs_untouched() -> None:
    rng = np.random.default_rng(2)
    x, P = _random_states(rng, 3, 3)
    x0, P0 = x.copy(), P.copy()
    xp, Pp = ConstantVelocityPredictor(accel_noise=9.0, pos_noise=1.0).predict(
        x, P, 0.0, np.ones((3, 3))
    )
    np.testing.assert_array_equal(xp, x0)
    np.testing.assert_array_equal(Pp, P0)
    np.testing.assert_array_equal(x, x0)  # new arrays returned, inputs unchanged
    assert xp is not x and Pp is not P


def test_uncertainty_grows_with_dt_and_scale() -> None:
    x = np.zeros((2, 4))
    P = np.tile(np.eye(4) * 0.1, (2, 1, 1))
    pred = ConstantVelocityPredictor(accel_noise=1.0)
    _, short = pred.predict(x, P, 0.1, np.ones((2, 2)))
    _, long = pred.predict(x, P, 1.0, np.ones((2, 2)))
    _, big = pred.predict(x, P, 1.0, np.array([[1.0, 1.0], [10.0, 10.0]]))
    assert np.all(np.diagonal(long, axis1=1, axis2=2) > np.diagonal(short, axis1=1, axis2=2))
    # Process noise scales with scale²: the second track's velocity variance grows 100x more.
    added = np.diagonal(big, axis1=1, axis2=2)[:, 2] - 0.1
    assert added[1] == pytest.approx(100 * added[0])


def test_negative_dt_is_rejected() -> None:
    with pytest.raises(ValueError, match="dt"):
        ConstantVelocityPredictor(accel_noise=1.0).predict(
            np.zeros((1, 4)), np.tile(np.eye(4), (1, 1, 1)), -0.1, np.ones((1, 2))
        )
