"""End-to-end throughput: detections per second from ingest (gRPC PublishDetections) to
StreamTracks, through the real NATS JetStream, with ingest and tracker as separate
processes, as `aura up` runs them.

    python -m bench.e2e [--sensors 8] [--targets 50] [--frames 200] [--auth on|off|both]

Each sensor publishes its frames in order, one request per frame, as a real sensor does;
the sensors run concurrently. With auth on (the services' default) the bench writes an
ingest key and a viewer key to AURA_KEYS and sends them; `--auth both` measures what the
interceptor costs.

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
from nats import connect as nats_connect

from aura.common.v1 import auth_pb2
from aura.common.v1 import common_pb2 as c
from aura.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from aura.tracker.v1 import tracker_pb2, tracker_pb2_grpc
from services.cli.stack import NatsServer, free_ports
from services.common import auth
from services.common.timeutil import ts_from_seconds


def machine() -> str:
    cpu = "unknown CPU"
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}"


def make_frames(
    sensors: int, targets: int, frames: int, seed: int = 7
) -> list[list[list[c.Detection]]]:
    """For each sensor, its frames in order: `targets` moving points each, 0.1 s apart."""
    rng = np.random.default_rng(seed)
    pos = rng.uniform(0, 1000, size=(sensors, targets, 2))
    vel = rng.normal(0, 5, size=(sensors, targets, 2))
    t0 = time.time() - frames * 0.1 - 60
    out: list[list[list[c.Detection]]] = [[] for _ in range(sensors)]
    for k in range(frames):
        t = t0 + 0.1 * k
        for s in range(sensors):
            p = pos[s] + vel[s] * 0.1 * k + rng.normal(0, 0.3, size=(targets, 2))
            ts = ts_from_seconds(t)
            out[s].append(
                [
                    c.Detection(
                        sensor_id=f"bench_{s}",
                        sensor_kind=c.SENSOR_KIND_RADAR,
                        timestamp=ts,
                        frame_id=k + 1,
                        confidence=0.9,
                        position=c.Vector3(x=float(x), y=float(y)),
                    )
                    for x, y in p
                ]
            )
    return out


async def bench_keys(nats_url: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """An ingest key and a viewer key in AURA_KEYS (what admin would write); their metadata."""
    nc = await nats_connect(nats_url)
    kv = await auth.keys_bucket(nc.jetstream())
    out = []
    for role in (auth.INGEST, auth.VIEWER):
        key = auth.new_key()
        rec = auth_pb2.ApiKeyRecord(
            key_id=key.key_id,
            name=f"bench-{role}",
            role=role,
            secret_sha256=auth.hash_key(key.text),
        )
        await kv.put(key.key_id, rec.SerializeToString())
        out.append([("authorization", f"Bearer {key.text}")])
    await nc.close()
    return out[0], out[1]


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
        AURA_AUTH="on" if args.auth else "off",
    )
    publish_md: list[tuple[str, str]] = []
    read_md: list[tuple[str, str]] = []
    if args.auth:
        publish_md, read_md = await bench_keys(nats.url)
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
                    await tracker.ListTracks(
                        tracker_pb2.ListTracksRequest(), metadata=read_md, timeout=1
                    )
                    break
                except grpc.aio.AioRpcError:
                    await asyncio.sleep(0.1)
            # The stream follows one sensor (its events measure latency); completion is
            # read from ListTracks, since a full-rate stream of every track would measure
            # the subscriber, not the mesh.
            stream = tracker.StreamTracks(
                tracker_pb2.StreamTracksRequest(
                    filter=tracker_pb2.TrackFilter(sensor_ids=["bench_0"])
                ),
                metadata=read_md,
            )
            latencies: list[float] = []
            sent_at: dict[int, float] = {}
            seen_frame = 0

            async def sink() -> None:
                nonlocal seen_frame
                async for ev in stream:
                    if ev.frame_id > seen_frame:
                        seen_frame = ev.frame_id
                        if ev.frame_id in sent_at:
                            latencies.append(time.perf_counter() - sent_at[ev.frame_id])

            sink_task = asyncio.create_task(sink())
            started = time.perf_counter()

            async def send(sensor: int, frames: list[list[c.Detection]]) -> None:
                """One sensor: its frames in order, each sent when the previous is stored."""
                for k, batch in enumerate(frames):
                    if args.rate > 0:  # paced: frame k leaves at k / rate seconds
                        delay = started + k / args.rate - time.perf_counter()
                        if delay > 0:
                            await asyncio.sleep(delay)
                    if sensor == 0:
                        sent_at[k + 1] = time.perf_counter()
                    await ingest.PublishDetections(
                        ingest_pb2.PublishDetectionsRequest(detections=batch),
                        metadata=publish_md,
                        timeout=60,
                    )

            async def all_done() -> None:
                while True:
                    resp = await tracker.ListTracks(
                        tracker_pb2.ListTracksRequest(), metadata=read_md, timeout=10
                    )
                    latest: dict[str, int] = {}
                    for t in resp.tracks:
                        latest[t.sensor_id] = max(latest.get(t.sensor_id, 0), t.frame_id)
                    if len(latest) == args.sensors and min(latest.values()) >= args.frames:
                        return
                    await asyncio.sleep(0.02)

            await asyncio.gather(*(send(i, frames) for i, frames in enumerate(batches)))
            publish_s = time.perf_counter() - started
            await asyncio.wait_for(all_done(), 300)
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
            "latency_p95_ms": float(np.percentile(latencies, 95)) * 1000
            if latencies
            else float("nan"),
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
    ap.add_argument(
        "--rate",
        type=float,
        action="append",
        help="frames/s per sensor, 0 for as fast as possible; repeatable (default: 0 and 5)",
    )
    ap.add_argument(
        "--auth",
        choices=("on", "off", "both"),
        default="on",
        help="API keys checked (the default), not, or both, alternating, to measure the cost",
    )
    ap.add_argument(
        "--repeat", type=int, default=1, help="runs per row; the row shows their medians"
    )
    args = ap.parse_args()
    rates = args.rate or [0.0, 5.0]
    modes = {"on": [True], "off": [False], "both": [False, True]}[args.auth]
    rows = []
    for rate in rates:
        args.rate = rate
        runs: dict[bool, list[dict[str, float]]] = {mode: [] for mode in modes}
        for _ in range(args.repeat):
            for mode in modes:  # alternated, so drift in the machine hits both alike
                args.auth = mode
                runs[mode].append(asyncio.run(run(args)))
        paced = f"{rate:g} frames/s per sensor" if rate > 0 else "as fast as possible"
        for mode in modes:
            r = {k: statistics.median(x[k] for x in runs[mode]) for k in runs[mode][0]}
            rows.append(
                f"| {paced} | {'on' if mode else 'off'} | {args.sensors} × {args.targets} "
                f"| {int(r['detections']):,} | {r['det_per_s']:,.0f} | {r['frames_per_s']:,.0f} "
                f"| {r['latency_p50_ms']:,.0f} / {r['latency_p95_ms']:,.0f} |"
            )
    print(f"End to end, ingest (gRPC) → JetStream → tracker → StreamTracks; {machine()}")
    print(f"medians of {args.repeat} run(s) per row\n" if args.repeat > 1 else "")
    print(
        "| load | auth | sensors × targets | detections | detections/s | frames/s "
        "| latency p50 / p95 ms (publish → track event) |"
    )
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
