"""Files exchanged with the runner subprocesses (``bench/out/``, gitignored)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .scenarios import Scenario


def write_scenario(sc: Scenario, path: Path) -> None:
    """What a tracker may see: scan times, detections (box or point), scores and labels."""
    meta = dict(sc.meta)
    meta.update(name=sc.name, kind=sc.kind, labels=list(sc.labels), n_scans=sc.n_scans)
    if sc.kind == "box" and len(sc.det_z):
        meta["det_wh_p90"] = [float(v) for v in np.percentile(sc.det_z[:, 2:], 90, axis=0)]
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez(
        path,
        times=np.asarray(sc.times, float),
        det_scan=np.asarray(sc.det_scan, np.int64),
        det_z=np.asarray(sc.det_z, float),
        det_score=np.asarray(sc.det_score, float),
        det_label=np.asarray(sc.det_label, np.int64),
        meta=np.array(json.dumps(meta)),
    )


@dataclass(frozen=True)
class TrackerOutput:
    scan: np.ndarray  # (k,) 0-based scan index of each reported track
    id: np.ndarray  # (k,) integer track id (the runner maps the tracker's ids to integers)
    z: np.ndarray  # (k, 4|2) box (left, top, width, height) or point (x, y)
    step_s: np.ndarray  # (scans run,) seconds spent in the per-scan update call
    step_cpu_s: np.ndarray  # (scans run,) CPU seconds of the runner process in those calls
    n_det: np.ndarray  # (scans run,) detections given in each scan
    info: dict[str, Any]

    @property
    def n_scans(self) -> int:
        return int(len(self.step_s))


def read_output(path: Path) -> TrackerOutput:
    with np.load(path) as f:
        return TrackerOutput(
            scan=f["out_scan"],
            id=f["out_id"],
            z=f["out_z"],
            step_s=f["step_s"],
            step_cpu_s=f["step_cpu_s"] if "step_cpu_s" in f else f["step_s"],
            n_det=f["n_det"],
            info=json.loads(str(f["info"])),
        )
