"""Analytics' alert RPCs against the real PostgreSQL and NATS: active alerts and history
with filters and pages, acknowledgement (who, when, comment; the first one sticks; the
ALERT_ACKNOWLEDGED event on NATS) and the streamed CSV export."""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from test_analytics_queries_support import Analytics, fails, insert_alert, start_analytics, uid

from aura.analytics.v1 import analytics_pb2 as pb
from services.common.timeutil import to_timestamp

BASE = datetime(2026, 5, 2, 8, 0, tzinfo=UTC)
INVALID = grpc.StatusCode.INVALID_ARGUMENT


@pytest.fixture(scope="module")
async def analytics(nats_server, postgres) -> AsyncIterator[Analytics]:
    a, close = await start_analytics(nats_server.url, postgres.dsn, publish_heatmaps=False)
    yield a
    await close()


async def test_active_alerts_filters_and_pages(analytics):
    s = uid("cam")
    ids = [
        await insert_alert(
            analytics.pool,
            raised_at=BASE + timedelta(minutes=i),
            sensor_id=s,
            severity=pb.ALERT_SEVERITY_WARNING if i % 2 else pb.ALERT_SEVERITY_HIGH,
        )
        for i in range(5)
    ]
    cleared = await insert_alert(
        analytics.pool,
        raised_at=BASE + timedelta(minutes=9),
        sensor_id=s,
        cleared_at=BASE + timedelta(minutes=10),
    )
    stub = analytics.stub
    got = await stub.ListActiveAlerts(pb.ListActiveAlertsRequest(sensor_id=s))
    assert [a.alert_id for a in got.alerts] == ids[::-1] and got.next_page_token == ""
    assert cleared not in [a.alert_id for a in got.alerts]
    a0 = got.alerts[-1]
    assert a0.key == pb.MetricsKey(scope=1, sensor_id=s) and list(a0.sensor_ids) == [s]
    assert (a0.position.x, a0.position.y) == (1.5, -2.5) and not a0.acknowledged

    pages, token = [], ""
    while True:
        page = await stub.ListActiveAlerts(
            pb.ListActiveAlertsRequest(sensor_id=s, page_size=2, page_token=token)
        )
        pages.append([a.alert_id for a in page.alerts])
        token = page.next_page_token
        if not token:
            break
    assert pages == [ids[4:2:-1], ids[2:0:-1], ids[:1]]

    high = await stub.ListActiveAlerts(
        pb.ListActiveAlertsRequest(sensor_id=s, min_severity=pb.ALERT_SEVERITY_HIGH)
    )
    assert [a.alert_id for a in high.alerts] == [ids[4], ids[2], ids[0]]
    threats = await stub.ListActiveAlerts(
        pb.ListActiveAlertsRequest(sensor_id=s, kind=pb.ALERT_KIND_THREAT)
    )
    assert list(threats.alerts) == []
    bad = pb.ListActiveAlertsRequest(page_token="not a token!")
    assert (await fails(INVALID, stub.ListActiveAlerts(bad))).startswith("page_token")
    await fails(INVALID, stub.ListActiveAlerts(pb.ListActiveAlertsRequest(min_severity=17)))


async def test_alert_history_filters(analytics):
    s, z, g, sess = uid("cam"), uid("zone"), uid("g"), uid("sess")
    old = await insert_alert(
        analytics.pool,
        raised_at=BASE,
        sensor_id=s,
        cleared_at=BASE + timedelta(minutes=1),
        session_id=sess,
    )
    zone = await insert_alert(
        analytics.pool, raised_at=BASE + timedelta(minutes=2), scope=2, zone_id=z
    )
    threat = await insert_alert(
        analytics.pool,
        raised_at=BASE + timedelta(minutes=3),
        kind=pb.ALERT_KIND_THREAT,
        global_id=g,
        zone_id=z,
        severity=pb.ALERT_SEVERITY_CRITICAL,
        threat_level=4,
    )
    h = analytics.stub.ListAlertHistory

    async def ids(**f) -> list[str]:
        return [
            a.alert_id
            for a in (await h(pb.ListAlertHistoryRequest(filter=pb.AlertFilter(**f)))).alerts
        ]

    assert await ids(sensor_id=s) == [old]
    assert await ids(sensor_id=s, state=pb.ALERT_STATE_ACTIVE) == []
    assert await ids(session_id=sess) == [old]
    assert await ids(zone_id=z) == [threat, zone]
    assert await ids(zone_id=z, kind=pb.ALERT_KIND_CONGESTION) == [zone]
    assert await ids(global_id=g) == [threat]
    assert await ids(zone_id=z, min_severity=pb.ALERT_SEVERITY_CRITICAL) == [threat]
    assert await ids(zone_id=z, start_time=to_timestamp(BASE + timedelta(minutes=3))) == [threat]
    assert await ids(zone_id=z, end_time=to_timestamp(BASE + timedelta(minutes=3))) == [zone]
    await analytics.stub.AcknowledgeAlert(pb.AcknowledgeAlertRequest(alert_id=zone))
    assert await ids(zone_id=z, unacknowledged_only=True) == [threat]

    bad = pb.AlertFilter(start_time=to_timestamp(BASE), end_time=to_timestamp(BASE - timedelta(1)))
    msg = await fails(INVALID, h(pb.ListAlertHistoryRequest(filter=bad)))
    assert msg.startswith("filter.start_time")
    bad = pb.AlertFilter(state=5)
    assert (await fails(INVALID, h(pb.ListAlertHistoryRequest(filter=bad)))).startswith(
        "filter.state"
    )


