"""AURA's tracker core (services.tracker.domain), run in the project's own venv.

Defaults of TrackerConfig, except, for points, the sensor's measurement noise (meas_std), which a
deployment configures per sensor (Stone Soup is given the same). Output: CONFIRMED tracks
(TENTATIVE and COASTING ones are not reported).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import _common as c  # sets BLAS threads before numpy is imported
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from services.tracker.domain.tracker import SensorTracker  # noqa: E402
from services.tracker.domain.types import (  # noqa: E402
    DetectionBatch,
    MeasurementKind,
    StepResult,
    TrackerConfig,
    TrackStatus,
)

EPOCH_S = 1_767_225_600.0  # 2026-01-01T00:00:00Z: scan times are seconds since the epoch


def build(meta: dict[str, Any]) -> c.Runner:
    box = meta["kind"] == "box"
    if box:
        cfg = TrackerConfig(kind=MeasurementKind.BOX, dims=2)
        note = "kind=BOX"
    else:
        cfg = TrackerConfig(kind=MeasurementKind.POINT, dims=2, meas_std=float(meta["meas_std"]))
        note = f"kind=POINT, dims=2, meas_std={meta['meas_std']:g}"
    trk = SensorTracker("bench", cfg)
    labels = list(meta["labels"])
    confirmed = TrackStatus.CONFIRMED

    def prepare(scan: c.Scan) -> DetectionBatch:
        return DetectionBatch(
            t=EPOCH_S + scan.t,
            frame_id=scan.index + 1,
            z=np.ascontiguousarray(scan.z, dtype=np.float64),
            scores=np.ascontiguousarray(scan.score, dtype=np.float64),
            labels=tuple(labels[i] for i in scan.label.tolist()),
        )

    def extract(res: StepResult) -> c.Output:
        views = [v for v in res.tracks if v.status is confirmed]
        if box:
            z = np.array([v.bbox for v in views], float).reshape(-1, 4)
        else:
            z = np.array([v.position[:2] for v in views], float).reshape(-1, 2)
        return c.Output(ids=[v.id for v in views], z=z)

    return c.Runner(
        prepare=prepare,
        step=trk.step,
        extract=extract,
        info={
            "library": "AURA services.tracker.domain",
            "config": "TrackerConfig defaults; for points meas_std = the sensor's noise",
            "params": note,
            "output": "tracks with status CONFIRMED after step()",
        },
    )


if __name__ == "__main__":
    c.main(build)
