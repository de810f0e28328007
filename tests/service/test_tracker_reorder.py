"""Out-of-order frames within the lateness are reordered; older ones are dropped, counted
and answered (dropped=true), never applied backwards."""

from __future__ import annotations

import asyncio
import time
import uuid

import grpc
import nats

from aura.common.v1 import common_pb2 as c
from aura.ingest.v1 import ingest_pb2 as ipb
from aura.ingest.v1 import ingest_pb2_grpc as igrpc
from services.common.timeutil import ts_from_seconds

T_BASE = time.time() - 50


def det(sid: str, t: float, k: int) -> c.Detection:
    return c.Detection(
        sensor_id=sid,
        sensor_kind=c.SENSOR_KIND_LIDAR,
        frame_id=k,
        timestamp=ts_from_seconds(t),
        confidence=0.9,
        position=c.Vector3(x=(t - T_BASE) * 2.0, y=0.0),  # 2 m/s along x
    )


async def test_reordered_within_lateness_and_too_late_dropped(mesh, nats_server):
    sid = f"lidar_{uuid.uuid4().hex[:6]}"
    t0 = T_BASE
    got: list[c.TrackFrame] = []
    nc = await nats.connect(nats_server.url)

    async def on_msg(m):
        got.append(c.TrackFrame.FromString(m.data))

    await nc.subscribe(f"aura.tracks.{sid}", cb=on_msg)
    await nc.flush()
    pipeline = mesh["pipeline"]
    dropped_before = pipeline.stats.dropped_late
    async with grpc.aio.insecure_channel(mesh["ingest_target"]) as ch:
        stub = igrpc.IngestServiceStub(ch)
        # One request, frames 2, 1, 3 in that order, 50 ms apart in event time (< 100 ms lateness)
        await stub.PublishDetections(
            ipb.PublishDetectionsRequest(
                # frame-id order 10, 20, 30 is the reverse of event-time order (50 ms apart)
                detections=[
                    det(sid, t0 + 0.15, 10),
                    det(sid, t0 + 0.10, 20),
                    det(sid, t0 + 0.05, 30),
                ]
            )
        )
        for _ in range(40):
            if len(got) >= 3:
                break
            await asyncio.sleep(0.05)
        # Frame 9 is a second older than what was applied: dropped, never applied backwards.
        await stub.PublishDetections(ipb.PublishDetectionsRequest(detections=[det(sid, t0 - 1, 9)]))
        for _ in range(40):
            if len(got) >= 4:
                break
            await asyncio.sleep(0.05)
    await nc.close()
    assert [f.frame_id for f in got] == [30, 20, 10, 9]
    assert [f.dropped for f in got] == [False, False, False, True]
    assert pipeline.stats.dropped_late == dropped_before + 1
    # Applied in event-time order: one track that moved forward, never back.
    assert got[3].tracks[0].position.x == got[2].tracks[0].position.x
    assert len({t.id for f in got for t in f.tracks}) == 1
