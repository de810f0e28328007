"""`aura scenario`: run a canned scenario through the real pipeline and score the tracks.

A scenario is a seeded set of targets moving on a site, seen by one radar-like sensor at
10 Hz (0.3 m noise per axis, 95 % detection probability, some low-scored clutter), with its
ground truth known. The command sends its scans to ingest's PublishDetections under a fresh
sensor id, restamped to now, reads the tracker's output for that sensor back through
StreamTracks (every live track of every frame), and scores the CONFIRMED tracks against the
ground truth with motmetrics (CLEAR MOT and identity metrics; a track matches a target within
2 m). It writes `metrics.json` and the detections it sent (`detections.jsonl`, replayable
with `aura send` or StartReplay) to --outdir.

Scenarios:
- `crossing`: six pedestrians in three pairs whose paths cross, and two cars passing by;
- `traffic`: twelve pedestrians and cars appearing and leaving at random over the run.

motmetrics is a development dependency (`pip install 'aura[dev]'`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import numpy as np
from google.protobuf import json_format

from aura.common.v1 import common_pb2 as c
from aura.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from aura.tracker.v1 import tracker_pb2, tracker_pb2_grpc
from services.common.timeutil import ts_from_seconds

RATE_HZ = 10.0
NOISE_M = 0.3
P_DETECT = 0.95
CLUTTER_PER_SCAN = 0.3
MATCH_DIST_M = 2.0
QUIET_S = 2.0  # seconds without tracker events after which a run counts as finished


@dataclass(frozen=True)
class _Target:
    birth_s: float
    death_s: float
    x: float  # position at birth, metres
    y: float
    vx: float  # velocity, m/s
    vy: float
    label: str


@dataclass(frozen=True)
class Scenario:
    """Scans of one point sensor and the ground truth (targets inside at each scan).

    det_*: one row per detection, sorted by scan; gt_*: one row per (scan, live target).
    Positions are metres in the sensor's frame."""

    name: str
    seed: int
    times: np.ndarray  # (n_scans,) seconds from the start
    det_scan: np.ndarray
    det_xy: np.ndarray
    det_score: np.ndarray
    det_label: tuple[str, ...]
    det_true: np.ndarray  # False for clutter (diagnostics only; never sent)
    gt_scan: np.ndarray
    gt_id: np.ndarray
    gt_xy: np.ndarray

    @property
    def n_scans(self) -> int:
        return int(len(self.times))


def _simulate(name: str, seed: int, targets: list[_Target], duration_s: float) -> Scenario:
    rng = np.random.default_rng(seed)
    times = np.arange(0.0, duration_s, 1.0 / RATE_HZ)
    det_scan: list[int] = []
    det_xy: list[tuple[float, float]] = []
    det_score: list[float] = []
    det_label: list[str] = []
    det_true: list[bool] = []
    gt_scan: list[int] = []
    gt_id: list[int] = []
    gt_xy: list[tuple[float, float]] = []
    # A small random acceleration per target, fixed per run: gentle curves, not straight lines.
    accel = rng.normal(0.0, 0.05, (len(targets), 2))
    xs = np.array([[t.x, t.y] for t in targets], dtype=float)
    lo, hi = xs.min(0) - 20.0, xs.max(0) + 20.0
    for k, t in enumerate(times):
        for i, tgt in enumerate(targets):
            if not tgt.birth_s <= t < tgt.death_s:
                continue
            age = t - tgt.birth_s
            x = tgt.x + tgt.vx * age + 0.5 * accel[i, 0] * age**2
            y = tgt.y + tgt.vy * age + 0.5 * accel[i, 1] * age**2
            gt_scan.append(k)
            gt_id.append(i + 1)
            gt_xy.append((x, y))
            if rng.random() < P_DETECT:
                det_scan.append(k)
                det_xy.append((x + rng.normal(0, NOISE_M), y + rng.normal(0, NOISE_M)))
                det_score.append(float(rng.uniform(0.6, 0.99)))
                det_label.append(tgt.label)
                det_true.append(True)
        for _ in range(rng.poisson(CLUTTER_PER_SCAN)):
            det_scan.append(k)
            det_xy.append((float(rng.uniform(lo[0], hi[0])), float(rng.uniform(lo[1], hi[1]))))
            det_score.append(float(rng.uniform(0.1, 0.5)))
            det_label.append("unknown")
            det_true.append(False)
    return Scenario(
        name=name,
        seed=seed,
        times=times,
        det_scan=np.asarray(det_scan, dtype=np.int64),
        det_xy=np.asarray(det_xy, dtype=float).reshape(-1, 2),
        det_score=np.asarray(det_score, dtype=float),
        det_label=tuple(det_label),
        det_true=np.asarray(det_true, dtype=bool),
        gt_scan=np.asarray(gt_scan, dtype=np.int64),
        gt_id=np.asarray(gt_id, dtype=np.int64),
        gt_xy=np.asarray(gt_xy, dtype=float).reshape(-1, 2),
    )


