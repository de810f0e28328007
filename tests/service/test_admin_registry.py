"""Admin's registry part through gRPC (and Envoy REST) against the real PostgreSQL and NATS:
sensors, zones and thresholds with versions, the AURA_CONFIG bucket following every change,
broadcast, system status, and the tracker following a sensor registered through REST."""

from __future__ import annotations

import asyncio
import http.client
import json
import time
import uuid
from collections.abc import AsyncIterator

import grpc
import nats
import pytest
from google.protobuf.field_mask_pb2 import FieldMask
from nats.js.errors import KeyDeletedError, KeyNotFoundError

from aura.admin.v1 import admin_pb2 as pb
from aura.admin.v1 import admin_pb2_grpc as pb_grpc
from aura.common.v1 import common_pb2 as c
from aura.ingest.v1 import ingest_pb2 as ipb
from aura.ingest.v1 import ingest_pb2_grpc as igrpc
from services.admin.config import AdminSettings
from services.admin.deps import AdminDeps
from services.admin.servicer import DESCRIPTOR, AdminServicer
from services.common.db import Database
from services.common.registry import CONFIG_BUCKET, sensor_key
from services.common.server import ServiceApp, start_server
from services.common.timeutil import ts_from_seconds

H = [0.1, 0, 0, 0, -0.1, 72, 0, 0, 1]  # 10 px per metre; ground y = 72 - v / 10
BOW_TIE = [{"x": 0, "y": 0}, {"x": 1, "y": 1}, {"x": 1, "y": 0}, {"x": 0, "y": 1}]


