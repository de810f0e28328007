"""Kalman update for matched (track, detection) pairs, all pairs at once."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np


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

    The covariance uses the Joseph form, (I - KH) P (I - KH)ᵀ + K R Kᵀ, which stays
    symmetric positive definite even when S is badly conditioned.
    """

    def update(
        self, x: np.ndarray, P: np.ndarray, z: np.ndarray, R: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """See Updater.update."""
        if len(x) == 0:
            return x.copy(), P.copy()
        m = z.shape[1]
        d = x.shape[1]
        PHt = P[:, :, :m]  # (n, d, m)
        S = P[:, :m, :m] + R
        # K = P Hᵀ S⁻¹, computed as (S⁻¹ H P)ᵀ since S and P are symmetric.
        K = np.linalg.solve(S, PHt.transpose(0, 2, 1)).transpose(0, 2, 1)  # (n, d, m)
        y = z - x[:, :m]
        xn = x + np.einsum("ndm,nm->nd", K, y)
        IKH = np.broadcast_to(np.eye(d), P.shape).copy()
        IKH[:, :, :m] -= K
        Pn = IKH @ P @ IKH.transpose(0, 2, 1) + K @ R @ K.transpose(0, 2, 1)
        Pn = 0.5 * (Pn + Pn.transpose(0, 2, 1))
        return xn, Pn
