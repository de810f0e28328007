"""End-to-end throughput: detections per second from ingest (gRPC PublishDetections) to
StreamTracks, through the real NATS JetStream, with ingest and tracker as separate
processes, as `aura up` runs them.

    python -m bench.e2e [--sensors 8] [--targets 50] [--frames 200] [--inflight 8]

Prints a Markdown table (paste it into the README) naming the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc
import numpy as np

from aura.common.v1 import common_pb2 as c
from aura.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from aura.tracker.v1 import tracker_pb2, tracker_pb2_grpc
from services.cli.stack import NatsServer, free_ports
from services.common.timeutil import ts_from_seconds


def machine() -> str:
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def make_frames(sensors: int, targets: int, frames: int, seed: int = 7) -> list[list[c.Detection]]:
    """Per step, one batch holding one frame per sensor: `targets` moving points each."""
    rng = np.random.default_rng(seed)
    pos = rng.uniform(0, 1000, size=(sensors, targets, 2))
    vel = rng.normal(0, 5, size=(sensors, targets, 2))
    t0 = time.time() - frames * 0.1 - 60
    out = []
    for k in range(frames):
        t = t0 + 0.1 * k
        batch = []
        for s in range(sensors):
            p = pos[s] + vel[s] * 0.1 * k + rng.normal(0, 0.3, size=(targets, 2))
            ts = ts_from_seconds(t)
            batch.extend(
                c.Detection(
                    sensor_id=f"bench_{s}",
                    sensor_kind=c.SENSOR_KIND_RADAR,
                    timestamp=ts,
                    frame_id=k + 1,
                    confidence=0.9,
                    position=c.Vector3(x=float(x), y=float(y)),
                )
                for x, y in p
            )
        out.append(batch)
    return out


async def run(args: argparse.Namespace) -> dict[str, float]:
    state = Path(tempfile.mkdtemp(prefix="aura-bench-"))
    nats = NatsServer(state, port=0, monitor_port=0)
    await nats.astart()
    ingest_port, tracker_port = free_ports(2)
    env = dict(
        os.environ,
        AURA_NATS_URL=nats.url,
        AURA_INGEST_PORT=str(ingest_port),
        AURA_TRACKER_PORT=str(tracker_port),
        AURA_LOG_LEVEL="WARNING",
    )
    procs = [
        subprocess.Popen([sys.executable, "-m", "services.cli.main", "serve", name], env=env)
        for name in ("ingest", "tracker")
    ]
    try:
        batches = make_frames(args.sensors, args.targets, args.frames)
        await asyncio.sleep(0)
        async with (
            grpc.aio.insecure_channel(f"127.0.0.1:{ingest_port}") as ich,
            grpc.aio.insecure_channel(f"127.0.0.1:{tracker_port}") as tch,
        ):
            await asyncio.wait_for(ich.channel_ready(), 30)
            await asyncio.wait_for(tch.channel_ready(), 30)
            ingest = ingest_pb2_grpc.IngestServiceStub(ich)
            tracker = tracker_pb2_grpc.TrackerServiceStub(tch)
            for _ in range(100):  # until the tracker's consumer is up
                try:
                    await tracker.ListTracks(tracker_pb2.ListTracksRequest(), timeout=1)
                    break
                except grpc.aio.AioRpcError:
                    await asyncio.sleep(0.1)
            stream = tracker.StreamTracks(tracker_pb2.StreamTracksRequest())
            last = {f"bench_{s}": 0 for s in range(args.sensors)}
            done = asyncio.Event()
            latencies: list[float] = []
            sent_at: dict[int, float] = {}

            async def sink() -> None:
                async for ev in stream:
                    sid = ev.track.sensor_id
                    if sid in last and ev.frame_id > last[sid]:
                        last[sid] = ev.frame_id
                        if ev.frame_id in sent_at and sid == "bench_0":
                            latencies.append(time.perf_counter() - sent_at[ev.frame_id])
                        if all(v >= args.frames for v in last.values()):
                            done.set()
                            return

            sink_task = asyncio.create_task(sink())
            sem = asyncio.Semaphore(args.inflight)
            started = time.perf_counter()

            async def send(k: int, batch: list[c.Detection]) -> None:
                async with sem:
                    sent_at[k + 1] = time.perf_counter()
                    await ingest.PublishDetections(
                        ingest_pb2.PublishDetectionsRequest(detections=batch), timeout=60
                    )

            await asyncio.gather(*(send(k, b) for k, b in enumerate(batches)))
            publish_s = time.perf_counter() - started
            await asyncio.wait_for(done.wait(), 300)
            total_s = time.perf_counter() - started
            stream.cancel()
            sink_task.cancel()
        n = args.sensors * args.targets * args.frames
        return {
            "detections": n,
            "frames": args.sensors * args.frames,
            "publish_s": publish_s,
            "total_s": total_s,
            "det_per_s": n / total_s,
            "frames_per_s": args.sensors * args.frames / total_s,
            "latency_p50_ms": statistics.median(latencies) * 1000 if latencies else float("nan"),
        }
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            p.wait(15)
        await nats.astop()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sensors", type=int, default=8)
    ap.add_argument("--targets", type=int, default=50)
    ap.add_argument("--frames", type=int, default=200)
    ap.add_argument("--inflight", type=int, default=8)
    args = ap.parse_args()
    r = asyncio.run(run(args))
    print(f"End to end, ingest (gRPC) → JetStream → tracker → StreamTracks; {machine()}\n")
    print(
        "| sensors | targets/sensor | frames | detections | detections/s | frames/s "
        "| p50 latency (ms, frame publish → first track event) |"
    )
    print("|---|---|---|---|---|---|---|")
    print(
        f"| {args.sensors} | {args.targets} | {int(r['frames'])} | {int(r['detections'])} "
        f"| {r['det_per_s']:,.0f} | {r['frames_per_s']:,.0f} | {r['latency_p50_ms']:.1f} |"
    )


if __name__ == "__main__":
    main()