def uid(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def radar(sensor_id: str, **kw) -> pb.Sensor:
    kw.setdefault("pose", pb.SensorPose(position=c.Vector3(x=10, y=20), heading_deg=90))
    return pb.Sensor(sensor_id=sensor_id, kind=c.SENSOR_KIND_RADAR, **kw)


def square_zone(zone_id: str = "", **kw) -> pb.Zone:
    pts = [c.Vector3(x=x, y=y) for x, y in ((0, 0), (4, 0), (4, 4), (0, 4))]
    kw.setdefault("kind", pb.ZONE_KIND_MONITORING)
    return pb.Zone(zone_id=zone_id, polygon=pb.Polygon(vertices=pts), **kw)


@pytest.fixture
async def admin(full_mesh) -> AsyncIterator[pb_grpc.AdminServiceStub]:
    async with grpc.aio.insecure_channel(full_mesh["admin_target"]) as ch:
        yield pb_grpc.AdminServiceStub(ch)


@pytest.fixture
async def kv(nats_server):
    nc = await nats.connect(nats_server.url)
    yield await nc.jetstream().key_value(CONFIG_BUCKET)
    await nc.close()


async def kv_value(kv, key: str) -> bytes | None:
    try:
        entry = await kv.get(key)
    except (KeyNotFoundError, KeyDeletedError):
        return None
    return entry.value


async def fails(code: grpc.StatusCode, call) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    assert err.value.code() == code, err.value.details()
    return err.value.details() or ""


# --------------------------------------------------------------------------- sensors


async def test_sensor_crud_with_versions(admin):
    sid = uid("radar")
    site = uid("site")
    created = (
        await admin.CreateSensor(pb.CreateSensorRequest(sensor=radar(sid, site_id=site)))
    ).sensor
    assert created.version == 1 and created.enabled and created.updated_by == "anonymous"
    assert created.HasField("created_at") and created.pose.heading_deg == 90

    got = (await admin.GetSensor(pb.GetSensorRequest(sensor_id=sid))).sensor
    assert got == created
    listed = await admin.ListSensors(pb.ListSensorsRequest(site_id=site))
    assert [s.sensor_id for s in listed.sensors] == [sid] and listed.next_page_token == ""

    patch = pb.UpdateSensorRequest(
        sensor_id=sid,
        sensor=pb.Sensor(name="North gate", expected_rate_hz=12.5),
        update_mask=FieldMask(paths=["name", "expected_rate_hz"]),
        expected_version=1,
    )
    updated = (await admin.UpdateSensor(patch)).sensor
    assert (updated.version, updated.name, updated.expected_rate_hz) == (2, "North gate", 12.5)
    assert updated.HasField("pose") and updated.created_at == created.created_at

    stale = pb.UpdateSensorRequest(
        sensor_id=sid,
        sensor=pb.Sensor(name="lost update"),
        update_mask=FieldMask(paths=["name"]),
        expected_version=1,
    )
    assert "version 2, not 1" in await fails(grpc.StatusCode.ABORTED, admin.UpdateSensor(stale))
    again = (await admin.GetSensor(pb.GetSensorRequest(sensor_id=sid))).sensor
    assert again == updated  # nothing changed

    dup = admin.CreateSensor(pb.CreateSensorRequest(sensor=radar(sid)))
    await fails(grpc.StatusCode.ALREADY_EXISTS, dup)
    stale_delete = admin.DeleteSensor(pb.DeleteSensorRequest(sensor_id=sid, expected_version=1))
    await fails(grpc.StatusCode.ABORTED, stale_delete)
    deleted = (await admin.DeleteSensor(pb.DeleteSensorRequest(sensor_id=sid))).sensor
    assert deleted.version == 2
    await fails(grpc.StatusCode.NOT_FOUND, admin.GetSensor(pb.GetSensorRequest(sensor_id=sid)))


async def test_update_or_delete_of_a_missing_sensor_is_not_found(admin):
    sid = uid("ghost")
    req = pb.UpdateSensorRequest(sensor_id=sid, sensor=radar(sid), expected_version=1)
    assert sid in await fails(grpc.StatusCode.NOT_FOUND, admin.UpdateSensor(req))
    await fails(
        grpc.StatusCode.NOT_FOUND, admin.DeleteSensor(pb.DeleteSensorRequest(sensor_id=sid))
    )


async def test_full_replace_through_an_empty_mask(admin):
    sid = uid("lidar")
    await admin.CreateSensor(pb.CreateSensorRequest(sensor=radar(sid, name="x", enabled=False)))
    req = pb.UpdateSensorRequest(
        sensor_id=sid, sensor=pb.Sensor(kind=c.SENSOR_KIND_LIDAR), expected_version=1
    )
    out = (await admin.UpdateSensor(req)).sensor
    assert out.kind == c.SENSOR_KIND_LIDAR and not out.HasField("pose") and out.name == ""
    assert out.enabled and out.version == 2


@pytest.mark.parametrize(
    "request_, field",
    [
        (pb.GetSensorRequest(sensor_id="../x"), "sensor_id"),
        (pb.GetSensorRequest(sensor_id="a/b"), "sensor_id"),
        (pb.CreateSensorRequest(sensor=pb.Sensor(sensor_id="k1")), "sensor.kind"),
        (
            pb.CreateSensorRequest(
                sensor=pb.Sensor(
                    sensor_id="cam_bad_h",
                    kind=c.SENSOR_KIND_CAMERA,
                    homography=pb.Homography(values=[1e9, 0, 0, 0, 1e-9, 0, 0, 0, 1]),
                )
            ),
            "sensor.homography.values",
        ),
        (
            pb.CreateSensorRequest(
                sensor=pb.Sensor(
                    sensor_id="radar_bad_tuning",
                    kind=c.SENSOR_KIND_RADAR,
                    tracking=pb.TrackerTuning(confirm_hits=4, confirm_scans=3),
                )
            ),
            "sensor.tracking.confirm_hits",
        ),
        (pb.UpdateSensorRequest(sensor_id="s", expected_version=0), "expected_version"),
        (
            pb.UpdateSensorRequest(
                sensor_id="s", update_mask=FieldMask(paths=["version"]), expected_version=1
            ),
            "update_mask",
        ),
        (pb.ListSensorsRequest(page_token="not a token"), "page_token"),
    ],
)
async def test_bad_input_is_invalid_argument_naming_the_field(admin, request_, field):
    method = {
        pb.GetSensorRequest: admin.GetSensor,
        pb.CreateSensorRequest: admin.CreateSensor,
        pb.UpdateSensorRequest: admin.UpdateSensor,
        pb.ListSensorsRequest: admin.ListSensors,
    }[type(request_)]
    details = await fails(grpc.StatusCode.INVALID_ARGUMENT, method(request_))
    assert details.startswith(field + ":"), details


async def test_ill_conditioned_homography_stores_nothing(admin):
    sid = uid("cam")
    bad = pb.Sensor(
        sensor_id=sid,
        kind=c.SENSOR_KIND_CAMERA,
        homography=pb.Homography(values=[1, 2, 3, 2, 4, 6, 0, 0, 1]),
    )
    await fails(
        grpc.StatusCode.INVALID_ARGUMENT, admin.CreateSensor(pb.CreateSensorRequest(sensor=bad))
    )
    await fails(grpc.StatusCode.NOT_FOUND, admin.GetSensor(pb.GetSensorRequest(sensor_id=sid)))


async def test_paging_by_id(admin):
    site = uid("site")
    ids = sorted(uid("p") for _ in range(5))
    for sid in ids:
        await admin.CreateSensor(pb.CreateSensorRequest(sensor=radar(sid, site_id=site)))
    seen, token, pages = [], "", 0
    while True:
        page = await admin.ListSensors(
            pb.ListSensorsRequest(site_id=site, page_size=2, page_token=token)
        )
        seen += [s.sensor_id for s in page.sensors]
        pages += 1
        token = page.next_page_token
        if not token:
            break
    assert seen == ids and pages == 3
    only = await admin.ListSensors(pb.ListSensorsRequest(site_id=site, kind=c.SENSOR_KIND_LIDAR))
    assert list(only.sensors) == []


async def test_bucket_follows_create_update_and_delete(admin, kv):
    sid = uid("kv:radar")  # ':' is '=' in the key
    created = (await admin.CreateSensor(pb.CreateSensorRequest(sensor=radar(sid)))).sensor
    assert pb.Sensor.FromString(await kv_value(kv, sensor_key(sid))) == created
    req = pb.UpdateSensorRequest(
        sensor_id=sid,
        sensor=pb.Sensor(enabled=False),
        update_mask=FieldMask(paths=["enabled"]),
        expected_version=1,
    )
    updated = (await admin.UpdateSensor(req)).sensor
    in_kv = pb.Sensor.FromString(await kv_value(kv, sensor_key(sid)))
    assert in_kv.version == 2 and not in_kv.enabled and in_kv == updated
    await admin.DeleteSensor(pb.DeleteSensorRequest(sensor_id=sid, expected_version=2))
    assert await kv_value(kv, sensor_key(sid)) is None


async def test_a_change_nats_does_not_take_is_rolled_back(admin, nats_server, postgres):
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()
    await nc.close()  # every bucket write now fails at once
    settings = AdminSettings.from_env({}, nats_url=nats_server.url, database_url=postgres.dsn)
    db = Database(postgres.dsn)
    servicer = AdminServicer(AdminDeps(settings, db, nc, js))
    app = ServiceApp(
        name="admin-no-nats",
        service_names=[DESCRIPTOR.full_name],
        register=lambda s: pb_grpc.add_AdminServiceServicer_to_server(servicer, s),
        ready=lambda: asyncio.sleep(0, True),
    )
    server = await start_server(app, "127.0.0.1", 0)
    sid = uid("rollback")
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as ch:
            stub = pb_grpc.AdminServiceStub(ch)
            create = stub.CreateSensor(pb.CreateSensorRequest(sensor=radar(sid)))
            assert "nothing was changed" in await fails(grpc.StatusCode.UNAVAILABLE, create)
    finally:
        await server.stop(0)
        await db.close()
    await fails(grpc.StatusCode.NOT_FOUND, admin.GetSensor(pb.GetSensorRequest(sensor_id=sid)))


async def test_start_makes_the_bucket_match_postgres(admin, kv, nats_server, postgres):
    sid = uid("truth")
    stored = (await admin.CreateSensor(pb.CreateSensorRequest(sensor=radar(sid)))).sensor
    stray = uid("stray")
    await kv.put(sensor_key(stray), radar(stray).SerializeToString())
    await kv.put(sensor_key(sid), radar(sid, name="tampered").SerializeToString())
    nc = await nats.connect(nats_server.url)
    settings = AdminSettings.from_env({}, nats_url=nats_server.url, database_url=postgres.dsn)
    db = Database(postgres.dsn)
    try:
        await AdminServicer(AdminDeps(settings, db, nc, nc.jetstream())).start_registry()
    finally:
        await nc.close()
        await db.close()
    assert pb.Sensor.FromString(await kv_value(kv, sensor_key(sid))) == stored
    assert await kv_value(kv, sensor_key(stray)) is None
    thresholds = (await admin.GetThresholds(pb.GetThresholdsRequest())).thresholds
    assert pb.Thresholds.FromString(await kv_value(kv, "thresholds")) == thresholds


# ----------------------------------------------------------------------------- zones


async def test_zone_crud_and_bucket(admin, kv):
    zid = uid("gate")
    created = (await admin.CreateZone(pb.CreateZoneRequest(zone=square_zone(zid)))).zone
    assert created.version == 1 and created.enabled
    assert pb.Zone.FromString(await kv_value(kv, f"zones.{zid}")) == created
    line = pb.LineSegment(start=c.Vector3(x=0, y=0), end=c.Vector3(x=5, y=0))
    req = pb.UpdateZoneRequest(
        zone_id=zid,
        zone=pb.Zone(kind=pb.ZONE_KIND_COUNTING_LINE, line=line),
        update_mask=FieldMask(paths=["kind", "line"]),
        expected_version=1,
    )
    updated = (await admin.UpdateZone(req)).zone
    assert updated.WhichOneof("geometry") == "line" and updated.version == 2
    assert pb.Zone.FromString(await kv_value(kv, f"zones.{zid}")).version == 2
    await fails(grpc.StatusCode.ABORTED, admin.UpdateZone(req))  # version 1 is stale now
    await admin.DeleteZone(pb.DeleteZoneRequest(zone_id=zid))
    assert await kv_value(kv, f"zones.{zid}") is None
    await fails(grpc.StatusCode.NOT_FOUND, admin.GetZone(pb.GetZoneRequest(zone_id=zid)))


async def test_zone_id_is_made_when_empty_and_bad_polygons_are_refused(admin):
    made = (await admin.CreateZone(pb.CreateZoneRequest(zone=square_zone()))).zone
    assert made.zone_id.startswith("z-")
    got = (await admin.GetZone(pb.GetZoneRequest(zone_id=made.zone_id))).zone
    assert got == made
    bow = pb.Zone(
        kind=pb.ZONE_KIND_PROTECTED,
        polygon=pb.Polygon(vertices=[c.Vector3(**p) for p in BOW_TIE]),
    )
    details = await fails(
        grpc.StatusCode.INVALID_ARGUMENT, admin.CreateZone(pb.CreateZoneRequest(zone=bow))
    )
    assert details.startswith("zone.polygon.vertices:") and "intersects itself" in details
    await fails(
        grpc.StatusCode.INVALID_ARGUMENT, admin.GetZone(pb.GetZoneRequest(zone_id="../etc"))
    )


# ------------------------------------------------------------------------ thresholds


async def test_thresholds_versions_and_validation(admin, kv):
    current = (await admin.GetThresholds(pb.GetThresholdsRequest())).thresholds
    assert current.version >= 1 and current.congestion.high_score > 0
    new = pb.Thresholds()
    new.CopyFrom(current)
    new.congestion.high_score = current.congestion.moderate_score / 2
    bad = pb.UpdateThresholdsRequest(thresholds=new, expected_version=current.version)
    details = await fails(grpc.StatusCode.INVALID_ARGUMENT, admin.UpdateThresholds(bad))
    assert details.startswith("thresholds.congestion.high_score:") and "out of order" in details

    new.CopyFrom(current)
    new.alert_rules.raise_after_windows = 3
    ok = pb.UpdateThresholdsRequest(thresholds=new, expected_version=current.version)
    stored = (await admin.UpdateThresholds(ok)).thresholds
    assert stored.version == current.version + 1 and stored.alert_rules.raise_after_windows == 3
    assert pb.Thresholds.FromString(await kv_value(kv, "thresholds")) == stored
    await fails(grpc.StatusCode.ABORTED, admin.UpdateThresholds(ok))  # stale now
    again = (await admin.GetThresholds(pb.GetThresholdsRequest())).thresholds
    assert again == stored


# ------------------------------------------------------------------------- broadcast


async def test_broadcast_is_published_on_aura_broadcast(admin, nats_server):
    nc = await nats.connect(nats_server.url)
    got: asyncio.Queue[bytes] = asyncio.Queue()

    async def on_msg(m):
        await got.put(m.data)

    await nc.subscribe("aura.broadcast", cb=on_msg)
    await nc.flush()
    req = pb.BroadcastRequest(text="gate closing", severity=pb.BROADCAST_SEVERITY_WARNING)
    sent = (await admin.Broadcast(req)).broadcast
    msg = pb.BroadcastMessage.FromString(await asyncio.wait_for(got.get(), 2))
    await nc.close()
    assert msg == sent and msg.text == "gate closing" and msg.sender == "anonymous"
    assert msg.expires_at.seconds - msg.sent_at.seconds == 300
    await fails(grpc.StatusCode.INVALID_ARGUMENT, admin.Broadcast(pb.BroadcastRequest()))


# ---------------------------------------------------------------------------- status


async def test_status_reports_a_sensor_without_pose(admin):
    sid = uid("nopose")
    await admin.CreateSensor(
        pb.CreateSensorRequest(sensor=pb.Sensor(sensor_id=sid, kind=c.SENSOR_KIND_RADAR))
    )
    started = time.perf_counter()
    status = await admin.GetSystemStatus(pb.GetSystemStatusRequest())
    assert time.perf_counter() - started < 2.0
    mine = [s for s in status.sensors if s.sensor_id == sid]
    assert len(mine) == 1 and not mine[0].fusable
    assert mine[0].state != pb.HEALTH_STATE_OK and "kept out of fusion" in mine[0].detail
    by_name = {c_.name: c_ for c_ in status.components}
    assert by_name["nats"].state == pb.HEALTH_STATE_OK
    assert by_name["postgres"].state == pb.HEALTH_STATE_OK
    assert by_name["admin"].state == pb.HEALTH_STATE_OK
    assert {"ingest", "tracker", "fusion", "analytics"} <= set(by_name)
    assert not status.auth_enabled and status.HasField("checked_at")


async def _status_server(settings: AdminSettings, db: Database, nats_url: str):
    nc = await nats.connect(nats_url)
    servicer = AdminServicer(AdminDeps(settings, db, nc, nc.jetstream()))

    async def ready() -> bool:
        return True

    app = ServiceApp(
        name="admin-status",
        service_names=[DESCRIPTOR.full_name],
        register=lambda s: pb_grpc.add_AdminServiceServicer_to_server(servicer, s),
        ready=ready,
    )
    return await start_server(app, "127.0.0.1", 0), nc


async def test_status_of_the_running_mesh(full_mesh, envoy, nats_server, postgres, admin):
    sid = uid("live")
    await admin.CreateSensor(pb.CreateSensorRequest(sensor=radar(sid, expected_rate_hz=0.02)))
    async with grpc.aio.insecure_channel(full_mesh["ingest_target"]) as ch:
        det = c.Detection(
            sensor_id=sid,
            sensor_kind=c.SENSOR_KIND_RADAR,
            timestamp=ts_from_seconds(time.time()),
            confidence=0.9,
            position=c.Vector3(x=5, y=1),
        )
        await igrpc.IngestServiceStub(ch).PublishDetections(
            ipb.PublishDetectionsRequest(detections=[det])
        )
    ports = {n: full_mesh[n].port for n in ("ingest", "tracker", "fusion", "analytics")}
    settings = AdminSettings.from_env(
        {},
        nats_url=nats_server.url,
        database_url=postgres.dsn,
        auth=False,
        admin_envoy_url=envoy.url,
        **{f"{n}_port": p for n, p in ports.items()},
    )
    db = Database(postgres.dsn)
    server, nc = await _status_server(settings, db, nats_server.url)
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as ch:
            stub = pb_grpc.AdminServiceStub(ch)
            # Envoy's /healthz follows its own active health checks (1 s timeout, two misses):
            # the in-process services share this test's event loop, and a busy moment of an
            # earlier test can make Envoy count a backend out for a second or two. Ask again
            # until Envoy has seen every backend pass (or the deadline), then check it all.
            deadline = time.monotonic() + 15.0
            while True:
                status = await stub.GetSystemStatus(pb.GetSystemStatusRequest())
                envoy_state = next(x.state for x in status.components if x.name == "envoy")
                if envoy_state == pb.HEALTH_STATE_OK or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.5)
    finally:
        await server.stop(0)
        await nc.close()
        await db.close()
    states = {c_.name: c_.state for c_ in status.components}
    assert states == {
        "ingest": pb.HEALTH_STATE_OK,
        "tracker": pb.HEALTH_STATE_OK,
        "fusion": pb.HEALTH_STATE_OK,
        "analytics": pb.HEALTH_STATE_OK,
        "admin": pb.HEALTH_STATE_OK,
        "nats": pb.HEALTH_STATE_OK,
        "postgres": pb.HEALTH_STATE_OK,
        "envoy": pb.HEALTH_STATE_OK,
    }, status.components
    assert status.overall == pb.HEALTH_STATE_OK
    tracker = [
        x for x in status.consumers if (x.stream, x.consumer) == ("AURA_DETECTIONS", "tracker")
    ]
    assert len(tracker) == 1 and tracker[0].state == pb.HEALTH_STATE_OK
    live = next(s for s in status.sensors if s.sensor_id == sid)
    assert live.state == pb.HEALTH_STATE_OK, live.detail
    assert live.fusable and live.HasField("last_seen_at") and live.rate_hz > 0


