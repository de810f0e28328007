"""norfair's Tracker: IoU distance for boxes, euclidean distance for points.

Settings for boxes are those of norfair's own MOTChallenge demo (demos/motmetrics4norfair):
``distance_threshold=0.9, detection_threshold=0.5, pointwise_hit_counter_max=3,
hit_counter_max=8`` with ``FilterPyKalmanFilterFactory()``. Points use the same settings with the
euclidean distance and a 2 m threshold.
"""

from __future__ import annotations

from typing import Any

import _common as c  # sets BLAS threads before numpy is imported
import norfair  # noqa: E402
import numpy as np  # noqa: E402
from norfair import Detection, Tracker  # noqa: E402
from norfair.filter import FilterPyKalmanFilterFactory  # noqa: E402

POINT_DISTANCE_M = 2.0
SETTINGS = {
    "detection_threshold": 0.5,
    "pointwise_hit_counter_max": 3,
    "hit_counter_max": 8,
}


def build(meta: dict[str, Any]) -> c.Runner:
    box = meta["kind"] == "box"
    if box:
        distance, threshold = "iou", 0.9
    else:
        distance, threshold = "euclidean", POINT_DISTANCE_M
    tracker = Tracker(
        distance_function=distance,
        distance_threshold=threshold,
        filter_factory=FilterPyKalmanFilterFactory(),
        **SETTINGS,
    )

    def prepare(scan: c.Scan) -> list[Detection]:
        if box:
            pts = c.ltwh_to_xyxy(scan.z).reshape(-1, 2, 2)
            return [
                Detection(points=p, scores=np.array([s, s]), label=int(lab))
                for p, s, lab in zip(pts, scan.score, scan.label, strict=True)
            ]
        return [
            Detection(points=p.reshape(1, 2), scores=np.array([s]), label=int(lab))
            for p, s, lab in zip(scan.z, scan.score, scan.label, strict=True)
        ]

    def step(dets: list[Detection]) -> list[Any]:
        return tracker.update(detections=dets)

    def extract(objs: list[Any]) -> c.Output:
        if box:
            z = np.array([o.estimate.reshape(4) for o in objs], float).reshape(-1, 4)
            return c.Output(ids=[o.id for o in objs], z=c.xyxy_to_ltwh(z))
        z = np.array([o.estimate.reshape(2) for o in objs], float).reshape(-1, 2)
        return c.Output(ids=[o.id for o in objs], z=z)

    cfg = ", ".join(f"{k}={v}" for k, v in SETTINGS.items())
    return c.Runner(
        prepare=prepare,
        step=step,
        extract=extract,
        info={
            "library": f"norfair {norfair.__version__}",
            "config": f"Tracker('iou', distance_threshold=0.9) for boxes, Tracker('euclidean', "
            f"distance_threshold={POINT_DISTANCE_M:g} m) for points; {cfg}, "
            "filter_factory=FilterPyKalmanFilterFactory() (norfair's MOTChallenge demo)",
            "params": f"distance_function={distance!r}, distance_threshold={threshold:g}",
            "output": "objects returned by update() (initialized, hit counter > 0)",
        },
    )


if __name__ == "__main__":
    c.main(build)
