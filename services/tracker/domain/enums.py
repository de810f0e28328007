"""Enumerations shared by the tracker domain (re-exported by types.py)."""

from __future__ import annotations

import enum


class MeasurementKind(enum.Enum):
    """MeasurementKind says what a detection measures."""

    POINT = "point"  # x, y[, z] in metres (radar, lidar, fused world points)
    BOX = "box"  # left, top, width, height in pixels (camera)


class TrackStatus(enum.Enum):
    """TrackStatus is the lifecycle state; values match proto aura.common.v1.TrackStatus."""

    TENTATIVE = 1  # born, not yet confirmed (M of N)
    CONFIRMED = 2  # confirmed; matched in the latest scan or missed <= coast_grace_scans
    COASTING = 3  # confirmed, missed more scans in a row, predicted forward
    DELETED = 4  # ended; its id is never reused
