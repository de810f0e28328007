"""`python -m bench.fusion`: the three-sensor scenario through AURA's per-sensor trackers
(services.tracker.domain.SensorTracker) and FusionEngine, scored against the ground truth,
plus FusionEngine.update timings with 100 and 1,000 fused tracks. Prints Markdown and
writes it to bench/out/fusion.md."""

from __future__ import annotations

import argparse
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.fusion.evaluate import Frame, Scores, score
from bench.fusion.scenario import (
    CAMERA,
    DT,
    LIDAR_POSE,
    LIDAR_STD,
    RADAR_POSE,
    SENSORS,
    Scenario,
    simulate,
)  # fmt: skip
from services.common.geometry import Pose
from services.fusion.domain.engine import FusionConfig, FusionEngine
from services.fusion.domain.to_world import SensorFrame, to_world
from services.fusion.domain.types import MeasurementKind, SensorTrack, TrackStatus
from services.tracker.domain.tracker import SensorTracker
from services.tracker.domain.types import DetectionBatch, TrackerConfig

FUSION_PERIOD_S = 0.1


@dataclass
class Output:
    """One tracker step's output as fusion receives it."""

    sensor_id: str
    t: float
    arrival: float
    tracks: list[SensorTrack]


def geometries() -> dict[str, SensorFrame]:
    return {
        "radar-1": SensorFrame(pose=RADAR_POSE),
        "lidar-1": SensorFrame(pose=LIDAR_POSE),
        "cam-1": SensorFrame(homography=CAMERA.homography()),
    }


def tracker_config(sensor_id: str, cam_meas_std: float | None = None) -> TrackerConfig:
    """TrackerConfig defaults; point sensors get their noise as meas_std (as in the tracker
    bench), the camera keeps the default box noise unless cam_meas_std is given."""
    if sensor_id == "cam-1":
        if cam_meas_std is None:
            return TrackerConfig(kind=MeasurementKind.BOX)
        return TrackerConfig(kind=MeasurementKind.BOX, box_meas_std=cam_meas_std)
    std = 0.5 if sensor_id == "radar-1" else LIDAR_STD
    return TrackerConfig(kind=MeasurementKind.POINT, meas_std=std, accel_noise=0.5)


def run_trackers(
    sc: Scenario, cam_meas_std: float | None = None
) -> tuple[list[Output], dict[str, list[Frame]]]:
    """Each sensor's scans (in scan-time order) through its own SensorTracker. Returns the
    outputs as fusion gets them (confirmed tracks, and the ones that ended) and each single
    sensor's confirmed tracks in the site frame, scored at its scan times."""
    geo = geometries()
    trackers = {s.sensor_id: SensorTracker(s.sensor_id, tracker_config(s.sensor_id, cam_meas_std))
                for s in SENSORS}  # fmt: skip
    outputs: list[Output] = []
    single: dict[str, list[Frame]] = {s.sensor_id: [] for s in SENSORS}
    for scan in sorted(sc.scans, key=lambda s: (s.t, s.sensor_id)):
        tr = trackers[scan.sensor_id]
        labels = ("person",) * len(scan.z)
        res = tr.step(DetectionBatch(scan.t, scan.frame_id, scan.z, scan.scores, labels, scan.R))
        kind = MeasurementKind.BOX if scan.kind == "box" else MeasurementKind.POINT
        tracks = [
            SensorTrack(scan.sensor_id, v.id, scan.t, kind, np.asarray(v.mean),
                        np.asarray(v.cov), v.label, v.confidence)
            for v in res.tracks if v.status is TrackStatus.CONFIRMED
        ]  # fmt: skip
        ended = [
            SensorTrack(scan.sensor_id, v.id, scan.t, kind, np.asarray(v.mean),
                        np.asarray(v.cov), v.label, v.confidence, deleted=True)
            for v in res.deleted
        ]  # fmt: skip
        outputs.append(Output(scan.sensor_id, scan.t, scan.arrival, tracks + ended))
        world = to_world(tracks, geo[scan.sensor_id])
        tick = int(round(scan.t / DT))
        single[scan.sensor_id].append(
            Frame(tick, [w.track_id for w in world],
                  np.array([w.x[:2] for w in world]).reshape(-1, 2))
        )  # fmt: skip
    outputs.sort(key=lambda o: (o.arrival, o.t))
    return outputs, single


def run_fusion(
    sc: Scenario, outputs: list[Output], cfg: FusionConfig
) -> tuple[list[Frame], dict[str, float]]:
    """Fusion cycles every FUSION_PERIOD_S of wall time, each given the outputs that arrived
    since the previous one; the fused CONFIRMED tracks are scored at the fusion time T."""
    eng = FusionEngine(cfg, geometries())
    frames: list[Frame] = []
    i, late, cycles, spent = 0, 0, 0, 0.0
    end = float(sc.times[-1])
    now = FUSION_PERIOD_S
    while now <= end + cfg.lateness_s + 1e-9:
        batch: list[SensorTrack] = []
        while i < len(outputs) and outputs[i].arrival <= now:
            batch.extend(outputs[i].tracks)
            i += 1
        t0 = time.perf_counter()
        res = eng.update(batch, now)
        spent += time.perf_counter() - t0
        cycles += 1
        late += res.late
        tick = int(round(res.t / DT))
        if 0 <= tick < len(sc.times) and abs(res.t - tick * DT) < 1e-6:
            live = [f for f in res.tracks if f.status is TrackStatus.CONFIRMED]
            frames.append(Frame(tick, [f.global_id for f in live],
                                np.array([f.x[:2] for f in live]).reshape(-1, 2)))  # fmt: skip
        now = round(now + FUSION_PERIOD_S, 9)
    stats = {"late": late, "cycles": cycles, "ms_per_cycle": 1e3 * spent / max(cycles, 1),
             "global_ids": eng.ids.next_num - 1}  # fmt: skip
    return frames, stats


