"""Fusion rules: CI and ICI consistency (unknown correlation, common information), trace
bound, grouping; the independent information sum."""

from __future__ import annotations

import numpy as np
import pytest

from services.fusion.domain.fuse import (
    FastCovarianceIntersection,
    IndependentFusion,
    InverseCovarianceIntersection,
)


def spd(rng: np.random.Generator, d: int = 4) -> np.ndarray:
    A = rng.normal(size=(d, d))
    return A @ A.T + 0.1 * np.eye(d)


def test_fused_trace_never_exceeds_any_input() -> None:
    rng = np.random.default_rng(0)
    ci = FastCovarianceIntersection()
    for _ in range(200):
        k = int(rng.integers(2, 4))
        P = np.stack([spd(rng) * rng.uniform(0.1, 10) for _ in range(k)])
        x = rng.normal(size=(k, 4))
        _, Pf = ci.fuse(x, P, np.zeros(k, np.intp), 1)
        assert np.trace(Pf[0]) <= np.trace(P, axis1=1, axis2=2).min() * (1 + 1e-9)
        assert np.linalg.eigvalsh(Pf[0]).min() > 0


def test_ci_is_consistent_with_correlated_errors() -> None:
    """Monte Carlo: two estimates whose errors share a common part (unknown correlation);
    the CI covariance is never smaller than the true error covariance of the fused mean."""
    rng = np.random.default_rng(1)
    n = 100_000
    ci = FastCovarianceIntersection()
    for rho in (0.0, 0.5, 0.9):
        common = rng.normal(size=(n, 2)) * np.array([1.0, 0.5])
        e1 = np.sqrt(rho) * common + np.sqrt(1 - rho) * rng.normal(size=(n, 2)) * [1.0, 0.5]
        e2 = np.sqrt(rho) * common @ np.array([[1.0, 0.0], [0.0, 1.0]]) + np.sqrt(
            1 - rho
        ) * rng.normal(size=(n, 2)) * [1.0, 0.5]
        P1 = np.cov(e1.T)
        P2 = np.cov(e2.T) + np.diag([0.5, 2.0])  # the second sensor is worse in y
        e2 = e2 + rng.normal(size=(n, 2)) * np.sqrt([0.5, 2.0])
        x, Pf = ci.fuse(np.zeros((2, 2)), np.stack([P1, P2]), np.zeros(2, np.intp), 1)
        # The fused estimate is linear in the inputs: x_f = K1 x1 + K2 x2.
        w = ci.weights(np.stack([P1, P2]), np.zeros(2, np.intp), 1)
        K1 = Pf[0] @ (w[0] * np.linalg.inv(P1))
        K2 = Pf[0] @ (w[1] * np.linalg.inv(P2))
        ef = e1 @ K1.T + e2 @ K2.T
        true_cov = np.cov(ef.T)
        assert np.linalg.eigvalsh(Pf[0] - true_cov).min() >= -1e-3, rho
        np.testing.assert_allclose(x[0], 0.0)


def test_groups_and_singletons() -> None:
    rng = np.random.default_rng(2)
    P = np.stack([spd(rng) for _ in range(3)])
    x = rng.normal(size=(3, 4))
    xf, Pf = FastCovarianceIntersection().fuse(x, P, np.array([1, 0, 1]), 3)
    np.testing.assert_allclose(xf[0], x[1])  # a group of one is unchanged
    np.testing.assert_allclose(Pf[0], P[1])
    assert np.isnan(xf[2]).all()  # an empty group
    # Equal inputs: the fused estimate is that input.
    xe, Pe = FastCovarianceIntersection().fuse(np.stack([x[0], x[0]]), np.stack([P[0], P[0]]),
                                               np.zeros(2, np.intp), 1)  # fmt: skip
    np.testing.assert_allclose(xe[0], x[0], atol=1e-9)
    np.testing.assert_allclose(Pe[0], P[0], atol=1e-9)


