"""End-to-end throughput: detections per second from ingest (gRPC PublishDetections) to
StreamTracks, and on to fusion's fused frames on `aura.fused`, through the real NATS
JetStream, with ingest, tracker and fusion as separate processes, as `aura up` runs them.

    python -m bench.e2e [--sensors 8] [--targets 50] [--frames 200] [--overlap 2]
                        [--auth on|off|both] [--no-fusion]

Each sensor publishes its frames in order, one request per frame, as a real sensor does;
the sensors run concurrently. With auth on (the services' default) the bench writes an
ingest key and a viewer key to AURA_KEYS and sends them; `--auth both` measures what the
interceptor costs.

Fusion: every sensor is registered with a pose (an admin Sensor in the AURA_CONFIG bucket,
as admin writes it), so fusion fuses its tracks. Sensors come in groups of `--overlap` that
see the same targets (each with its own noise), so fusion associates and fuses
sensors × targets / overlap objects. The detections carry recorded timestamps (in the past,
0.1 s apart), so fusion runs on event time (AURA_FUSION_CLOCK=event: "now" is the latest
frame time received), as for a replay; it cycles every 0.1 s while frames arrive. Measured:
latency from the publish of a frame of sensor 0 to the first fused frame that took it in
(its `source_frames`), fused frames per second, fusion's own time per cycle (the frames'
processing_time_ms), and whether fusion keeps up: the pending messages of its durable
consumer on AURA_TRACKS when the tracker has finished, and how long after that fusion had
taken in every sensor's last frame.

Prints a Markdown table (paste it into the README) naming the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
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

from aura.admin.v1 import admin_pb2 as apb
from aura.common.v1 import auth_pb2
from aura.common.v1 import common_pb2 as c
from aura.fusion.v1 import fusion_pb2 as fpb
from aura.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from aura.tracker.v1 import tracker_pb2, tracker_pb2_grpc
from bench.machine import cpu_model
from services.cli.stack import NatsServer, free_ports
from services.common import auth, bus
from services.common.registry import CONFIG_BUCKET, sensor_key
from services.common.timeutil import ts_from_seconds


def machine() -> str:
    cpu = cpu_model()
    return (
        f"{cpu}, nproc {os.cpu_count()}, Python {platform.python_version()}; "
        "the machine is shared with other work"
    )


def make_frames(
    sensors: int, targets: int, frames: int, seed: int = 7, overlap: int = 1
) -> list[list[list[c.Detection]]]:
    """For each sensor, its frames in order: `targets` moving points each, 0.1 s apart.
    Sensors s and s' see the same targets when s // overlap == s' // overlap."""
    rng = np.random.default_rng(seed)
    groups = -(-sensors // overlap)
    pos = np.repeat(rng.uniform(0, 1000, size=(groups, targets, 2)), overlap, 0)[:sensors]
    vel = np.repeat(rng.normal(0, 5, size=(groups, targets, 2)), overlap, 0)[:sensors]
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


async def register_sensors(nats_url: str, sensors: int) -> None:
    """Each bench sensor as admin registers it: a radar at the site origin facing east (its
    frame is the site frame), in AURA_CONFIG, where fusion's registry reads it."""
    nc = await nats_connect(nats_url)
    js = nc.jetstream()
    try:
        kv = await js.key_value(CONFIG_BUCKET)
    except Exception:
        kv = await js.create_key_value(bucket=CONFIG_BUCKET, history=5)
    pose = apb.SensorPose(position=c.Vector3(x=0.0, y=0.0), heading_deg=90.0)
    for s in range(sensors):
        sensor = apb.Sensor(sensor_id=f"bench_{s}", kind=c.SENSOR_KIND_RADAR, pose=pose)
        await kv.put(sensor_key(sensor.sensor_id), sensor.SerializeToString())
    await nc.close()


class FusedWatch:
    """Every FusedTrackFrame on `aura.fused` (core NATS), as it arrives."""

    def __init__(self, sensors: int, frames: int) -> None:
        self.sensors, self.frames = sensors, frames
        self.all_in = asyncio.Event()  # set once every sensor's last frame was fused
        self.arrivals: list[float] = []  # perf_counter of each fused frame
        self.processing_ms: list[float] = []
        self.live_max = 0
        self.first_seen: dict[str, float] = {}  # "<sensor>:<frame>" -> first fused frame
        self.lag_max = 0

    async def start(self, nats_url: str) -> None:
        self.nc = await nats_connect(nats_url)

        async def on_msg(msg: object) -> None:
            now = time.perf_counter()
            frame = fpb.FusedTrackFrame.FromString(msg.data)  # type: ignore[attr-defined]
            self.arrivals.append(now)
            self.processing_ms.append(frame.processing_time_ms)
            self.live_max = max(self.live_max, frame.live_track_count)
            for src in frame.source_frames:
                self.first_seen.setdefault(src, now)
            if self.done():
                self.all_in.set()

        await self.nc.subscribe("aura.fused", cb=on_msg)
        await self.nc.flush()

    async def pending(self) -> int:
        """Messages of AURA_TRACKS not yet delivered to fusion's durable consumer."""
        info = await self.nc.jetstream().consumer_info(bus.TRACKS.name, "fusion")
        return int(info.num_pending or 0)

    async def sample_lag(self) -> None:
        while True:
            with contextlib.suppress(Exception):
                self.lag_max = max(self.lag_max, await self.pending())
            await asyncio.sleep(0.5)

    def done(self) -> bool:
        last = self.frames
        return all(f"bench_{s}:{last}" in self.first_seen for s in range(self.sensors))

    async def close(self) -> None:
        await self.nc.close()


async def run(args: argparse.Namespace) -> dict[str, float]:
    state = Path(tempfile.mkdtemp(prefix="aura-bench-"))
    nats = NatsServer(state, port=0, monitor_port=0)
    await nats.astart()
    ingest_port, tracker_port, fusion_port = free_ports(3)
    env = dict(
        os.environ,
        AURA_NATS_URL=nats.url,
        AURA_INGEST_PORT=str(ingest_port),
        AURA_TRACKER_PORT=str(tracker_port),
        AURA_FUSION_PORT=str(fusion_port),
        AURA_FUSION_CLOCK="event",
        AURA_LOG_LEVEL="WARNING",
        AURA_AUTH="on" if args.auth else "off",
    )
    publish_md: list[tuple[str, str]] = []
    read_md: list[tuple[str, str]] = []
    if args.auth:
        publish_md, read_md = await bench_keys(nats.url)
    names = ("ingest", "tracker", "fusion") if args.fusion else ("ingest", "tracker")
    watch = FusedWatch(args.sensors, args.frames)
    if args.fusion:
        await register_sensors(nats.url, args.sensors)
        await watch.start(nats.url)
    procs = [
        subprocess.Popen([sys.executable, "-m", "services.cli.main", "serve", name], env=env)
        for name in names
    ]
    lag_task: asyncio.Task[None] | None = None
    try:
        batches = make_frames(args.sensors, args.targets, args.frames, overlap=args.overlap)
        await asyncio.sleep(0)
        async with (
            grpc.aio.insecure_channel(f"127.0.0.1:{ingest_port}") as ich,
            grpc.aio.insecure_channel(f"127.0.0.1:{tracker_port}") as tch,
        ):
            await asyncio.wait_for(ich.channel_ready(), 30)
            await asyncio.wait_for(tch.channel_ready(), 30)
            if args.fusion:
                async with grpc.aio.insecure_channel(f"127.0.0.1:{fusion_port}") as fch:
                    await asyncio.wait_for(fch.channel_ready(), 30)
                for _ in range(100):  # until fusion's durable consumer exists
                    try:
                        await watch.pending()
                        break
                    except Exception:
                        await asyncio.sleep(0.1)
                lag_task = asyncio.create_task(watch.sample_lag())
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
            fused: dict[str, float] = {}
            if args.fusion:
                tracker_done = time.perf_counter()
                lag_end = await watch.pending()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(watch.all_in.wait(), 300)
                fused = fusion_figures(watch, args, sent_at, started, tracker_done, lag_end)
        n = args.sensors * args.targets * args.frames
        return fused | {
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
        if lag_task is not None:
            lag_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await lag_task
        if args.fusion:
            await watch.close()
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:  # never leave a service behind
                print(f"{p.args[-1]} did not stop within 15 s of SIGTERM; killed", file=sys.stderr)
                p.kill()
                p.wait()
        await nats.astop()


def fusion_figures(
    watch: FusedWatch,
    args: argparse.Namespace,
    sent_at: dict[int, float],
    started: float,
    tracker_done: float,
    lag_end: int,
) -> dict[str, float]:
    """Latency publish → fused frame (sensor 0), fused frames/s, fusion's ms per cycle, and
    whether it kept up (lag when the tracker finished; time after that to catch up)."""
    nan = float("nan")
    lat = [
        watch.first_seen[f"bench_0:{k}"] - t
        for k, t in sent_at.items()
        if f"bench_0:{k}" in watch.first_seen
    ]
    arrivals = [t for t in watch.arrivals if t >= started]
    last = [watch.first_seen.get(f"bench_{s}:{args.frames}") for s in range(args.sensors)]
    done_at = max(last) if all(t is not None for t in last) else nan  # type: ignore[type-var]
    span = (arrivals[-1] - arrivals[0]) if len(arrivals) > 1 else nan
    return {
        "fused_tracks": float(watch.live_max),
        "fused_p50_ms": statistics.median(lat) * 1000 if lat else nan,
        "fused_p95_ms": float(np.percentile(lat, 95)) * 1000 if lat else nan,
        "fused_per_s": (len(arrivals) - 1) / span if span == span and span > 0 else nan,
        "cycle_ms": statistics.median(watch.processing_ms) if watch.processing_ms else nan,
        "lag_end": float(lag_end),
        "lag_max": float(watch.lag_max),
        "fusion_after_s": max(done_at - tracker_done, 0.0),
    }


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
    ap.add_argument(
        "--overlap",
        type=int,
        default=2,
        help="sensors per group seeing the same targets (fused objects = sensors × targets "
        "/ overlap); default 2",
    )
    ap.add_argument(
        "--no-fusion",
        dest="fusion",
        action="store_false",
        help="ingest and tracker only (no fusion process)",
    )
    args = ap.parse_args()
    rates = args.rate or [0.0, 5.0]
    modes = {"on": [True], "off": [False], "both": [False, True]}[args.auth]
    rows, frows = [], []
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
            if args.fusion:
                frows.append(
                    f"| {paced} | {'on' if mode else 'off'} | {args.sensors} × {args.targets} "
                    f"/ {args.overlap} | {r['fused_tracks']:,.0f} | {r['frames_per_s']:,.0f} "
                    f"| {r['fused_per_s']:.1f} | {r['cycle_ms']:,.0f} "
                    f"| {r['fused_p50_ms']:,.0f} / {r['fused_p95_ms']:,.0f} "
                    f"| {r['lag_max']:,.0f} / {r['lag_end']:,.0f} | {r['fusion_after_s']:.1f} |"
                )
    print(f"End to end, ingest (gRPC) → JetStream → tracker → StreamTracks; {machine()}.")
    print(f"medians of {args.repeat} run(s) per row\n" if args.repeat > 1 else "")
    print(
        "| load | auth | sensors × targets | detections | detections/s | frames/s "
        "| latency p50 / p95 ms (publish → track event) |"
    )
    print("|---|---|---|---|---|---|---|")
    print("\n".join(rows))
    if frows:
        print(
            "\nFusion (event time, a cycle every 0.1 s while frames arrive): fused tracks "
            "(most live at once), the tracker's output in TrackFrames/s, fused frames/s, "
            "fusion's own ms per cycle (median processing_time_ms), latency from publish to "
            "the first fused frame that took the frame in, fusion's undelivered TrackFrames "
            "(most seen, sampled every 0.5 s / when the tracker had finished), and seconds "
            "after the tracker finished until fusion had every sensor's last frame.\n"
        )
        print(
            "| load | auth | sensors × targets / overlap | fused tracks | tracker frames/s "
            "| fused frames/s | fusion ms/cycle | latency p50 / p95 ms (publish → fused frame) "
            "| fusion lag max / at end (frames) | fusion done after tracker (s) |"
        )
        print("|---|---|---|---|---|---|---|---|---|---|")
        print("\n".join(frows))


if __name__ == "__main__":
    main()
