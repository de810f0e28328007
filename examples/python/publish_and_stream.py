"""Publish detections and stream the tracks they become, with the generated Python client
(gen/python, installed as the `aura` package by `make venv`), straight to the services over
gRPC. Against `make run`:

    export AURA_API_KEY=aura_...     # the admin key `make run` printed
    .venv/bin/python examples/python/publish_and_stream.py

AURA_INGEST (default 127.0.0.1:50051) and AURA_TRACKER (127.0.0.1:50052) say where the
services are; through Envoy, use 127.0.0.1:8080 for both.
"""

from __future__ import annotations

import asyncio
import os
from datetime import UTC, datetime

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from aura.common.v1 import common_pb2
from aura.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from aura.tracker.v1 import tracker_pb2, tracker_pb2_grpc

INGEST = os.environ.get("AURA_INGEST", "127.0.0.1:50051")
TRACKER = os.environ.get("AURA_TRACKER", "127.0.0.1:50052")
KEY = os.environ.get("AURA_API_KEY", "")
METADATA = [("x-api-key", KEY)] if KEY else []
SENSOR = f"example_py_{os.getpid()}"


def now() -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(datetime.now(UTC))
    return ts


async def publish(channel: grpc.aio.Channel) -> None:
    """One target walking east, seen by a radar: 10 frames, 0.2 s apart."""
    ingest = ingest_pb2_grpc.IngestServiceStub(channel)
    for i in range(10):
        detection = common_pb2.Detection(
            sensor_id=SENSOR,
            sensor_kind=common_pb2.SENSOR_KIND_RADAR,
            timestamp=now(),
            class_label="person",
            confidence=0.9,
            position=common_pb2.Vector3(x=10 + 1.4 * 0.2 * i, y=20),
        )
        resp = await ingest.PublishDetections(
            ingest_pb2.PublishDetectionsRequest(detections=[detection]), metadata=METADATA
        )
        print(f"published frame {resp.frames[0].frame_id} ({resp.accepted} detection)")
        await asyncio.sleep(0.2)


async def main() -> None:
    async with (
        grpc.aio.insecure_channel(INGEST) as ingest_channel,
        grpc.aio.insecure_channel(TRACKER) as tracker_channel,
    ):
        tracks = tracker_pb2_grpc.TrackerServiceStub(tracker_channel)
        request = tracker_pb2.StreamTracksRequest(
            filter=tracker_pb2.TrackFilter(sensor_ids=[SENSOR])
        )
        stream = tracks.StreamTracks(request, metadata=METADATA)
        publishing: asyncio.Task[None] | None = None
        updates = 0
        try:
            async for event in stream:
                if event.type == tracker_pb2.TRACK_EVENT_TYPE_SNAPSHOT_COMPLETE:
                    # subscribed: from now on no track event of ours can be missed
                    publishing = asyncio.create_task(publish(ingest_channel))
                t = event.track
                kind = tracker_pb2.TrackEventType.Name(event.type).removeprefix("TRACK_EVENT_TYPE_")
                status = common_pb2.TrackStatus.Name(t.status).removeprefix("TRACK_STATUS_")
                where = f"({t.position.x:.2f}, {t.position.y:.2f})" if t.id else ""
                print(f"{kind} {t.id} {status if t.id else ''} {where}")
                if event.type == tracker_pb2.TRACK_EVENT_TYPE_UPDATED:
                    updates += 1
                    if updates >= 5:
                        break
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.UNAUTHENTICATED:
                raise SystemExit(
                    "UNAUTHENTICATED: export AURA_API_KEY=<the key make run printed>"
                ) from None
            raise
        finally:
            stream.cancel()
            if publishing is not None:
                await publishing


if __name__ == "__main__":
    asyncio.run(main())
