"""One detection can be followed from ingest to the tracker's output: the W3C trace context
sent in gRPC metadata travels in the NATS headers of the detection frame and of the
TrackFrame the tracker publishes."""

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


async def test_trace_id_travels_from_grpc_metadata_to_the_track_frame(mesh, nats_server):
    sid = f"trace_{uuid.uuid4().hex[:6]}"
    trace_id = uuid.uuid4().hex
    headers: dict[str, dict[str, str]] = {}
    nc = await nats.connect(nats_server.url)

    async def on_msg(msg):
        headers[msg.subject.split(".")[1]] = dict(msg.headers or {})

    await nc.subscribe(f"aura.detections.{sid}", cb=on_msg)
    await nc.subscribe(f"aura.tracks.{sid}", cb=on_msg)
    await nc.flush()
    det = c.Detection(
        sensor_id=sid,
        sensor_kind=c.SENSOR_KIND_RADAR,
        confidence=0.9,
        timestamp=ts_from_seconds(time.time()),
        position=c.Vector3(x=1, y=1),
    )
    async with grpc.aio.insecure_channel(mesh["ingest_target"]) as ch:
        await igrpc.IngestServiceStub(ch).PublishDetections(
            ipb.PublishDetectionsRequest(detections=[det]),
            metadata=[("traceparent", f"00-{trace_id}-{'1' * 16}-01")],
        )
    for _ in range(40):
        if len(headers) == 2:
            break
        await asyncio.sleep(0.05)
    await nc.close()
    assert headers["detections"]["traceparent"].split("-")[1] == trace_id
    assert headers["tracks"]["traceparent"].split("-")[1] == trace_id
