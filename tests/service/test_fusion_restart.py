"""Restart fusion (stop and rebuild the app on the same port) while a radar keeps reporting:
the fused track keeps its global id, every TrackFrame published meanwhile is taken by a
fusion cycle (none lost), and the cycle sequence in AURA_FUSED only grows. Once after a
graceful stop (final checkpoint and acks) and once after a crash-like stop (no final
checkpoint, nothing acked since the last periodic one)."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import grpc
import nats
import pytest

from aura.admin.v1 import admin_pb2 as apb
from aura.admin.v1 import admin_pb2_grpc as agrpc
from aura.common.v1 import common_pb2 as c
from aura.fusion.v1 import fusion_pb2 as fpb
from aura.ingest.v1 import ingest_pb2 as ipb
from aura.ingest.v1 import ingest_pb2_grpc as igrpc
from services.common import bus
from services.common.server import start_server
from services.common.timeutil import ts_from_seconds
from services.fusion.config import FusionSettings
from services.fusion.main import build as build_fusion


async def until(check, deadline_s: float, what: str) -> None:
    end = time.monotonic() + deadline_s
    while not check():
        if time.monotonic() > end:
            pytest.fail(f"{what} within {deadline_s:g} s")
        await asyncio.sleep(0.02)


@pytest.fixture(scope="session")
async def fusion_slot(full_mesh) -> AsyncIterator[dict[str, Any]]:
    """The mesh, whose fusion the tests may replace; a replacement is stopped at the end."""
    original = full_mesh["fusion"]
    yield full_mesh
    if full_mesh["fusion"] is not original:
        await full_mesh["fusion"].stop(1)


async def restart_fusion(mesh: dict[str, Any], nats_url: str, database_url: str) -> Any:
    """Stop the running fusion and build a new one from the same settings on the same port
    (Envoy keeps routing to it)."""
    old = mesh["fusion"]
    port = old.port
    await old.stop(1)
    common = {"nats_url": nats_url, "database_url": database_url, "auth": False}
    app = await build_fusion(FusionSettings.from_env({}, **common))
    assert not await app.ready()  # NOT_SERVING until its consumer runs
    new = await start_server(app, "127.0.0.1", port)
    assert await app.ready()
    mesh["fusion"] = new
    await until(lambda: new.app.pipeline.stats.cycles > 0, 5.0, "the new fusion did not cycle")
    return new


@pytest.mark.parametrize("crash", [False, True], ids=["graceful", "crash"])
async def test_restart_keeps_global_ids_and_loses_no_track_frame(
    fusion_slot, nats_server, postgres, crash, monkeypatch
):
    mesh = fusion_slot
    ox, oy = 12000.0 + random.randrange(0, 3000, 100), 3000.0 + random.randrange(0, 3000, 100)
    sid = f"frestart_{uuid.uuid4().hex[:8]}"
    pose = apb.SensorPose(position=c.Vector3(x=ox, y=oy), heading_deg=90)
    async with grpc.aio.insecure_channel(mesh["admin_target"]) as ch:
        sensor = apb.Sensor(sensor_id=sid, kind=c.SENSOR_KIND_RADAR, pose=pose)
        await agrpc.AdminServiceStub(ch).CreateSensor(apb.CreateSensorRequest(sensor=sensor))
    await until(
        lambda: mesh["fusion"].app.pipeline.engine.geometries.get(sid) is not None,
        5.0,
        "fusion did not place the radar",
    )
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    first_seq = (await js.stream_info(bus.FUSED.name)).state.last_seq + 1
    track_frames: list[int] = []

    async def on_frame(m: Any) -> None:
        track_frames.append(c.TrackFrame.FromString(m.data).frame_id)

    await nc.subscribe(f"aura.tracks.{sid}", cb=on_frame)
    await nc.flush()

    async def report() -> None:
        """A target walking east at 1 m/s, 10 frames a second."""
        start = time.time()
        async with grpc.aio.insecure_channel(mesh["ingest_target"]) as ich:
            ingest = igrpc.IngestServiceStub(ich)
            while True:
                now = time.time()
                det = c.Detection(
                    sensor_id=sid,
                    sensor_kind=c.SENSOR_KIND_RADAR,
                    timestamp=ts_from_seconds(now),
                    confidence=0.9,
                    class_label="person",
                    position=c.Vector3(x=10 + (now - start), y=0),
                )
                await ingest.PublishDetections(ipb.PublishDetectionsRequest(detections=[det]))
                await asyncio.sleep(0.1)

    def gids() -> set[str]:
        live = mesh["fusion"].app.pipeline.store.live.values()
        return {t.global_id for t in live if any(k.sensor_id == sid for k in t.contributors)}

    reporter = asyncio.create_task(report())
    try:
        await until(lambda: len(gids()) == 1, 5.0, "the radar's target was not fused")
        (gid,) = gids()
        await asyncio.sleep(1.5)  # a periodic checkpoint or two
        before = mesh["fusion"].app.pipeline.engine.sequence
        if crash:

            async def no_flush() -> None:
                return None

            monkeypatch.setattr(mesh["fusion"].app.pipeline, "flush", no_flush)
        await restart_fusion(mesh, nats_server.url, postgres.dsn)
        pipeline = mesh["fusion"].app.pipeline
        assert pipeline.engine.sequence >= before
        await until(lambda: gids() == {gid}, 3.0, f"the target did not keep {gid}")
        await asyncio.sleep(1.0)
    finally:
        reporter.cancel()
        await asyncio.gather(reporter, return_exceptions=True)
    sent = -1
    while sent != len(track_frames):  # the tracker's last frames are in
        sent = len(track_frames)
        await asyncio.sleep(0.5)
    await asyncio.sleep(1.0)  # and consumed, fused and checkpointed
    assert sent > 20
    last_seq = (await js.stream_info(bus.FUSED.name)).state.last_seq
    frames = [
        fpb.FusedTrackFrame.FromString((await js.get_msg(bus.FUSED.name, s)).data or b"")
        for s in range(first_seq, last_seq + 1)
    ]
    info = await js.consumer_info(bus.TRACKS.name, "fusion")
    await nc.close()

    sequences = [f.sequence for f in frames]
    assert sequences == sorted(set(sequences)), "a cycle sequence was reused or went back"
    fused_sources = {s for f in frames for s in f.source_frames}
    missing = [k for k in track_frames if f"{sid}:{k}" not in fused_sources]
    assert not missing, f"{len(missing)} of {sent} TrackFrames never reached a fusion cycle"
    mine = {
        t.global_id
        for f in frames
        for t in f.tracks
        if any(k.sensor_id == sid for k in t.contributors)
    }
    assert mine == {gid}
    assert info.num_pending == 0 and info.num_ack_pending == 0