def crossing(seed: int = 1) -> Scenario:
    """Three pairs of pedestrians whose paths cross (at right angles, 10 s in), two cars."""
    targets = []
    for j, (cx, cy) in enumerate([(20.0, 20.0), (60.0, 20.0), (40.0, 50.0)]):
        tc, speed = 10.0, 1.4 + 0.1 * j
        targets.append(_Target(0.0, 20.0, cx - speed * tc, cy, speed, 0.0, "person"))
        targets.append(_Target(0.0, 20.0, cx, cy - speed * tc, 0.0, speed, "person"))
    targets.append(_Target(2.0, 14.0, -10.0, 35.0, 8.0, 0.0, "car"))
    targets.append(_Target(6.0, 18.0, 90.0, 5.0, -8.0, 0.5, "car"))
    return _simulate("crossing", seed, targets, 20.0)


def traffic(seed: int = 1) -> Scenario:
    """Twelve pedestrians and cars that appear and leave at random times."""
    rng = np.random.default_rng(seed + 1000)
    targets = []
    for _ in range(12):
        car = rng.random() < 0.3
        speed = float(rng.uniform(6.0, 10.0) if car else rng.uniform(1.0, 1.8))
        heading = float(rng.uniform(0, 2 * math.pi))
        birth = float(rng.uniform(0.0, 12.0))
        targets.append(
            _Target(
                birth,
                birth + float(rng.uniform(6.0, 12.0)),
                float(rng.uniform(0.0, 100.0)),
                float(rng.uniform(0.0, 60.0)),
                speed * math.cos(heading),
                speed * math.sin(heading),
                "car" if car else "person",
            )
        )
    return _simulate("traffic", seed, targets, 25.0)


SCENARIOS: dict[str, Callable[[int], Scenario]] = {"crossing": crossing, "traffic": traffic}


# ------------------------------------------------------------------------------ running


def scan_detections(sc: Scenario, sensor_id: str, t0: float) -> list[list[c.Detection]]:
    """The detections of each scan, stamped t0 + scan time, frame id = that time in µs."""
    bounds = np.searchsorted(sc.det_scan, np.arange(sc.n_scans + 1))
    out = []
    for k in range(sc.n_scans):
        t = t0 + float(sc.times[k])
        ts = ts_from_seconds(t)
        frame_id = ts.seconds * 1_000_000 + ts.nanos // 1000
        out.append(
            [
                c.Detection(
                    sensor_id=sensor_id,
                    sensor_kind=c.SENSOR_KIND_RADAR,
                    timestamp=ts,
                    frame_id=frame_id,
                    class_label=sc.det_label[i],
                    confidence=round(float(sc.det_score[i]), 3),
                    position=c.Vector3(x=float(sc.det_xy[i, 0]), y=float(sc.det_xy[i, 1])),
                )
                for i in range(bounds[k], bounds[k + 1])
            ]
        )
    return out


