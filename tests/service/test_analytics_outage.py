"""PostgreSQL stopped and started under a running analytics service: health goes
NOT_SERVING, nothing is acked meanwhile, and once the database is back every detection and
window is there exactly once. A PostgreSQL and a NATS of this test's own (the session
servers are shared with other tests)."""

from __future__ import annotations

import asyncio
import math
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import grpc
import nats
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from aura.common.v1 import common_pb2 as c
from services.analytics.config import AnalyticsSettings
from services.analytics.main import build
from services.cli.stack import NatsServer, Postgres
from services.common.server import start_server
from services.common.timeutil import ts_from_seconds

pytestmark = pytest.mark.slow

WINDOW = 5.0
BASE = math.floor((time.time() - 900) / WINDOW) * WINDOW
SENSOR = "wt-outage"


@pytest.fixture
async def servers(state_dir) -> AsyncIterator[tuple[NatsServer, Postgres]]:
    tag = uuid.uuid4().hex[:6]
    nats_server = NatsServer(state_dir / f"nats-outage-{tag}", port=0, monitor_port=0)
    pg = Postgres(state_dir / f"pg-outage-{tag}", port=0, durable=False)
    await nats_server.astart()
    await pg.astart()
    yield nats_server, pg
    await pg.astop()
    await nats_server.astop()


async def publish(js: Any, t: float, n: int) -> None:
    dets = [
        c.Detection(
            sensor_id=SENSOR,
            sensor_kind=c.SENSOR_KIND_RADAR,
            timestamp=ts_from_seconds(t),
            class_label="car",
            confidence=0.9,
            position=c.Vector3(x=float(i)),
            speed_mps=5.0,
        )
        for i in range(n)
    ]
    fid = round(t * 1e6)
    frame = c.DetectionFrame(
        sensor_id=SENSOR, frame_id=fid, timestamp=ts_from_seconds(t), detections=dets
    )
    tracks = c.TrackFrame(sensor_id=SENSOR, frame_id=fid, timestamp=ts_from_seconds(t))
    await js.publish(
        f"aura.detections.{SENSOR}",
        frame.SerializeToString(),
        headers={"Nats-Msg-Id": f"{SENSOR}:{fid}"},
    )
    await js.publish(
        f"aura.tracks.{SENSOR}",
        tracks.SerializeToString(),
        headers={"Nats-Msg-Id": f"{SENSOR}:{fid}"},
    )


async def until(pred: Any, what: str, limit_s: float = 90.0) -> Any:
    deadline = time.monotonic() + limit_s
    while True:
        try:
            value = await pred()
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def test_database_outage_loses_and_doubles_nothing(servers) -> None:
    nats_server, pg = servers
    settings = AnalyticsSettings.from_env(
        {},
        nats_url=nats_server.url,
        database_url=pg.dsn,
        auth=False,
        analytics_window_s=WINDOW,
        analytics_allowed_lateness_s=1.0,
        analytics_idle_close_s=300.0,
        analytics_ack_wait_s=600.0,
        analytics_tick_s=0.05,
        analytics_db_retry_s=0.2,
    )
    server = await start_server(await build(settings), "127.0.0.1", 0)
    pipeline = server.app.pipeline  # type: ignore[attr-defined]
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{server.port}")
    health = health_pb2_grpc.HealthStub(channel)
    nc = await nats.connect(nats_server.url)
    js = nc.jetstream()

    async def status() -> int:
        resp = await health.Check(health_pb2.HealthCheckRequest(service=""))
        return int(resp.status)

    async def count(sql: str, *args: Any) -> int:
        conn = await asyncpg.connect(pg.dsn, timeout=2)
        try:
            return int(await conn.fetchval(sql, *args))
        finally:
            await conn.close()

    try:
        assert await status() == health_pb2.HealthCheckResponse.SERVING
        # window 0: 10 frames of 3 detections, committed before the outage
        for i in range(10):
            await publish(js, BASE + 0.5 * i, 3)
        await until(
            lambda: count("select count(*) = 30 from detections where sensor_id = $1", SENSOR),
            "first frames stored",
        )
        await pg.astop()
        # window 1 and the frame that closes windows 0 and 1, sent while the database is away
        for i in range(10):
            await publish(js, BASE + WINDOW + 0.5 * i, 2)
        await publish(js, BASE + 2 * WINDOW + 2.0, 1)

        async def not_serving() -> bool:
            await server.probe_once()
            return pipeline.failed and await status() == health_pb2.HealthCheckResponse.NOT_SERVING

        await until(not_serving, "NOT_SERVING while PostgreSQL is down")
        # nothing was acked while the database was away: the held and failed messages are
        # still pending on the consumer
        info = await js.consumer_info("AURA_DETECTIONS", "analytics-detections")
        assert info.ack_floor.stream_seq == 0
        await pg.astart()

        async def serving() -> bool:
            await server.probe_once()
            return await status() == health_pb2.HealthCheckResponse.SERVING

        await until(serving, "SERVING again")
        await until(
            lambda: count(
                "select count(*) = 2 from window_metrics where scope = 1 and sensor_id = $1",
                SENSOR,
            ),
            "both windows written",
        )
        conn = await asyncpg.connect(pg.dsn)
        try:
            rows = await conn.fetch(
                "select window_start, detection_count, late_dropped from window_metrics "
                "where scope = 1 and sensor_id = $1 order by window_start",
                SENSOR,
            )
            assert [(r["window_start"].timestamp(), r["detection_count"]) for r in rows] == [
                (BASE, 30),
                (BASE + WINDOW, 20),
            ]
            assert all(r["late_dropped"] == 0 for r in rows)
            n = await conn.fetchval("select count(*) from detections where sensor_id = $1", SENSOR)
            assert n == 30 + 20 + 1
            assert await conn.fetchval("select coalesce(sum(count), 0) from dropped_events") == 0
        finally:
            await conn.close()
        assert pipeline.stats.recoveries >= 1
    finally:
        await nc.drain()
        await channel.close()
        await server.stop(1)
