"""inv_sym: closed-form inverses of stacks of small SPD matrices."""

from __future__ import annotations

import numpy as np
import pytest

from services.tracker.domain.linalg import inv_sym, mahalanobis_sq


@pytest.mark.parametrize("m", [1, 2, 3, 4, 5])
def test_matches_numpy(m: int) -> None:
    rng = np.random.default_rng(m)
    A = rng.normal(size=(50, m, m))
    S = A @ A.transpose(0, 2, 1) + 0.1 * np.eye(m)
    np.testing.assert_allclose(inv_sym(S), np.linalg.inv(S), rtol=1e-8, atol=1e-10)


def test_diagonal_fast_path() -> None:
    S = np.zeros((3, 4, 4))
    S[:, np.arange(4), np.arange(4)] = np.array([[1, 2, 4, 8], [0.5, 1, 1, 1], [3, 3, 3, 3]])
    out = inv_sym(S)
    np.testing.assert_allclose(out, np.linalg.inv(S))
    assert not out[:, 0, 1:].any()


@pytest.mark.parametrize("m", [2, 3, 4])
def test_mahalanobis_sq_matches_solve(m: int) -> None:
    rng = np.random.default_rng(10 + m)
    A = rng.normal(size=(40, m, m))
    S = A @ A.transpose(0, 2, 1) + 0.2 * np.eye(m)
    nu = rng.normal(size=(40, m))
    want = np.einsum("pm,pm->p", nu, np.linalg.solve(S, nu[:, :, None])[:, :, 0])
    np.testing.assert_allclose(mahalanobis_sq(nu, S), want, rtol=1e-9)
