"""`python -m bench.fusion`: the three-sensor scenario through AURA's per-sensor trackers
(services.tracker.domain.SensorTracker) and FusionEngine, scored against the ground truth
over several seeds, plus FusionEngine.update timings with 100 and 1,000 fused tracks.

Each sensor's covariance consistency (NEES of its world-frame states against the truth) is
measured on a calibration run with its own seed, never an evaluation seed; the factors
(NEES / 2, position and velocity) feed FusionConfig.sensor_cov_scale. Fused output is shown
before (CI, covariances as reported) and after, and RMSE is also given on each sensor's
field of view, the like-for-like comparison with that sensor alone. Prints Markdown and
writes it to bench/out/fusion.md; bench/fusion/RESULTS.md explains a run."""

from __future__ import annotations

import argparse
import os
import platform
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import linear_sum_assignment

from bench.fusion.evaluate import MATCH_M, Frame, Scores, score
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
from bench.machine import cpu_model
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


def consistency(sc: Scenario, outputs: list[Output]) -> dict[str, tuple[float, float, int]]:
    """Per sensor: mean NEES of the position and of the velocity part of its world-frame
    states (2 dof each; 2 when the covariance matches the real errors), over the states
    matched to a true person within 2 m. The truth velocity is the finite difference of
    the truth positions over one tick."""
    geo = geometries()
    nees: dict[str, tuple[list[float], list[float]]] = {}
    for o in outputs:
        live = [t for t in o.tracks if not t.deleted]
        if not live:
            continue
        world = to_world(live, geo[o.sensor_id])
        tick = int(round(o.t / DT))
        gid, gpos = sc.truth_at(tick)
        nid, npos = sc.truth_at(tick + 1)
        if not len(gid) or not world:
            continue
        x = np.array([w.x for w in world])
        P = np.array([w.P for w in world])
        d = np.sqrt(((gpos[:, None, :] - x[None, :, :2]) ** 2).sum(-1))
        cost = np.where(d <= MATCH_M, d, 1e6)
        r, k = linear_sum_assignment(cost)
        ok = cost[r, k] <= MATCH_M
        r, k = r[ok], k[ok]
        nxt = {int(g): p for g, p in zip(nid.tolist(), npos, strict=True)}
        ep, ev = nees.setdefault(o.sensor_id, ([], []))
        for gi, ki in zip(r.tolist(), k.tolist(), strict=True):
            e = x[ki, :2] - gpos[gi]
            ep.append(float(e @ np.linalg.solve(P[ki, :2, :2], e)))
            g = int(gid[gi])
            if g in nxt:
                v = x[ki, 2:] - (nxt[g] - gpos[gi]) / DT
                ev.append(float(v @ np.linalg.solve(P[ki, 2:, 2:], v)))
    return {s: (float(np.mean(p)), float(np.mean(v)), len(p)) for s, (p, v) in nees.items()}


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


def timing(
    n: int, cfg: FusionConfig | None = None, calls: int = 20, seed: int = 3
) -> tuple[float, float, int]:
    """Median and p90 ms per FusionEngine.update with about n fused tracks: n objects seen
    by three point sensors at once (3n sensor tracks per call), moving at 1.4 m/s."""
    rng = np.random.default_rng(seed)
    side = float(np.sqrt(n * 340.0))
    pos = rng.uniform(0, side, (n, 2))
    ang = rng.uniform(0, 2 * np.pi, n)
    vel = 1.4 * np.stack([np.cos(ang), np.sin(ang)], 1)
    sensors = {f"s{k}": SensorFrame(pose=Pose(0.0, 0.0, 0.0, 90.0)) for k in range(3)}
    eng = FusionEngine(cfg or FusionConfig(), sensors)
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
    cpu = cpu_model()
    return (f"{platform.node()}: {cpu}, {os.cpu_count()} cores, Python "
            f"{platform.python_version()}, numpy {np.__version__}")  # fmt: skip


RECOMMENDED = (
    "**fused, fast CI + calibrated covariances + identity hold and consensus "
    "(calibrated identity weights)**"
)


