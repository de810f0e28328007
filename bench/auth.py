"""What the access-control interceptor costs per call: a cheap unary RPC (tracker
ListTracks on an empty tracker) and the ingest intake (PublishDetections, one frame of 50
detections), each served with AURA_AUTH=off and on, called sequentially from one client.

    python -m bench.auth [--calls 3000] [--rounds 5]

The services run in their own processes, as `aura up` runs them; rounds alternate off and
on so drift in the machine hits both alike. Prints a Markdown table of the medians.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import grpc
from nats import connect as nats_connect

from aura.common.v1 import auth_pb2
from aura.common.v1 import common_pb2 as c
from aura.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from aura.tracker.v1 import tracker_pb2, tracker_pb2_grpc
from bench.e2e import machine
from services.cli.stack import NatsServer, free_ports
from services.common import auth
from services.common.timeutil import ts_from_seconds


async def _admin_key(nats_url: str) -> list[tuple[str, str]]:
    nc = await nats_connect(nats_url)
    kv = await auth.keys_bucket(nc.jetstream())
    key = auth.new_key()
    rec = auth_pb2.ApiKeyRecord(
        key_id=key.key_id, name="bench", role=auth.ADMIN, secret_sha256=auth.hash_key(key.text)
    )
    await kv.put(key.key_id, rec.SerializeToString())
    await nc.close()
    return [("authorization", f"Bearer {key.text}")]


def _frame(k: int) -> list[c.Detection]:
    ts = ts_from_seconds(time.time() - 3600 + k * 0.1)
    return [
        c.Detection(
            sensor_id="bench_auth",
            sensor_kind=c.SENSOR_KIND_RADAR,
            timestamp=ts,
            frame_id=k + 1,
            confidence=0.9,
            position=c.Vector3(x=float(i), y=float(k)),
        )
        for i in range(50)
    ]


async def _round(on: bool, calls: int) -> dict[str, float]:
    state = Path(tempfile.mkdtemp(prefix="aura-bench-auth-"))
    nats = NatsServer(state, port=0, monitor_port=0)
    await nats.astart()
    md = await _admin_key(nats.url) if on else []
    ingest_port, tracker_port = free_ports(2)
    env = dict(
        os.environ,
        AURA_NATS_URL=nats.url,
        AURA_INGEST_PORT=str(ingest_port),
        AURA_TRACKER_PORT=str(tracker_port),
        AURA_LOG_LEVEL="ERROR",
        AURA_AUTH="on" if on else "off",
    )
    procs = [
        subprocess.Popen([sys.executable, "-m", "services.cli.main", "serve", name], env=env)
        for name in ("ingest", "tracker")
    ]
    try:
        async with (
            grpc.aio.insecure_channel(f"127.0.0.1:{ingest_port}") as ich,
            grpc.aio.insecure_channel(f"127.0.0.1:{tracker_port}") as tch,
        ):
            await asyncio.wait_for(ich.channel_ready(), 30)
            await asyncio.wait_for(tch.channel_ready(), 30)
            tracker = tracker_pb2_grpc.TrackerServiceStub(tch)
            ingest = ingest_pb2_grpc.IngestServiceStub(ich)
            req = tracker_pb2.ListTracksRequest()
            for _ in range(200):  # warm up (and wait for the key store)
                await tracker.ListTracks(req, metadata=md, timeout=5)
            t0 = time.perf_counter()
            for _ in range(calls):
                await tracker.ListTracks(req, metadata=md, timeout=5)
            list_us = (time.perf_counter() - t0) / calls * 1e6
            frames = [_frame(k) for k in range(calls // 3)]
            t0 = time.perf_counter()
            for dets in frames:
                await ingest.PublishDetections(
                    ingest_pb2.PublishDetectionsRequest(detections=dets), metadata=md, timeout=10
                )
            publish_us = (time.perf_counter() - t0) / len(frames) * 1e6
        return {"list_us": list_us, "publish_us": publish_us}
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(15)
            except subprocess.TimeoutExpired:  # a slow shutdown is not what is measured here
                p.kill()
                p.wait()
        await nats.astop()
        shutil.rmtree(state, ignore_errors=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--calls", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    results: dict[bool, list[dict[str, float]]] = {False: [], True: []}
    for _ in range(args.rounds):
        for on in (False, True):
            results[on].append(asyncio.run(_round(on, args.calls)))
    med = {
        on: {k: statistics.median(r[k] for r in rs) for k in rs[0]} for on, rs in results.items()
    }
    print(f"Access-control interceptor, sequential calls; {machine()}")
    print(f"medians of {args.rounds} rounds\n")
    print("| RPC | auth off µs/call | auth on µs/call | difference |")
    print("|---|---|---|---|")
    for key, label in (
        ("list_us", "TrackerService/ListTracks (empty)"),
        ("publish_us", "IngestService/PublishDetections (50 detections)"),
    ):
        off, on = med[False][key], med[True][key]
        print(f"| {label} | {off:,.0f} | {on:,.0f} | {on - off:+,.0f} µs ({(on / off - 1):+.1%}) |")


if __name__ == "__main__":
    main()
