import math

import numpy as np
import pytest

from services.common.geometry import (
    GeometryError,
    ImageToGround,
    Pose,
    box_bottom_centre,
    check_homography,
)


@pytest.mark.parametrize(
    ("heading", "forward"),
    [(0.0, (0.0, 1.0)), (90.0, (1.0, 0.0)), (180.0, (0.0, -1.0)), (270.0, (-1.0, 0.0))],
)
def test_pose_heading_is_clockwise_from_north(heading, forward):
    pose = Pose(10.0, 20.0, 1.0, heading)
    w = pose.to_world(np.array([[1.0, 0.0, 0.5]]))[0]
    assert w == pytest.approx((10 + forward[0], 20 + forward[1], 1.5), abs=1e-12)
    # +y of the sensor is to its left
    left = pose.to_world(np.array([[0.0, 1.0]]))[0][:2] - (10, 20)
    assert left == pytest.approx((-forward[1], forward[0]), abs=1e-12)


def test_pose_keeps_speed():
    v = Pose(0, 0, 0, 37.0).vectors_to_world(np.array([[3.0, 4.0]]))
    assert np.linalg.norm(v) == pytest.approx(5.0)


def test_homography_maps_and_its_jacobian_matches_finite_differences():
    H = ImageToGround.from_values([0.05, 0.001, -3, 0.0005, -0.08, 40, 0.00001, 0.0004, 1])
    uv = np.array([[320.0, 400.0], [100.0, 300.0]])
    J = H.jacobian(uv)
    eps = 1e-4
    for k in range(2):
        for j in range(2):
            d = np.zeros(2)
            d[j] = eps
            num = (H.to_ground(uv[k] + d) - H.to_ground(uv[k] - d))[0] / (2 * eps)
            assert J[k][:, j] == pytest.approx(num, rel=1e-6)


def test_scaling_homography():
    H = ImageToGround.from_values([0.1, 0, 0, 0, -0.1, 72, 0, 0, 1])
    assert H.to_ground(np.array([[128.0, 720.0]]))[0] == pytest.approx((12.8, 0.0))


@pytest.mark.parametrize(
    ("values", "match"),
    [
        ([1, 0, 0, 0, 1, 0, 0, 0], "9 values"),
        ([1, 2, 3, 2, 4, 6, 0, 0, 1], "singular"),
        ([1, 0, 0, 0, 1e-14, 0, 0, 0, 1], "ill-conditioned"),
        ([1, 0, 0, 0, math.nan, 0, 0, 0, 1], "finite"),
    ],
)
def test_bad_homographies_are_refused(values, match):
    with pytest.raises(GeometryError, match=match):
        check_homography(values)


def test_bottom_centre():
    assert box_bottom_centre(np.array([[10, 20, 4, 6]]))[0] == pytest.approx((12, 26))