def identity_weights(scores: dict[str, Scores]) -> dict[str, float]:
    """Per-sensor identity weights (FusionConfig.identity_weight) from each sensor's own
    identity switches per object on the calibration run: 1 / (1 + switches / objects)."""
    return {sid: 1.0 / (1.0 + s.idsw / max(s.objects, 1)) for sid, s in scores.items()}


def variants(
    cal: dict[str, tuple[float, float]], weights: dict[str, float]
) -> dict[str, FusionConfig]:
    """The fused outputs compared: the previous configuration and the fixes, one at a time.
    "previous identity rules" turns off the strained-binding hold and the consensus check."""
    old = {"hold_s": 0.0, "consensus_gate_prob": 0.0}
    return {
        "fused, before (fast CI, covariances as reported, previous identity rules)":
            FusionConfig(**old),
        "fused, fast CI + calibrated covariances, previous identity rules": FusionConfig(
            sensor_cov_scale=cal, **old
        ),
        RECOMMENDED: FusionConfig(sensor_cov_scale=cal, identity_weight=weights),
        "fused, ICI + calibrated covariances + identity": FusionConfig(
            fusion_rule="ici", sensor_cov_scale=cal, identity_weight=weights
        ),
        "fused, independent (reference only) + calibrated + identity": FusionConfig(
            fusion_rule="independent", sensor_cov_scale=cal, identity_weight=weights
        ),
    }  # fmt: skip


SENSOR_IDS = ("radar-1", "lidar-1", "cam-1")


def _mean(rows: list[Scores]) -> dict[str, float]:
    out = {
        k: float(np.mean([getattr(r, k) for r in rows]))
        for k in ("rmse_m", "ospa_m", "one_id", "mota", "idf1")
    }
    out["idsw"] = float(sum(r.idsw for r in rows))
    for sid in SENSOR_IDS:
        out[sid] = float(np.mean([r.rmse_fov_m[sid] for r in rows]))
        out[f"idsw {sid}"] = float(sum(r.idsw_fov[sid] for r in rows))
    return out


