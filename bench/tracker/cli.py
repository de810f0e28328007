"""``python -m bench.tracker [--quick]``: AURA's tracker side by side with its peers.

Sets up the peers' venvs (once), writes every scenario to ``bench/out/scenarios``, runs each
tracker on each scenario in its own process pinned to one core, scores the outputs with
motmetrics and prints Markdown tables (also written to ``bench/out/tracker.md`` and
``bench/out/tracker.json``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from bench.machine import cpu_model

from . import evaluate, mot15, peers, report
from .files import read_output, write_scenario
from .scenarios import Scenario, box_scenario, point_scenario

OUT = peers.REPO / "bench" / "out"
RUN_CORE = 0  # every tracker process is pinned to this core
RUN_TIMEOUT_S = 900.0
ALL_SCANS_TIMEOUT_S = 3600.0  # --all-scans: Stone Soup at 1,000 targets takes ~10 min a run


@dataclass(frozen=True)
class Mode:
    name: str
    mot15: tuple[str, ...]
    scans: dict[int, int]  # synthetic scans per target count
    caps: dict[tuple[str, int], int]  # (tracker, target count) -> scans run
    counts: tuple[int, ...] = (10, 100, 1000)


FULL = Mode(
    name="full",
    mot15=("TUD-Campus", "TUD-Stadtmitte", "KITTI-17"),
    scans={10: 300, 100: 300, 1000: 150},
    caps={("stonesoup", 1000): 20, ("norfair", 1000): 50},
)
QUICK = Mode(
    name="quick",
    mot15=("TUD-Campus",),
    scans={10: 50, 100: 50, 1000: 15},
    caps={("stonesoup", 1000): 3, ("norfair", 1000): 6, ("stonesoup", 100): 20},
    counts=(100, 1000),
)
# FULL without caps: every peer runs every scan (about 30 minutes in all on this machine).
ALL_SCANS = replace(FULL, name="all-scans", caps={})


@dataclass
class Dataset:
    name: str
    group: str  # "MOT15" or "synthetic"
    kind: str
    n_targets: int
    make: Callable[[], Scenario]
    scenario: Scenario | None = None


@dataclass
class RunRecord:
    dataset: str
    group: str
    kind: str
    n_targets: int
    tracker: str
    status: str  # ok | failed | n/a | not installed
    reason: str = ""
    scans: int = 0
    scans_total: int = 0
    capped: bool = False
    wall_s: float = 0.0
    scores: dict[str, Any] = field(default_factory=dict)
    aura_same_scans: dict[str, Any] = field(default_factory=dict)
    ms_median: float = math.nan
    ms_mean: float = math.nan
    ms_p95: float = math.nan
    dets_per_scan: float = math.nan
    dets_per_s: float = math.nan
    time_vs_aura: float = math.nan  # this tracker's mean time per scan / AURA's, same scans
    cpu_share: float = math.nan  # CPU time / wall time of the timed calls (< 1: core shared)
    info: dict[str, Any] = field(default_factory=dict)
    step_ms: list[float] = field(default_factory=list)


def machine() -> dict[str, Any]:
    cpu = cpu_model()
    try:
        avail = len(os.sched_getaffinity(0))
    except AttributeError:
        avail = os.cpu_count() or 0
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f"{kb / 2**20:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_available": avail,
        "memory": mem,
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "platform": platform.platform(),
        "run_core": RUN_CORE,
    }


def datasets(mode: Mode) -> list[Dataset]:
    out: list[Dataset] = []
    have = set(mot15.available())
    for name in mode.mot15:
        if name in have:
            out.append(Dataset(name, "MOT15", "box", 0, lambda n=name: mot15.load_sequence(n)))
    for kind, make in (("point", point_scenario), ("box", box_scenario)):
        for n in mode.counts:
            s = mode.scans[n]
            nm = f"{'points' if kind == 'point' else 'boxes'}-{n}"
            out.append(
                Dataset(nm, "synthetic", kind, n, lambda n=n, s=s, f=make: f(n, n_scans=s))  # type: ignore[misc]
            )
    return out


def _cpu_seconds() -> tuple[float, float]:
    """(busy CPU seconds of the whole machine, CPU seconds of this process and its children)."""
    own = sum(os.times()[:4])
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
        user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[:8])
        busy = (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError):
        busy = math.nan
    return busy, own


def _timing(rec: RunRecord, step_s: np.ndarray, n_det: np.ndarray, cpu_s: np.ndarray) -> None:
    rec.cpu_share = float(cpu_s.sum() / max(step_s.sum(), 1e-12))
    ms = step_s * 1e3
    rec.step_ms = [round(float(v), 4) for v in ms]
    rec.ms_median = float(np.median(ms))
    rec.ms_mean = float(np.mean(ms))
    rec.ms_p95 = float(np.percentile(ms, 95))
    rec.dets_per_scan = float(np.mean(n_det))
    rec.dets_per_s = float(n_det.sum() / max(step_s.sum(), 1e-12))


def run_all(
    mode: Mode, trackers: list[peers.Tracker], log: Callable[[str], None]
) -> dict[str, Any]:
    t_start = time.perf_counter()
    busy0, own0 = _cpu_seconds()
    load0 = os.getloadavg()[0] if hasattr(os, "getloadavg") else math.nan
    setup = peers.setup_venvs(trackers, log, OUT / "logs")
    records: list[RunRecord] = []
    outputs: dict[tuple[str, str], Any] = {}
    for ds in datasets(mode):
        sc = ds.make()
        ds.scenario = sc
        sc_file = OUT / "scenarios" / f"{ds.name}.npz"
        write_scenario(sc, sc_file)
        if ds.group == "MOT15":
            ds.n_targets = int(sc.meta.get("n_targets", 0))
        for t in trackers:
            rec = RunRecord(ds.name, ds.group, ds.kind, ds.n_targets, t.key, "ok")
            rec.scans_total = sc.n_scans
            if ds.kind not in t.kinds:
                kinds = " and ".join(sorted(f"{k}es" if k == "box" else f"{k}s" for k in t.kinds))
                rec.status, rec.reason = "n/a", f"{t.name} tracks {kinds} only"
                records.append(rec)
                continue
            st = setup[t.key]
            if not st.ok:
                rec.status, rec.reason = "not installed", st.reason
                records.append(rec)
                continue
            cap = mode.caps.get((t.key, ds.n_targets), 0) if ds.group == "synthetic" else 0
            out_file = OUT / "runs" / f"{ds.name}--{t.key}.npz"
            out_file.parent.mkdir(parents=True, exist_ok=True)
            log(f"{ds.name:15s} {t.name:11s} ...")
            timeout = ALL_SCANS_TIMEOUT_S if mode is ALL_SCANS else RUN_TIMEOUT_S
            run = peers.run_tracker(t, sc_file, out_file, cap, timeout, RUN_CORE)
            rec.wall_s = run.wall_s
            if not run.ok:
                rec.status, rec.reason = "failed", run.reason
                log(f"    FAILED: {run.reason}")
                records.append(rec)
                continue
            out = read_output(out_file)
            outputs[(ds.name, t.key)] = out
            rec.info = out.info
            rec.scans = out.n_scans
            rec.capped = out.n_scans < sc.n_scans
            rec.scores = evaluate.score(sc, out).as_dict()
            _timing(rec, out.step_s, out.n_det, out.step_cpu_s)
            s = rec.scores
            log(
                f"    {rec.scans} scans, {rec.ms_median:.2f} ms/scan median, "
                f"MOTA {s['mota']:.3f} IDF1 {s['idf1']:.3f} (wall {run.wall_s:.1f}s)"
            )
            records.append(rec)
        # Comparisons with AURA on the same scans (a capped peer ran only the first scans).
        aura = outputs.get((ds.name, "aura"))
        for rec in records:
            if rec.dataset != ds.name or rec.status != "ok" or aura is None:
                continue
            n = min(rec.scans, aura.n_scans)
            rec.time_vs_aura = float(
                np.mean(outputs[(ds.name, rec.tracker)].step_s[:n]) / np.mean(aura.step_s[:n])
            )
            if rec.capped and rec.tracker != "aura":
                rec.aura_same_scans = evaluate.score(sc, aura, n).as_dict()
        ds.scenario = None  # free memory
    growth = _growth(records, outputs)
    busy1, own1 = _cpu_seconds()
    wall = time.perf_counter() - t_start
    others = max(0.0, (busy1 - busy0) - (own1 - own0))
    mach = machine()
    mach["load_at_start"] = round(load0, 2)
    mach["others_cpu_s"] = round(others, 1)
    mach["others_cores"] = round(others / wall, 3)
    return {
        "title": "AURA tracker benchmark",
        "command": "python -m bench.tracker" + ("" if mode is FULL else f" --{mode.name}"),
        "mode": mode.name,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": mach,
        "setup": {
            k: {
                "ok": v.ok,
                "seconds": round(v.seconds, 1),
                "skipped": v.skipped,
                "reason": v.reason,
            }
            for k, v in setup.items()
        },
        "trackers": [
            {
                "key": t.key,
                "name": t.name,
                "kinds": sorted(t.kinds),
                "requirements": list(t.requirements),
                "venv": str(t.venv().relative_to(peers.REPO)) if t.own_venv else ".venv",
                "note": t.note,
            }
            for t in trackers
        ],
        "caps": {f"{k[0]}@{k[1]}": v for k, v in mode.caps.items()},
        "metrics": {
            "box_match": "IoU >= 0.5",
            "point_match": f"squared distance <= {evaluate.POINT_MAX_D2} m^2",
        },
        "runs": [vars(r) for r in records],
        "growth": growth,
        "total_s": round(time.perf_counter() - t_start, 1),
    }


def _growth(records: list[RunRecord], outputs: dict[tuple[str, str], Any]) -> list[dict[str, Any]]:
    """Exponent of the mean cost per scan from 100 to 1,000 targets, over the same scans."""
    rows = []
    for kind, prefix in (("point", "points"), ("box", "boxes")):
        for key in dict.fromkeys(r.tracker for r in records):
            a = outputs.get((f"{prefix}-100", key))
            b = outputs.get((f"{prefix}-1000", key))
            if a is None or b is None:
                continue
            n = min(a.n_scans, b.n_scans)
            t100 = float(np.mean(a.step_s[:n]))
            t1000 = float(np.mean(b.step_s[:n]))
            rows.append(
                {
                    "kind": kind,
                    "tracker": key,
                    "scans": n,
                    "ms_100": t100 * 1e3,
                    "ms_1000": t1000 * 1e3,
                    "exponent": math.log(t1000 / t100) / math.log(10),
                }
            )
    return rows


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.tracker", description=__doc__)
    ap.add_argument("--quick", action="store_true", help="reduced set for a smoke run (<2 min)")
    ap.add_argument(
        "--all-scans",
        action="store_true",
        help="no caps: the slow peers (norfair, Stone Soup) also run every scan at 1,000 "
        "targets (about 30 min in all instead of 10)",
    )
    ap.add_argument(
        "--trackers",
        default=",".join(t.key for t in peers.TRACKERS),
        help="comma-separated subset of: " + ", ".join(t.key for t in peers.TRACKERS),
    )
    args = ap.parse_args(argv)
    if args.quick and args.all_scans:
        ap.error("--quick and --all-scans exclude each other")
    mode = QUICK if args.quick else ALL_SCANS if args.all_scans else FULL
    keys = [k.strip() for k in args.trackers.split(",") if k.strip()]
    unknown = [k for k in keys if k not in peers.BY_KEY]
    if unknown:
        ap.error(f"unknown trackers: {', '.join(unknown)}")
    trackers = [peers.BY_KEY[k] for k in keys]

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    OUT.mkdir(parents=True, exist_ok=True)
    result = run_all(mode, trackers, log)
    md = report.markdown(result)
    (OUT / "tracker.md").write_text(md)
    (OUT / "tracker.json").write_text(json.dumps(_clean(result), indent=1, default=str))
    print(md)
    log(f"wrote {OUT / 'tracker.md'} and {OUT / 'tracker.json'} ({result['total_s']:.0f}s)")


def _clean(o: Any) -> Any:
    """JSON-safe copy: NaN and infinities become null, numpy scalars plain numbers."""
    if isinstance(o, dict):
        return {str(k): _clean(v) for k, v in o.items()}
    if isinstance(o, list | tuple):
        return [_clean(v) for v in o]
    if isinstance(o, np.generic):
        o = o.item()
    if isinstance(o, float) and not math.isfinite(o):
        return None
    return o
