"""Shared by the analytics read-side service tests: the servicer in-process on port 0 over
the session's real PostgreSQL (migrations applied) and NATS, and row inserts straight into
the tables (so these tests do not depend on the write side)."""

from __future__ import annotations

import asyncio
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import grpc
import nats
import pytest
from nats.aio.client import Client as NATS

from aura.analytics.v1 import analytics_pb2 as pb
from aura.analytics.v1 import analytics_pb2_grpc as pb_grpc
from aura.common.v1 import common_pb2 as c
from services.analytics.config import AnalyticsSettings
from services.analytics.deps import AnalyticsDeps
from services.analytics.servicer import AnalyticsServicer
from services.common import bus
from services.common.db import Database
from services.common.migrations import migrate
from services.common.registry import Registry
from services.common.server import ServiceApp, start_server

SQL = Path(__file__).resolve().parents[2] / "services" / "analytics" / "sql"
DESCRIPTOR = pb.DESCRIPTOR.services_by_name["AnalyticsService"]


def uid(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@dataclass
class Analytics:
    stub: pb_grpc.AnalyticsServiceStub
    servicer: AnalyticsServicer
    pool: asyncpg.Pool
    registry: Registry
    nc: NATS
    target: str


async def start_analytics(nats_url: str, dsn: str, *, reachable: bool = True, **kw: Any):
    """(Analytics, close) for a servicer on a free port; with `reachable` the migrations are
    applied first (else the database is expected to be away and `pool` is None)."""
    db = Database(dsn)
    pool: Any = None
    if reachable:
        pool = await db.connect()
        async with pool.acquire() as conn:
            await migrate(conn, "analytics", SQL)
    nc = await nats.connect(nats_url)
    await bus.ensure_streams(nc.jetstream(), [bus.EVENTS])
    registry = Registry()
    settings = AnalyticsSettings.from_env({}, nats_url=nats_url, database_url=dsn, auth=False)
    servicer = AnalyticsServicer(AnalyticsDeps(settings, db, nc, nc.jetstream(), registry), **kw)
    await servicer.start()

    async def ready() -> bool:
        return True

    app = ServiceApp(
        name="analytics-read",
        service_names=[DESCRIPTOR.full_name],
        register=lambda s: pb_grpc.add_AnalyticsServiceServicer_to_server(servicer, s),
        ready=ready,
    )
    server = await start_server(app, "127.0.0.1", 0)
    target = f"127.0.0.1:{server.port}"
    channel = grpc.aio.insecure_channel(target)
    a = Analytics(pb_grpc.AnalyticsServiceStub(channel), servicer, pool, registry, nc, target)

    async def close() -> None:
        await channel.close()
        await server.stop(0)
        await servicer.stop()
        await nc.close()
        await db.close()

    return a, close


async def fails(code: grpc.StatusCode, call) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    assert err.value.code() == code, err.value.details()
    return err.value.details() or ""


# ----------------------------------------------------------------------------- rows


async def insert_window(
    pool: asyncpg.Pool,
    scope: int,
    start: datetime,
    *,
    sensor_id: str = "",
    zone_id: str = "",
    lane_id: str = "",
    length_s: float = 5.0,
    detection_count: int = 0,
    counts_by_class: dict[str, int] | None = None,
    unique_tracks: int = 0,
    unique_tracks_by_class: dict[str, int] | None = None,
    track_ids: list[str] | None = None,
    mean_speed_mps: float = 0.0,
    p85_speed_mps: float = 0.0,
    speed_source: int = 0,
    occupancy: float = 0.0,
    congestion_level: int = 1,
    congestion_score: float = 0.0,
    late_dropped: int = 0,
) -> None:
    await pool.execute(
        """insert into window_metrics (scope, sensor_id, zone_id, lane_id, window_start,
            window_end, detection_count, counts_by_class, unique_tracks, unique_tracks_by_class,
            track_ids, mean_speed_mps, p85_speed_mps, speed_samples, speed_source, occupancy,
            congestion_level, congestion_score, late_dropped)
           values ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, $10::jsonb, $11, $12, $13, $14,
            $15, $16, $17, $18, $19)""",
        scope,
        sensor_id,
        zone_id,
        lane_id,
        start,
        start + timedelta(seconds=length_s),
        detection_count,
        json.dumps(counts_by_class or {}),
        unique_tracks,
        json.dumps(unique_tracks_by_class or {}),
        track_ids or [],
        mean_speed_mps,
        p85_speed_mps,
        detection_count if speed_source else 0,
        speed_source,
        occupancy,
        congestion_level,
        congestion_score,
        late_dropped,
    )


async def insert_detection(
    pool: asyncpg.Pool,
    det: c.Detection,
    *,
    idx: int = 0,
    received_at: datetime | None = None,
    session_id: str = "",
) -> None:
    ts = det.timestamp.ToDatetime(tzinfo=UTC)
    await pool.execute(
        """insert into detections (sensor_id, frame_id, idx, ts, received_at, sensor_kind,
            class_label, confidence, x, y, speed_mps, session_id, detection)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)""",
        det.sensor_id,
        det.frame_id,
        idx,
        ts,
        received_at or ts,
        det.sensor_kind,
        det.class_label,
        det.confidence,
        det.position.x if det.HasField("position") else None,
        det.position.y if det.HasField("position") else None,
        det.speed_mps if det.HasField("speed_mps") else None,
        session_id,
        det.SerializeToString(),
    )


async def insert_fused(
    pool: asyncpg.Pool,
    global_id: str,
    ts: datetime,
    x: float,
    y: float,
    *,
    site_id: str = "",
    class_label: str = "",
    threat_level: int = 0,
) -> None:
    await pool.execute(
        """insert into fused_positions (global_id, ts, site_id, class_label, x, y, threat_level)
           values ($1, $2, $3, $4, $5, $6, $7)""",
        global_id,
        ts,
        site_id,
        class_label,
        x,
        y,
        threat_level,
    )


async def insert_alert(
    pool: asyncpg.Pool,
    *,
    raised_at: datetime,
    alert_id: str | None = None,
    kind: int = pb.ALERT_KIND_CONGESTION,
    severity: int = pb.ALERT_SEVERITY_HIGH,
    cleared_at: datetime | None = None,
    title: str = "Congestion HIGH",
    scope: int = 1,
    sensor_id: str = "",
    zone_id: str = "",
    lane_id: str = "",
    global_id: str = "",
    session_id: str = "",
    congestion_level: int = 3,
    threat_level: int = 0,
) -> str:
    alert_id = alert_id or uid("a")
    await pool.execute(
        """insert into alerts (alert_id, condition_key, kind, severity, state, title, scope,
            sensor_id, zone_id, lane_id, sensor_ids, global_id, congestion_level, threat_level,
            raised_at, last_seen_at, cleared_at, session_id, x, y)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16,
            $17, 1.5, -2.5)""",
        alert_id,
        f"test:{alert_id}",
        kind,
        severity,
        2 if cleared_at else 1,
        title,
        scope if kind == pb.ALERT_KIND_CONGESTION else 0,
        sensor_id,
        zone_id,
        lane_id,
        [sensor_id] if sensor_id else [],
        global_id,
        congestion_level,
        threat_level,
        raised_at,
        cleared_at,
        session_id,
    )
    return alert_id


async def insert_telemetry(
    pool: asyncpg.Pool, source_id: str, channel: str, ts: datetime, value: float, unit: str = ""
) -> None:
    await pool.execute(
        "insert into telemetry (source_id, channel, ts, value, unit) values ($1, $2, $3, $4, $5)",
        source_id,
        channel,
        ts,
        value,
        unit,
    )


async def until(predicate, limit_s: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + limit_s
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)
