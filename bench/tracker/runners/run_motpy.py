"""motpy's MultiObjectTracker (boxes only), with its defaults and ``dt`` = the scan interval."""

from __future__ import annotations

from typing import Any

import _common as c  # sets BLAS threads before numpy is imported
import numpy as np  # noqa: E402
from motpy import Detection, MultiObjectTracker  # noqa: E402

try:
    from importlib.metadata import version

    MOTPY_VERSION = version("motpy")
except Exception:  # pragma: no cover
    MOTPY_VERSION = "?"


def build(meta: dict[str, Any]) -> c.Runner:
    if meta["kind"] != "box":
        raise SystemExit("motpy tracks boxes only")
    dt = float(meta["dt"])
    tracker = MultiObjectTracker(dt=dt)

    def prepare(scan: c.Scan) -> list[Detection]:
        xyxy = c.ltwh_to_xyxy(scan.z)
        return [Detection(box=b, score=float(s)) for b, s in zip(xyxy, scan.score, strict=True)]

    def extract(tracks: list[Any]) -> c.Output:
        z = np.array([t.box for t in tracks], float).reshape(-1, 4)
        return c.Output(ids=[t.id for t in tracks], z=c.xyxy_to_ltwh(z))

    return c.Runner(
        prepare=prepare,
        step=tracker.step,
        extract=extract,
        info={
            "library": f"motpy {MOTPY_VERSION}",
            "config": "MultiObjectTracker(dt=the scan interval), other arguments default",
            "params": f"dt={dt:g}",
            "output": "active tracks returned by step()",
        },
    )


if __name__ == "__main__":
    c.main(build)
