"""Shared by the runner scripts, which run inside each tracker's own virtual environment.

Only the standard library and numpy (1.x or 2.x) may be used here. A runner reads a scenario file
written by ``bench.tracker.io.write_scenario``, feeds it scan by scan to one tracker, and writes
the tracker's output tracks and its per-scan timing.

Timing: ``time.perf_counter`` around the tracker's per-scan update call (the call that also
returns its current output tracks). The tracker's own input objects for the scan are built before
the clock starts and its outputs are read into arrays after it stops; file I/O and scoring are
outside too. BLAS/OpenMP threads are set to 1 before numpy is imported and the process is pinned
to one core.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import argparse  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Hashable, Iterable  # noqa: E402
from dataclasses import dataclass  # noqa: E402
from typing import Any  # noqa: E402

import numpy as np  # noqa: E402


@dataclass
class Scan:
    index: int  # 0-based
    t: float  # seconds
    z: np.ndarray  # (n, 4) left, top, width, height px  |  (n, 2) x, y metres
    score: np.ndarray  # (n,)
    label: np.ndarray  # (n,) int index into meta["labels"]


@dataclass
class Output:
    """What a tracker reported after one scan: track ids and their boxes or points."""

    ids: list[Hashable]
    z: np.ndarray  # (k, 4) or (k, 2), same layout as the input


def pin_to_one_core(core: int) -> str:
    if hasattr(os, "sched_setaffinity"):
        try:
            os.sched_setaffinity(0, {core})
            return f"pinned to core {core}"
        except OSError as exc:  # e.g. the core is not in this process's cpuset
            return f"not pinned ({exc})"
    return "not pinned (no sched_setaffinity)"


def load(path: str) -> tuple[dict[str, Any], list[Scan]]:
    with np.load(path) as f:
        meta = json.loads(str(f["meta"]))
        times = f["times"]
        det_scan = f["det_scan"]
        det_z = f["det_z"]
        det_score = f["det_score"]
        det_label = f["det_label"]
    bounds = np.searchsorted(det_scan, np.arange(len(times) + 1))
    scans = [
        Scan(
            index=k,
            t=float(times[k]),
            z=det_z[bounds[k] : bounds[k + 1]],
            score=det_score[bounds[k] : bounds[k + 1]],
            label=det_label[bounds[k] : bounds[k + 1]],
        )
        for k in range(len(times))
    ]
    return meta, scans


def ltwh_to_xyxy(z: np.ndarray) -> np.ndarray:
    out = np.array(z, dtype=float, copy=True)
    out[:, 2:] += out[:, :2]
    return out


def xyxy_to_ltwh(z: np.ndarray) -> np.ndarray:
    out = np.array(z, dtype=float, copy=True).reshape(-1, 4)
    out[:, 2:] -= out[:, :2]
    return out


@dataclass
class Runner:
    """One tracker, set up for one scenario.

    ``prepare(scan)`` builds the tracker's input for a scan (not timed), ``step(prepared)``
    updates the tracker and returns its output (timed), ``extract(result)`` turns that output
    into an :class:`Output` (not timed). ``info`` describes the library and its settings.
    """

    prepare: Callable[[Scan], Any]
    step: Callable[[Any], Any]
    extract: Callable[[Any], Output]
    info: dict[str, Any]


def main(build: Callable[[dict[str, Any]], Runner], argv: Iterable[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scenario", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--max-scans", type=int, default=0)
    ap.add_argument("--core", type=int, default=0)
    args = ap.parse_args(None if argv is None else list(argv))
    pinned = pin_to_one_core(args.core)
    meta, scans = load(args.scenario)
    if args.max_scans > 0:
        scans = scans[: args.max_scans]
    runner = build(meta)
    step_s = np.zeros(len(scans))
    step_cpu_s = np.zeros(len(scans))  # CPU time of this process in the same calls
    n_det = np.zeros(len(scans), np.int64)
    out_scan: list[np.ndarray] = []
    out_id: list[np.ndarray] = []
    out_z: list[np.ndarray] = []
    id_map: dict[Hashable, int] = {}
    dim = 4 if meta["kind"] == "box" else 2
    clock = time.perf_counter
    cpu = time.process_time
    result: Any = None
    for scan in scans:
        prepared = runner.prepare(scan)
        # Free the previous scan's output before the clock starts: otherwise its
        # deallocation (for AURA, a thousand TrackView objects) is timed inside the
        # rebinding of `result` below, as part of the next update call.
        result = out = None
        c0 = cpu()
        t0 = clock()
        result = runner.step(prepared)
        step_s[scan.index] = clock() - t0
        step_cpu_s[scan.index] = cpu() - c0
        n_det[scan.index] = len(scan.z)
        out = runner.extract(result)
        ids = np.array([id_map.setdefault(i, len(id_map) + 1) for i in out.ids], np.int64)
        out_scan.append(np.full(len(ids), scan.index, np.int64))
        out_id.append(ids)
        out_z.append(np.asarray(out.z, float).reshape(-1, dim))
    info = dict(runner.info)
    info["affinity"] = pinned
    info["python"] = sys.version.split()[0]
    info["numpy"] = np.__version__
    np.savez(
        args.out,
        out_scan=np.concatenate(out_scan) if out_scan else np.zeros(0, np.int64),
        out_id=np.concatenate(out_id) if out_id else np.zeros(0, np.int64),
        out_z=np.concatenate(out_z) if out_z else np.zeros((0, dim)),
        step_s=step_s,
        step_cpu_s=step_cpu_s,
        n_det=n_det,
        info=np.array(json.dumps(info)),
    )
