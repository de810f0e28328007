"""Fusion in the running mesh (real NATS JetStream, PostgreSQL and Envoy; the five services
in-process): a person walks through two overlapping cameras registered with homographies
through admin, across a monitoring zone and into a protected zone. One global id is handed
from one camera to the other, the zone's enter and exit reach `aura.zones.<id>`, the
protected zone raises the threat on StreamThreats, a counting line reports its crossing
with the direction, and the fused state is served through gRPC, Envoy REST (streams too)
and gRPC-web. A radar hands a person over to a camera with one global id. A zone and the
threat rules changed through Envoy REST change fusion's output within a second. A sensor
without a pose is kept out, counted and shown by the admin status; the v2 `POST /v1/track`
answer carries the fused threat level.

Fusion fuses at wall-clock time, so the detections are sent in real time, stamped now. The
scenes sit thousands of metres from the site origin, away from other tests' sensors."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import random
import struct
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import grpc
import nats
import pytest

from aura.admin.v1 import admin_pb2 as apb
from aura.admin.v1 import admin_pb2_grpc as agrpc
from aura.common.v1 import common_pb2 as c
from aura.fusion.v1 import fusion_pb2 as fpb
from aura.fusion.v1 import fusion_pb2_grpc as fgrpc
from aura.ingest.v1 import ingest_pb2 as ipb
from aura.ingest.v1 import ingest_pb2_grpc as igrpc
from services.common.timeutil import ts_from_seconds, ts_seconds

FEET_V = 460.0  # image row of the feet; ground y = oy - FEET_V / 10


def uid(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def homography(ox: float, oy: float) -> list[float]:
    """10 px per metre: pixel (u, v) is ground (ox + u / 10, oy - v / 10)."""
    return [0.1, 0, ox, 0, -0.1, oy, 0, 0, 1]


def square(x0: float, y0: float, x1: float, y1: float) -> apb.Polygon:
    pts = ((x0, y0), (x1, y0), (x1, y1), (x0, y1))
    return apb.Polygon(vertices=[c.Vector3(x=x, y=y) for x, y in pts])


async def until(check: Callable[[], Awaitable[bool] | bool], deadline_s: float, what: str) -> None:
    """Poll check() until it holds; fail naming `what` when the deadline passes first."""
    end = time.monotonic() + deadline_s
    while True:
        got = check()
        if not isinstance(got, bool):
            got = await got
        if got:
            return
        if time.monotonic() > end:
            pytest.fail(f"{what} within {deadline_s:g} s")
        await asyncio.sleep(0.02)


def _request(port: int, method: str, path: str, obj: object | None) -> tuple[int, dict[str, Any]]:
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


class Collector:
    """Everything published on some subjects, decoded, while it is open."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.got: dict[str, list[Any]] = {}

    async def __aenter__(self) -> Collector:
        self.nc = await nats.connect(self.url)
        return self

    async def listen(self, subject: str, typ: Any) -> list[Any]:
        out: list[Any] = self.got.setdefault(subject, [])

        async def on_msg(m: Any) -> None:
            out.append(typ.FromString(m.data))

        await self.nc.subscribe(subject, cb=on_msg)
        await self.nc.flush()
        return out

    async def __aexit__(self, *exc: object) -> None:
        await self.nc.close()


async def drain_stream(call: Any, into: list[Any]) -> None:
    with contextlib.suppress(asyncio.CancelledError, grpc.aio.AioRpcError):
        async for event in call:
            into.append(event)


def fusion_pipeline(full_mesh: dict[str, Any]) -> Any:
    return full_mesh["fusion"].app.pipeline


async def wait_placed(full_mesh: dict[str, Any], *sensor_ids: str) -> None:
    def placed() -> bool:
        geos = fusion_pipeline(full_mesh).engine.geometries
        return all(geos.get(s) is not None for s in sensor_ids)

    await until(placed, 5.0, "fusion did not place the sensors")