async def test_status_answers_when_postgres_and_services_are_down(admin, nats_server, postgres):
    sid = uid("kvonly")
    await admin.CreateSensor(pb.CreateSensorRequest(sensor=radar(sid, pose=None)))
    settings = AdminSettings.from_env(
        {},
        nats_url=nats_server.url,
        database_url="postgresql://postgres@127.0.0.1:9/aura",  # nothing listens on port 9
        auth=False,
        admin_envoy_url="http://127.0.0.1:9",
        admin_expected_consumers="AURA_DETECTIONS/tracker,AURA_TRACKS/nobody",
        **{f"{n}_port": 9 for n in ("ingest", "tracker", "fusion", "analytics")},
    )
    db = Database(settings.database_url)
    server, nc = await _status_server(settings, db, nats_server.url)
    started = time.perf_counter()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as ch:
            status = await pb_grpc.AdminServiceStub(ch).GetSystemStatus(
                pb.GetSystemStatusRequest(), timeout=5
            )
    finally:
        elapsed = time.perf_counter() - started
        await server.stop(0)
        await nc.close()
        await db.close()
    assert elapsed < 2.0
    states = {c_.name: c_.state for c_ in status.components}
    assert states["postgres"] == pb.HEALTH_STATE_DOWN and states["nats"] == pb.HEALTH_STATE_OK
    assert states["ingest"] == states["envoy"] == pb.HEALTH_STATE_DOWN
    assert status.overall == pb.HEALTH_STATE_DOWN
    missing = [x for x in status.consumers if x.consumer == "nobody"]
    assert missing and missing[0].state == pb.HEALTH_STATE_DOWN
    # The sensors come from the AURA_CONFIG bucket while PostgreSQL is away.
    kvonly = [s for s in status.sensors if s.sensor_id == sid]
    assert kvonly and "kept out of fusion" in kvonly[0].detail


