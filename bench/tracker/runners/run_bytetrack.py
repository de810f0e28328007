"""supervision's ByteTrack (boxes only), with its defaults and ``frame_rate`` = the scan rate."""

from __future__ import annotations

from typing import Any

import _common as c  # sets BLAS threads before numpy is imported
import numpy as np  # noqa: E402
import supervision as sv  # noqa: E402


def build(meta: dict[str, Any]) -> c.Runner:
    if meta["kind"] != "box":
        raise SystemExit("ByteTrack tracks boxes only")
    tracker = sv.ByteTrack(frame_rate=float(meta["fps"]))

    def prepare(scan: c.Scan) -> sv.Detections:
        return sv.Detections(
            xyxy=c.ltwh_to_xyxy(scan.z).astype(np.float32),
            confidence=scan.score.astype(np.float32),
            class_id=np.zeros(len(scan.z), dtype=int),
        )

    def extract(res: sv.Detections) -> c.Output:
        return c.Output(ids=[int(i) for i in res.tracker_id], z=c.xyxy_to_ltwh(res.xyxy))

    return c.Runner(
        prepare=prepare,
        step=tracker.update_with_detections,
        extract=extract,
        info={
            "library": f"supervision {sv.__version__}",
            "config": "sv.ByteTrack(frame_rate=the scan rate), other arguments default",
            "params": f"frame_rate={float(meta['fps']):g}",
            "output": "detections returned by update_with_detections (its activated tracks)",
        },
    )


if __name__ == "__main__":
    c.main(build)