# --------------------------------------------------------------- the walk through two cameras


@pytest.fixture(scope="module")
async def walk(full_mesh, nats_server) -> AsyncIterator[dict[str, Any]]:
    """Camera A sees the ground x in [ox, ox + 8], camera B x in [ox + 5, ox + 13] (both
    along y = oy - 46). A person walks from ox + 1 to ox + 13 at 3 m/s, through monitoring
    zone M (x in [ox + 3.5, ox + 5.5]) and protected zone P (x in [ox + 9, ox + 11])."""
    ox, oy = 1000.0 + random.randrange(0, 3000, 100), 2000.0 + random.randrange(0, 2000, 100)
    cam_a, cam_b = uid("fcam_a"), uid("fcam_b")
    zone_m, zone_p = uid("fzm").replace("_", "-"), uid("fzp").replace("_", "-")
    zone_l = uid("fzl").replace("_", "-")
    y = oy - FEET_V / 10
    async with grpc.aio.insecure_channel(full_mesh["admin_target"]) as ch:
        admin = agrpc.AdminServiceStub(ch)
        for sid, offset in ((cam_a, ox), (cam_b, ox + 5)):
            sensor = apb.Sensor(
                sensor_id=sid,
                kind=c.SENSOR_KIND_CAMERA,
                site_id="fusion-test",
                homography=apb.Homography(values=homography(offset, oy)),
            )
            await admin.CreateSensor(apb.CreateSensorRequest(sensor=sensor))
        line = apb.LineSegment(start=c.Vector3(x=ox + 7, y=y - 3), end=c.Vector3(x=ox + 7, y=y + 3))
        await admin.CreateZone(
            apb.CreateZoneRequest(
                zone=apb.Zone(zone_id=zone_l, kind=apb.ZONE_KIND_COUNTING_LINE, line=line)
            )
        )
        for zid, kind, x0, x1 in (
            (zone_m, apb.ZONE_KIND_MONITORING, 3.5, 5.5),
            (zone_p, apb.ZONE_KIND_PROTECTED, 9.0, 11.0),
        ):
            zone = apb.Zone(
                zone_id=zid,
                name=zid,
                kind=kind,
                polygon=square(ox + x0, y - 3, ox + x1, y + 3),
            )
            await admin.CreateZone(apb.CreateZoneRequest(zone=zone))
    await wait_placed(full_mesh, cam_a, cam_b)

    def zones_taken() -> bool:
        engine = fusion_pipeline(full_mesh).engine
        return {zone_m, zone_p, zone_l} <= {z.zone_id for z in engine.zones.zones}

    await until(zones_taken, 5.0, "fusion did not take the zones")

    threats: list[fpb.StreamThreatsResponse] = []
    in_zone: list[fpb.StreamFusedTracksResponse] = []
    async with (
        Collector(nats_server.url) as bus,
        grpc.aio.insecure_channel(full_mesh["fusion_target"]) as fch,
        grpc.aio.insecure_channel(full_mesh["ingest_target"]) as ich,
    ):
        fused = await bus.listen("aura.fused", fpb.FusedTrackFrame)
        events_m = await bus.listen(f"aura.zones.{zone_m}", fpb.ZoneEvent)
        events_p = await bus.listen(f"aura.zones.{zone_p}", fpb.ZoneEvent)
        events_l = await bus.listen(f"aura.zones.{zone_l}", fpb.ZoneEvent)
        fusion = fgrpc.FusionServiceStub(fch)
        streams = [
            asyncio.create_task(
                drain_stream(fusion.StreamThreats(fpb.StreamThreatsRequest(min_level=1)), threats)
            ),
            asyncio.create_task(
                drain_stream(
                    fusion.StreamFusedTracks(
                        fpb.StreamFusedTracksRequest(
                            filter=fpb.FusedTrackFilter(zone_ids=[zone_m], class_labels=["person"])
                        )
                    ),
                    in_zone,
                )
            ),
        ]
        ingest = igrpc.IngestServiceStub(ich)
        start = time.time()
        x = 1.0
        while x < 13.0:
            now = time.time()
            x = 1.0 + 3.0 * (now - start)
            dets = [
                c.Detection(
                    sensor_id=sid,
                    sensor_kind=c.SENSOR_KIND_CAMERA,
                    timestamp=ts_from_seconds(now),
                    confidence=0.9,
                    class_label="person",
                    bbox=c.BoundingBox(x=(x - off) * 10 - 10, y=FEET_V - 60, width=20, height=60),
                )
                for sid, off, lo, hi in ((cam_a, 0.0, 0.0, 8.0), (cam_b, 5.0, 5.0, 13.0))
                if lo <= x <= hi
            ]
            await ingest.PublishDetections(ipb.PublishDetectionsRequest(detections=dets))
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)  # the last states are fused after the lateness
        yield {
            "cams": (cam_a, cam_b),
            "zones": (zone_m, zone_p),
            "fused": fused,
            "events_m": events_m,
            "events_p": events_p,
            "events_l": events_l,
            "line": zone_l,
            "threats": threats,
            "in_zone": in_zone,
            "fusion": fusion,
            "origin": (ox, y),
        }
        for task in streams:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


