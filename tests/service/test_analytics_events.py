"""StreamEvents against the real NATS: events published on the subscribed subjects reach
the subscribers whose filters keep them, numbered per subscriber; a re-published message id
is delivered once; heartbeats; a slow subscriber gets MISSED_EVENTS while the others go on;
the heatmap publisher's replicas give one HEATMAP_UPDATE per 10 s bucket."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest
from test_analytics_queries_support import (
    Analytics,
    insert_fused,
    start_analytics,
    uid,
    until,
)

from aura.admin.v1 import admin_pb2
from aura.analytics.v1 import analytics_pb2 as pb
from aura.fusion.v1 import fusion_pb2
from services.analytics.adapters.events_feed import HEATMAP_SUBJECT
from services.cli.stack import NatsServer

E = pb.StreamEventsResponse


@pytest.fixture(scope="module")
def nats_server(state_dir: Path) -> Iterator[NatsServer]:
    """A NATS of this module's own: the session's carries the live events of the mesh's
    analytics and fusion, which would interleave with the events these tests publish and
    count (this fixture overrides the session one for this module only)."""
    server = NatsServer(state_dir / f"nats-events-{uuid.uuid4().hex[:6]}", port=0, monitor_port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
async def analytics(nats_server, postgres) -> AsyncIterator[Analytics]:
    a, close = await start_analytics(nats_server.url, postgres.dsn, publish_heatmaps=False)
    yield a
    await close()


def metrics(scope: int, sensor_id: str = "", zone_id: str = "", n: int = 1) -> E:
    key = pb.MetricsKey(scope=scope, sensor_id=sensor_id, zone_id=zone_id)
    return E(
        type=pb.EVENT_TYPE_METRICS_UPDATE,
        metrics_update=pb.WindowMetrics(key=key, detection_count=n),
    )


def alert(alert_id: str, sensor_id: str = "", zone_id: str = "") -> E:
    a = pb.Alert(alert_id=alert_id, sensor_ids=[sensor_id] if sensor_id else [], zone_id=zone_id)
    return E(type=pb.EVENT_TYPE_ALERT_RAISED, alert_raised=a)


def label(e: E) -> str:
    kind = e.WhichOneof("payload")
    if kind == "metrics_update":
        k = e.metrics_update.key
        return f"metrics:{k.sensor_id or k.zone_id}"
    if kind == "alert_raised":
        return f"alert:{e.alert_raised.alert_id}"
    if kind == "admin_broadcast":
        return f"broadcast:{e.admin_broadcast.text}"
    if kind == "zone_event":
        return f"zone:{e.zone_event.event_id}"
    if kind == "threat_change":
        return f"threat:{e.threat_change.global_id}"
    return kind or ""


async def read_until(call, end: str, into: list[E]) -> None:
    """Read a stream until the event labelled `end` (or the broadcast `end`) arrives."""
    async for e in call:
        into.append(e)
        if label(e) in (end, f"broadcast:{end}"):
            return


async def test_filters_sequences_and_duplicate_ids(analytics):
    s1, s2, z1, z2 = uid("s"), uid("s"), uid("z"), uid("z")
    stub, hub = analytics.stub, analytics.servicer.hub
    await until(lambda: hub.subscribers == 0)  # earlier tests' streams are gone
    base = 0
    calls = {
        "all": stub.StreamEvents(pb.StreamEventsRequest(heartbeat_seconds=300)),
        "alerts": stub.StreamEvents(
            pb.StreamEventsRequest(types=[pb.EVENT_TYPE_ALERT_RAISED], heartbeat_seconds=300)
        ),
        "s1": stub.StreamEvents(pb.StreamEventsRequest(sensor_ids=[s1], heartbeat_seconds=300)),
        "z1": stub.StreamEvents(pb.StreamEventsRequest(zone_ids=[z1], heartbeat_seconds=300)),
    }
    await until(lambda: hub.subscribers == base + 4)

    nc = analytics.nc
    await nc.publish(
        "aura.events.metrics.sensor",
        metrics(1, s1).SerializeToString(),
        headers={"Nats-Msg-Id": f"m-{s1}"},
    )
    await nc.publish(
        "aura.events.metrics.sensor",
        metrics(1, s1).SerializeToString(),
        headers={"Nats-Msg-Id": f"m-{s1}"},
    )  # a replay: delivered once
    await nc.publish("aura.events.metrics.sensor", metrics(1, s2).SerializeToString())
    await nc.publish("aura.events.metrics.zone", metrics(2, zone_id=z1).SerializeToString())
    await nc.publish("aura.events.alert.raised", alert("a1", s1).SerializeToString())
    await nc.publish("aura.events.alert.raised", alert("a2", s2, z2).SerializeToString())
    await nc.publish("aura.events.metrics.sensor", b"\xff not a message")  # skipped
    await nc.publish(
        "aura.zones." + z1,
        fusion_pb2.ZoneEvent(event_id="ze1", zone_id=z1, sensor_ids=[s2]).SerializeToString(),
    )
    await nc.publish(
        "aura.threats", fusion_pb2.Threat(global_id="g1", zone_id=z2, level=3).SerializeToString()
    )
    await nc.publish("aura.threats", fusion_pb2.Threat(global_id="g2").SerializeToString())
    await nc.publish("aura.broadcast", admin_pb2.BroadcastMessage(text="end").SerializeToString())
    await nc.flush()

    got: dict[str, list[E]] = {name: [] for name in calls}
    ends = {"all": "end", "alerts": "alert:a2", "s1": "end", "z1": "end"}
    await asyncio.gather(*(read_until(calls[n], ends[n], got[n]) for n in calls))
    for call in calls.values():
        call.cancel()
    labels = {n: [label(e) for e in got[n]] for n in got}
    everything = [
        f"metrics:{s1}",
        f"metrics:{s2}",
        f"metrics:{z1}",
        "alert:a1",
        "alert:a2",
        "zone:ze1",
        "threat:g1",
        "threat:g2",
        "broadcast:end",
    ]
    assert labels["all"] == everything
    assert labels["alerts"] == ["alert:a1", "alert:a2"]
    # sensor_ids=[s1]: events tied to other sensors go; zone metrics, threats, broadcasts pass.
    assert labels["s1"] == [
        f"metrics:{s1}",
        f"metrics:{z1}",
        "alert:a1",
        "threat:g1",
        "threat:g2",
        "broadcast:end",
    ]
    # zone_ids=[z1]: alert a2 (zone z2) and threat g1 (zone z2) go.
    assert labels["z1"] == [
        f"metrics:{s1}",
        f"metrics:{s2}",
        f"metrics:{z1}",
        "alert:a1",
        "zone:ze1",
        "threat:g2",
        "broadcast:end",
    ]
    for name in calls:
        assert [e.sequence for e in got[name]] == list(range(1, len(got[name]) + 1))


async def test_only_alert_types_stream_sees_no_broadcast(analytics):
    hub = analytics.servicer.hub
    await until(lambda: hub.subscribers == 0)  # earlier tests' streams are gone
    base = 0
    call = analytics.stub.StreamEvents(
        pb.StreamEventsRequest(types=[pb.EVENT_TYPE_ALERT_RAISED], heartbeat_seconds=300)
    )
    await until(lambda: hub.subscribers == base + 1)
    nc = analytics.nc
    await nc.publish("aura.broadcast", admin_pb2.BroadcastMessage(text="x").SerializeToString())
    await nc.publish("aura.events.alert.raised", alert("only").SerializeToString())
    await nc.flush()
    # Other analytics instances on the session's NATS may raise real alerts meanwhile:
    # read up to ours; every event before it must be an alert, never the broadcast.
    got: list[E] = []
    while not got or label(got[-1]) != "alert:only":
        got.append(await asyncio.wait_for(call.read(), 30))
    call.cancel()
    assert all(e.type == pb.EVENT_TYPE_ALERT_RAISED for e in got), [label(e) for e in got]
    assert [e.sequence for e in got] == list(range(1, len(got) + 1))


async def test_heartbeat_and_validation(analytics):
    call = analytics.stub.StreamEvents(pb.StreamEventsRequest(heartbeat_seconds=1))
    first = await asyncio.wait_for(call.read(), 30)
    call.cancel()
    assert first.type == pb.EVENT_TYPE_HEARTBEAT and first.heartbeat.interval_seconds == 1
    assert first.sequence == 1 and first.HasField("timestamp")

    async def fails_stream(req: pb.StreamEventsRequest) -> str:
        call = analytics.stub.StreamEvents(req)
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await call.read()
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        return err.value.details() or ""

    assert (await fails_stream(pb.StreamEventsRequest(types=[0]))).startswith("types[0]")
    assert (await fails_stream(pb.StreamEventsRequest(types=[1, 42]))).startswith("types[1]")
    assert (await fails_stream(pb.StreamEventsRequest(heartbeat_seconds=301))).startswith(
        "heartbeat_seconds"
    )


async def test_slow_subscriber_is_told_what_it_missed_and_stalls_no_one(nats_server, postgres):
    a, close = await start_analytics(
        nats_server.url, postgres.dsn, publish_heatmaps=False, event_buffer=64
    )
    hub = a.servicer.hub
    req = pb.StreamEventsRequest(types=[pb.EVENT_TYPE_ADMIN_BROADCAST], heartbeat_seconds=300)
    slow = a.stub.StreamEvents(req)  # not read until the others are done
    fast = a.stub.StreamEvents(req)
    n = 600
    fast_got: list[E] = []
    slow_got: list[E] = []
    markers = 0

    async def mark_until(got: list[E]) -> None:
        """Publish end markers until `got` holds one (a marker can be dropped too)."""
        nonlocal markers
        while not any(e.admin_broadcast.text.startswith("end-") for e in got):
            markers += 1
            msg = admin_pb2.BroadcastMessage(broadcast_id=str(n + markers), text=f"end-{markers}")
            await a.nc.publish("aura.broadcast", msg.SerializeToString())
            await asyncio.sleep(0.05)

    async def read(call, got: list[E]) -> None:
        async for e in call:
            got.append(e)
            if e.admin_broadcast.text.startswith("end-"):
                return

    try:
        await until(lambda: hub.subscribers == 2)
        fast_reader = asyncio.ensure_future(read(fast, fast_got))  # reads as events come
        text = "x" * 32_000  # 600 x 32 kB: far more than the transport and the buffer hold
        for i in range(n):
            msg = admin_pb2.BroadcastMessage(broadcast_id=str(i + 1), text=text)
            await a.nc.publish("aura.broadcast", msg.SerializeToString())
            if i % 16 == 15:  # a steady stream rather than one burst
                await a.nc.flush()
                await asyncio.sleep(0.005)
        await a.nc.flush()
        # The fast subscriber reaches the end while the slow one has read nothing.
        await asyncio.gather(fast_reader, mark_until(fast_got))
        assert slow_got == []
        await asyncio.gather(read(slow, slow_got), mark_until(slow_got))
        fast.cancel()
        slow.cancel()
    finally:
        await close()

    for got in (fast_got, slow_got):
        events = [e for e in got if e.type == pb.EVENT_TYPE_ADMIN_BROADCAST]
        notices = [e for e in got if e.type == pb.EVENT_TYPE_MISSED_EVENTS]
        # Every matching event up to the marker read was delivered or counted missed ...
        last = int(events[-1].admin_broadcast.broadcast_id)
        assert len(events) + sum(e.missed_events.count for e in notices) == last
        # ... in order: each notice stands where its events were dropped, and the sequence
        # numbers count the dropped events too.
        expected_seq = 0
        for e in got:
            if e.type == pb.EVENT_TYPE_MISSED_EVENTS:
                expected_seq += e.missed_events.count + 1
                assert e.missed_events.HasField("first_missed_at")
            else:
                expected_seq += 1
            assert e.sequence == expected_seq
        ids = [int(e.admin_broadcast.broadcast_id) for e in events]
        assert ids == sorted(ids)
    slow_missed = sum(e.missed_events.count for e in slow_got if e.missed_events.count)
    assert slow_missed >= n // 3  # its buffer (64) and the transport hold some, not all


async def test_heatmap_replicas_publish_one_update_per_bucket(analytics, nats_server):
    site = uid("site")
    # A bucket an hour ago: the periodic publishers (this instance's and the session's, on
    # the same NATS) publish only current buckets, so this msg id is the test's alone.
    boundary = float(int(datetime.now(UTC).timestamp()) // 10 * 10 - 3600)
    await insert_fused(
        analytics.pool,
        f"{site}-g",
        datetime.fromtimestamp(boundary - 30, UTC),
        12.0,
        3.0,
        site_id=site,
    )
    hub = analytics.servicer.hub
    await until(lambda: hub.subscribers == 0)  # earlier tests' streams are gone
    base = 0
    call = analytics.stub.StreamEvents(
        pb.StreamEventsRequest(
            types=[pb.EVENT_TYPE_HEATMAP_UPDATE, pb.EVENT_TYPE_ADMIN_BROADCAST],
            heartbeat_seconds=300,
        )
    )
    await until(lambda: hub.subscribers == base + 1)
    js = analytics.nc.jetstream()
    before = (await js.stream_info("AURA_EVENTS")).state.messages
    ids: list[str] = []

    async def on_raw(m) -> None:
        ids.append((m.headers or {}).get("Nats-Msg-Id", ""))

    raw = await analytics.nc.subscribe(HEATMAP_SUBJECT, cb=on_raw)
    replica = analytics.servicer.heatmaps
    await replica.publish_once(boundary)
    await replica.publish_once(boundary)  # a second replica, same bucket
    after = (await js.stream_info("AURA_EVENTS")).state.messages
    await analytics.nc.publish(
        "aura.broadcast", admin_pb2.BroadcastMessage(text="hm-end").SerializeToString()
    )
    got: list[E] = []
    await read_until(call, "hm-end", got)
    call.cancel()
    # The periodic publishers of this and the session's analytics (same NATS) may add
    # heatmaps of the next bucket meanwhile; the bucket under test must arrive once.
    all_heatmaps = [e for e in got if e.type == pb.EVENT_TYPE_HEATMAP_UPDATE]
    heatmaps = [e for e in all_heatmaps if e.heatmap_update.end_time.seconds == int(boundary)]
    others = len(all_heatmaps) - len(heatmaps)
    assert len(heatmaps) == 1 and after - before == 1 + others
    hm = heatmaps[0].heatmap_update
    assert hm.end_time.seconds == int(boundary) and hm.cell_size_m == 5.0
    assert (hm.end_time.seconds - hm.start_time.seconds) == 300
    assert any((c.ix, c.iy) == (2, 0) for c in hm.cells)
    assert heatmaps[0].timestamp == hm.end_time
    mine = f"heatmap:{int(boundary) * 1_000_000}"
    await until(lambda: ids.count(mine) >= 2)  # both went out on core NATS, with one id
    await raw.unsubscribe()


async def test_heatmap_publisher_runs_on_its_boundaries(nats_server, postgres):
    a, close = await start_analytics(nats_server.url, postgres.dsn, heatmap_interval_s=1.0)
    try:
        call = a.stub.StreamEvents(
            pb.StreamEventsRequest(types=[pb.EVENT_TYPE_HEATMAP_UPDATE], heartbeat_seconds=300)
        )
        first = await asyncio.wait_for(call.read(), 60)
        second = await asyncio.wait_for(call.read(), 60)
        call.cancel()
    finally:
        await close()
    for e in (first, second):
        hm = e.heatmap_update
        assert e.type == pb.EVENT_TYPE_HEATMAP_UPDATE and hm.end_time.nanos == 0
        assert hm.end_time.seconds - hm.start_time.seconds == 300 and hm.cell_size_m == 5.0
    assert second.heatmap_update.end_time.seconds > first.heatmap_update.end_time.seconds
    assert (first.sequence, second.sequence) == (1, 2)
