"""Retention against the real PostgreSQL: expired rows go, in batches smaller than what
there is to delete; fresh rows and active alerts stay."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

from services.analytics.adapters.retention import rules_of, sweep
from services.analytics.config import AnalyticsSettings
from services.common.db import Database
from services.common.migrations import migrate

SQL = Path(__file__).parents[2] / "services" / "analytics" / "sql"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


async def test_sweep_deletes_expired_rows_in_batches(postgres) -> None:
    name = f"analytics_ret_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(postgres.dsn)
    try:
        await admin.execute(f"create database {name}")
    finally:
        await admin.close()
    dsn = postgres.dsn.rsplit("/", 1)[0] + "/" + name
    db = Database(dsn)
    conn = await asyncpg.connect(dsn)
    try:
        await migrate(conn, "analytics", SQL)
        hours = timedelta(hours=1)
        days = timedelta(days=1)
        # detections: 7 expired (25 h), 3 fresh (23 h)
        ages = [25 * hours] * 7 + [23 * hours] * 3
        await conn.executemany(
            "insert into detections (sensor_id, frame_id, idx, ts, received_at, detection) "
            "values ('s', $1, 0, $2, $2, '')",
            [(i, NOW - age) for i, age in enumerate(ages)],
        )
        # window metrics: 4 expired (31 d), 2 fresh (29 d)
        await conn.executemany(
            "insert into window_metrics (scope, sensor_id, window_start, window_end) "
            "values (1, 's', $1::timestamptz, $1::timestamptz + interval '5 s')",
            [(NOW - age - i * timedelta(seconds=5),) for i, age in enumerate([31 * days] * 4)]
            + [(NOW - 29 * days - i * timedelta(seconds=5),) for i in range(2)],
        )
        await conn.executemany(
            "insert into telemetry (source_id, channel, ts, value) values ('s', 'v', $1, 1)",
            [(NOW - 31 * days,), (NOW - 1 * days,)],
        )
        await conn.executemany(
            "insert into fused_positions (global_id, ts, x, y) values ('g', $1, 0, 0)",
            [(NOW - 25 * hours,), (NOW - 1 * hours,)],
        )
        await conn.executemany(
            "insert into zone_events (event_id, zone_id, global_id, type, ts, event) "
            "values ($1, 'z', 'g', 1, $2, '')",
            [("old", NOW - 31 * days), ("new", NOW - 1 * days)],
        )
        # alerts: an old cleared one goes; an old active one and a recent cleared one stay
        await conn.executemany(
            """insert into alerts (alert_id, condition_key, kind, severity, state, title,
                   raised_at, last_seen_at, cleared_at)
               values ($1, $1, 1, 3, $2, 't', $3, $3, $4)""",
            [
                ("old-cleared", 2, NOW - 100 * days, NOW - 91 * days),
                ("old-active", 1, NOW - 100 * days, None),
                ("new-cleared", 2, NOW - 10 * days, NOW - 9 * days),
            ],
        )
        settings = AnalyticsSettings.from_env({})
        deleted = await sweep(db, rules_of(settings), batch=3, now=NOW)
        assert deleted["detections"] == 7
        assert deleted["window_metrics"] == 4
        assert deleted["telemetry"] == 1
        assert deleted["fused_positions"] == 1
        assert deleted["zone_events"] == 1
        assert deleted["alerts"] == 1
        assert await conn.fetchval("select count(*) from detections") == 3
        assert await conn.fetchval("select count(*) from window_metrics") == 2
        alerts = await conn.fetch("select alert_id from alerts order by alert_id")
        assert [r["alert_id"] for r in alerts] == ["new-cleared", "old-active"]
        assert await conn.fetchval("select event_id from zone_events") == "new"
        # a second pass finds nothing more
        again = await sweep(db, rules_of(settings), batch=3, now=NOW)
        assert not any(again.values())
        # shorter retention from the settings applies
        short = AnalyticsSettings.from_env({}, analytics_retention_detections_h=1.0)
        assert (await sweep(db, rules_of(short), batch=3, now=NOW))["detections"] == 3
    finally:
        await conn.close()
        await db.close()