def score(
    sc: Scenario, outputs: dict[int, list[tuple[str, float, float]]], max_dist: float
) -> dict[str, Any]:
    """CLEAR MOT and identity metrics of per-scan outputs (track id, x, y)."""
    try:
        import motmetrics as mm
    except ImportError as exc:  # a development dependency
        raise RuntimeError("aura scenario needs motmetrics: pip install 'aura[dev]'") from exc

    acc = mm.MOTAccumulator(auto_id=False)
    hyp_ids: dict[str, int] = {}
    g_bounds = np.searchsorted(sc.gt_scan, np.arange(sc.n_scans + 1))
    for k in range(sc.n_scans):
        gt = sc.gt_xy[g_bounds[k] : g_bounds[k + 1]]
        gids = sc.gt_id[g_bounds[k] : g_bounds[k + 1]].tolist()
        hyps = outputs.get(k, [])
        hids = [hyp_ids.setdefault(h[0], len(hyp_ids) + 1) for h in hyps]
        hxy = np.array([[h[1], h[2]] for h in hyps], dtype=float).reshape(-1, 2)
        # Distances computed here: motmetrics 1.4's helpers call np.asfarray (gone in numpy 2).
        dist = np.sqrt(((gt[:, None, :] - hxy[None, :, :]) ** 2).sum(-1))
        dist[dist > max_dist] = np.nan
        acc.update(gids, hids, dist, frameid=k)
    names = [
        "mota",
        "motp",
        "idf1",
        "num_switches",
        "num_false_positives",
        "num_misses",
        "num_objects",
        "num_predictions",
        "num_unique_objects",
        "mostly_tracked",
        "num_frames",
    ]
    row = mm.metrics.create().compute(acc, metrics=names, name=sc.name).iloc[0]
    m = {k: row[k].item() if hasattr(row[k], "item") else row[k] for k in names}
    return {
        "mota": float(m["mota"]),
        "motp_m": float(m["motp"]) if math.isfinite(m["motp"]) else None,
        "idf1": float(m["idf1"]),
        "id_switches": int(m["num_switches"]),
        "false_positives": int(m["num_false_positives"]),
        "false_negatives": int(m["num_misses"]),
        "ground_truth": int(m["num_objects"]),
        "predictions": int(m["num_predictions"]),
        "targets": int(m["num_unique_objects"]),
        "mostly_tracked": int(m["mostly_tracked"]),
        "frames": int(m["num_frames"]),
        "tracks": len(hyp_ids),
    }