def gids_of(frames: list[fpb.FusedTrackFrame], sensors: set[str]) -> dict[str, list[set[str]]]:
    """global id -> the contributing sensors in each frame, for tracks fed by `sensors`."""
    out: dict[str, list[set[str]]] = {}
    for f in frames:
        for t in f.tracks:
            mine = {k.sensor_id for k in t.contributors} & sensors
            if mine:
                out.setdefault(t.global_id, []).append(mine)
    return out


async def test_two_cameras_hand_over_one_global_id(walk):
    cam_a, cam_b = walk["cams"]
    by_gid = gids_of(walk["fused"], {cam_a, cam_b})
    assert len(by_gid) == 1, f"expected one global id, got {sorted(by_gid)}"
    (history,) = by_gid.values()
    assert history[0] == {cam_a}  # camera A alone first,
    assert {cam_a, cam_b} in history  # both while they overlap,
    assert history[-1] == {cam_b}  # camera B alone at the end
    seqs = [f.sequence for f in walk["fused"]]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)


async def test_zone_enter_and_exit_reach_the_zone_subject(walk):
    (gid,) = gids_of(walk["fused"], set(walk["cams"]))
    zone_m, _ = walk["zones"]
    mine = [e for e in walk["events_m"] if e.global_id == gid]
    types = [e.type for e in mine]
    assert types == [fpb.ZONE_EVENT_TYPE_ENTER, fpb.ZONE_EVENT_TYPE_EXIT], mine
    enter, leave = mine
    ox, _ = walk["origin"]
    assert ox + 3.5 <= enter.position.x <= ox + 5.5 + 0.5
    assert leave.dwell_s > 0 and ts_seconds(leave.timestamp) > ts_seconds(enter.timestamp)
    assert enter.zone_id == zone_m and enter.class_label == "person"
    assert enter.event_id.startswith(f"{zone_m}:{gid}:ENTER:")
    assert set(enter.sensor_ids) <= set(walk["cams"]) and enter.site_id == "fusion-test"


async def test_counting_line_crossing_with_its_direction(walk):
    (gid,) = gids_of(walk["fused"], set(walk["cams"]))
    mine = [e for e in walk["events_l"] if e.global_id == gid]
    assert [e.type for e in mine] == [fpb.ZONE_EVENT_TYPE_LINE_CROSSING]
    # The line runs north; walking east crosses it from its left to its right.
    assert mine[0].direction == fpb.CROSSING_DIRECTION_LEFT_TO_RIGHT
    ox, _ = walk["origin"]
    assert mine[0].position.x == pytest.approx(ox + 7) and mine[0].zone_id == walk["line"]