async def test_acknowledge_keeps_the_first_and_publishes_once(analytics):
    s = uid("cam")
    alert_id = await insert_alert(analytics.pool, raised_at=BASE, sensor_id=s)
    got: list[pb.StreamEventsResponse] = []

    async def on_msg(m) -> None:
        got.append(pb.StreamEventsResponse.FromString(m.data))

    sub = await analytics.nc.subscribe("aura.events.alert.acknowledged", cb=on_msg)
    await analytics.nc.flush()
    before = datetime.now(UTC)
    first = (
        await analytics.stub.AcknowledgeAlert(
            pb.AcknowledgeAlertRequest(alert_id=alert_id, comment="seen, crew on the way")
        )
    ).alert
    assert first.acknowledged and first.acknowledged_by == "anonymous"
    assert first.acknowledge_comment == "seen, crew on the way"
    assert first.acknowledged_at.ToDatetime(tzinfo=UTC) >= before.replace(microsecond=0)
    assert first.state == pb.ALERT_STATE_ACTIVE  # acknowledging does not clear

    again = (
        await analytics.stub.AcknowledgeAlert(
            pb.AcknowledgeAlertRequest(alert_id=alert_id, comment="second")
        )
    ).alert
    assert again == first

    for _ in range(100):
        if got:
            break
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.2)  # a second publish would have arrived by now
    await sub.unsubscribe()
    assert len(got) == 1
    assert got[0].type == pb.EVENT_TYPE_ALERT_ACKNOWLEDGED and got[0].alert_acknowledged == first
    assert got[0].timestamp == first.acknowledged_at

    cleared = await insert_alert(
        analytics.pool, raised_at=BASE, sensor_id=s, cleared_at=BASE + timedelta(minutes=5)
    )
    late = (
        await analytics.stub.AcknowledgeAlert(pb.AcknowledgeAlertRequest(alert_id=cleared))
    ).alert
    assert late.acknowledged and late.state == pb.ALERT_STATE_CLEARED

    ack = analytics.stub.AcknowledgeAlert
    await fails(grpc.StatusCode.NOT_FOUND, ack(pb.AcknowledgeAlertRequest(alert_id=uid("a"))))
    assert (await fails(INVALID, ack(pb.AcknowledgeAlertRequest()))).startswith("alert_id")
    long = pb.AcknowledgeAlertRequest(alert_id=alert_id, comment="x" * 1001)
    assert (await fails(INVALID, ack(long))).startswith("comment")


async def test_csv_export_streams_quoted_rows_oldest_first(analytics):
    s = uid("cam")
    awkward = 'Congestion "SEVERE" on cam, lane 2\nsecond line'
    first = await insert_alert(
        analytics.pool,
        raised_at=BASE,
        sensor_id=s,
        title=awkward,
        cleared_at=BASE + timedelta(seconds=90),
    )
    second = await insert_alert(
        analytics.pool,
        raised_at=BASE + timedelta(minutes=1),
        sensor_id=s,
        severity=pb.ALERT_SEVERITY_CRITICAL,
    )
    await analytics.stub.AcknowledgeAlert(pb.AcknowledgeAlertRequest(alert_id=second))
    chunks = [
        c
        async for c in analytics.stub.ExportAlertsCsv(
            pb.ExportAlertsCsvRequest(filter=pb.AlertFilter(sensor_id=s))
        )
    ]
    assert chunks and {c.content_type for c in chunks} == {"text/csv; charset=utf-8"}
    body = b"".join(c.data for c in chunks).decode("utf-8")
    assert body.startswith("alert_id,kind,severity,state,title,sensor_ids,") and "\r\n" in body
    rows = list(csv.DictReader(io.StringIO(body, newline="")))
    assert [r["alert_id"] for r in rows] == [first, second]
    r0, r1 = rows
    assert r0["title"] == awkward and r0["sensor_ids"] == s
    assert (r0["kind"], r0["severity"], r0["state"]) == ("CONGESTION", "HIGH", "CLEARED")
    assert r0["raised_at"] == "2026-05-02T08:00:00Z" and r0["cleared_at"] == "2026-05-02T08:01:30Z"
    assert r0["acknowledged_at"] == "" and r0["congestion_level"] == "HIGH"
    assert (r1["severity"], r1["state"], r1["acknowledged_by"]) == (
        "CRITICAL",
        "ACTIVE",
        "anonymous",
    )
    assert r1["acknowledged_at"].endswith("Z") and r1["cleared_at"] == ""

    many = uid("cam")
    await analytics.pool.execute(  # 1,500 alerts, more than one 64 KiB chunk
        """insert into alerts (alert_id, condition_key, kind, severity, state, title, scope,
            sensor_id, sensor_ids, raised_at, last_seen_at)
           select $1 || '-' || i, $1 || '-' || i, 1, 3, 1, repeat('t', 40), 1, $1, array[$1],
               $2::timestamptz + i * interval '1 second', $2::timestamptz + i * interval '1 second'
           from generate_series(0, 1499) i""",
        many,
        BASE,
    )
    chunks = [
        c
        async for c in analytics.stub.ExportAlertsCsv(
            pb.ExportAlertsCsvRequest(filter=pb.AlertFilter(sensor_id=many))
        )
    ]
    assert len(chunks) >= 2
    rows = list(csv.DictReader(io.StringIO(b"".join(c.data for c in chunks).decode(), newline="")))
    assert len(rows) == 1500 and rows[0]["raised_at"] < rows[-1]["raised_at"]
    bad = pb.ExportAlertsCsvRequest(filter=pb.AlertFilter(min_severity=99))
    with pytest.raises(grpc.aio.AioRpcError) as err:
        async for _ in analytics.stub.ExportAlertsCsv(bad):
            pass
    assert err.value.code() == INVALID
