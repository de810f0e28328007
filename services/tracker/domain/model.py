"""Measurement models: how a DetectionBatch becomes (z, R) and how states read back out.

POINT: state (x, y[, z], vx, vy[, vz]) in metres and m/s; z is the position; R is the
detection's covariance or meas_std² I.

BOX: state (cx, cy, w, h, vcx, vcy, vw, vh) in pixels and pixels/s; a detection (left, top,
width, height) becomes z = (cx, cy, w, h). As in SORT/ByteTrack, noise is proportional to box
size: R = diag((σ w)², (σ h)², (σ w)², (σ h)²) with σ = box_meas_std, and the process noise
of each axis scales with the track's own width (x, w) or height (y, h).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from services.tracker.domain.config import TrackerConfig
from services.tracker.domain.types import DetectionBatch, MeasurementKind


class MeasurementModel(Protocol):
    """MeasurementModel converts detections into state space and states into outputs."""

    def measure(self, batch: DetectionBatch) -> tuple[np.ndarray, np.ndarray]:
        """Validated measurements z (n, k) and covariances R (n, k, k); ValueError names the
        offending field."""
        ...

    def initial(self, z: np.ndarray, R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """New-track states (n, 2k) and covariances (n, 2k, 2k) from measurements."""
        ...

    def noise_scale(self, x: np.ndarray) -> np.ndarray:
        """(n, k) per-axis process-noise scale for the states x."""
        ...

    def pos_std(self, x: np.ndarray, P: np.ndarray) -> np.ndarray:
        """(n,) position standard deviation (largest axis) in deletion units."""
        ...


@dataclass(frozen=True)
class PointModel:
    """World points in metres.

    Attributes:
        dims: 2 or 3 measured coordinates.
        meas_std: default measurement standard deviation per axis, metres.
        init_speed_std: velocity standard deviation of a new track, m/s.
    """

    dims: int
    meas_std: float
    init_speed_std: float

    def measure(self, batch: DetectionBatch) -> tuple[np.ndarray, np.ndarray]:
        """See MeasurementModel.measure."""
        z = _matrix(batch.z, self.dims)
        n, m = z.shape
        R = np.broadcast_to(np.eye(m) * self.meas_std**2, (n, m, m)).copy()
        if batch.R is not None:
            given = np.asarray(batch.R, dtype=np.float64)
            if given.shape != (n, m, m):
                raise ValueError(f"R must have shape ({n}, {m}, {m}), got {given.shape}")
            absent = np.isnan(given).all(axis=(1, 2))
            use = given[~absent]
            if not np.isfinite(use).all():
                raise ValueError("R must be finite (or all NaN for the default)")
            if not np.allclose(use, use.transpose(0, 2, 1), rtol=1e-9, atol=1e-12):
                raise ValueError("R must be symmetric")
            if len(use) and np.linalg.eigvalsh(use).min() <= 0.0:
                raise ValueError("R must be positive definite")
            R[~absent] = use
        return z, R

    def initial(self, z: np.ndarray, R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """See MeasurementModel.initial: zero velocity, covariance R and init_speed_std²."""
        n, m = z.shape
        x = np.zeros((n, 2 * m))
        x[:, :m] = z
        P = np.zeros((n, 2 * m, 2 * m))
        P[:, :m, :m] = R
        idx = np.arange(m, 2 * m)
        P[:, idx, idx] = self.init_speed_std**2
        return x, P

    def noise_scale(self, x: np.ndarray) -> np.ndarray:
        """See MeasurementModel.noise_scale: 1 (process noise is absolute, in metres)."""
        return np.ones((len(x), x.shape[1] // 2))

    def pos_std(self, x: np.ndarray, P: np.ndarray) -> np.ndarray:
        """See MeasurementModel.pos_std: metres."""
        m = x.shape[1] // 2
        idx = np.arange(m)
        out: np.ndarray = np.sqrt(P[:, idx, idx].max(axis=1))
        return out


@dataclass(frozen=True)
class BoxModel:
    """Image boxes in pixels, with noise proportional to box size.

    Attributes:
        meas_std: measurement standard deviation as a fraction of the box size.
        init_speed_std: velocity standard deviation of a new track, box sizes per second.
    """

    meas_std: float
    init_speed_std: float

    def measure(self, batch: DetectionBatch) -> tuple[np.ndarray, np.ndarray]:
        """See MeasurementModel.measure; boxes need width > 0 and height > 0."""
        ltwh = _matrix(batch.z, 4)
        if batch.R is not None:
            raise ValueError("R must be None for BOX detections (noise scales with size)")
        if (ltwh[:, 2:] <= 0).any():
            raise ValueError("z: box width and height must be > 0")
        z = ltwh.copy()
        z[:, :2] += ltwh[:, 2:] / 2
        return z, self.covariance(z)

    def covariance(self, z: np.ndarray) -> np.ndarray:
        """(n, 4, 4) diagonal measurement covariance for (cx, cy, w, h) rows."""
        s = np.empty_like(z)
        s[:, 0::2] = z[:, 2:3]
        s[:, 1::2] = z[:, 3:4]
        R = np.zeros((len(z), 4, 4))
        idx = np.arange(4)
        R[:, idx, idx] = (self.meas_std * s) ** 2
        return R

    def initial(self, z: np.ndarray, R: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """See MeasurementModel.initial: zero velocity, covariance R and size-scaled speed."""
        n = len(z)
        x = np.zeros((n, 8))
        x[:, :4] = z
        P = np.zeros((n, 8, 8))
        P[:, :4, :4] = R
        idx = np.arange(4, 8)
        P[:, idx, idx] = (self.init_speed_std * self.noise_scale(x)) ** 2
        return x, P

    def noise_scale(self, x: np.ndarray) -> np.ndarray:
        """See MeasurementModel.noise_scale: width for cx and w, height for cy and h."""
        wh = np.maximum(x[:, 2:4], 1.0)
        return np.concatenate([wh, wh], axis=1)

    def pos_std(self, x: np.ndarray, P: np.ndarray) -> np.ndarray:
        """See MeasurementModel.pos_std: centre standard deviation in box heights."""
        var = np.maximum(P[:, 0, 0], P[:, 1, 1])
        out: np.ndarray = np.sqrt(var) / np.maximum(x[:, 3], 1.0)
        return out


def make_model(config: TrackerConfig) -> PointModel | BoxModel:
    """The measurement model for config.kind."""
    if config.kind is MeasurementKind.BOX:
        return BoxModel(config.box_meas_std, config.box_init_speed_std)
    return PointModel(config.dims, config.meas_std, config.init_speed_std)


def _matrix(z: np.ndarray, m: int) -> np.ndarray:
    arr = np.asarray(z, dtype=np.float64)
    if arr.size == 0:
        return np.empty((0, m))
    if arr.ndim != 2 or arr.shape[1] != m:
        raise ValueError(f"z must have shape (n, {m}), got {arr.shape}")
    if not np.isfinite(arr).all():
        raise ValueError("z must be finite")
    return arr


def positions(kind: MeasurementKind, x: np.ndarray) -> np.ndarray:
    """(n, 3) positions: POINT metres (z = 0 in 2-D); BOX box centre pixels (cx, cy, 0)."""
    out = np.zeros((len(x), 3))
    k = 2 if kind is MeasurementKind.BOX else x.shape[1] // 2
    out[:, :k] = x[:, :k]
    return out


def velocities(kind: MeasurementKind, x: np.ndarray) -> np.ndarray:
    """(n, 3) velocities per second, laid out like positions()."""
    out = np.zeros((len(x), 3))
    half = x.shape[1] // 2
    k = 2 if kind is MeasurementKind.BOX else half
    out[:, :k] = x[:, half : half + k]
    return out
