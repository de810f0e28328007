"""Per-sensor tracks -> world-frame Gaussians (x, y, vx, vy) with propagated covariances.

POINT sensors (radar, lidar) go through their pose: x_w = R x_s + p, v_w = R v_s and
P_w = M P Mᵀ with M = diag(R, R). BOX sensors (cameras) go through their image-to-ground
homography at the box's bottom centre (u, v) = (cx, cy + h/2) (where the feet touch the
ground): the pixel state q = (u, v, u', v') = T s has covariance T Σ Tᵀ, and the ground
state is g(u, v), J (u', v'), covariance M (T Σ Tᵀ) Mᵀ with M = diag(J, J), J the
homography's Jacobian at (u, v) (first order, as an extended Kalman filter would).

A sensor with neither a pose (POINT) nor a homography (BOX) is refused with NoGeometryError:
its tracks are never fused in the wrong frame.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from services.common.geometry import ImageToGround, Pose
from services.fusion.domain.types import MeasurementKind, SensorTrack, WorldTrack


class NoGeometryError(ValueError):
    """The sensor has no pose (POINT) or homography (BOX): its tracks cannot be placed."""


class Geometry(Protocol):
    """What to_world needs of a sensor (services.common.registry.SensorGeometry has it)."""

    @property
    def pose(self) -> Pose | None: ...

    @property
    def homography(self) -> ImageToGround | None: ...


@dataclass(frozen=True)
class SensorFrame:
    """A sensor's placement in the site frame, without the registry's proto.

    Attributes:
        pose: origin (m) and heading (degrees clockwise from north) of a POINT sensor.
        homography: image-to-ground map of a camera (BOX) sensor.
    """

    pose: Pose | None = None
    homography: ImageToGround | None = None


def _point_arrays(tracks: Sequence[SensorTrack]) -> tuple[np.ndarray, np.ndarray]:
    """(n, 4) means and (n, 4, 4) covariances (x, y, vx, vy) in the sensor frame."""
    n = len(tracks)
    x = np.zeros((n, 4))
    P = np.zeros((n, 4, 4))
    by_dim: dict[int, list[int]] = {}
    for i, tr in enumerate(tracks):
        by_dim.setdefault(int(np.size(tr.mean)), []).append(i)
    for d, rows in by_dim.items():
        if d not in (2, 3, 4, 6):
            raise ValueError(f"POINT mean has {d} values (2, 3, 4 or 6), e.g. "
                             f"{tracks[rows[0]].sensor_id}/{tracks[rows[0]].track_id}")  # fmt: skip
        m = np.array([tracks[i].mean for i in rows], dtype=float).reshape(len(rows), d)
        C = np.array([tracks[i].cov for i in rows], dtype=float)
        if C.shape != (len(rows), d, d):
            raise ValueError(f"POINT covariances must be ({d}, {d}) for a mean of {d} values")
        idx = np.array([0, 1, d // 2, d // 2 + 1]) if d in (4, 6) else np.array([0, 1])
        k = len(idx)
        r = np.asarray(rows)
        x[r, :k] = m[:, idx]
        P[r, :k, :k] = C[:, idx[:, None], idx[None, :]]
        if k == 2:
            P[r, 2, 2] = P[r, 3, 3] = 100.0  # unknown velocity: 10 m/s standard deviation
    return x, P


def _box_arrays(tracks: Sequence[SensorTrack]) -> tuple[np.ndarray, np.ndarray]:
    """(n, 8) means and (n, 8, 8) covariances of BOX tracks."""
    x = np.asarray([np.asarray(t.mean, dtype=float).reshape(-1) for t in tracks])
    P = np.asarray([np.asarray(t.cov, dtype=float) for t in tracks])
    if x.shape[1:] != (8,) or P.shape[1:] != (8, 8):
        raise ValueError("BOX tracks need an (8,) mean and an (8, 8) covariance")
    return x, P


# Bottom centre and its rate from (cx, cy, w, h, vcx, vcy, vw, vh): u = cx, v = cy + h / 2.
_T_BOX = np.zeros((4, 8))
_T_BOX[0, 0] = _T_BOX[1, 1] = _T_BOX[2, 4] = _T_BOX[3, 5] = 1.0
_T_BOX[1, 3] = _T_BOX[3, 7] = 0.5


def points_to_world(pose: Pose, x: np.ndarray, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(n, 4) sensor-frame states and (n, 4, 4) covariances -> the same in the site frame."""
    R = pose.rotation
    M = np.zeros((4, 4))
    M[:2, :2] = M[2:, 2:] = R
    xw = x @ M.T
    xw[:, 0] += pose.x
    xw[:, 1] += pose.y
    Pw = M @ P @ M.T
    return xw, Pw


def boxes_to_world(
    hom: ImageToGround, x: np.ndarray, P: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """(n, 8) box states and (n, 8, 8) covariances -> (n, 4) ground states and (n, 4, 4)
    covariances through the homography at the bottom centre (first-order propagation)."""
    q = x @ _T_BOX.T
    Q = _T_BOX @ P @ _T_BOX.T
    J = hom.jacobian(q[:, :2])
    n = len(x)
    M = np.zeros((n, 4, 4))
    M[:, :2, :2] = M[:, 2:, 2:] = J
    xw = np.empty((n, 4))
    xw[:, :2] = hom.to_ground(q[:, :2])
    xw[:, 2:] = np.einsum("nij,nj->ni", J, q[:, 2:])
    Pw = M @ Q @ M.transpose(0, 2, 1)
    return xw, 0.5 * (Pw + Pw.transpose(0, 2, 1))


def to_world(tracks: Sequence[SensorTrack], geometry: Geometry | None) -> list[WorldTrack]:
    """Tracks of one sensor -> world tracks; NoGeometryError when the sensor cannot be placed
    (no geometry, a POINT sensor without pose, a BOX sensor without homography)."""
    if not tracks:
        return []
    kinds = {t.kind for t in tracks}
    sensors = {t.sensor_id for t in tracks}
    if len(kinds) != 1 or len(sensors) != 1:
        raise ValueError("to_world takes the tracks of one sensor and one kind")
    kind, sensor = kinds.pop(), sensors.pop()
    if kind is MeasurementKind.BOX:
        hom = None if geometry is None else geometry.homography
        if hom is None:
            raise NoGeometryError(f"sensor {sensor}: no homography, kept out of fusion")
        xw, Pw = boxes_to_world(hom, *_box_arrays(tracks))
    else:
        pose = None if geometry is None else geometry.pose
        if pose is None:
            raise NoGeometryError(f"sensor {sensor}: no pose, kept out of fusion")
        xw, Pw = points_to_world(pose, *_point_arrays(tracks))
    ok = np.isfinite(xw).all(axis=1) & np.isfinite(Pw).all(axis=(1, 2))
    return [
        WorldTrack(tr.sensor_id, tr.track_id, float(tr.t), kind, xw[i], Pw[i], tr.label,
                   float(tr.confidence))
        for i, tr in enumerate(tracks)
        if ok[i]
    ]  # fmt: skip
