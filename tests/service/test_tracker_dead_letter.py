"""The tracker never crashes on what it receives from the stream: a malformed message is
logged, counted and parked on `aura.dlq.tracker` (acked, not retried forever), and tracking
of good frames goes on."""

from __future__ import annotations

import asyncio
import time
import uuid

import nats

from aura.common.v1 import common_pb2 as c
from services.common.timeutil import ts_from_seconds


async def test_malformed_messages_are_dead_lettered_and_tracking_goes_on(mesh, nats_server):
    sid = f"dlq_{uuid.uuid4().hex[:6]}"
    pipeline = mesh["pipeline"]
    before = pipeline.stats.dead_lettered
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    parked: list[str] = []

    async def on_dlq(msg):
        parked.append(msg.headers.get("Aura-Dlq-Reason", ""))

    await nc.subscribe("aura.dlq.tracker", cb=on_dlq)
    await nc.flush()
    subject = f"aura.detections.{sid}"
    await js.publish(subject, b"\xff\x00 not a protobuf")
    good = c.DetectionFrame(
        sensor_id=sid,
        sensor_kind=c.SENSOR_KIND_RADAR,
        frame_id=1,
        timestamp=ts_from_seconds(time.time()),
        detections=[
            c.Detection(
                sensor_id=sid,
                confidence=0.9,
                position=c.Vector3(x=1),
                timestamp=ts_from_seconds(time.time()),
            )
        ],
    )
    await js.publish(subject, good.SerializeToString())
    wrong_kind = c.DetectionFrame()
    wrong_kind.CopyFrom(good)
    wrong_kind.frame_id = 2
    wrong_kind.detections[0].bbox.CopyFrom(c.BoundingBox(x=1, y=1, width=2, height=2))
    await js.publish(subject, wrong_kind.SerializeToString())
    for _ in range(60):
        if len(parked) >= 2 and pipeline.store.sensor_tracks(sid):
            break
        await asyncio.sleep(0.05)
    await nc.close()
    assert pipeline.stats.dead_lettered == before + 2
    assert len(parked) == 2 and any("undecodable" in r for r in parked)
    assert len(pipeline.store.sensor_tracks(sid)) == 1
