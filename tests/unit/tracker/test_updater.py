"""KalmanUpdater: known numbers, agreement with the textbook update, shrinking covariance."""

from __future__ import annotations

import numpy as np
import pytest

from services.tracker.domain.updater import KalmanUpdater


def test_known_one_dimensional_case() -> None:
    # State (x, v), P = diag(4, 1), measurement of x with R = 1: K = (0.8, 0), x' = x + 0.8 y.
    x = np.array([[1.0, 2.0]])
    P = np.array([[[4.0, 0.0], [0.0, 1.0]]])
    xn, Pn = KalmanUpdater().update(x, P, np.array([[6.0]]), np.array([[[1.0]]]))
    np.testing.assert_allclose(xn, [[5.0, 2.0]])
    np.testing.assert_allclose(Pn, [[[0.8, 0.0], [0.0, 1.0]]])


def test_correlated_velocity_is_corrected_too() -> None:
    x = np.array([[0.0, 0.0]])
    P = np.array([[[2.0, 1.0], [1.0, 1.0]]])
    xn, Pn = KalmanUpdater().update(x, P, np.array([[3.0]]), np.array([[[1.0]]]))
    # K = P Hᵀ / S = (2, 1) / 3
    np.testing.assert_allclose(xn, [[2.0, 1.0]])
    np.testing.assert_allclose(Pn, [[[2 / 3, 1 / 3], [1 / 3, 2 / 3]]])


@pytest.mark.parametrize("m", [2, 3, 4])
def test_matches_textbook_update(m: int) -> None:
    rng = np.random.default_rng(m)
    n, d = 6, 2 * m
    A = rng.normal(size=(n, d, d))
    P = A @ A.transpose(0, 2, 1) + np.eye(d)
    B = rng.normal(size=(n, m, m))
    R = B @ B.transpose(0, 2, 1) + 0.5 * np.eye(m)
    x = rng.normal(size=(n, d))
    z = rng.normal(size=(n, m))
    xn, Pn = KalmanUpdater().update(x, P, z, R)
    H = np.hstack([np.eye(m), np.zeros((m, d - m))])
    for i in range(n):
        S = H @ P[i] @ H.T + R[i]
        K = P[i] @ H.T @ np.linalg.inv(S)
        np.testing.assert_allclose(xn[i], x[i] + K @ (z[i] - H @ x[i]), rtol=1e-9, atol=1e-9)
        np.testing.assert_allclose(Pn[i], (np.eye(d) - K @ H) @ P[i], rtol=1e-9, atol=1e-9)
        np.testing.assert_array_equal(Pn[i], Pn[i].T)


def test_covariance_shrinks() -> None:
    rng = np.random.default_rng(5)
    P = np.tile(np.diag([9.0, 9.0, 4.0, 4.0]), (10, 1, 1))
    R = np.tile(np.eye(2), (10, 1, 1))
    _, Pn = KalmanUpdater().update(rng.normal(size=(10, 4)), P, rng.normal(size=(10, 2)), R)
    assert np.all(np.linalg.eigvalsh(P - Pn) >= -1e-12)  # P - P' is positive semi-definite
    pos_var = np.diagonal(Pn, axis1=1, axis2=2)[:, :2]
    assert np.all(pos_var < 1.0)  # below both the prior (9) and the measurement noise (1)
    assert np.all(np.linalg.eigvalsh(Pn) > 0)


def test_empty_input() -> None:
    xn, Pn = KalmanUpdater().update(np.empty((0, 4)), np.empty((0, 4, 4)), np.empty((0, 2)),
                                    np.empty((0, 2, 2)))  # fmt: skip
    assert xn.shape == (0, 4) and Pn.shape == (0, 4, 4)


def test_independent_axes_fast_path_matches_textbook_and_keeps_axes_apart() -> None:
    rng = np.random.default_rng(11)
    n, m = 7, 4
    d = 2 * m
    P = np.zeros((n, d, d))
    for a in range(m):  # one (position, rate) block per axis, nothing across axes
        A = rng.normal(size=(n, 2, 2))
        B = A @ A.transpose(0, 2, 1) + np.eye(2)
        P[:, a, a], P[:, a + m, a + m] = B[:, 0, 0], B[:, 1, 1]
        P[:, a, a + m] = P[:, a + m, a] = B[:, 0, 1]
    R = np.zeros((n, m, m))
    R[:, np.arange(m), np.arange(m)] = rng.uniform(0.1, 2.0, (n, m))
    x, z = rng.normal(size=(n, d)), rng.normal(size=(n, m))
    xn, Pn = KalmanUpdater().update(x, P, z, R)
    H = np.hstack([np.eye(m), np.zeros((m, m))])
    for i in range(n):
        K = P[i] @ H.T @ np.linalg.inv(H @ P[i] @ H.T + R[i])
        np.testing.assert_allclose(xn[i], x[i] + K @ (z[i] - H @ x[i]), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(Pn[i], (np.eye(d) - K @ H) @ P[i], rtol=1e-12, atol=1e-12)
    mask = np.ones((d, d), dtype=bool)
    for a in range(m):
        mask[np.ix_([a, a + m], [a, a + m])] = False
    assert not Pn[:, mask].any()  # still exactly independent