async def test_protected_zone_raises_the_threat_on_stream_threats(walk):
    (gid,) = gids_of(walk["fused"], set(walk["cams"]))
    _, zone_p = walk["zones"]
    events = [e for e in walk["threats"] if e.type == fpb.THREAT_EVENT_TYPE_CHANGED]
    mine = [e.threat for e in events if e.threat.global_id == gid]
    inside = [t for t in mine if t.kind == fpb.THREAT_KIND_PROTECTED_ZONE]
    assert inside, f"no protected-zone threat among {mine}"
    t = inside[0]
    assert t.level == 3 and t.zone_id == zone_p and zone_p in t.reason
    assert t.previous_level < 3 and t.class_label == "person"
    # The fused frames carry the same level while the track is inside.
    levels = [tr.threat_level for f in walk["fused"] for tr in f.tracks if tr.global_id == gid]
    assert 3 in levels
    assert [e.type for e in walk["events_p"] if e.global_id == gid][:1] == [
        fpb.ZONE_EVENT_TYPE_ENTER
    ]


async def test_stream_fused_tracks_filtered_by_zone(walk):
    (gid,) = gids_of(walk["fused"], set(walk["cams"]))
    kinds = [(e.type, e.fused_track.global_id) for e in walk["in_zone"]]
    assert kinds[0] == (fpb.FUSED_TRACK_EVENT_TYPE_SNAPSHOT_COMPLETE, "")
    mine = [k for k, g in kinds if g == gid]
    assert mine[0] == fpb.FUSED_TRACK_EVENT_TYPE_NEW
    assert mine[-1] == fpb.FUSED_TRACK_EVENT_TYPE_LEFT_FILTER
    assert fpb.FUSED_TRACK_EVENT_TYPE_UPDATED in mine
    zone_m, _ = walk["zones"]
    inside = [e.fused_track for e in walk["in_zone"] if e.fused_track.global_id == gid]
    assert all(zone_m in t.zone_ids for t in inside[:-1])


async def test_list_and_get_through_grpc_and_envoy_rest(walk, envoy):
    (gid,) = gids_of(walk["fused"], set(walk["cams"]))
    cam_a, cam_b = walk["cams"]
    fusion = walk["fusion"]
    listed = await fusion.ListFusedTracks(
        fpb.ListFusedTracksRequest(filter=fpb.FusedTrackFilter(sensor_ids=[cam_a, cam_b]))
    )
    # Coasting after the walk, or already deleted: then GetFusedTrack still has it.
    got = await fusion.GetFusedTrack(fpb.GetFusedTrackRequest(global_id=gid, trail_seconds=30))
    assert got.fused_track.global_id == gid
    assert [t.global_id for t in listed.fused_tracks] in ([gid], [])
    xs = [p.position.x for p in got.trail]
    assert len(xs) >= 4 and xs == sorted(xs)  # walking east, oldest first
    status, body = await rest(envoy.port, "GET", f"/v1/fused-tracks/{gid}?trail_seconds=30")
    assert status == 200, body
    assert body["fused_track"]["global_id"] == gid and len(body["trail"]) == len(xs)
    status, body = await rest(envoy.port, "GET", f"/v1/fused-tracks?filter.sensor_ids={cam_b}")
    assert status == 200 and [t["global_id"] for t in body.get("fused_tracks", [])] in (
        [gid],
        [],
    )
    status, body = await rest(envoy.port, "GET", "/v1/fused-tracks/g-999999999")
    assert status == 404, body
    status, body = await rest(envoy.port, "GET", "/v1/fused-tracks?filter.min_confidence=2")
    assert status == 400 and "filter.min_confidence" in body["message"]


# ------------------------------------------------- admin changes through REST take effect


