"""Kalman update for matched (track, detection) pairs, all pairs at once."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Protocol

import numpy as np

from services.tracker.domain.linalg import inv_sym


class Updater(Protocol):
    """Updater corrects predicted states with their matched measurements."""

    def update(
        self, x: np.ndarray, P: np.ndarray, z: np.ndarray, R: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return posterior (x, P) for aligned pairs as new arrays.

        Args:
            x: (n, d) predicted states; the measurement observes the first m components.
            P: (n, d, d) predicted covariances.
            z: (n, m) measurements, same units as the first m state components.
            R: (n, m, m) measurement covariances.
        """
        ...


@dataclass(frozen=True)
class KalmanUpdater:
    """Linear Kalman update with H = [I_m 0] (position-like components measured directly).

    K = P Hᵀ S⁻¹ with S = H P Hᵀ + R; x' = x + K (z - H x); P' = P - K H P, symmetrised.
    S⁻¹ uses the closed forms of linalg.inv_sym (no per-matrix LAPACK calls).

    When every R is diagonal and no covariance couples different axes (the usual case: box
    tracks always, point tracks unless a detection brought a correlated covariance), the
    state is d/2 independent (position, rate) pairs and the same update is done per axis,
    elementwise, which is several times cheaper.
    """

    def update(
        self, x: np.ndarray, P: np.ndarray, z: np.ndarray, R: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """See Updater.update."""
        if len(x) == 0:
            return x.copy(), P.copy()
        m = z.shape[1]
        if 2 * m == x.shape[1] and _axes_independent(P, R):
            return _update_axes(x, P, z, R)
        HP = P[:, :m, :]  # (n, m, d) = (P Hᵀ)ᵀ since P is symmetric
        K = P[:, :, :m] @ inv_sym(HP[:, :, :m] + R)  # (n, d, m)
        y = z - x[:, :m]
        xn = x + np.einsum("ndm,nm->nd", K, y)
        Pn = P - K @ HP
        Pn += Pn.transpose(0, 2, 1)
        Pn *= 0.5
        return xn, Pn


def _axes_independent(P: np.ndarray, R: np.ndarray) -> bool:
    """True if R is diagonal and P has no entry linking different axes (axis a is the pair
    of state components a and a + d/2)."""
    n, d = P.shape[0], P.shape[1]
    m = d // 2
    if R.reshape(n, m * m)[:, _off_diagonal(m)].any():
        return False
    return not P.reshape(n, d * d)[:, _cross_axis(d)].any()


@cache
def _off_diagonal(m: int) -> np.ndarray:
    """Flat indices of the off-diagonal entries of an m x m matrix."""
    return np.flatnonzero(np.arange(m * m) % (m + 1) != 0)


@cache
def _cross_axis(d: int) -> np.ndarray:
    """Flat indices of the entries of a d x d state covariance that link different axes."""
    i, j = np.divmod(np.arange(d * d), d)
    return np.flatnonzero((i % (d // 2)) != (j % (d // 2)))


def _update_axes(
    x: np.ndarray, P: np.ndarray, z: np.ndarray, R: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """The Kalman update of independent (position, rate) axes, elementwise over (n, m)."""
    n, d = P.shape[0], P.shape[1]
    m = d // 2
    a = np.arange(m)
    i_pp, i_pv, i_vp, i_vv = a * (d + 1), a * d + a + m, (a + m) * d + a, (a + m) * (d + 1)
    flat = P.reshape(n, d * d)
    pp, pv, vv = flat[:, i_pp], flat[:, i_pv], flat[:, i_vv]
    s = pp + R.reshape(n, m * m)[:, a * (m + 1)]
    kp, kv = pp / s, pv / s  # gains of the position and the rate
    y = z - x[:, :m]
    xn = x.copy()
    xn[:, :m] += kp * y
    xn[:, m:] += kv * y
    Pn = P.copy()
    out = Pn.reshape(n, d * d)
    out[:, i_pp] = pp - kp * pp
    out[:, i_pv] = out[:, i_vp] = pv - kp * pv
    out[:, i_vv] = vv - kv * pv
    return xn, Pn
