"""The analytics read side through Envoy (REST/JSON transcoding, proto field names) in the
full mesh, as `aura up` wires it: errors as HTTP statuses naming the field, a history, an
acknowledgement by POST, the CSV export as a plain CSV body; and UNAVAILABLE when
PostgreSQL is away."""

from __future__ import annotations

import asyncio
import csv
import http.client
import io
import json
from datetime import UTC, datetime, timedelta

import asyncpg
import grpc
import pytest
from test_analytics_queries_support import insert_alert, insert_window, start_analytics, uid

from aura.analytics.v1 import analytics_pb2 as pb

BASE = datetime(2026, 5, 3, 9, 0, tzinfo=UTC)


def _request(port: int, method: str, path: str, obj: object | None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=15)
    try:
        body = json.dumps(obj).encode() if obj is not None else None
        conn.request(method, path, body=body, headers={"content-type": "application/json"})
        resp = conn.getresponse()
        raw = resp.read()
        headers = {k.lower(): v for k, v in resp.getheaders()}
        return resp.status, headers, raw
    finally:
        conn.close()


async def rest(port: int, method: str, path: str, obj: object | None = None):
    return await asyncio.to_thread(_request, port, method, path, obj)


@pytest.fixture
async def pool(postgres):
    p = await asyncpg.create_pool(postgres.dsn, min_size=1, max_size=2)
    yield p
    await p.close()


async def test_rest_history_errors_and_points(envoy, pool):
    s = uid("cam")
    status, _, raw = await rest(envoy.port, "GET", f"/v1/metrics/history?sensor_id={s}")
    assert status == 404 and json.loads(raw)["code"] == 5, raw
    await insert_window(pool, 1, BASE, sensor_id=s, detection_count=7, counts_by_class={"car": 7})
    await insert_window(pool, 1, BASE + timedelta(seconds=5), sensor_id=s, detection_count=3)
    q = f"sensor_id={s}&start_time=2026-05-03T09:00:00Z&end_time=2026-05-03T09:01:00Z"
    status, _, raw = await rest(envoy.port, "GET", f"/v1/metrics/history?{q}&step_seconds=60")
    body = json.loads(raw)
    assert status == 200, raw
    assert body["step_seconds"] == 60 and len(body["points"]) == 1
    assert body["points"][0]["detection_count"] == "10"
    assert body["points"][0]["counts_by_class"] == {"car": "7"}
    bad = f"sensor_id={s}&start_time=2026-05-03T10:00:00Z&end_time=2026-05-03T09:00:00Z"
    status, _, raw = await rest(envoy.port, "GET", f"/v1/metrics/history?{bad}")
    assert status == 400 and json.loads(raw)["message"].startswith("start_time"), raw
    status, _, raw = await rest(envoy.port, "GET", "/v1/heatmap?window_minutes=5000")
    assert status == 400 and "window_minutes" in json.loads(raw)["message"], raw


async def test_rest_acknowledge_and_csv_export(envoy, pool):
    s = uid("cam")
    alert_id = await insert_alert(pool, raised_at=BASE, sensor_id=s, title='Jam, "bad" one')
    status, _, raw = await rest(
        envoy.port, "POST", f"/v1/alerts/{alert_id}:acknowledge", {"comment": "on it"}
    )
    assert status == 200, raw
    alert = json.loads(raw)["alert"]
    assert alert["acknowledged"] and alert["acknowledged_by"] == "anonymous"
    assert alert["acknowledge_comment"] == "on it"
    status, _, raw = await rest(envoy.port, "POST", f"/v1/alerts/{uid('a')}:acknowledge", {})
    assert status == 404, raw

    status, headers, raw = await rest(envoy.port, "GET", f"/v1/alerts:export?filter.sensor_id={s}")
    assert status == 200 and headers["content-type"].startswith("text/csv"), headers
    rows = list(csv.DictReader(io.StringIO(raw.decode(), newline="")))
    assert [(r["alert_id"], r["title"], r["acknowledged_by"]) for r in rows] == [
        (alert_id, 'Jam, "bad" one', "anonymous")
    ]


async def test_unavailable_when_postgres_is_away(nats_server):
    a, close = await start_analytics(
        nats_server.url,
        "postgresql://postgres@127.0.0.1:9/aura",  # nothing listens on port 9
        reachable=False,
        publish_heatmaps=False,
    )
    try:
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await a.stub.ListActiveAlerts(pb.ListActiveAlertsRequest())
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE
        assert "PostgreSQL" in (err.value.details() or "")
    finally:
        await close()


def _first_lines(port: int, path: str, n: int) -> list[dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        assert resp.status == 200, resp.status
        return [json.loads(resp.readline()) for _ in range(n)]
    finally:
        conn.close()


async def test_rest_event_stream_is_newline_delimited_json(envoy):
    path = "/v1/events:stream?types=EVENT_TYPE_ALERT_CLEARED&heartbeat_seconds=1"
    lines = await asyncio.to_thread(_first_lines, envoy.port, path, 2)
    assert [x["type"] for x in lines] == ["EVENT_TYPE_HEARTBEAT"] * 2
    assert [x["sequence"] for x in lines] == ["1", "2"]
    assert lines[0]["heartbeat"]["interval_seconds"] == 1