# ------------------------------------------------------------------- through Envoy


def _request(port: int, method: str, path: str, obj: object | None) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        body = json.dumps(obj).encode() if obj is not None else None
        conn.request(method, path, body=body, headers={"content-type": "application/json"})
        resp = conn.getresponse()
        raw = resp.read()
        return resp.status, json.loads(raw) if raw else {}
    finally:
        conn.close()


async def rest(port: int, method: str, path: str, obj: object | None = None) -> tuple[int, dict]:
    return await asyncio.to_thread(_request, port, method, path, obj)


async def test_rest_bow_tie_zone_is_400_naming_the_field(envoy):
    zone = {"zone_id": uid("bow"), "kind": "ZONE_KIND_PROTECTED", "polygon": {"vertices": BOW_TIE}}
    status, body = await rest(envoy.port, "POST", "/v1/admin/zones", zone)
    assert status == 400, body
    assert "zone.polygon" in body["message"] and "intersects itself" in body["message"]
    zone["polygon"]["vertices"] = [{"x": 0, "y": 0}, {"x": 1, "y": 0}, {"x": 1, "y": 1}]
    status, body = await rest(envoy.port, "POST", "/v1/admin/zones", zone)
    assert status == 200 and body["zone"]["version"] == "1", body
    status, body = await rest(envoy.port, "GET", f"/v1/admin/zones/{zone['zone_id']}")
    assert status == 200 and body["zone"]["zone_id"] == zone["zone_id"]