@pytest.fixture
async def radar_target(full_mesh) -> AsyncIterator[dict[str, Any]]:
    """A radar registered with a pose, reporting one still target at 10 Hz while the test
    runs; the target is at (ox + 10, oy) in the site frame."""
    ox, oy = 6000.0 + random.randrange(0, 3000, 100), 6000.0 + random.randrange(0, 2000, 100)
    sid = uid("fradar")
    pose = apb.SensorPose(position=c.Vector3(x=ox, y=oy), heading_deg=90)  # facing east
    async with grpc.aio.insecure_channel(full_mesh["admin_target"]) as ch:
        sensor = apb.Sensor(sensor_id=sid, kind=c.SENSOR_KIND_RADAR, pose=pose)
        await agrpc.AdminServiceStub(ch).CreateSensor(apb.CreateSensorRequest(sensor=sensor))
    await wait_placed(full_mesh, sid)

    async def report() -> None:
        async with grpc.aio.insecure_channel(full_mesh["ingest_target"]) as ich:
            ingest = igrpc.IngestServiceStub(ich)
            while True:
                det = c.Detection(
                    sensor_id=sid,
                    sensor_kind=c.SENSOR_KIND_RADAR,
                    timestamp=ts_from_seconds(time.time()),
                    confidence=0.9,
                    class_label="person",
                    position=c.Vector3(x=10, y=0),
                )
                await ingest.PublishDetections(ipb.PublishDetectionsRequest(detections=[det]))
                await asyncio.sleep(0.1)

    task = asyncio.create_task(report())
    pipeline = fusion_pipeline(full_mesh)

    def fused_one() -> bool:
        return any(k.sensor_id == sid for t in pipeline.store.live.values() for k in t.contributors)

    await until(fused_one, 5.0, "the radar's target was not fused")
    (gid,) = [
        t.global_id
        for t in pipeline.store.live.values()
        if any(k.sensor_id == sid for k in t.contributors)
    ]
    yield {"sensor": sid, "gid": gid, "target": (ox + 10, oy), "pipeline": pipeline}
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_zone_and_threat_rules_changed_through_rest_change_fusion_within_a_second(
    radar_target, envoy, full_mesh
):
    gid, pipeline = radar_target["gid"], radar_target["pipeline"]
    x, y = radar_target["target"]
    assert pipeline.store.live[gid].threat_level == 0
    zid = uid("frest").replace("_", "-")
    zone = {
        "zone_id": zid,
        "name": "rest gate",
        "kind": "ZONE_KIND_PROTECTED",
        "polygon": {
            "vertices": [
                {"x": x - 2, "y": y - 2},
                {"x": x + 2, "y": y - 2},
                {"x": x + 2, "y": y + 2},
                {"x": x - 2, "y": y + 2},
            ]
        },
    }
    status, body = await rest(envoy.port, "POST", "/v1/admin/zones", zone)
    assert status == 200, body

    def threat_is(level: int) -> Callable[[], bool]:
        def check() -> bool:
            t = pipeline.store.live.get(gid)
            return t is not None and zid in t.zone_ids and t.threat_level == level

        return check

    await until(threat_is(3), 1.0, "the zone created through REST did not raise the threat")

    status, body = await rest(envoy.port, "GET", "/v1/admin/thresholds")
    assert status == 200, body
    before = body["thresholds"]
    changed = json.loads(json.dumps(before))
    for key in ("version", "updated_at", "updated_by"):
        changed.pop(key, None)
    changed["threat_rules"]["protected_zone"] = {"enabled": True, "level": 4}
    put = {"thresholds": changed, "expected_version": before["version"]}
    status, body = await rest(envoy.port, "PUT", "/v1/admin/thresholds", put)
    assert status == 200, body
    try:
        await until(threat_is(4), 1.0, "the threat rules changed through REST did not apply")
        async with grpc.aio.insecure_channel(full_mesh["fusion_target"]) as ch:
            call = fgrpc.FusionServiceStub(ch).StreamThreats(
                fpb.StreamThreatsRequest(min_level=4, zone_ids=[zid])
            )
            first = await call.read()
            assert first.type == fpb.THREAT_EVENT_TYPE_SNAPSHOT
            assert (first.threat.global_id, first.threat.level) == (gid, 4)
            assert first.threat.kind == fpb.THREAT_KIND_PROTECTED_ZONE
            call.cancel()
    finally:
        for key in ("version", "updated_at", "updated_by"):
            before.pop(key, None)
        restore = {"thresholds": before, "expected_version": body["thresholds"]["version"]}
        status, body = await rest(envoy.port, "PUT", "/v1/admin/thresholds", restore)
        assert status == 200, body
    status, body = await rest(envoy.port, "DELETE", f"/v1/admin/zones/{zid}")
    assert status == 200, body

    def left() -> bool:
        t = pipeline.store.live.get(gid)
        return t is not None and zid not in t.zone_ids

    await until(left, 1.0, "the zone deleted through REST was still applied")


