"""World-frame geometry shared by tracker and fusion: a point sensor's pose and a camera's
image-to-ground homography, with the Jacobians that carry velocities and covariances.
Pure numpy; conventions as in aura.admin.v1.SensorPose and Homography."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

# A homography whose condition number exceeds this is refused as ill-conditioned.
MAX_CONDITION = 1e12


class GeometryError(ValueError):
    """A pose or homography that cannot be used."""


@dataclass(frozen=True)
class Pose:
    """Sensor origin in the site frame (metres) and heading in degrees clockwise from north."""

    x: float
    y: float
    z: float
    heading_deg: float

    @property
    def rotation(self) -> np.ndarray:
        t = math.radians(90.0 - self.heading_deg)
        c, s = math.cos(t), math.sin(t)
        return np.array([[c, -s], [s, c]])

    def to_world(self, pts: np.ndarray) -> np.ndarray:
        """(n, 2 or 3) sensor-frame points → (n, 3) world points."""
        pts = np.atleast_2d(np.asarray(pts, dtype=float))
        out = np.empty((pts.shape[0], 3))
        out[:, :2] = pts[:, :2] @ self.rotation.T + (self.x, self.y)
        out[:, 2] = self.z + (pts[:, 2] if pts.shape[1] > 2 else 0.0)
        return out

    def vectors_to_world(self, vecs: np.ndarray) -> np.ndarray:
        """(n, 2) sensor-frame velocities → (n, 2) world velocities (rotation only)."""
        return np.atleast_2d(np.asarray(vecs, dtype=float))[:, :2] @ self.rotation.T


@dataclass(frozen=True)
class ImageToGround:
    """H maps image pixels (u right, v down) to ground metres: (X, Y, W) = H (u, v, 1)."""

    H: np.ndarray

    @classmethod
    def from_values(cls, values: list[float] | tuple[float, ...]) -> ImageToGround:
        check_homography(values)
        return cls(np.asarray(values, dtype=float).reshape(3, 3))

    def to_ground(self, uv: np.ndarray) -> np.ndarray:
        """(n, 2) pixels → (n, 2) ground metres."""
        uv = np.atleast_2d(np.asarray(uv, dtype=float))
        h = np.c_[uv, np.ones(len(uv))] @ self.H.T
        return h[:, :2] / h[:, 2:3]

    def jacobian(self, uv: np.ndarray) -> np.ndarray:
        """(n, 2, 2) d(ground)/d(pixels) at each point: carries velocities and covariances."""
        uv = np.atleast_2d(np.asarray(uv, dtype=float))
        h = np.c_[uv, np.ones(len(uv))] @ self.H.T
        X, Y, W = h[:, 0], h[:, 1], h[:, 2]
        H = self.H
        J = np.empty((len(uv), 2, 2))
        for j in range(2):
            J[:, 0, j] = (H[0, j] * W - X * H[2, j]) / W**2
            J[:, 1, j] = (H[1, j] * W - Y * H[2, j]) / W**2
        return J


def check_homography(values: list[float] | tuple[float, ...]) -> None:
    """Raise GeometryError for a homography that is not 9 finite numbers, is singular or is
    ill-conditioned."""
    if len(values) != 9:
        raise GeometryError(f"a homography has 9 values, got {len(values)}")
    H = np.asarray(values, dtype=float).reshape(3, 3)
    if not np.all(np.isfinite(H)):
        raise GeometryError("homography values must be finite")
    cond = np.linalg.cond(H)
    if not math.isfinite(cond) or abs(np.linalg.det(H)) < 1e-15:
        raise GeometryError("homography is singular")
    if cond > MAX_CONDITION:
        raise GeometryError(f"homography is ill-conditioned (condition number {cond:.3g})")


def box_bottom_centre(bbox: np.ndarray) -> np.ndarray:
    """(n, 4) left, top, width, height → (n, 2) bottom-centre pixels (where feet touch ground)."""
    b = np.atleast_2d(np.asarray(bbox, dtype=float))
    return np.c_[b[:, 0] + b[:, 2] / 2.0, b[:, 1] + b[:, 3]]