async def run_scenario(
    name: str = "crossing",
    ingest_target: str = "127.0.0.1:50051",
    tracker_target: str = "127.0.0.1:50052",
    outdir: Path = Path("scenario-out"),
    seed: int = 1,
    speed: float = 0.0,
    key: str | None = None,
    timeout_s: float = 30.0,
) -> dict[str, Any]:
    """Send the scenario through ingest, collect the tracker's frames, score, and write
    `metrics.json` (returned) and `detections.jsonl` to `outdir`."""
    if name not in SCENARIOS:
        raise ValueError(f"unknown scenario {name!r}: one of {', '.join(sorted(SCENARIOS))}")
    if not 0.0 <= speed <= 100.0:
        raise ValueError(f"speed must be within 0..100 (0: as fast as possible), got {speed}")
    sc = SCENARIOS[name](seed)
    sensor_id = f"scenario-{name}-{uuid.uuid4().hex[:8]}"
    t0 = time.time()
    scans = scan_detections(sc, sensor_id, t0)
    scan_of = {s[0].frame_id: k for k, s in enumerate(scans) if s}
    # The tracker answers a frame on StreamTracks only when it has tracks: wait for the last
    # frame that sees a target, or for the stream to go quiet.
    true_scans = sc.det_scan[sc.det_true]
    last_k = int(true_scans.max()) if len(true_scans) else -1
    last_frame = scans[last_k][0].frame_id if last_k >= 0 else -1
    last_event = [time.monotonic()]
    metadata = [("authorization", f"Bearer {key}")] if key else []
    outputs: dict[int, list[tuple[str, float, float]]] = {}
    seen_last = asyncio.Event()
    started = time.perf_counter()

    async with (
        grpc.aio.insecure_channel(ingest_target) as ich,
        grpc.aio.insecure_channel(tracker_target) as tch,
    ):
        ingest = ingest_pb2_grpc.IngestServiceStub(ich)
        tracker = tracker_pb2_grpc.TrackerServiceStub(tch)
        flt = tracker_pb2.TrackFilter(sensor_ids=[sensor_id])
        call = tracker.StreamTracks(tracker_pb2.StreamTracksRequest(filter=flt), metadata=metadata)
        first = await asyncio.wait_for(call.read(), 10)
        if first.type != tracker_pb2.TRACK_EVENT_TYPE_SNAPSHOT_COMPLETE:
            raise RuntimeError(f"unexpected first StreamTracks event {first.type}")

        async def collect() -> None:
            while (ev := await call.read()) is not grpc.aio.EOF:
                if ev.type == tracker_pb2.TRACK_EVENT_TYPE_MISSED:
                    raise RuntimeError("StreamTracks dropped events: the scores would be wrong")
                k = scan_of.get(ev.frame_id)
                if k is None:
                    continue
                last_event[0] = time.monotonic()
                if ev.track.status == c.TRACK_STATUS_CONFIRMED:
                    p = ev.track.position
                    outputs.setdefault(k, []).append((ev.track.id, p.x, p.y))
                if ev.frame_id == last_frame:
                    seen_last.set()

        reader = asyncio.create_task(collect())
        try:
            for k, dets in enumerate(scans):
                if speed > 0:
                    delay = started + float(sc.times[k]) / speed - time.perf_counter()
                    if delay > 0:
                        await asyncio.sleep(delay)
                if dets:
                    await ingest.PublishDetections(
                        ingest_pb2.PublishDetectionsRequest(detections=dets),
                        metadata=metadata,
                        timeout=10,
                    )
            sent = time.monotonic()
            while not seen_last.is_set() and not reader.done():
                now = time.monotonic()
                if now - sent > timeout_s or now - max(sent, last_event[0]) > QUIET_S:
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(0.2)  # the rest of the last frame's events
        finally:
            call.cancel()
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, grpc.aio.AioRpcError):
                await reader
    wall_s = time.perf_counter() - started
    if not outputs:
        raise RuntimeError(f"the tracker at {tracker_target} made no confirmed tracks")

    metrics: dict[str, Any] = {
        "scenario": name,
        "seed": seed,
        "sensor_id": sensor_id,
        "scans": sc.n_scans,
        "rate_hz": RATE_HZ,
        "detections": int(len(sc.det_scan)),
        "match_distance_m": MATCH_DIST_M,
        **score(sc, outputs, MATCH_DIST_M),
        "wall_s": round(wall_s, 3),
    }
    outdir.mkdir(parents=True, exist_ok=True)
    (outdir / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")
    with (outdir / "detections.jsonl").open("w") as fh:
        for dets in scans:
            for det in dets:
                fh.write(json.dumps(json_format.MessageToDict(det)) + "\n")
    return metrics


# ---------------------------------------------------------------------------------- CLI


def add_parser(sub: Any) -> None:
    """Register `aura scenario` on the subparsers of `aura` (services/cli/main.py)."""
    p = sub.add_parser(
        "scenario",
        help="run a canned scenario through ingest and the tracker and score the tracks",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("name", nargs="?", default="crossing", choices=sorted(SCENARIOS))
    p.add_argument("--ingest", default="127.0.0.1:50051", help="ingest's gRPC address")
    p.add_argument("--tracker", default="127.0.0.1:50052", help="tracker's gRPC address")
    p.add_argument("--outdir", type=Path, default=Path("scenario-out"))
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--speed", type=float, default=0.0, help="1: real time; 0: as fast as it goes")
    p.add_argument("--key", default=None, help="API key (ingest and viewer, e.g. an admin key)")
    p.add_argument("--min-mota", type=float, default=None, help="exit 1 below this MOTA")


def command(ns: argparse.Namespace) -> int:
    """Run `aura scenario` from parsed arguments; returns the exit status."""
    try:
        m = asyncio.run(
            run_scenario(ns.name, ns.ingest, ns.tracker, ns.outdir, ns.seed, ns.speed, ns.key)
        )
    except (ValueError, RuntimeError) as exc:
        print(f"aura scenario: {exc}", file=sys.stderr)
        return 2
    print(
        f"{m['scenario']}: MOTA {m['mota']:.3f}  IDF1 {m['idf1']:.3f}  "
        f"ID switches {m['id_switches']}  FP {m['false_positives']}  FN {m['false_negatives']}  "
        f"({m['ground_truth']} target-scans, {m['targets']} targets, {m['tracks']} tracks, "
        f"{m['wall_s']} s) -> {ns.outdir / 'metrics.json'}"
    )
    if ns.min_mota is not None and m["mota"] < ns.min_mota:
        print(f"aura scenario: MOTA {m['mota']:.3f} is below {ns.min_mota}", file=sys.stderr)
        return 1
    return 0
