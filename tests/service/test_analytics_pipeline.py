"""The analytics write side against the real NATS JetStream and PostgreSQL: windows with
out-of-order and late events, the speed fallback, alerts raised, repeated and cleared,
sessions, telemetry, zone events, sampled fused positions, a restart in the middle of a
window and a full replay that must give the same rows.

A NATS server of its own: `aura.fused` is one subject for the whole site, and the fused
watermark must not be moved by the full mesh's fusion running on the session server. A
database of its own on the session PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import math
import time
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import asyncpg
import nats
import pytest
from google.protobuf.struct_pb2 import Struct

from aura.admin.v1 import admin_pb2
from aura.analytics.v1 import analytics_pb2 as apb
from aura.common.v1 import common_pb2 as c
from aura.fusion.v1 import fusion_pb2 as fpb
from aura.ingest.v1 import ingest_pb2 as ipb
from services.analytics.config import AnalyticsSettings
from services.analytics.main import build
from services.cli.stack import NatsServer
from services.common.server import RunningServer, start_server
from services.common.timeutil import ts_from_seconds

WINDOW = 5.0
# Event times: a window-aligned base ten minutes ago (inside every retention period).
BASE = math.floor((time.time() - 600) / WINDOW) * WINDOW


def settings(nats_url: str, dsn: str, prefix: str = "analytics", **kw: Any) -> AnalyticsSettings:
    values: dict[str, Any] = {
        "nats_url": nats_url,
        "database_url": dsn,
        "auth": False,
        "analytics_durable_prefix": prefix,
        "analytics_window_s": WINDOW,
        "analytics_allowed_lateness_s": 2.0,
        # Processing-time idleness would close windows depending on how fast the machine
        # is; these tests close windows by event time only.
        "analytics_idle_close_s": 300.0,
        "analytics_ack_wait_s": 600.0,
        "analytics_tick_s": 0.05,
    }
    values.update(kw)
    return AnalyticsSettings.from_env({}, **values)


@pytest.fixture(scope="module")
async def own_nats(state_dir) -> AsyncIterator[NatsServer]:
    server = NatsServer(
        state_dir / f"nats-analytics-{uuid.uuid4().hex[:6]}", port=0, monitor_port=0
    )
    await server.astart()
    yield server
    await server.astop()


@pytest.fixture(scope="module")
async def dsn(postgres) -> str:
    name = f"analytics_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(postgres.dsn)
    try:
        await conn.execute(f"create database {name}")
    finally:
        await conn.close()
    return postgres.dsn.rsplit("/", 1)[0] + "/" + name


async def start_app(s: AnalyticsSettings) -> RunningServer:
    app = await build(s)
    server = await start_server(app, "127.0.0.1", 0)
    return server


@pytest.fixture(scope="module")
async def nc(own_nats) -> AsyncIterator[Any]:
    client = await nats.connect(own_nats.url)
    yield client
    await client.drain()


@pytest.fixture(scope="module")
async def events(nc) -> list[tuple[str, apb.StreamEventsResponse]]:
    got: list[tuple[str, apb.StreamEventsResponse]] = []

    async def on(msg: Any) -> None:
        got.append((msg.subject, apb.StreamEventsResponse.FromString(msg.data)))

    await nc.subscribe("aura.events.>", cb=on)
    return got


@pytest.fixture(scope="module")
async def app(own_nats, dsn, nc, events) -> AsyncIterator[RunningServer]:
    server = await start_app(settings(own_nats.url, dsn))
    yield server
    await server.stop(1)


async def wait_for(
    pred: Callable[[], Any], what: str, limit_s: float = 60.0, interval: float = 0.1
) -> Any:
    """Poll until pred() (sync or async) is truthy; the timeout only bounds a hang."""
    deadline = time.monotonic() + limit_s
    while True:
        value = pred()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(interval)


def det(
    sensor: str,
    t: float,
    label: str = "car",
    speed: float | None = None,
    x: float = 0.0,
    lane: str = "",
) -> c.Detection:
    d = c.Detection(
        sensor_id=sensor,
        sensor_kind=c.SENSOR_KIND_RADAR,
        timestamp=ts_from_seconds(t),
        class_label=label,
        confidence=0.9,
        position=c.Vector3(x=x, y=0.0),
    )
    if speed is not None:
        d.speed_mps = speed
    if lane:
        attrs = Struct()
        attrs.update({"lane": lane})
        d.attributes.CopyFrom(attrs)
    return d


def frame_id(t: float) -> int:
    return round(t * 1e6)


async def publish_frame(js: Any, sensor: str, t: float, dets: list[c.Detection]) -> None:
    f = c.DetectionFrame(
        sensor_id=sensor,
        sensor_kind=c.SENSOR_KIND_RADAR,
        frame_id=frame_id(t),
        timestamp=ts_from_seconds(t),
        detections=dets,
        received_at=ts_from_seconds(t + 0.01),
    )
    await js.publish(
        f"aura.detections.{sensor}",
        f.SerializeToString(),
        headers={"Nats-Msg-Id": f"{sensor}:{f.frame_id}"},
    )


async def publish_tracks(js: Any, sensor: str, t: float, tracks: list[c.Track]) -> None:
    f = c.TrackFrame(
        sensor_id=sensor, frame_id=frame_id(t), timestamp=ts_from_seconds(t), tracks=tracks
    )
    await js.publish(
        f"aura.tracks.{sensor}",
        f.SerializeToString(),
        headers={"Nats-Msg-Id": f"{sensor}:{f.frame_id}"},
    )


def track(sensor: str, tid: str, t: float, speed: float, x: float = 0.0) -> c.Track:
    return c.Track(
        id=tid,
        sensor_id=sensor,
        status=c.TRACK_STATUS_CONFIRMED,
        position=c.Vector3(x=x),
        speed_mps=speed,
        class_label="car",
        frame_id=frame_id(t),
    )


async def fetch_window(conn: asyncpg.Connection, sensor: str, start: float) -> Any:
    return await conn.fetchrow(
        """select * from window_metrics where scope = 1 and sensor_id = $1
           and window_start = to_timestamp($2)""",
        sensor,
        start,
    )


async def test_windows_out_of_order_late_and_speed_fallback(app, nc, dsn, events) -> None:
    js = nc.jetstream()
    s = "wt-s1"
    b = BASE
    # window [b, b+5): two cars with measured speed, a bus without (its track gives 4 m/s),
    # then a person out of order (1.5 s behind the watermark, within the 2 s lateness)
    await publish_frame(js, s, b + 0.5, [det(s, b + 0.5, speed=10.0), det(s, b + 0.5, speed=10.0)])
    await publish_tracks(js, s, b + 0.5, [track(s, "wt-s1-1", b + 0.5, 9.0)])
    await publish_frame(js, s, b + 3.0, [det(s, b + 3.0, "bus", x=20.0)])
    await publish_tracks(
        js, s, b + 3.0, [track(s, "wt-s1-1", b + 1.0, 9.0), track(s, "wt-s1-2", b + 3.0, 4.0, 20)]
    )
    await publish_frame(js, s, b + 1.5, [det(s, b + 1.5, "person", speed=5.0)])
    # watermark to b+7.5: the window closes (7.5 - 2 >= 5)
    await publish_frame(js, s, b + 7.5, [det(s, b + 7.5)])
    await publish_tracks(js, s, b + 7.5, [])
    # b+4.0 is 3.5 s behind the watermark: late, counted as dropped, never in the window
    await publish_frame(js, s, b + 4.0, [det(s, b + 4.0, "truck", speed=1.0)])
    # push the watermark past the next window too
    await publish_frame(js, s, b + 13.0, [])
    await publish_tracks(js, s, b + 13.0, [])

    conn = await asyncpg.connect(dsn)
    try:
        w = await wait_for(lambda: fetch_window(conn, s, b), "window 1")
        assert w["detection_count"] == 4
        assert json.loads(w["counts_by_class"]) == {"bus": 1, "car": 2, "person": 1}
        assert w["speed_source"] == apb.SPEED_SOURCE_MIXED
        assert w["speed_samples"] == 4
        assert w["mean_speed_mps"] == pytest.approx((10 + 10 + 5 + 4) / 4)
        assert w["unique_tracks"] == 2 and list(w["track_ids"]) == ["wt-s1-1", "wt-s1-2"]
        assert w["window_end"].timestamp() == b + WINDOW
        assert w["congestion_level"] >= 1
        await wait_for(
            lambda: conn.fetchval(
                "select late_dropped from window_metrics where scope = 1 and sensor_id = $1 "
                "and window_start = to_timestamp($2)",
                s,
                b,
            ),
            "late_dropped of window 1",
        )
        dropped = await conn.fetch(
            "select reason, count from dropped_events where source = $1", f"detections:{s}"
        )
        assert [(r["reason"], r["count"]) for r in dropped] == [("late", 1)]
        # raw detections keep every detection, the late one too
        n = await conn.fetchval("select count(*) from detections where sensor_id = $1", s)
        assert n == 6
        w2 = await wait_for(lambda: fetch_window(conn, s, b + 5), "window 2")
        assert w2["detection_count"] == 1 and w2["late_dropped"] == 0
    finally:
        await conn.close()
    subjects = [
        (sub, ev.metrics_update.key.sensor_id, ev.metrics_update.window_start.seconds)
        for sub, ev in events
        if ev.type == apb.EVENT_TYPE_METRICS_UPDATE
    ]
    assert ("aura.events.metrics.sensor", s, int(b)) in subjects


async def test_lanes_sessions_telemetry_zone_events_and_fused_positions(app, nc, dsn) -> None:
    js = nc.jetstream()
    kv = await js.key_value("AURA_CONFIG")
    s = "wt-lane"
    session = admin_pb2.Session(
        session_id="wt-sess-1",
        sensor_ids=[s],
        state=admin_pb2.SESSION_STATE_ACTIVE,
        started_at=ts_from_seconds(BASE - 100),
    )
    await kv.put("sessions.wt-sess-1", session.SerializeToString())
    pipeline = app.app.pipeline  # type: ignore[attr-defined]
    await wait_for(lambda: pipeline.registry.session_for(s) == "wt-sess-1", "session in registry")
    b = BASE + 100
    await publish_frame(
        js, s, b + 1, [det(s, b + 1, speed=3.0, lane="1"), det(s, b + 1, speed=5.0, lane="2")]
    )
    await publish_tracks(js, s, b + 1, [])
    await publish_frame(js, s, b + 8, [])
    await publish_tracks(js, s, b + 8, [])
    # telemetry, sent twice: stored once
    batch = ipb.TelemetryBatch(
        source_id="wt-tel",
        samples=[
            ipb.TelemetrySample(
                source_id="wt-tel",
                channel="battery_v",
                value=12.5,
                unit="V",
                timestamp=ts_from_seconds(b),
            )
        ],
    )
    await js.publish("aura.telemetry.wt-tel", batch.SerializeToString())
    await js.publish("aura.telemetry.wt-tel", batch.SerializeToString())
    ev = fpb.ZoneEvent(
        event_id="wt-ze-1",
        type=fpb.ZONE_EVENT_TYPE_ENTER,
        zone_id="wt-z1",
        global_id="wt-g9",
        timestamp=ts_from_seconds(b),
        position=c.Vector3(x=1, y=2),
    )
    await js.publish("aura.zones.wt-z1", ev.SerializeToString())
    # five fused frames within one second of one track: one fused_positions row
    for i in range(5):
        t = b + 0.1 + 0.2 * i
        ff = fpb.FusedTrackFrame(
            sequence=1000 + i,
            timestamp=ts_from_seconds(t),
            tracks=[
                fpb.FusedTrack(
                    global_id="wt-g9",
                    status=c.TRACK_STATUS_CONFIRMED,
                    position=c.Vector3(x=1.0 + i, y=2.0),
                    speed_mps=2.0,
                    class_label="person",
                    zone_ids=["wt-z1"],
                )
            ],
        )
        await js.publish("aura.fused", ff.SerializeToString())
    ff = fpb.FusedTrackFrame(sequence=1100, timestamp=ts_from_seconds(b + 8))
    await js.publish("aura.fused", ff.SerializeToString())

    conn = await asyncpg.connect(dsn)
    try:
        lanes = await wait_for(
            lambda: conn.fetch(
                "select lane_id, mean_speed_mps, session_id from window_metrics "
                "where scope = 3 and sensor_id = $1 order by lane_id",
                s,
            ),
            "lane windows",
        )
        assert [(r["lane_id"], r["mean_speed_mps"], r["session_id"]) for r in lanes] == [
            ("1", 3.0, "wt-sess-1"),
            ("2", 5.0, "wt-sess-1"),
        ]
        sessions = await conn.fetch(
            "select distinct session_id, lane_id from detections where sensor_id = $1", s
        )
        assert {(r["session_id"], r["lane_id"]) for r in sessions} == {
            ("wt-sess-1", "1"),
            ("wt-sess-1", "2"),
        }
        tel = await wait_for(
            lambda: conn.fetch("select * from telemetry where source_id = 'wt-tel'"), "telemetry"
        )
        assert [(r["channel"], r["value"], r["unit"]) for r in tel] == [("battery_v", 12.5, "V")]
        ze = await wait_for(
            lambda: conn.fetchrow("select * from zone_events where event_id = 'wt-ze-1'"),
            "zone event",
        )
        assert (ze["zone_id"], ze["global_id"], ze["x"], ze["y"]) == ("wt-z1", "wt-g9", 1, 2)
        zone = await wait_for(
            lambda: conn.fetchrow(
                "select * from window_metrics where scope = 2 and zone_id = 'wt-z1'"
            ),
            "zone window",
        )
        assert zone["unique_tracks"] == 1 and zone["speed_source"] == apb.SPEED_SOURCE_TRACK
        pos = await conn.fetch("select ts, x from fused_positions where global_id = 'wt-g9'")
        assert [(r["ts"].timestamp(), r["x"]) for r in pos] == [(b, 1.0)]
    finally:
        await conn.close()
        await kv.delete("sessions.wt-sess-1")


async def test_congestion_and_threat_alert_lifecycle(app, nc, dsn, events) -> None:
    js = nc.jetstream()
    s = "wt-a1"
    b = BASE + 200
    # two congested windows (standing traffic: 0 m/s, present all the time), then two free
    for k in range(2):
        for i in range(10):
            t = b + k * WINDOW + 0.5 * i
            await publish_frame(js, s, t, [det(s, t, speed=0.0)])
            await publish_tracks(js, s, t, [track(s, "wt-a1-1", t, 0.0)])
    for k in (2, 3):
        t = b + k * WINDOW + 0.5
        await publish_frame(js, s, t, [det(s, t, speed=13.9)])
        await publish_tracks(js, s, t, [track(s, "wt-a1-2", t, 13.9)])
    t = b + 4 * WINDOW + 3  # closes window 3
    await publish_frame(js, s, t, [])
    await publish_tracks(js, s, t, [])
    g = "wt-g1"
    t0 = b
    for level, dt in ((3, 0.0), (4, 1.0), (0, 2.0)):
        th = fpb.Threat(global_id=g, level=level, timestamp=ts_from_seconds(t0 + dt), zone_id="z")
        await js.publish("aura.threats", th.SerializeToString())

    # Threats and fused frames have separate consumers: let the threats be handled (acked)
    # before the fused frame that moves the threat clock past threat_clear_after_s, or the
    # clock may pass first and the alert wait for a later frame.
    async def threats_handled() -> bool:
        info = await js.consumer_info("AURA_THREATS", "analytics-threats")
        return (
            info.num_pending == 0 and info.num_ack_pending == 0 and info.delivered.stream_seq >= 3
        )

    await wait_for(threats_handled, "threats handled")
    clock = fpb.FusedTrackFrame(sequence=5000, timestamp=ts_from_seconds(t0 + 13))
    await js.publish("aura.fused", clock.SerializeToString())

    conn = await asyncpg.connect(dsn)
    try:
        cond = f"congestion:1:{s}::"
        alert = await wait_for(
            lambda: conn.fetchrow(
                "select * from alerts where condition_key = $1 and state = 2", cond
            ),
            "congestion alert cleared",
        )
        assert alert["raised_at"].timestamp() == b
        assert alert["cleared_at"].timestamp() == b + 2 * WINDOW
        assert alert["occurrences"] == 2
        assert alert["last_seen_at"].timestamp() == b + 2 * WINDOW
        assert alert["severity"] == apb.ALERT_SEVERITY_HIGH
        assert alert["title"].startswith("Congestion HIGH on wt-a1")
        assert (
            await conn.fetchval("select count(*) from alerts where condition_key = $1", cond) == 1
        )
        threat = await wait_for(
            lambda: conn.fetchrow(
                "select * from alerts where condition_key = $1 and state = 2", f"threat:{g}"
            ),
            "threat alert cleared",
        )
        assert threat["raised_at"].timestamp() == t0
        assert threat["occurrences"] == 2
        assert threat["severity"] == apb.ALERT_SEVERITY_CRITICAL
        assert threat["threat_level"] == 4
        assert threat["cleared_at"].timestamp() == t0 + 2
    finally:
        await conn.close()
    await wait_for(
        lambda: (
            {
                (ev.type, (ev.alert_raised.alert_id or ev.alert_cleared.alert_id))
                for _, ev in events
                if ev.type in (apb.EVENT_TYPE_ALERT_RAISED, apb.EVENT_TYPE_ALERT_CLEARED)
            }
            >= {
                (apb.EVENT_TYPE_ALERT_RAISED, alert["alert_id"]),
                (apb.EVENT_TYPE_ALERT_CLEARED, alert["alert_id"]),
                (apb.EVENT_TYPE_ALERT_RAISED, threat["alert_id"]),
                (apb.EVENT_TYPE_ALERT_CLEARED, threat["alert_id"]),
            }
        ),
        "alert events",
    )


async def test_admin_thresholds_and_overrides_apply_at_run_time(app, nc, dsn) -> None:
    """admin's thresholds (defaults as seeded, plus an override for one sensor) are picked
    up from AURA_CONFIG without a restart and grade the next windows."""
    js = nc.jetstream()
    kv = await js.key_value("AURA_CONFIG")
    seeded = admin_pb2.CongestionThresholds(
        moderate_score=0.4,
        high_score=0.6,
        severe_score=0.8,
        free_flow_speed_mps=13.9,
        capacity_per_window=50,
        speed_weight=1,
        occupancy_weight=1,
        count_weight=1,
    )
    counting = admin_pb2.CongestionThresholds()
    counting.CopyFrom(seeded)
    counting.speed_weight, counting.occupancy_weight, counting.capacity_per_window = 0, 0, 1
    thresholds = admin_pb2.Thresholds(
        congestion=seeded,
        congestion_overrides={"wt-ov": counting},
        alert_rules=admin_pb2.AlertRules(
            min_congestion_level=c.CONGESTION_LEVEL_SEVERE,
            raise_after_windows=1,
            clear_after_windows=2,
            min_threat_level=3,
            threat_clear_after_s=10,
        ),
    )
    await kv.put("thresholds", thresholds.SerializeToString())
    pipeline = app.app.pipeline  # type: ignore[attr-defined]
    await wait_for(lambda: "wt-ov" in pipeline.congestion_overrides, "thresholds applied")
    s = "wt-ov"
    b = BASE + 400
    for t in (b + 1, b + 8):
        await publish_frame(js, s, t, [det(s, t, speed=13.9)])
        await publish_tracks(js, s, t, [track(s, "wt-ov-1", t, 13.9)])
    conn = await asyncpg.connect(dsn)
    try:
        w = await wait_for(lambda: fetch_window(conn, s, b), "overridden window")
        # one unique track against a capacity of 1, the only weighted term: score 1
        assert w["congestion_score"] == pytest.approx(1.0)
        assert w["congestion_level"] == c.CONGESTION_LEVEL_SEVERE
        alert = await wait_for(
            lambda: conn.fetchrow(
                "select * from alerts where condition_key = $1", f"congestion:1:{s}::"
            ),
            "SEVERE alert",
        )
        assert alert["severity"] == apb.ALERT_SEVERITY_CRITICAL
    finally:
        await conn.close()


async def test_malformed_message_is_dead_lettered_and_counted(app, nc, dsn) -> None:
    js = nc.jetstream()
    ack = await js.publish("aura.detections.wt-bad", b"\xff\xff not a frame")
    conn = await asyncpg.connect(dsn)
    try:
        count = await wait_for(
            lambda: conn.fetchval(
                "select count from dropped_events where source = 'detections' "
                "and reason = 'malformed'"
            ),
            "malformed counted",
        )
        assert count == 1
        assert (
            await conn.fetchval(
                "select count(*) from dropped_log where event_key = $1", f"seq:{ack.seq}"
            )
            == 1
        )
    finally:
        await conn.close()
    dlq = await js.get_last_msg("AURA_DLQ", "aura.dlq.analytics")
    assert dlq.data == b"\xff\xff not a frame"
    assert dlq.headers and "DetectionFrame" in dlq.headers["Aura-Dlq-Reason"]


async def new_database(server_dsn: str) -> str:
    name = f"analytics_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(server_dsn)
    try:
        await conn.execute(f"create database {name}")
    finally:
        await conn.close()
    return server_dsn.rsplit("/", 1)[0] + "/" + name


async def test_restart_mid_window_loses_nothing(state_dir, postgres) -> None:
    """Half a window, a stop (its messages are held, not acked), a new process, the other
    half: the window holds every detection. A NATS and a database of their own, so that no
    other analytics instance sees these messages."""
    server = NatsServer(state_dir / f"nats-restart-{uuid.uuid4().hex[:6]}", port=0, monitor_port=0)
    await server.astart()
    db = await new_database(postgres.dsn)
    client = await nats.connect(server.url)
    conn = await asyncpg.connect(db)
    try:
        js = client.jetstream()
        s = "wt-r1"
        b = BASE + 300
        first = await start_app(settings(server.url, db))
        for i in range(5):
            t = b + 0.5 * i
            await publish_frame(js, s, t, [det(s, t, speed=1.0)])
            await publish_tracks(js, s, t, [])
        await wait_for(
            lambda: conn.fetchval("select count(*) = 5 from detections where sensor_id = $1", s),
            "first half stored",
        )
        await first.stop(0)
        assert await fetch_window(conn, s, b) is None
        second = await start_app(settings(server.url, db))
        try:
            for i in range(5, 10):
                t = b + 0.5 * i
                await publish_frame(js, s, t, [det(s, t, speed=1.0)])
                await publish_tracks(js, s, t, [])
            await publish_frame(js, s, b + 8.0, [])
            await publish_tracks(js, s, b + 8.0, [])
            w = await wait_for(lambda: fetch_window(conn, s, b), "window after restart")
            assert w["detection_count"] == 10
            # ten detections, ten detection frames and ten track frames, each once
            assert w["event_count"] == 30
        finally:
            await second.stop(0)
    finally:
        await conn.close()
        await client.drain()
        await server.astop()


SNAPSHOT = {
    "window_metrics": "select * from window_metrics order by scope, sensor_id, zone_id, "
    "lane_id, window_start",
    "alerts": "select * from alerts order by alert_id",
    "detections": "select * from detections order by sensor_id, frame_id, idx",
    "dropped_events": "select * from dropped_events order by source, reason, minute",
    "telemetry": "select * from telemetry order by source_id, channel, ts",
    "fused_positions": "select * from fused_positions order by global_id, ts",
    "zone_events": "select * from zone_events order by event_id",
}


async def snapshot(conn: asyncpg.Connection) -> dict[str, list[dict[str, Any]]]:
    out = {}
    for table, sql in SNAPSHOT.items():
        rows = await conn.fetch(sql)
        out[table] = [{k: v for k, v in dict(r).items() if k != "written_at"} for r in rows]
    return out


async def test_full_replay_gives_the_same_rows(own_nats, nc, dsn, app) -> None:
    """Every message again, through new durable consumers: the tables do not change."""
    conn = await asyncpg.connect(dsn)
    try:
        before = await snapshot(conn)
        assert before["window_metrics"] and before["alerts"]
        replay = await start_app(settings(own_nats.url, dsn, prefix="replay"))
        rp = replay.app.pipeline  # type: ignore[attr-defined]
        try:
            # done when the replaying consumers have nothing pending beyond what the
            # windows still open hold, and the first pipeline has the same held count
            async def caught_up() -> bool:
                # quiescent: nothing left to deliver, and every delivered message is acked
                # or held by a window still open
                windowed = 0
                for consumer in rp.consumers:
                    info = await nc.jetstream().consumer_info(consumer.stream, consumer.durable)
                    if info.num_pending:
                        return False
                    if consumer.durable.split("-", 1)[1] in ("detections", "tracks", "fused"):
                        windowed += info.num_ack_pending
                    elif info.num_ack_pending:
                        return False
                return windowed == rp.windows.held() and not rp.failed

            await wait_for(caught_up, "replay caught up")
            await asyncio.sleep(0.5)  # a last tick's commit
            after = await snapshot(conn)
        finally:
            await replay.stop(0)
    finally:
        await conn.close()
    for table in SNAPSHOT:
        assert len(after[table]) == len(before[table]), table
        for a, b in zip(after[table], before[table], strict=True):
            diff = {k: (b[k], a[k]) for k in b if a[k] != b[k]}
            assert not diff, (table, b, diff)
