"""The tracker follows the sensor registry in AURA_CONFIG (as admin writes it): camera tracks
get a world position and a ground speed through the homography, point tracks through the
pose, and a disabled sensor is kept out of tracking."""

from __future__ import annotations

import asyncio
import time
import uuid

import grpc
import nats
import pytest

from aura.admin.v1 import admin_pb2
from aura.common.v1 import common_pb2 as c
from aura.ingest.v1 import ingest_pb2 as ipb
from aura.ingest.v1 import ingest_pb2_grpc as igrpc
from services.common.registry import CONFIG_BUCKET, sensor_key
from services.common.timeutil import ts_from_seconds

# 10 px per metre; v grows downwards, so ground y = 72 - v / 10.
H = [0.1, 0, 0, 0, -0.1, 72, 0, 0, 1]


async def put_sensor(url: str, sensor: admin_pb2.Sensor) -> None:
    nc = await nats.connect(url)
    kv = await nc.jetstream().key_value(CONFIG_BUCKET)
    await kv.put(sensor_key(sensor.sensor_id), sensor.SerializeToString())
    await nc.close()


async def track_frames(url: str, sensor_id: str, n: int, send) -> list[c.TrackFrame]:
    out: list[c.TrackFrame] = []
    nc = await nats.connect(url)

    async def on_msg(m):
        out.append(c.TrackFrame.FromString(m.data))

    await nc.subscribe(f"aura.tracks.{sensor_id}", cb=on_msg)
    await nc.flush()
    await send()
    for _ in range(40 if n else 10):
        if n and len(out) >= n:
            break
        await asyncio.sleep(0.05)
    await nc.close()
    return out


async def wait_registry(mesh, sensor_id: str) -> None:
    tracker_app = mesh["tracker"].app
    for _ in range(40):
        if tracker_app.pipeline.geometry(sensor_id) is not None:
            return
        await asyncio.sleep(0.025)
    pytest.fail("the tracker did not see the registry change within a second")


async def test_camera_tracks_get_world_position_and_ground_speed(mesh, nats_server):
    sid = f"cam_{uuid.uuid4().hex[:6]}"
    await put_sensor(
        nats_server.url,
        admin_pb2.Sensor(
            sensor_id=sid, kind=c.SENSOR_KIND_CAMERA, homography=admin_pb2.Homography(values=H)
        ),
    )
    await wait_registry(mesh, sid)
    t0 = time.time() - 100

    async def send():
        async with grpc.aio.insecure_channel(mesh["ingest_target"]) as ch:
            stub = igrpc.IngestServiceStub(ch)
            for k in range(10):  # a person walking 1.5 m/s = 15 px/s to the right, 10 fps
                u = 100 + 1.5 * k
                det = c.Detection(
                    sensor_id=sid,
                    sensor_kind=c.SENSOR_KIND_CAMERA,
                    timestamp=ts_from_seconds(t0 + 0.1 * k),
                    confidence=0.9,
                    bbox=c.BoundingBox(x=u - 10, y=400, width=20, height=60),
                )
                await stub.PublishDetections(ipb.PublishDetectionsRequest(detections=[det]))

    frames = await track_frames(nats_server.url, sid, 10, send)
    last = frames[-1].tracks[0]
    assert last.HasField("world_position")
    # feet at (u, 460) px → (u / 10, 72 - 46) m
    assert last.world_position.x == pytest.approx((100 + 13.5) / 10, abs=0.2)
    assert last.world_position.y == pytest.approx(26.0, abs=0.1)
    assert last.speed_mps == pytest.approx(1.5, abs=0.3)
    assert last.speed_kmh == pytest.approx(last.speed_mps * 3.6)


async def test_point_tracks_use_the_pose_and_disabled_sensors_are_skipped(mesh, nats_server):
    sid = f"radar_{uuid.uuid4().hex[:6]}"
    pose = admin_pb2.SensorPose(position=c.Vector3(x=100, y=50), heading_deg=90)  # facing east
    await put_sensor(
        nats_server.url, admin_pb2.Sensor(sensor_id=sid, kind=c.SENSOR_KIND_RADAR, pose=pose)
    )
    await wait_registry(mesh, sid)

    async def send(k0=0):
        async with grpc.aio.insecure_channel(mesh["ingest_target"]) as ch:
            det = c.Detection(
                sensor_id=sid,
                sensor_kind=c.SENSOR_KIND_RADAR,
                timestamp=ts_from_seconds(time.time() + k0),
                confidence=0.9,
                position=c.Vector3(x=10, y=2),
            )
            await igrpc.IngestServiceStub(ch).PublishDetections(
                ipb.PublishDetectionsRequest(detections=[det])
            )

    frames = await track_frames(nats_server.url, sid, 1, send)
    w = frames[0].tracks[0].world_position
    assert (w.x, w.y) == pytest.approx((110.0, 52.0))  # 10 m ahead (east), 2 m left (north)
    await put_sensor(
        nats_server.url,
        admin_pb2.Sensor(sensor_id=sid, kind=c.SENSOR_KIND_RADAR, pose=pose, enabled=False),
    )
    for _ in range(40):
        if not mesh["tracker"].app.pipeline.geometry(sid).enabled:
            break
        await asyncio.sleep(0.025)
    frames = await track_frames(nats_server.url, sid, 0, lambda: send(1))
    assert frames == []


async def test_sensor_tuning_from_the_registry_applies_to_the_next_frame(mesh, nats_server):
    sid = f"radar_{uuid.uuid4().hex[:6]}"
    instant = admin_pb2.TrackerTuning(confirm_hits=1, confirm_scans=1)
    await put_sensor(
        nats_server.url,
        admin_pb2.Sensor(sensor_id=sid, kind=c.SENSOR_KIND_RADAR, tracking=instant),
    )
    await wait_registry(mesh, sid)
    t0 = time.time()

    def send(t: float, xs: list[float]):
        async def go():
            async with grpc.aio.insecure_channel(mesh["ingest_target"]) as ch:
                dets = [
                    c.Detection(
                        sensor_id=sid,
                        sensor_kind=c.SENSOR_KIND_RADAR,
                        timestamp=ts_from_seconds(t),
                        confidence=0.9,
                        position=c.Vector3(x=x, y=2),
                    )
                    for x in xs
                ]
                await igrpc.IngestServiceStub(ch).PublishDetections(
                    ipb.PublishDetectionsRequest(detections=dets)
                )

        return go

    # One hit confirms, as the sensor's tuning says (the default needs two).
    frames = await track_frames(nats_server.url, sid, 1, send(t0, [10.0]))
    first = frames[0].tracks[0]
    assert first.status == c.TRACK_STATUS_CONFIRMED
    # Back to the defaults: the live track and its id are kept, a new one starts tentative.
    await put_sensor(nats_server.url, admin_pb2.Sensor(sensor_id=sid, kind=c.SENSOR_KIND_RADAR))
    pipeline = mesh["tracker"].app.pipeline
    for _ in range(40):
        if not pipeline.geometry(sid).sensor.HasField("tracking"):
            break
        await asyncio.sleep(0.025)
    frames = await track_frames(nats_server.url, sid, 1, send(t0 + 0.1, [10.0, 200.0]))
    by_x = {round(t.position.x): t for t in frames[0].tracks}
    assert by_x[10].id == first.id and by_x[10].status == c.TRACK_STATUS_CONFIRMED
    assert by_x[200].status == c.TRACK_STATUS_TENTATIVE
    assert pipeline.sensors[sid].tracker.config.confirm_m == 2