# ------------------------------------------------------------ a sensor that cannot be placed


async def test_sensor_without_pose_is_kept_out_counted_and_shown_in_status(full_mesh, envoy):
    sid = uid("fnopose")
    async with grpc.aio.insecure_channel(full_mesh["admin_target"]) as ch:
        sensor = apb.Sensor(sensor_id=sid, kind=c.SENSOR_KIND_LIDAR)  # no pose
        await agrpc.AdminServiceStub(ch).CreateSensor(apb.CreateSensorRequest(sensor=sensor))
    pipeline = fusion_pipeline(full_mesh)

    async def report() -> None:
        async with grpc.aio.insecure_channel(full_mesh["ingest_target"]) as ich:
            ingest = igrpc.IngestServiceStub(ich)
            while True:
                det = c.Detection(
                    sensor_id=sid,
                    sensor_kind=c.SENSOR_KIND_LIDAR,
                    timestamp=ts_from_seconds(time.time()),
                    confidence=0.9,
                    position=c.Vector3(x=3, y=1),
                )
                await ingest.PublishDetections(ipb.PublishDetectionsRequest(detections=[det]))
                await asyncio.sleep(0.1)

    task = asyncio.create_task(report())
    shown: dict[str, Any] = {}

    async def status_shows_refusals() -> bool:
        status, body = await rest(envoy.port, "GET", "/v1/status")
        assert status == 200, body
        mine = [s for s in body.get("sensors", []) if s["sensor_id"] == sid]
        shown.update(mine[0] if mine else {})
        return bool(mine) and "fusion refused" in mine[0].get("detail", "")

    try:
        await until(lambda: pipeline.stats.refused.get(sid, 0) > 0, 5.0, "no refusal counted")
        await until(status_shows_refusals, 5.0, f"status did not show the refusals: {shown}")
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert shown["state"] == "HEALTH_STATE_DEGRADED" and not shown.get("fusable", False)
    assert "no pose (pose or homography): kept out of fusion" in shown["detail"]
    fused = [t for t in pipeline.store.live.values() for k in t.contributors if k.sensor_id == sid]
    assert fused == []
    status, body = await rest(envoy.port, "GET", "/v1/status")
    consumers = {(x["stream"], x["consumer"]): x for x in body["consumers"]}
    assert consumers[("AURA_TRACKS", "fusion")]["state"] == "HEALTH_STATE_OK"


# ----------------------------------------------------------- AURA v2 POST /v1/track threats


