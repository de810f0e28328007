"""Kalman prediction for all tracks of a sensor at once (constant-velocity model)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

import numpy as np


class Predictor(Protocol):
    """Predictor moves every track's Gaussian state forward by dt seconds."""

    def predict(
        self, x: np.ndarray, P: np.ndarray, dt: float | np.ndarray, scale: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return predicted (x, P) as new arrays; the inputs are left untouched.

        Args:
            x: (n, 2k) states: k position-like components, then their rates per second.
            P: (n, 2k, 2k) covariances.
            dt: seconds to predict over, a scalar or (n,) per track; must be >= 0.
            scale: (n, k) per-track, per-axis process-noise scale (1 for points; the box
                size in pixels for boxes).
        """
        ...


@dataclass(frozen=True)
class ConstantVelocityPredictor:
    """Constant velocity driven by white noise, discretised exactly for any dt.

    Per axis a with scale s, the added process noise over dt is
    s² · (accel_noise · [[dt³/3, dt²/2], [dt²/2, dt]] + pos_noise · [[dt, 0], [0, 0]]).

    Attributes:
        accel_noise: spectral density of the acceleration, (units/s²)²·s = units²/s³ per unit
            of scale².
        pos_noise: spectral density of an extra position random walk, units²/s per unit of
            scale² (0 for a pure constant-velocity model).
    """

    accel_noise: float
    pos_noise: float = 0.0

    def predict(
        self, x: np.ndarray, P: np.ndarray, dt: float | np.ndarray, scale: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """See Predictor.predict."""
        n, d = x.shape
        k = d // 2
        dtv = np.asarray(dt, dtype=np.float64)
        if np.any(dtv < 0):
            raise ValueError("dt must be >= 0 (predicting backwards is not allowed)")
        q, qp = self.accel_noise, self.pos_noise
        s2 = scale * scale
        if dtv.ndim == 0:
            # One dt for all: vec(F P Fᵀ) = (F ⊗ F) vec(P), a single matrix product over the
            # flattened covariances, and Q = s² (per axis) times a fixed basis.
            Ft, FFt, basis = _cv_matrices(float(dtv), d, q, qp)
            Pp = P.reshape(n, d * d) @ FFt
            Pp += s2 @ basis
            return x @ Ft, Pp.reshape(n, d, d)
        # Per-track dt: F P Fᵀ by blocks, rows first (F P), then columns ((F P) Fᵀ).
        d1, d2 = dtv.reshape(-1, 1), dtv.reshape(-1, 1, 1)
        xp = x.copy()
        xp[:, :k] += d1 * x[:, k:]
        Pb = P.copy()
        Pb[:, :k, :] += d2 * P[:, k:, :]
        Pb[:, :, :k] += d2 * Pb[:, :, k:]
        flat = Pb.reshape(n, d * d)
        a = np.arange(k)
        flat[:, a * (d + 1)] += s2 * (q * d1**3 / 3.0 + qp * d1)
        cross = s2 * (q * d1 * d1 / 2.0)
        flat[:, a * d + a + k] += cross
        flat[:, (a + k) * d + a] += cross
        flat[:, (a + k) * (d + 1)] += s2 * (q * d1)
        return xp, Pb


@lru_cache(maxsize=32)
def _cv_matrices(
    h: float, d: int, q: float, qp: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fᵀ, (F ⊗ F)ᵀ and the (k, d²) process-noise basis for one dt (read-only; a stream's
    scans usually share a handful of dt values, so they are built once)."""
    k = d // 2
    F = np.eye(d)
    F[:k, k:] = h * np.eye(k)
    basis = np.zeros((k, d * d))
    a = np.arange(k)
    basis[a, a * (d + 1)] = q * h**3 / 3.0 + qp * h
    basis[a, a * d + a + k] = basis[a, (a + k) * d + a] = q * h * h / 2.0
    basis[a, (a + k) * (d + 1)] = q * h
    out = (np.ascontiguousarray(F.T), np.ascontiguousarray(np.kron(F, F).T), basis)
    for arr in out:
        arr.flags.writeable = False
    return out
