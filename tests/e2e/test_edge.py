"""Through Envoy: REST/JSON transcoding, newline-delimited JSON streams, gRPC-web, gRPC,
/healthz, 404 for unknown paths and 400 for bad input. Blocking HTTP runs in threads: the
services under test share this event loop."""

from __future__ import annotations

import asyncio
import http.client
import json
import struct
import time
import uuid
from datetime import UTC, datetime

import grpc
import pytest

from aura.tracker.v1 import tracker_pb2 as tpb
from aura.tracker.v1 import tracker_pb2_grpc as tgrpc


def _request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


async def call(
    port: int,
    method: str,
    path: str,
    obj: object | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    body = json.dumps(obj).encode() if obj is not None else None
    hdrs = {"content-type": "application/json", **(headers or {})}
    return await asyncio.to_thread(_request, port, method, path, body, hdrs)


def _stream_lines(port: int, path: str, want: int, timeout: float) -> list[dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        assert resp.status == 200, resp.read()
        out = []
        while len(out) < want:
            line = resp.readline()
            if not line:
                break
            if line.strip():
                out.append(json.loads(line))
        return out
    finally:
        conn.close()


def sensor() -> str:
    return f"edge_{uuid.uuid4().hex[:8]}"


def det(sid: str, x: float, t: datetime | None = None) -> dict:
    t = t or datetime.now(UTC)
    return {
        "sensor_id": sid,
        "sensor_kind": "SENSOR_KIND_RADAR",
        "timestamp": t.isoformat().replace("+00:00", "Z"),
        "confidence": 0.9,
        "position": {"x": x, "y": 5.0},
    }


async def test_healthz_is_200_when_every_backend_serves(envoy):
    for _ in range(50):
        status, _, _ = await call(envoy.port, "GET", "/healthz")
        if status == 200:
            break
        await asyncio.sleep(0.2)
    assert status == 200


async def test_rest_publish_then_rest_stream_shows_the_track_within_a_second(envoy):
    sid = sensor()
    reader = asyncio.create_task(
        asyncio.to_thread(
            _stream_lines, envoy.port, f"/v1/tracks:stream?filter.sensor_ids={sid}&unknown=1", 2, 5
        )
    )
    await asyncio.sleep(0.3)
    started = time.perf_counter()
    status, _, body = await call(
        envoy.port, "POST", "/v1/detections:publish", {"detections": [det(sid, 1.0)]}
    )
    assert status == 200, body
    resp = json.loads(body)
    assert resp["accepted"] == 1 and resp["frames"][0]["sensor_id"] == sid
    lines = await reader
    elapsed = time.perf_counter() - started
    assert lines[0]["type"] == "TRACK_EVENT_TYPE_SNAPSHOT_COMPLETE"
    track = lines[1]["track"]
    assert lines[1]["type"] == "TRACK_EVENT_TYPE_NEW"
    assert track["sensor_id"] == sid and track["position"]["x"] == pytest.approx(1.0)
    assert elapsed < 1.0


async def test_v2_track_over_rest_keeps_the_v2_shape(envoy):
    sid = sensor()
    body = {
        "radar_detections": [
            {
                "sensor_id": sid,
                "timestamp": "2025-09-09T11:00:01Z",
                "position": {"x": 10.1, "y": 20.2, "z": 0.0},
                "confidence": 0.93,
                "attributes": {"any": "json"},
            }
        ]
    }
    status, _, raw = await call(envoy.port, "POST", "/v1/track", body)
    assert status == 200, raw
    resp = json.loads(raw)
    assert set(resp) >= {
        "active_tracks",
        "new_tracks",
        "deleted_tracks",
        "threats",
        "processing_time_ms",
        "frame_id",
    }
    t = resp["active_tracks"][0]
    assert set(t) >= {
        "id",
        "position",
        "velocity",
        "confidence",
        "status",
        "threat_level",
        "created_at",
        "updated_at",
    }
    assert t["velocity"].keys() == {"vx", "vy", "vz"}
    assert t["created_at"] == "2025-09-09T11:00:01Z"
    assert resp["new_tracks"][0]["id"] == t["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {
                "detections": [
                    {
                        "sensor_id": "r",
                        "timestamp": "2025-09-09T11:00:01Z",
                        "confidence": 2,
                        "position": {"x": 1},
                    }
                ]
            },
            "detections[0].confidence",
        ),
        (
            {
                "detections": [
                    {"timestamp": "2025-09-09T11:00:01Z", "confidence": 0.5, "position": {"x": 1}}
                ]
            },
            "detections[0].sensor_id",
        ),
        (
            {
                "detections": [
                    {
                        "sensor_id": "c",
                        "timestamp": "2025-09-09T11:00:01Z",
                        "confidence": 0.5,
                        "bbox": {"width": 0, "height": 3},
                    }
                ]
            },
            "detections[0].bbox",
        ),
    ],
)
async def test_bad_input_is_http_400_naming_the_field(envoy, body, field):
    status, _, raw = await call(envoy.port, "POST", "/v1/detections:publish", body)
    assert status == 400
    assert field in json.loads(raw)["message"]