def timing(n: int, calls: int = 20, seed: int = 3) -> tuple[float, float, int]:
    """Median and p90 ms per FusionEngine.update with about n fused tracks: n objects seen
    by three point sensors at once (3n sensor tracks per call), moving at 1.4 m/s."""
    rng = np.random.default_rng(seed)
    side = float(np.sqrt(n * 340.0))
    pos = rng.uniform(0, side, (n, 2))
    ang = rng.uniform(0, 2 * np.pi, n)
    vel = 1.4 * np.stack([np.cos(ang), np.sin(ang)], 1)
    sensors = {f"s{k}": SensorFrame(pose=Pose(0.0, 0.0, 0.0, 90.0)) for k in range(3)}
    eng = FusionEngine(FusionConfig(), sensors)
    times: list[float] = []
    cov = np.diag([0.09, 0.09, 0.04, 0.04])
    for c in range(calls + 5):
        t = c * 0.1
        p = pos + vel * t
        batch = [
            SensorTrack(s, f"{s}-{j:06d}", t, MeasurementKind.POINT,
                        np.r_[p[j] + rng.normal(0, 0.3, 2), vel[j]], cov, "person", 0.9)
            for s in sensors for j in range(n)
        ]  # fmt: skip
        t0 = time.perf_counter()
        eng.update(batch, t + 0.05)
        if c >= 5:
            times.append(1e3 * (time.perf_counter() - t0))
    return float(np.median(times)), float(np.percentile(times, 90)), len(eng)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (f"{platform.node()}: {cpu}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, numpy {np.__version__}")  # fmt: skip


def _row(name: str, s: Scores) -> str:
    return (f"| {name} | {s.rmse_m:.3f} | {s.rmse_in_m:.3f} | {s.rmse_out_m:.3f} | "
            f"{s.ospa_m:.3f} | {s.idsw} | {s.one_id:.0%} | {s.mota:.3f} | {s.idf1:.3f} | "
            f"{s.frames} |")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.fusion", description=__doc__)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--duration", type=float, default=90.0, help="scenario length, seconds")
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument(
        "--cam-meas-std",
        type=float,
        default=None,
        help="camera tracker box_meas_std (default: TrackerConfig's)",
    )
    args = ap.parse_args(argv)
    sc = simulate(args.seed, args.duration)
    cfg = FusionConfig()
    outputs, single = run_trackers(sc, args.cam_meas_std)
    fused, stats = run_fusion(sc, outputs, cfg)
    lines = [
        f"Machine: {machine()}",
        "",
        f"Scenario: seed {args.seed}, {args.duration:.0f} s, "
        f"{len(np.unique(sc.gt_id))} people; radar 4 Hz, lidar 10 Hz, camera 10 Hz; "
        f"fusion every {FUSION_PERIOD_S:.1f} s at T = now - {cfg.lateness_s} s "
        f"({stats['late']:.0f} sensor states arrived later than that).",
        "",
        f"Camera tracker box_meas_std: {tracker_config('cam-1', args.cam_meas_std).box_meas_std}.",
        "",
        "| output | RMSE (m) | RMSE in lidar range | RMSE elsewhere | OSPA c=5 (m) "
        "| ID switches | one id end to end | MOTA | IDF1 | frames |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    scores = {sid: score(sc, fr) for sid, fr in single.items()}
    for sid in ("radar-1", "lidar-1", "cam-1"):
        lines.append(_row(f"{sid} alone", scores[sid]))
    fs = score(sc, fused)
    lines.append(_row("**fused**", fs))
    best_rmse = min(s.rmse_m for s in scores.values())
    best_ospa = min(s.ospa_m for s in scores.values())
    lines += [
        "",
        f"Fused vs best single sensor: RMSE {fs.rmse_m / best_rmse - 1:+.0%}, "
        f"OSPA {fs.ospa_m / best_ospa - 1:+.0%}; {stats['global_ids']:.0f} global ids for "
        f"{len(np.unique(sc.gt_id))} people; {stats['ms_per_cycle']:.2f} ms per fusion cycle.",
    ]
    if not args.no_timing:
        lines += ["", "| fused tracks | sensor tracks per update | ms/update (median) | p90 |",
                  "|---|---|---|---|"]  # fmt: skip
        for n in (100, 1000):
            med, p90, live = timing(n)
            lines.append(f"| {live} | {3 * n} | {med:.1f} | {p90:.1f} |")
    text = "\n".join(lines)
    print(text)
    out = Path("bench/out")
    out.mkdir(parents=True, exist_ok=True)
    (out / "fusion.md").write_text(text + "\n")
