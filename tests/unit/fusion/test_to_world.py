"""to_world: pose rotation of mean and covariance, homography propagation (Jacobian vs
finite differences and Monte Carlo), and refusal of sensors without geometry."""

from __future__ import annotations

import numpy as np
import pytest

from bench.fusion.scenario import Camera
from services.common.geometry import Pose
from services.fusion.domain.to_world import (
    NoGeometryError,
    SensorFrame,
    boxes_to_world,
    points_to_world,
    to_world,
)
from services.fusion.domain.types import MeasurementKind, SensorTrack

CAM = Camera(0.0, 0.0, 6.0, 0.0, 15.0)


def point(mean: list[float], cov: np.ndarray, sensor: str = "r") -> SensorTrack:
    return SensorTrack(sensor, f"{sensor}-000001", 1.0, MeasurementKind.POINT,
                       np.array(mean, float), cov)  # fmt: skip


def test_pose_rotates_mean_and_covariance() -> None:
    # Heading 0 (north): the sensor's x axis (forward) is world +y, its y axis (left) -x.
    pose = Pose(10.0, 20.0, 0.0, 0.0)
    P = np.diag([4.0, 1.0, 0.25, 0.01])
    [w] = to_world([point([5.0, 0.0, 1.0, 0.0], P)], SensorFrame(pose=pose))
    np.testing.assert_allclose(w.x, [10.0, 25.0, 0.0, 1.0], atol=1e-12)
    np.testing.assert_allclose(np.diag(w.P), [1.0, 4.0, 0.01, 0.25], atol=1e-12)


@pytest.mark.parametrize("heading", [0.0, 33.0, 90.0, 211.0])
def test_pose_covariance_is_r_p_rt(heading: float) -> None:
    rng = np.random.default_rng(1)
    A = rng.normal(size=(4, 4))
    P = A @ A.T + np.eye(4)
    pose = Pose(1.0, 2.0, 0.0, heading)
    xw, Pw = points_to_world(pose, np.array([[3.0, -1.0, 0.5, 0.2]]), P[None])
    M = np.zeros((4, 4))
    M[:2, :2] = M[2:, 2:] = pose.rotation
    np.testing.assert_allclose(Pw[0], M @ P @ M.T, atol=1e-12)
    np.testing.assert_allclose(np.linalg.eigvalsh(Pw[0]), np.linalg.eigvalsh(P), atol=1e-9)
    np.testing.assert_allclose(xw[0, :2], pose.to_world(np.array([[3.0, -1.0]]))[0, :2])


def test_point_3d_state_keeps_ground_components() -> None:
    P = np.diag([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    [w] = to_world([point([1, 2, 3, 4, 5, 6], P)], SensorFrame(pose=Pose(0, 0, 0, 90.0)))
    np.testing.assert_allclose(w.x, [1, 2, 4, 5], atol=1e-12)
    np.testing.assert_allclose(np.diag(w.P), [1, 2, 4, 5], atol=1e-12)


def box_state(u: float, v_bottom: float, h: float = 80.0) -> np.ndarray:
    w = 0.41 * h
    return np.array([u, v_bottom - h / 2, w, h, 3.0, -2.0, 0.0, 0.5])


def test_homography_mean_is_the_bottom_centre() -> None:
    hom = CAM.homography()
    ground = np.array([[4.0, 30.0, 0.0]])
    uv, _ = CAM.project(ground)
    x = box_state(uv[0, 0], uv[0, 1])
    xw, _ = boxes_to_world(hom, x[None], np.eye(8)[None])
    np.testing.assert_allclose(xw[0, :2], [4.0, 30.0], atol=1e-9)


def test_homography_jacobian_matches_finite_differences() -> None:
    hom = CAM.homography()
    x = box_state(1100.0, 700.0)
    xw, _ = boxes_to_world(hom, x[None], np.eye(8)[None])
    eps = 1e-3
    for k, (du, dv) in enumerate([(1.0, 0.0), (0.0, 1.0)]):
        q = np.array([[x[0], x[1] + x[3] / 2]])
        num = (hom.to_ground(q + eps * np.array([du, dv])) -
               hom.to_ground(q - eps * np.array([du, dv]))) / (2 * eps)  # fmt: skip
        np.testing.assert_allclose(hom.jacobian(q)[0][:, k], num[0], rtol=1e-5)
    # The velocity is J times the bottom centre's pixel rate (vcx, vcy + vh / 2).
    J = hom.jacobian(np.array([[x[0], x[1] + x[3] / 2]]))[0]
    np.testing.assert_allclose(xw[0, 2:], J @ np.array([x[4], x[5] + x[7] / 2]), rtol=1e-12)


def test_homography_covariance_matches_monte_carlo() -> None:
    hom = CAM.homography()
    x = box_state(800.0, 760.0, 120.0)
    P = np.diag([2.0, 2.0, 1.0, 3.0, 4.0, 4.0, 1.0, 1.0]) ** 2 * 0.25
    P[1, 3] = P[3, 1] = 0.3  # correlated centre and height
    xw, Pw = boxes_to_world(hom, x[None], P[None])
    rng = np.random.default_rng(5)
    s = rng.multivariate_normal(x, P, 200_000)
    g = hom.to_ground(np.c_[s[:, 0], s[:, 1] + s[:, 3] / 2])
    emp = np.cov(g.T)
    np.testing.assert_allclose(g.mean(axis=0), xw[0, :2], atol=0.01)
    np.testing.assert_allclose(emp, Pw[0, :2, :2], rtol=0.05, atol=1e-4)


@pytest.mark.parametrize(
    ("kind", "frame"),
    [
        (MeasurementKind.POINT, None),
        (MeasurementKind.POINT, SensorFrame(homography=CAM.homography())),
        (MeasurementKind.BOX, None),
        (MeasurementKind.BOX, SensorFrame(pose=Pose(0, 0, 0, 0))),
    ],
)
def test_sensor_without_its_geometry_is_refused(kind: MeasurementKind, frame: object) -> None:
    d = 8 if kind is MeasurementKind.BOX else 4
    tr = SensorTrack("s1", "s1-000001", 0.0, kind, np.ones(d), np.eye(d))
    with pytest.raises(NoGeometryError, match="s1"):
        to_world([tr], frame)  # type: ignore[arg-type]


def test_mixed_sensors_are_rejected() -> None:
    a = point([0, 0, 0, 0], np.eye(4), "a")
    b = point([0, 0, 0, 0], np.eye(4), "b")
    with pytest.raises(ValueError, match="one sensor"):
        to_world([a, b], SensorFrame(pose=Pose(0, 0, 0, 0)))
    assert to_world([], None) == []
