"""Value types of the fusion domain.

Units: times in seconds since the epoch (UTC); world positions in metres in the site frame
(x east, y north), velocities in m/s; world states are (x, y, vx, vy) with 4x4 covariances.
Per-sensor states are those of services.tracker.domain (POINT: metres in the sensor frame,
(x, y[, z], vx, vy[, vz]); BOX: pixels, (cx, cy, w, h) then their rates).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.tracker.domain.enums import MeasurementKind, TrackStatus

__all__ = ["MeasurementKind", "SensorTrack", "TrackStatus", "WorldTrack"]


@dataclass(frozen=True)
class SensorTrack:
    """SensorTrack is one per-sensor track state as the sensor's tracker reported it.

    Attributes:
        sensor_id: the sensor whose tracker holds the track.
        track_id: the per-sensor track id ("<sensor_id>-<n:06d>").
        t: time the state refers to (the sensor's scan time), seconds since the epoch.
        kind: POINT (metres in the sensor frame) or BOX (pixels).
        mean: (d,) state mean: POINT (x, y[, z], vx, vy[, vz]); BOX (cx, cy, w, h, vcx, vcy,
            vw, vh). A POINT mean of length 2 or 3 (position only) is taken as standing still
            with an unknown velocity.
        cov: (d, d) state covariance in the same units, squared.
        label: class label ("person", ...); "" when unknown.
        confidence: score of the latest matched detection, 0..1.
        deleted: True when the sensor's tracker ended the track (it leaves fusion at once).
    """

    sensor_id: str
    track_id: str
    t: float
    kind: MeasurementKind
    mean: np.ndarray
    cov: np.ndarray
    label: str = ""
    confidence: float = 1.0
    deleted: bool = False

    @property
    def key(self) -> tuple[str, str]:
        return (self.sensor_id, self.track_id)


@dataclass(frozen=True)
class WorldTrack:
    """WorldTrack is a sensor track brought into the site frame.

    Attributes:
        sensor_id, track_id, t, kind, label, confidence: as in SensorTrack.
        x: (4,) x, y (m), vx, vy (m/s) in the site frame.
        P: (4, 4) covariance of x (m², m²/s, m²/s²).
    """

    sensor_id: str
    track_id: str
    t: float
    kind: MeasurementKind
    x: np.ndarray
    P: np.ndarray
    label: str = ""
    confidence: float = 1.0

    @property
    def key(self) -> tuple[str, str]:
        return (self.sensor_id, self.track_id)