def test_ici_is_consistent_with_common_information() -> None:
    """Monte Carlo: two estimates that both contain one piece of common information (a
    shared prior or shared measurements, weight Y_c) besides their own (Y_1, Y_2), with
    nobody knowing Y_c: the ICI covariance bounds the true covariance of the fused error,
    and is tighter than fast CI's on the same inputs."""
    rng = np.random.default_rng(3)
    n = 200_000
    Yc = np.linalg.inv(np.array([[2.0, 0.4], [0.4, 1.5]]))
    Y1 = np.diag([1 / 0.05, 1 / 3.0])  # precise in x (a camera's bearing), poor in y
    Y2 = np.diag([1 / 2.5, 1 / 0.08])  # the other way round (a radar's range)
    zc = rng.multivariate_normal(np.zeros(2), np.linalg.inv(Yc), n)
    z1 = rng.multivariate_normal(np.zeros(2), np.linalg.inv(Y1), n)
    z2 = rng.multivariate_normal(np.zeros(2), np.linalg.inv(Y2), n)
    P1, P2 = np.linalg.inv(Y1 + Yc), np.linalg.inv(Y2 + Yc)
    e1 = (z1 @ Y1 + zc @ Yc) @ P1  # errors of the two estimates (all matrices symmetric)
    e2 = (z2 @ Y2 + zc @ Yc) @ P2
    ici = InverseCovarianceIntersection()
    # The fused error is linear in the input errors: fuse the error pairs as means.
    xf, Pf = ici.pair(e1, np.broadcast_to(P1, (n, 2, 2)).copy(), e2,
                      np.broadcast_to(P2, (n, 2, 2)).copy())  # fmt: skip
    true_cov = np.cov(xf.T)
    assert np.linalg.eigvalsh(Pf[0] - true_cov).min() >= -1e-3
    _, Pci = FastCovarianceIntersection().fuse(np.zeros((2, 2)), np.stack([P1, P2]),
                                               np.zeros(2, np.intp), 1)  # fmt: skip
    assert np.trace(Pf[0]) < np.trace(Pci[0])
    assert np.trace(Pf[0]) < min(np.trace(P1), np.trace(P2))


def test_ici_trace_bound_groups_and_singletons() -> None:
    rng = np.random.default_rng(4)
    ici = InverseCovarianceIntersection()
    for _ in range(100):
        k = int(rng.integers(2, 5))
        P = np.stack([spd(rng) * rng.uniform(0.1, 10) for _ in range(k)])
        x = rng.normal(size=(k, 4))
        xf, Pf = ici.fuse(x, P, np.zeros(k, np.intp), 1)
        assert np.trace(Pf[0]) <= np.trace(P, axis1=1, axis2=2).min() * (1 + 1e-9)
        assert np.linalg.eigvalsh(Pf[0]).min() > 0 and np.isfinite(xf).all()
    P = np.stack([spd(rng) for _ in range(3)])
    x = rng.normal(size=(3, 4))
    xf, Pf = ici.fuse(x, P, np.array([1, 0, 1]), 3)
    np.testing.assert_allclose(xf[0], x[1])
    np.testing.assert_allclose(Pf[0], P[1])
    assert np.isnan(xf[2]).all()
    xe, Pe = ici.fuse(np.stack([x[0], x[0]]), np.stack([P[0], P[0]]), np.zeros(2, np.intp), 1)
    np.testing.assert_allclose(xe[0], x[0], atol=1e-9)  # equal inputs: nothing to gain
    np.testing.assert_allclose(Pe[0], P[0], atol=1e-9)
    with pytest.raises(ValueError, match="steps"):
        InverseCovarianceIntersection(steps=0)


def test_independent_fusion_is_the_information_sum() -> None:
    rng = np.random.default_rng(5)
    P = np.stack([spd(rng) for _ in range(2)])
    x = rng.normal(size=(2, 4))
    xf, Pf = IndependentFusion().fuse(x, P, np.zeros(2, np.intp), 1)
    Y = np.linalg.inv(P[0]) + np.linalg.inv(P[1])
    np.testing.assert_allclose(Pf[0], np.linalg.inv(Y), rtol=1e-9, atol=1e-12)
    want = np.linalg.solve(Y, np.linalg.solve(P[0], x[0]) + np.linalg.solve(P[1], x[1]))
    np.testing.assert_allclose(xf[0], want, rtol=1e-9, atol=1e-12)