async def test_rest_patch_with_update_mask_and_stale_version(envoy):
    sid = uid("rest")
    sensor = {"sensor_id": sid, "kind": "SENSOR_KIND_LIDAR", "pose": {"heading_deg": 45}}
    status, body = await rest(envoy.port, "POST", "/v1/admin/sensors", sensor)
    assert status == 200, body
    patch = {"sensor": {"enabled": False}, "update_mask": "enabled", "expected_version": 1}
    status, body = await rest(envoy.port, "PATCH", f"/v1/admin/sensors/{sid}", patch)
    assert status == 200 and body["sensor"]["enabled"] is False, body
    assert body["sensor"]["pose"]["heading_deg"] == 45
    status, body = await rest(envoy.port, "PATCH", f"/v1/admin/sensors/{sid}", patch)
    assert status == 409, body  # ABORTED
    status, body = await rest(envoy.port, "GET", "/v1/status")
    assert status == 200 and any(s["sensor_id"] == sid for s in body["sensors"])


async def test_sensor_registered_through_rest_changes_the_tracker_within_a_second(
    envoy, full_mesh, nats_server
):
    sid = uid("cam")
    sensor = {"sensor_id": sid, "kind": "SENSOR_KIND_CAMERA", "homography": {"values": H}}
    status, body = await rest(envoy.port, "POST", "/v1/admin/sensors", sensor)
    assert status == 200, body
    registered = time.perf_counter()
    pipeline = full_mesh["tracker"].app.pipeline
    while pipeline.geometry(sid) is None:
        assert time.perf_counter() - registered < 1.0, "the tracker did not follow within 1 s"
        await asyncio.sleep(0.02)

    nc = await nats.connect(nats_server.url)
    frames: list[c.TrackFrame] = []

    async def on_msg(m):
        frames.append(c.TrackFrame.FromString(m.data))

    await nc.subscribe(f"aura.tracks.{sid}", cb=on_msg)
    await nc.flush()
    t0 = time.time() - 100
    async with grpc.aio.insecure_channel(full_mesh["ingest_target"]) as ch:
        stub = igrpc.IngestServiceStub(ch)
        for k in range(10):  # 1.5 m/s to the right (15 px/s at 10 fps)
            u = 100 + 1.5 * k
            det = c.Detection(
                sensor_id=sid,
                sensor_kind=c.SENSOR_KIND_CAMERA,
                timestamp=ts_from_seconds(t0 + 0.1 * k),
                confidence=0.9,
                bbox=c.BoundingBox(x=u - 10, y=400, width=20, height=60),
            )
            await stub.PublishDetections(ipb.PublishDetectionsRequest(detections=[det]))
    for _ in range(60):
        if len(frames) >= 10:
            break
        await asyncio.sleep(0.05)
    await nc.close()
    assert frames and frames[-1].tracks, "no tracks arrived"
    last = frames[-1].tracks[0]
    assert last.HasField("world_position")
    assert last.world_position.x == pytest.approx((100 + 13.5) / 10, abs=0.2)
    assert last.world_position.y == pytest.approx(72 - 46, abs=0.1)  # feet at v = 460 px