async def test_naive_v2_timestamp_is_400(envoy):
    body = {
        "lidar_detections": [
            {
                "sensor_id": "l",
                "timestamp": "2025-09-09T11:00:01",
                "position": {"x": 1},
                "confidence": 0.5,
            }
        ]
    }
    status, _, raw = await call(envoy.port, "POST", "/v1/track", body)
    assert status == 400 and "lidar_detections[0].timestamp" in raw.decode()


async def test_unknown_path_is_404_and_fused_tracks_are_routed(envoy):
    status, _, _ = await call(envoy.port, "GET", "/v1/nothing-here")
    assert status == 404
    status, _, raw = await call(envoy.port, "GET", "/v1/fused-tracks?filter.min_confidence=2")
    assert status == 400  # fusion answered, naming the field
    assert "filter.min_confidence" in json.loads(raw)["message"]


def _grpc_web(port: int, path: str, payload: bytes) -> tuple[list[bytes], dict[str, str]]:
    body = b"\x00" + struct.pack(">I", len(payload)) + payload
    status, _, raw = _request(
        port,
        "POST",
        path,
        body,
        {
            "content-type": "application/grpc-web+proto",
            "x-grpc-web": "1",
            "origin": "http://localhost:5173",
        },
    )
    assert status == 200
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


async def test_grpc_web_and_grpc_through_envoy(envoy):
    sid = sensor()
    status, _, _ = await call(
        envoy.port, "POST", "/v1/detections:publish", {"detections": [det(sid, 7.0)]}
    )
    assert status == 200
    req = tpb.ListTracksRequest(filter=tpb.TrackFilter(sensor_ids=[sid]))
    for _ in range(20):
        frames, trailers = await asyncio.to_thread(
            _grpc_web,
            envoy.port,
            "/aura.tracker.v1.TrackerService/ListTracks",
            req.SerializeToString(),
        )
        assert trailers.get("grpc-status") == "0"
        resp = tpb.ListTracksResponse.FromString(frames[0]) if frames else None
        if resp and resp.tracks:
            break
        await asyncio.sleep(0.05)
    assert [t.sensor_id for t in resp.tracks] == [sid]
    async with grpc.aio.insecure_channel(f"127.0.0.1:{envoy.port}") as ch:
        got = await tgrpc.TrackerServiceStub(ch).ListTracks(req)
    assert [t.id for t in got.tracks] == [t.id for t in resp.tracks]


async def test_cors_preflight_for_local_dashboards(envoy):
    status, headers, _ = await asyncio.to_thread(
        _request,
        envoy.port,
        "OPTIONS",
        "/aura.tracker.v1.TrackerService/StreamTracks",
        None,
        {
            "origin": "http://localhost:5173",
            "access-control-request-method": "POST",
            "access-control-request-headers": "content-type,x-grpc-web,authorization",
        },
    )
    assert status == 200
    assert headers.get("access-control-allow-origin") in ("*", "http://localhost:5173")
