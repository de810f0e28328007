"""Cost of one fusion cycle in the service, part by part, with about 100 and 1,000 fused
tracks: the real FusionPipeline (decode the TrackFrames, FusionEngine.update, domain to
protos, serialize, publish, checkpoint) in one process, with NATS replaced by fakes, so the
figures are CPU time of the service's own code.

    python -m bench.fusion_cost [--tracks 100 1000] [--sensors 2] [--cycles 20] [--profile N]

Scenario: `--sensors` point sensors (radar kind, one pose) see the same N objects moving at
1.4 m/s; each sends one TrackFrame of N CONFIRMED tracks every 0.1 s, so every cycle fuses
sensors × N sensor tracks into N fused tracks. The pipeline writes a checkpoint after every
cycle here (the service: once a second), so the checkpoint row is per checkpoint.

Columns are medians over the measured cycles (after 5 warm-up cycles), in milliseconds of
CPU time of the event-loop thread (`--clock wall`: wall time):
decode (TrackFrame bytes to sensor tracks), engine (FusionEngine.update), convert (fused
state to protos, the store, stream fan-out), serialize (the FusedTrackFrame and the other
outputs to bytes), publish (the fake: nothing), checkpoint (the time the cycle waits for
it; part of it may run off the event loop), the cycle's wall time and its CPU time (all
threads; on a shared machine the CPU time is the steadier figure). The second table splits
a checkpoint (engine to_state, the service's checkpoint dict around it, the JSON + zlib
encoding, each timed alone on one thread), then times one as the service writes it (wall
time), with the longest event-loop stall meanwhile (a task waking every millisecond
measures it).

`--profile N` prints cProfile's top functions of FusionEngine.update with N fused tracks.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import platform
import pstats
import statistics
import time
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import numpy as np

from aura.common.v1 import common_pb2 as c
from bench.machine import cpu_model
from services.common.geometry import Pose
from services.common.timeutil import ts_from_seconds
from services.fusion import pipeline
from services.fusion.adapters import checkpoint as ckpt
from services.fusion.domain.engine import FusionConfig
from services.fusion.domain.to_world import SensorFrame
from services.fusion.pipeline import FusionPipeline

DT = 0.1
WARMUP = 5
PARTS = ("decode", "engine", "convert", "serialize", "publish", "checkpoint")


def machine() -> str:
    cpu = cpu_model()
    return (
        f"{cpu}, nproc {os.cpu_count()}, Python {platform.python_version()}, "
        f"numpy {np.__version__}; the machine is shared with other work"
    )


@dataclass
class Seq:
    stream: int


@dataclass
class Meta:
    sequence: Seq


@dataclass
class FakeMsg:
    """What the pipeline uses of a nats Msg."""

    seq: int
    data: bytes
    subject: str
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def metadata(self) -> Meta:
        return Meta(Seq(self.seq))

    async def ack(self) -> None:
        return None


class FakeKV:
    """A key-value bucket that keeps nothing (the put is I/O, not the service's CPU)."""

    async def put(self, key: str, value: bytes) -> int:
        return 0

    async def delete(self, key: str) -> bool:
        return True


def frames(n: int, sensors: int, cycles: int, seed: int = 3) -> list[list[bytes]]:
    """For each cycle, each sensor's TrackFrame (bytes) of n confirmed point tracks."""
    rng = np.random.default_rng(seed)
    side = float(np.sqrt(n * 340.0))
    pos = rng.uniform(0, side, (n, 2))
    ang = rng.uniform(0, 2 * np.pi, n)
    vel = 1.4 * np.stack([np.cos(ang), np.sin(ang)], 1)
    cov = np.diag([0.09, 0.09, 0.04, 0.04]).ravel().tolist()
    out = []
    for k in range(cycles):
        t = 1000.0 + k * DT
        per = []
        for s in range(sensors):
            sid = f"s{s}"
            p = pos + vel * k * DT + rng.normal(0, 0.3, (n, 2))
            f = c.TrackFrame(sensor_id=sid, frame_id=k + 1, timestamp=ts_from_seconds(t))
            for j in range(n):
                tr = f.tracks.add()
                tr.id, tr.sensor_id = f"{sid}-{j:06d}", sid
                tr.sensor_kind = c.SENSOR_KIND_RADAR
                tr.status = c.TRACK_STATUS_CONFIRMED
                tr.position.x, tr.position.y = float(p[j, 0]), float(p[j, 1])
                tr.velocity.vx, tr.velocity.vy = float(vel[j, 0]), float(vel[j, 1])
                tr.covariance.dim = 4
                tr.covariance.values.extend(cov)
                tr.class_label, tr.confidence = "person", 0.9
            per.append(f.SerializeToString())
        out.append(per)
    return out


async def run(n: int, sensors: int, cycles: int, cpu: bool = True) -> dict[str, Any]:
    if cpu:  # the pipeline times its parts with this thread's CPU time, not the wall clock
        pipeline.time = SimpleNamespace(  # type: ignore[assignment]
            perf_counter=time.thread_time, monotonic=time.monotonic, time=time.time
        )
    data = frames(n, sensors, cycles + WARMUP)
    now = [0.0]
    store = ckpt.CheckpointStore(None, "bench")  # type: ignore[arg-type]
    store.kv = FakeKV()  # type: ignore[assignment]

    async def publish(subject: str, payload: bytes, msg_id: str) -> None:
        return None

    async def dead_letter(msg: Any, reason: str) -> None:
        raise RuntimeError(reason)

    cfg = FusionConfig()
    p = FusionPipeline(
        cfg, publish, store, dead_letter, checkpoint_interval_s=0.0, clock=lambda: now[0]
    )
    for s in range(sensors):
        p.engine.set_geometry(f"s{s}", SensorFrame(pose=Pose(0.0, 0.0, 0.0, 90.0)))
    stall = [0.0]
    stop = False

    async def monitor() -> None:
        last = time.perf_counter()
        while not stop:
            await asyncio.sleep(0.001)
            t = time.perf_counter()
            stall[0] = max(stall[0], t - last - 0.001)
            last = t

    mon = asyncio.create_task(monitor())
    rows: list[dict[str, float]] = []
    seq = 0
    for k, per in enumerate(data):
        now[0] = 1000.0 + k * DT + cfg.lateness_s
        msgs = []
        for s, blob in enumerate(per):
            seq += 1
            msgs.append(FakeMsg(seq, blob, f"aura.tracks.s{s}"))
        await asyncio.sleep(0.005)  # let the monitor start afresh
        t0, c0 = time.perf_counter(), time.process_time()
        await p.handle(msgs)
        await p.tick()
        total, cpu = (time.perf_counter() - t0) * 1000.0, (time.process_time() - c0) * 1000.0
        await asyncio.sleep(0.002)
        if k >= WARMUP:
            row = {part: p.stats.last_cycle_ms.get(part, 0.0) for part in PARTS}
            row["total"], row["cpu"] = total, cpu
            rows.append(row)
    med = {key: statistics.median(r[key] for r in rows) for key in rows[0]}
    # A checkpoint as the service writes it (flush: nothing left to fuse, so only the
    # checkpoint), with the longest event-loop stall while it is written.
    split: dict[str, list[float]] = {
        "to_state": [], "checkpoint dict": [], "encode": [], "ck_wall": [], "ck_stall": []
    }  # fmt: skip
    for _ in range(5):
        p._dirty = True  # something to checkpoint
        await asyncio.sleep(0.005)
        stall[0] = 0.0
        t0 = time.perf_counter()
        await p.flush()
        split["ck_wall"].append((time.perf_counter() - t0) * 1000.0)
        await asyncio.sleep(0.002)
        split["ck_stall"].append(stall[0] * 1000.0)
    stop = True
    await mon
    size = 0
    clk = time.thread_time if cpu else time.perf_counter
    for _ in range(5):
        t0 = clk()
        p.engine.to_state()
        t1 = clk()
        state = p.checkpoint()
        t2 = clk()
        size = len(ckpt.encode(state))
        t3 = clk()
        split["to_state"].append((t1 - t0) * 1000.0)
        split["checkpoint dict"].append((t2 - t1) * 1000.0)
        split["encode"].append((t3 - t2) * 1000.0)
    med.update({k: statistics.median(v) for k, v in split.items()})
    med["fused"] = float(len(p.engine))
    med["bytes"] = float(size)
    return med


def profile(n: int, sensors: int, cycles: int) -> str:
    """cProfile of FusionEngine.update alone (the pipeline around it is not profiled)."""
    data = frames(n, sensors, cycles + WARMUP)
    from services.fusion.adapters.convert import frame_tracks
    from services.fusion.domain.engine import FusionEngine

    eng = FusionEngine(
        FusionConfig(),
        {f"s{s}": SensorFrame(pose=Pose(0.0, 0.0, 0.0, 90.0)) for s in range(sensors)},
    )
    batches = [
        [st for blob in per for st in frame_tracks(c.TrackFrame.FromString(blob))] for per in data
    ]
    for k in range(WARMUP):
        eng.update(batches[k], 1000.0 + k * DT + 0.3)
    prof = cProfile.Profile()
    prof.enable()
    for k in range(WARMUP, len(batches)):
        eng.update(batches[k], 1000.0 + k * DT + 0.3)
    prof.disable()
    out = io.StringIO()
    st = pstats.Stats(prof, stream=out)
    st.sort_stats("tottime").print_stats(18)
    st.sort_stats("cumulative").print_stats(30)
    return out.getvalue()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.fusion_cost", description=__doc__)
    ap.add_argument("--tracks", type=int, nargs="+", default=[100, 1000])
    ap.add_argument("--sensors", type=int, default=2)
    ap.add_argument("--cycles", type=int, default=20, help="measured cycles per size")
    ap.add_argument("--repeat", type=int, default=1, help="runs per size; medians of them")
    ap.add_argument("--profile", type=int, default=0, metavar="N")
    ap.add_argument(
        "--clock",
        choices=("cpu", "wall"),
        default="cpu",
        help="time the parts in CPU time of the event-loop thread (default; steadier on a "
        "shared machine) or in wall time",
    )
    args = ap.parse_args(argv)
    if args.profile:
        print(profile(args.profile, args.sensors, args.cycles))
        return
    results = {}
    for n in args.tracks:
        runs = [
            asyncio.run(run(n, args.sensors, args.cycles, args.clock == "cpu"))
            for _ in range(args.repeat)
        ]
        results[n] = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    print(f"Fusion cycle cost, bench.fusion_cost; {machine()}.")
    clock = (
        "CPU time of the event-loop thread (work in worker threads is not in these columns)"
        if args.clock == "cpu"
        else "wall time"
    )
    print(
        f"{args.sensors} point sensors see the same objects; medians of {args.cycles} cycles"
        + (f", then the median of {args.repeat} runs" if args.repeat > 1 else "")
        + f"; ms. Parts in {clock}; cycle total in wall time; cycle CPU is the process's"
        " CPU time (all threads).\n"
    )
    print(
        "| fused tracks | sensor tracks / cycle | decode | engine | convert | serialize "
        "| publish | checkpoint | cycle total | cycle CPU |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for n, r in results.items():
        print(
            f"| {r['fused']:,.0f} | {n * args.sensors:,} | {r['decode']:.1f} | {r['engine']:.1f} "
            f"| {r['convert']:.1f} | {r['serialize']:.1f} | {r['publish']:.1f} "
            f"| {r['checkpoint']:.1f} | {r['total']:.1f} | {r['cpu']:.1f} |"
        )
    print("\nOne checkpoint (ms; size compressed):\n")
    print(
        "| fused tracks | engine to_state | checkpoint dict (with to_state) "
        "| encode (JSON + zlib) | written by the service | longest loop stall meanwhile "
        "| size |"
    )
    print("|---|---|---|---|---|---|---|")
    for r in results.values():
        print(
            f"| {r['fused']:,.0f} | {r['to_state']:.1f} | {r['checkpoint dict']:.1f} "
            f"| {r['encode']:.1f} | {r['ck_wall']:.1f} | {r['ck_stall']:.1f} "
            f"| {r['bytes'] / 1024:,.0f} KiB |"
        )


if __name__ == "__main__":
    main()