async def test_v2_track_answer_carries_the_fused_threat_level(full_mesh, envoy):
    """A radar target inside a protected zone: the v2 answer's threats and active tracks
    carry fusion's level for the radar's track (as of fusion's latest cycle)."""
    ox, oy = 20000.0 + random.randrange(0, 3000, 100), 1000.0 + random.randrange(0, 3000, 100)
    sid, zid = uid("fv2radar"), uid("fv2gate").replace("_", "-")
    pose = apb.SensorPose(position=c.Vector3(x=ox, y=oy), heading_deg=90)
    async with grpc.aio.insecure_channel(full_mesh["admin_target"]) as ch:
        admin = agrpc.AdminServiceStub(ch)
        sensor = apb.Sensor(sensor_id=sid, kind=c.SENSOR_KIND_RADAR, pose=pose)
        await admin.CreateSensor(apb.CreateSensorRequest(sensor=sensor))
        zone = apb.Zone(
            zone_id=zid,
            kind=apb.ZONE_KIND_PROTECTED,
            polygon=square(ox + 8, oy - 2, ox + 12, oy + 2),
        )
        await admin.CreateZone(apb.CreateZoneRequest(zone=zone))
    await wait_placed(full_mesh, sid)
    answers: list[dict[str, Any]] = []

    async def answered_with_threat() -> bool:
        now = datetime.now(UTC).isoformat()  # with its +00:00 offset
        det = {"sensor_id": sid, "timestamp": now, "confidence": 0.9, "position": {"x": 10, "y": 0}}
        status, body = await rest(envoy.port, "POST", "/v1/track", {"radar_detections": [det]})
        assert status == 200, body
        answers.append(body)
        await asyncio.sleep(0.1)
        return any(t.get("threat_level", 0) == 3 for t in body.get("threats", []))

    await until(answered_with_threat, 8.0, "no v2 answer carried the fused threat level")
    last = answers[-1]
    (threat,) = [t for t in last["threats"] if t.get("threat_level") == 3]
    (track,) = [t for t in last["active_tracks"] if t["id"] == threat["track_id"]]
    assert track["threat_level"] == 3 and track["sensor_id"] == sid
    assert all(t.get("threat_level", 0) == 0 for t in answers[0].get("threats", []))


# ------------------------------------------------------- streams through Envoy and gRPC-web


