"""Kill the tracker (SIGKILL) mid-stream and start it again: identities continue and no
frame is lost, with the real NATS JetStream and the tracker as its own process."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator

import grpc
import nats
import pytest

from aura.common.v1 import common_pb2 as c
from aura.ingest.v1 import ingest_pb2 as ipb
from aura.ingest.v1 import ingest_pb2_grpc as igrpc
from services.cli.stack import NatsServer, free_port
from services.common.server import start_server
from services.common.timeutil import ts_from_seconds
from services.ingest.config import IngestSettings
from services.ingest.main import build as build_ingest

SENSOR = "radar_restart"
T0 = time.time() - 600


@pytest.fixture
async def own_nats(state_dir) -> AsyncIterator[NatsServer]:
    server = NatsServer(state_dir / f"nats-restart-{uuid.uuid4().hex[:6]}", port=0, monitor_port=0)
    await server.astart()
    yield server
    await server.astop()


def start_tracker(nats_url: str, port: int) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ,
        AURA_NATS_URL=nats_url,
        AURA_TRACKER_PORT=str(port),
        AURA_LOG_LEVEL="WARNING",
        AURA_TRACKER_CHECKPOINT_INTERVAL_S="0.5",
    )
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli.main", "serve", "tracker"], env=env
    )


def frame(k: int) -> list[c.Detection]:
    """Two targets 40 m apart moving at 5 m/s along x, frames 0.1 s apart."""
    t = T0 + 0.1 * k
    return [
        c.Detection(
            sensor_id=SENSOR,
            sensor_kind=c.SENSOR_KIND_RADAR,
            timestamp=ts_from_seconds(t),
            frame_id=k,
            confidence=0.9,
            position=c.Vector3(x=0.5 * k, y=y),
        )
        for y in (0.0, 40.0)
    ]


@pytest.mark.parametrize("kill_after_s", [0.0, 1.5], ids=["before-checkpoint", "after-checkpoint"])
async def test_killed_tracker_resumes_with_same_ids_and_no_lost_frame(own_nats, kill_after_s):
    results: dict[int, c.TrackFrame] = {}
    published: dict[int, int] = {}
    nc = await nats.connect(own_nats.url)

    async def on_frame(msg):
        f = c.TrackFrame.FromString(msg.data)
        results[f.frame_id] = f
        published[f.frame_id] = published.get(f.frame_id, 0) + 1

    await nc.subscribe(f"aura.tracks.{SENSOR}", cb=on_frame)
    ingest = await start_server(
        await build_ingest(IngestSettings.from_env({}, nats_url=own_nats.url, auth=False)),
        "127.0.0.1",
        0,
    )
    port = free_port()
    tracker = start_tracker(own_nats.url, port)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{ingest.port}") as ch:
            stub = igrpc.IngestServiceStub(ch)

            async def send(ks):
                for k in ks:
                    await stub.PublishDetections(ipb.PublishDetectionsRequest(detections=frame(k)))

            async def wait_for(k, limit_s=30.0):
                deadline = time.monotonic() + limit_s
                while k not in results:
                    assert time.monotonic() < deadline, f"frame {k} never tracked"
                    assert tracker.poll() is None, "tracker died"
                    await asyncio.sleep(0.05)

            await send(range(1, 21))
            await wait_for(20)
            before = {t.id for t in results[20].tracks if t.status == c.TRACK_STATUS_CONFIRMED}
            assert len(before) == 2
            await asyncio.sleep(kill_after_s)  # 1.5 s: a checkpoint (every 0.5 s) is written
            tracker.send_signal(signal.SIGKILL)
            tracker.wait()
            await send(range(21, 41))  # stored in JetStream while the tracker is down
            tracker = start_tracker(own_nats.url, port)
            await wait_for(40)
    finally:
        if tracker.poll() is None:
            tracker.terminate()
        tracker.wait(15)
        await ingest.stop(1)
        await nc.drain()
    assert sorted(results) == list(range(1, 41)), "a frame was lost"
    after = {t.id for t in results[40].tracks if t.status == c.TRACK_STATUS_CONFIRMED}
    assert after == before, "identities changed across the restart"
    born = {k: list(f.new_track_ids) for k, f in results.items() if k > 20 and f.new_track_ids}
    assert not born, f"tracks born after the restart: {born}"
    if kill_after_s:
        # Resumed from the checkpoint: the frames before the kill were not processed again.
        assert all(published[k] == 1 for k in range(1, 21)), published
