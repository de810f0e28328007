"""The first data path through the real NATS: ingest → JetStream → tracker → StreamTracks."""

from __future__ import annotations

import asyncio
import time
import uuid

import grpc
import pytest
from google.protobuf import json_format
from grpc_health.v1 import health_pb2, health_pb2_grpc

from aura.common.v1 import common_pb2 as c
from aura.ingest.v1 import ingest_pb2 as ipb
from aura.ingest.v1 import ingest_pb2_grpc as igrpc
from aura.tracker.v1 import tracker_pb2 as tpb
from aura.tracker.v1 import tracker_pb2_grpc as tgrpc
from services.common.timeutil import ts_from_seconds


def sensor(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def points(sensor_id: str, t: float, xs: list[float], frame_id: int = 0) -> list[c.Detection]:
    return [
        c.Detection(
            sensor_id=sensor_id,
            sensor_kind=c.SENSOR_KIND_RADAR,
            timestamp=ts_from_seconds(t),
            frame_id=frame_id,
            confidence=0.9,
            class_label="car",
            position=c.Vector3(x=x, y=10.0),
        )
        for x in xs
    ]


@pytest.fixture
async def ingest(mesh):
    async with grpc.aio.insecure_channel(mesh["ingest_target"]) as ch:
        yield igrpc.IngestServiceStub(ch)


@pytest.fixture
async def tracker(mesh):
    async with grpc.aio.insecure_channel(mesh["tracker_target"]) as ch:
        yield tgrpc.TrackerServiceStub(ch)


async def test_published_detections_become_tracks_on_stream(ingest, tracker):
    sid = sensor("radar")
    call = tracker.StreamTracks(tpb.StreamTracksRequest(filter=tpb.TrackFilter(sensor_ids=[sid])))
    first = await call.read()
    assert first.type == tpb.TRACK_EVENT_TYPE_SNAPSHOT_COMPLETE
    t0 = time.time()
    for k in range(4):
        resp = await ingest.PublishDetections(
            ipb.PublishDetectionsRequest(detections=points(sid, t0 + 0.1 * k, [1 + k, 50 - k]))
        )
    last_frame = resp.frames[0].frame_id
    seen: dict[str, tpb.StreamTracksResponse] = {}
    types = set()
    while len(seen) < 2 or any(ev.frame_id != last_frame for ev in seen.values()):
        ev = await asyncio.wait_for(call.read(), 5)
        types.add(ev.type)
        seen[ev.track.id] = ev
    call.cancel()
    assert {tpb.TRACK_EVENT_TYPE_NEW, tpb.TRACK_EVENT_TYPE_UPDATED} <= types
    assert all(ev.track.sensor_id == sid for ev in seen.values())
    listed = await tracker.ListTracks(
        tpb.ListTracksRequest(filter=tpb.TrackFilter(sensor_ids=[sid]))
    )
    assert {t.id for t in listed.tracks} == set(seen)
    near = min(listed.tracks, key=lambda t: t.position.x)
    assert near.position.x == pytest.approx(4.0, abs=1.2)  # target at x = 4 after 3 steps
    got = await tracker.GetTrack(tpb.GetTrackRequest(track_id=near.id))
    assert got.track.id == near.id
    hist = await tracker.GetTrackHistory(tpb.GetTrackHistoryRequest(track_id=near.id))
    assert len(hist.points) >= 2


async def test_resent_frame_is_stored_once(ingest):
    sid = sensor("lidar")
    dets = points(sid, time.time(), [3.0], frame_id=42)
    first = await ingest.PublishDetections(ipb.PublishDetectionsRequest(detections=dets))
    again = await ingest.PublishDetections(ipb.PublishDetectionsRequest(detections=dets))
    assert not first.frames[0].duplicate
    assert again.frames[0].duplicate
    assert again.frames[0].stream_sequence == first.frames[0].stream_sequence


async def test_bad_batch_is_rejected_whole_and_nothing_published(ingest, tracker, mesh):
    sid = sensor("radar")
    good = points(sid, time.time(), [1.0, 2.0])
    bad = points(sid, time.time(), [3.0])[0]
    bad.confidence = 1.7
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await ingest.PublishDetections(ipb.PublishDetectionsRequest(detections=[*good, bad]))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "detections[2].confidence" in err.value.details()
    await asyncio.sleep(0.3)
    assert sid not in mesh["pipeline"].sensors


async def test_v2_track_call_answers_with_the_frame_result(ingest, tracker):
    sid = sensor("radar")
    body = {
        "radar_detections": [
            {
                "sensor_id": sid,
                "timestamp": "2025-09-09T11:00:01Z",
                "position": {"x": 10.1, "y": 20.2},
                "confidence": 0.93,
            },
        ]
    }
    resp = await ingest.Track(json_format.ParseDict(body, ipb.TrackRequest()))
    assert len(resp.active_tracks) == 1 and len(resp.new_tracks) == 1
    assert resp.active_tracks[0].status == "tentative"
    assert resp.active_tracks[0].position.x == pytest.approx(10.1)
    assert resp.frame_id == 1757415601000000
    listed = await tracker.ListTracks(
        tpb.ListTracksRequest(filter=tpb.TrackFilter(sensor_ids=[sid]))
    )
    assert [t.id for t in listed.tracks] == [resp.active_tracks[0].id]
    # The same request again is a duplicate frame: same tracks, none new.
    again = await ingest.Track(json_format.ParseDict(body, ipb.TrackRequest()))
    assert [t.id for t in again.active_tracks] == [resp.active_tracks[0].id]
    assert not again.new_tracks


async def test_v2_call_for_a_frame_the_tracker_refuses_fails_at_once_with_its_reason(ingest):
    # A camera that sent boxes is a box sensor to its tracker; v2 camera detections are
    # ground points. The tracker dead-letters such a frame, and the v2 caller hears why
    # at once (FAILED_PRECONDITION), instead of UNAVAILABLE after the 5 s timeout.
    sid = sensor("camera")
    box = c.Detection(
        sensor_id=sid,
        sensor_kind=c.SENSOR_KIND_CAMERA,
        timestamp=ts_from_seconds(1_767_225_600.0),
        confidence=0.9,
        bbox=c.BoundingBox(x=10, y=20, width=30, height=60),
    )
    await ingest.PublishDetections(ipb.PublishDetectionsRequest(detections=[box]))
    body = {
        "camera_detections": [
            {
                "sensor_id": sid,
                "timestamp": "2026-01-01T00:00:01Z",
                "position": {"x": 10.1, "y": 20.2},
                "confidence": 0.95,
            },
        ]
    }
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await ingest.Track(json_format.ParseDict(body, ipb.TrackRequest()))
    # A timeout would be UNAVAILABLE; this is the tracker's own reason.
    assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert sid in err.value.details() and "changed measurement kind" in err.value.details()


async def test_v2_naive_timestamp_is_invalid_argument(ingest):
    body = {
        "radar_detections": [
            {
                "sensor_id": "r1",
                "timestamp": "2025-09-09T11:00:01",
                "position": {"x": 1},
                "confidence": 0.5,
            }
        ]
    }
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await ingest.Track(json_format.ParseDict(body, ipb.TrackRequest()))
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "radar_detections[0].timestamp" in err.value.details()


@pytest.mark.parametrize("target", ["ingest_target", "tracker_target"])
async def test_health_and_reflection_on_every_port(mesh, target):
    async with grpc.aio.insecure_channel(mesh[target]) as ch:
        health = health_pb2_grpc.HealthStub(ch)
        resp = await health.Check(health_pb2.HealthCheckRequest(service=""))
        assert resp.status == health_pb2.HealthCheckResponse.SERVING
        from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

        stub = reflection_pb2_grpc.ServerReflectionStub(ch)

        async def one():
            yield reflection_pb2.ServerReflectionRequest(list_services="")

        async for r in stub.ServerReflectionInfo(one()):
            names = {s.name for s in r.list_services_response.service}
            break
        assert "grpc.health.v1.Health" in names
        assert any(n.startswith("aura.") for n in names)