def _stream_lines(port: int, path: str, want: int, timeout: float) -> list[dict[str, Any]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        assert resp.status == 200, resp.read()
        out: list[dict[str, Any]] = []
        while len(out) < want:
            line = resp.readline()
            if not line:
                break
            if line.strip():
                out.append(json.loads(line))
        return out
    finally:
        conn.close()


def _grpc_web(port: int, path: str, payload: bytes) -> tuple[list[bytes], dict[str, str]]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        body = b"\x00" + struct.pack(">I", len(payload)) + payload
        headers = {"content-type": "application/grpc-web+proto", "x-grpc-web": "1"}
        conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        assert resp.status == 200
        raw = resp.read()
    finally:
        conn.close()
    frames, trailers, i = [], {}, 0
    while i < len(raw):
        flag, n = raw[i], struct.unpack(">I", raw[i + 1 : i + 5])[0]
        chunk = raw[i + 5 : i + 5 + n]
        i += 5 + n
        if flag & 0x80:
            for line in chunk.decode().split("\r\n"):
                if ":" in line:
                    k, v = line.split(":", 1)
                    trailers[k.strip().lower()] = v.strip()
        else:
            frames.append(chunk)
    return frames, trailers


async def test_fused_streams_through_envoy_rest_and_list_through_grpc_web(radar_target, envoy):
    sid, gid = radar_target["sensor"], radar_target["gid"]
    lines = await asyncio.to_thread(
        _stream_lines, envoy.port, f"/v1/fused-tracks:stream?filter.sensor_ids={sid}", 3, 5
    )
    assert [ln["type"] for ln in lines] == [
        "FUSED_TRACK_EVENT_TYPE_SNAPSHOT",
        "FUSED_TRACK_EVENT_TYPE_SNAPSHOT_COMPLETE",
        "FUSED_TRACK_EVENT_TYPE_UPDATED",
    ]
    assert lines[0]["fused_track"]["global_id"] == gid == lines[2]["fused_track"]["global_id"]
    assert int(lines[2]["sequence"]) > 0
    lines = await asyncio.to_thread(
        _stream_lines, envoy.port, f"/v1/threats:stream?min_level=1&zone_ids={uid('none')}", 1, 5
    )
    assert [ln["type"] for ln in lines] == ["THREAT_EVENT_TYPE_SNAPSHOT_COMPLETE"]
    req = fpb.ListFusedTracksRequest(filter=fpb.FusedTrackFilter(sensor_ids=[sid]))
    frames, trailers = await asyncio.to_thread(
        _grpc_web,
        envoy.port,
        "/aura.fusion.v1.FusionService/ListFusedTracks",
        req.SerializeToString(),
    )
    assert trailers.get("grpc-status") == "0", trailers
    listed = fpb.ListFusedTracksResponse.FromString(frames[0])
    assert [t.global_id for t in listed.fused_tracks] == [gid] and listed.total_size == 1
    (ref,) = listed.fused_tracks[0].contributors
    assert (ref.sensor_id, ref.sensor_kind) == (sid, c.SENSOR_KIND_RADAR)


# ------------------------------------------------------------- radar to camera hand-over


async def test_radar_hands_a_person_over_to_a_camera_with_one_global_id(full_mesh, nats_server):
    """A radar sees ground x in [ox + 1, ox + 9], a camera x in [ox + 6, ox + 14]."""
    ox, oy = 30000.0 + random.randrange(0, 3000, 100), 5000.0 + random.randrange(0, 3000, 100)
    radar, cam = uid("fho_radar"), uid("fho_cam")
    y = oy - FEET_V / 10
    async with grpc.aio.insecure_channel(full_mesh["admin_target"]) as ch:
        admin = agrpc.AdminServiceStub(ch)
        pose = apb.SensorPose(position=c.Vector3(x=ox, y=oy), heading_deg=90)
        for sensor in (
            apb.Sensor(sensor_id=radar, kind=c.SENSOR_KIND_RADAR, pose=pose),
            apb.Sensor(
                sensor_id=cam,
                kind=c.SENSOR_KIND_CAMERA,
                homography=apb.Homography(values=homography(ox + 6, oy)),
            ),
        ):
            await admin.CreateSensor(apb.CreateSensorRequest(sensor=sensor))
    await wait_placed(full_mesh, radar, cam)
    async with (
        Collector(nats_server.url) as bus,
        grpc.aio.insecure_channel(full_mesh["ingest_target"]) as ich,
    ):
        fused = await bus.listen("aura.fused", fpb.FusedTrackFrame)
        ingest = igrpc.IngestServiceStub(ich)
        start, x = time.time(), 1.0
        while x < 14.0:
            now = time.time()
            x = 1.0 + 3.0 * (now - start)
            stamp = ts_from_seconds(now)
            dets = []
            if x <= 9.0:
                dets.append(
                    c.Detection(
                        sensor_id=radar,
                        sensor_kind=c.SENSOR_KIND_RADAR,
                        timestamp=stamp,
                        confidence=0.9,
                        class_label="person",
                        position=c.Vector3(x=x, y=y - oy),
                    )
                )
            if x >= 6.0:
                u = (x - 6.0) * 10
                dets.append(
                    c.Detection(
                        sensor_id=cam,
                        sensor_kind=c.SENSOR_KIND_CAMERA,
                        timestamp=stamp,
                        confidence=0.9,
                        class_label="person",
                        bbox=c.BoundingBox(x=u - 10, y=FEET_V - 60, width=20, height=60),
                    )
                )
            await ingest.PublishDetections(ipb.PublishDetectionsRequest(detections=dets))
            await asyncio.sleep(0.1)
        await asyncio.sleep(1.0)
    by_gid = gids_of(fused, {radar, cam})
    assert len(by_gid) == 1, f"expected one global id, got {sorted(by_gid)}"
    (history,) = by_gid.values()
    assert history[0] == {radar} and {radar, cam} in history and history[-1] == {cam}
