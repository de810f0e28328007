"""Value types of the tracker domain: what goes in (DetectionBatch), what comes out (TrackView).

Units: times are seconds since the Unix epoch (UTC); POINT measurements are metres in the
sensor's world frame; BOX measurements are pixels (left, top, width, height). Velocities are
per second. Inside the tracker all tracks of a sensor live in numpy arrays (see state.py);
these objects exist only at the edges. MeasurementKind, TrackStatus and TrackerConfig are
re-exported here so callers can import every value type from one module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from services.tracker.domain.config import TrackerConfig
from services.tracker.domain.enums import MeasurementKind, TrackStatus

__all__ = [
    "DetectionBatch",
    "MeasurementKind",
    "StepResult",
    "TrackStatus",
    "TrackView",
    "TrackerConfig",
]


@dataclass(frozen=True)
class DetectionBatch:
    """DetectionBatch is one scan (frame) of one sensor.

    Attributes:
        t: scan time in seconds since the epoch (UTC). The tracker's dt comes from these
            timestamps, never from frame counts.
        frame_id: the sensor's frame counter, echoed on the tracks.
        z: (n, m) float64. POINT: x, y[, z] in metres (m = config.dims). BOX: left, top,
            width, height in pixels (m = 4).
        scores: (n,) detection confidence in 0..1.
        labels: (n,) class labels; "" when unknown.
        R: optional (n, m, m) measurement covariance in m² (POINT only). A row that is all
            NaN means "use the configured default".
        speeds: optional (n,) measured speed in m/s (e.g. Doppler); NaN where absent.
    """

    t: float
    frame_id: int
    z: np.ndarray
    scores: np.ndarray
    labels: tuple[str, ...]
    R: np.ndarray | None = None
    speeds: np.ndarray | None = None


@dataclass(frozen=True)
class TrackView:
    """TrackView is a read-only snapshot of one track, built at the output edge.

    Attributes:
        id: "<sensor_id>-<n:06d>", unique per sensor and never reused.
        status: lifecycle state.
        mean: (d,) state mean. POINT: position then velocity (m, m/s). BOX: cx, cy, w, h
            in pixels, then their rates in pixels/s.
        cov: (d, d) state covariance in the same units, squared.
        position: POINT: metres (z = 0 in 2-D). BOX: box centre in pixels (cx, cy, 0).
        velocity: per second, same units as position.
        bbox: BOX: left, top, width, height in pixels; None for POINT.
        label: class label of the latest matched detection that had one.
        confidence: score of the latest matched detection, 0..1.
        created_t: time of the detection that started the track (s since epoch).
        updated_t: time of the latest matched detection (s since epoch).
        hits: number of detections matched so far (including the first).
        frame_id: frame_id of the scan this view was produced by.
        speed_mps: mean of the recent measured speeds when detections carry them, else
            |velocity| (for BOX that is pixels/s: the service converts via its homography).
    """

    id: str
    status: TrackStatus
    mean: np.ndarray
    cov: np.ndarray
    position: tuple[float, float, float]
    velocity: tuple[float, float, float]
    bbox: tuple[float, float, float, float] | None
    label: str
    confidence: float
    created_t: float
    updated_t: float
    hits: int
    frame_id: int
    speed_mps: float


@dataclass(frozen=True)
class StepResult:
    """StepResult is what one scan produced.

    Attributes:
        tracks: live tracks (tentative, confirmed, coasting), in id order. A
            Sequence[TrackView] (the tracker returns a views.TrackViews, which builds the
            TrackView objects lazily on first iteration and also offers array columns).
        new_ids: ids of tracks born in this scan.
        deleted: tracks deleted in this scan, with status DELETED and their last estimate.
    """

    tracks: Sequence[TrackView]
    new_ids: list[str]
    deleted: Sequence[TrackView]
