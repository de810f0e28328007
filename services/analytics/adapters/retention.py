"""Retention: old rows are deleted on an interval in small batches
(`DELETE ... WHERE ctid IN (SELECT ctid ... LIMIT n)`), each its own short transaction, so
the pipeline's writes are never blocked behind one long delete."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from services.analytics.config import AnalyticsSettings
from services.common.db import Database

log = logging.getLogger("aura.analytics.retention")


@dataclass(frozen=True)
class Rule:
    """Delete rows of `table` whose `column` is older than `max_age` (and match `extra`)."""

    table: str
    column: str
    max_age: timedelta
    extra: str = ""


def rules_of(s: AnalyticsSettings) -> list[Rule]:
    raw = timedelta(hours=s.analytics_retention_detections_h)
    metrics = timedelta(days=s.analytics_retention_metrics_d)
    return [
        Rule("detections", "ts", raw),
        Rule("dropped_log", "minute", raw),
        Rule("late_events", "window_start", raw),
        Rule("fused_positions", "ts", timedelta(hours=s.analytics_retention_fused_h)),
        Rule("window_metrics", "window_start", metrics),
        Rule("dropped_events", "minute", metrics),
        Rule("zone_events", "ts", timedelta(days=s.analytics_retention_zone_events_d)),
        Rule("telemetry", "ts", timedelta(days=s.analytics_retention_telemetry_d)),
        Rule("alerts", "cleared_at", timedelta(days=s.analytics_retention_alerts_d), "state = 2"),
    ]


async def sweep_rule(conn: asyncpg.Connection, rule: Rule, now: datetime, batch: int) -> int:
    """Delete what `rule` says is expired, `batch` rows per statement; returns the count."""
    cutoff = now - rule.max_age
    where = f"{rule.column} < $1" + (f" and {rule.extra}" if rule.extra else "")
    total = 0
    while True:
        status = await conn.execute(
            f"delete from {rule.table} where ctid in "
            f"(select ctid from {rule.table} where {where} limit {int(batch)})",
            cutoff,
        )
        n = int(status.rsplit(" ", 1)[-1])
        total += n
        if n < batch:
            return total
        await asyncio.sleep(0)  # let the writers in between batches


async def sweep(
    db: Database, rules: list[Rule], batch: int, now: datetime | None = None
) -> dict[str, int]:
    """One pass over every rule; returns rows deleted per table."""
    now = now or datetime.now(UTC)
    pool = await db.connect()
    out: dict[str, int] = {}
    for rule in rules:
        async with pool.acquire() as conn:
            out[rule.table] = out.get(rule.table, 0) + await sweep_rule(conn, rule, now, batch)
    return out


class RetentionSweeper:
    """Runs `sweep` every `interval_s`; a failed pass (database away) is logged and retried
    at the next interval."""

    def __init__(self, db: Database, settings: AnalyticsSettings) -> None:
        self.db = db
        self.rules = rules_of(settings)
        self.batch = settings.analytics_retention_batch
        self.interval_s = settings.analytics_retention_interval_s
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            # first pass one interval after start: a starting service has a backlog to catch
            # up on first
            await asyncio.sleep(self.interval_s)
            try:
                deleted = await sweep(self.db, self.rules, self.batch)
                if any(deleted.values()):
                    log.info("retention sweep", extra={"deleted": deleted})
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("retention sweep failed", extra={"error": str(exc)})

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="analytics-retention")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