def _row(name: str, rows: list[Scores]) -> str:
    m = _mean(rows)
    per = "/".join(str(r.idsw) for r in rows)
    fov = " | ".join(f"{m[sid]:.3f}" for sid in SENSOR_IDS)
    sw = " / ".join(f"{m[f'idsw {sid}']:.0f}" for sid in SENSOR_IDS)
    return (f"| {name} | {m['rmse_m']:.3f} | {fov} | {m['ospa_m']:.3f} | "
            f"{m['idsw']:.0f} ({per}) | {m['one_id']:.0%} | {m['mota']:.3f} | "
            f"{m['idf1']:.3f} | {sw} |")  # fmt: skip


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.fusion", description=__doc__)
    ap.add_argument("--seeds", default="7,1,2,3,4", help="evaluation seeds, comma-separated")
    ap.add_argument("--calibration-seed", type=int, default=100,
                    help="seed of the calibration run (keep it out of --seeds)")  # fmt: skip
    ap.add_argument("--duration", type=float, default=90.0, help="scenario length, seconds")
    ap.add_argument("--seed", type=int, default=None, help="one seed (instead of --seeds)")
    ap.add_argument("--no-timing", action="store_true")
    ap.add_argument("--cam-meas-std", type=float, default=None,
                    help="camera tracker box_meas_std (default: TrackerConfig's)")  # fmt: skip
    args = ap.parse_args(argv)
    seeds = [args.seed] if args.seed is not None else [
        int(v) for v in args.seeds.split(",") if v.strip()
    ]  # fmt: skip
    if args.calibration_seed in seeds:
        ap.error("--calibration-seed must not be one of --seeds")
    cal_sc = simulate(args.calibration_seed, args.duration)
    cal_out, cal_frames = run_trackers(cal_sc, args.cam_meas_std)
    nees = consistency(cal_sc, cal_out)
    cal = {sid: (p / 2.0, v / 2.0) for sid, (p, v, _) in nees.items()}
    cal_scores = {sid: score(cal_sc, cal_frames[sid]) for sid in SENSOR_IDS}
    weights = identity_weights(cal_scores)
    configs = variants(cal, weights)
    single: dict[str, list[Scores]] = {sid: [] for sid in SENSOR_IDS}
    fused: dict[str, list[Scores]] = {name: [] for name in configs}
    people, ms = 0, []
    for seed in seeds:
        sc = simulate(seed, args.duration)
        people += len(np.unique(sc.gt_id))
        outputs, frames = run_trackers(sc, args.cam_meas_std)
        for sid in SENSOR_IDS:
            single[sid].append(score(sc, frames[sid]))
        for name, cfg in configs.items():
            fr, stats = run_fusion(sc, outputs, cfg)
            fused[name].append(score(sc, fr))
            if name == RECOMMENDED:
                ms.append(stats["ms_per_cycle"])
    lines = [
        f"Machine: {machine()} (shared with other jobs: timings are indicative).",
        "",
        f"Scenario: seeds {', '.join(map(str, seeds))}, {args.duration:.0f} s each, "
        f"{people} people in all; radar 4 Hz, lidar 10 Hz, camera 10 Hz; fusion every "
        f"{FUSION_PERIOD_S:.1f} s at T = now - {FusionConfig().lateness_s} s. Means over the "
        "seeds; ID switches summed (per seed in brackets). Camera tracker box_meas_std "
        f"{tracker_config('cam-1', args.cam_meas_std).box_meas_std}.",
        "",
        f"Calibration (seed {args.calibration_seed}, not an evaluation seed): mean NEES of "
        "each sensor's world-frame states against the truth (2 when consistent) -> "
        "covariance factors (position, velocity); and its identity switches per object -> "
        "identity weight 1 / (1 + switches / objects):",
        "",
        "| sensor | NEES position | NEES velocity | states | factor (pos, vel) "
        "| ID switches / objects | identity weight |",
        "|---|---|---|---|---|---|---|",
    ]
    for sid in SENSOR_IDS:
        p, v, n = nees[sid]
        cs = cal_scores[sid]
        lines.append(f"| {sid} | {p:.2f} | {v:.2f} | {n} | "
                     f"({cal[sid][0]:.2f}, {cal[sid][1]:.2f}) | {cs.idsw} / {cs.objects} | "
                     f"{weights[sid]:.2f} |")  # fmt: skip
    lines += [
        "",
        "| output | RMSE (m) | RMSE in radar FoV | in lidar FoV | in camera FoV "
        "| OSPA c=5 (m) | ID switches | one id end to end | MOTA | IDF1 "
        "| ID switches in radar / lidar / camera FoV |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for sid in SENSOR_IDS:
        lines.append(_row(f"{sid} alone", single[sid]))
    for name in configs:
        lines.append(_row(name, fused[name]))
    best = _mean(fused[RECOMMENDED])
    like = ", ".join(
        f"{sid} {best[sid] / _mean(single[sid])['rmse_m'] - 1:+.0%}" for sid in SENSOR_IDS
    )
    best_ospa = min(_mean(single[sid])["ospa_m"] for sid in SENSOR_IDS)
    fewest = min(_mean(single[sid])["idsw"] for sid in SENSOR_IDS)
    lines += [
        "",
        "Recommended (fast CI + calibrated + identity) vs each sensor alone, RMSE on that "
        f"sensor's field of view: {like}; "
        f"OSPA vs the best single sensor {best['ospa_m'] / best_ospa - 1:+.0%}; "
        f"ID switches {best['idsw']:.0f} vs {fewest:.0f} for the single sensor with the "
        "fewest ("
        + ", ".join(
            f"{sid}'s FoV {best[f'idsw {sid}']:.0f} vs {_mean(single[sid])[f'idsw {sid}']:.0f}"
            for sid in SENSOR_IDS
        )
        + "); "
        f"{float(np.mean(ms)):.2f} ms per fusion cycle on the scenario.",
    ]
    if not args.no_timing:
        lines += ["", "| fused tracks | sensor tracks per update | ms/update (median) | p90 |",
                  "|---|---|---|---|"]  # fmt: skip
        for n in (100, 1000):
            med, p90, live = timing(n, configs[RECOMMENDED])
            lines.append(f"| {live} | {3 * n} | {med:.1f} | {p90:.1f} |")
    text = "\n".join(lines)
    print(text)
    out = Path("bench/out")
    out.mkdir(parents=True, exist_ok=True)
    (out / "fusion.md").write_text(text + "\n")
