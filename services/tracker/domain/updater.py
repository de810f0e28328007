"""Kalman update for matched (track, detection) pairs, all pairs at once."""

from __future__ import annotations

from dataclasses import dataclass
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
    """

    def update(
        self, x: np.ndarray, P: np.ndarray, z: np.ndarray, R: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """See Updater.update."""
        if len(x) == 0:
            return x.copy(), P.copy()
        m = z.shape[1]
        HP = P[:, :m, :]  # (n, m, d) = (P Hᵀ)ᵀ since P is symmetric
        K = P[:, :, :m] @ inv_sym(HP[:, :, :m] + R)  # (n, d, m)
        y = z - x[:, :m]
        xn = x + np.einsum("ndm,nm->nd", K, y)
        Pn = P - K @ HP
        Pn += Pn.transpose(0, 2, 1)
        Pn *= 0.5
        return xn, Pn
