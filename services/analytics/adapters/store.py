"""Writes of the analytics pipeline. Every function takes a connection; the caller owns the
transaction. Bulk rows go through COPY into a temporary staging table (`on commit delete
rows`), then one INSERT ... SELECT ... ON CONFLICT, so that a redelivered or replayed
message never doubles a row."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import asyncpg

from services.analytics.domain.windows import WindowKey, WindowResult

DETECTION_COLUMNS = (
    "sensor_id",
    "frame_id",
    "idx",
    "ts",
    "received_at",
    "sensor_kind",
    "class_label",
    "confidence",
    "x",
    "y",
    "speed_mps",
    "lane_id",
    "session_id",
    "detection",
)
FUSED_COLUMNS = (
    "global_id",
    "ts",
    "site_id",
    "class_label",
    "x",
    "y",
    "speed_mps",
    "threat_level",
)
ZONE_EVENT_COLUMNS = (
    "event_id",
    "zone_id",
    "global_id",
    "type",
    "ts",
    "class_label",
    "x",
    "y",
    "speed_mps",
    "dwell_s",
    "direction",
    "sensor_ids",
    "event",
)
TELEMETRY_COLUMNS = ("source_id", "channel", "ts", "value", "unit")
WINDOW_COLUMNS = (
    "scope",
    "sensor_id",
    "zone_id",
    "lane_id",
    "window_start",
    "window_end",
    "detection_count",
    "counts_by_class",
    "unique_tracks",
    "unique_tracks_by_class",
    "track_ids",
    "mean_speed_mps",
    "p85_speed_mps",
    "speed_samples",
    "speed_source",
    "occupancy",
    "congestion_level",
    "congestion_score",
    "session_id",
    "event_count",
)


def utc(t: float) -> datetime:
    return datetime.fromtimestamp(t, UTC)


async def _copy_in(
    conn: asyncpg.Connection,
    table: str,
    columns: Sequence[str],
    records: Sequence[tuple[Any, ...]],
    on_conflict: str,
) -> str:
    """COPY `records` into the staging table of `table`, then insert them; returns the
    status of the INSERT (e.g. 'INSERT 0 12')."""
    stage = f"stage_{table}"
    await conn.execute(
        f"create temp table if not exists {stage} (like {table} including defaults) "
        "on commit delete rows"
    )
    await conn.copy_records_to_table(stage, records=records, columns=list(columns))
    cols = ", ".join(columns)
    status: str = await conn.execute(
        f"insert into {table} ({cols}) select {cols} from {stage} {on_conflict}"
    )
    await conn.execute(f"truncate {stage}")
    return status


def inserted(status: str) -> int:
    return int(status.rsplit(" ", 1)[-1])


async def write_detections(
    conn: asyncpg.Connection, rows: Sequence[tuple[Any, ...]], direct_first: bool = True
) -> int:
    """Detections are the bulk of the writes. With `direct_first` they are copied straight
    into the table inside a savepoint, which is the usual case (no row is there yet); if a
    redelivered frame brings a row that exists, the savepoint is rolled back and the batch
    goes through the staging table and ON CONFLICT DO NOTHING instead."""
    if not rows:
        return 0
    if direct_first:
        try:
            async with conn.transaction():
                await conn.copy_records_to_table(
                    "detections", records=rows, columns=list(DETECTION_COLUMNS)
                )
            return len(rows)
        except asyncpg.UniqueViolationError:
            pass
    return inserted(
        await _copy_in(conn, "detections", DETECTION_COLUMNS, rows, "on conflict do nothing")
    )


async def write_fused_positions(conn: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> int:
    if not rows:
        return 0
    return inserted(
        await _copy_in(conn, "fused_positions", FUSED_COLUMNS, rows, "on conflict do nothing")
    )


async def write_zone_events(conn: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> int:
    if not rows:
        return 0
    return inserted(
        await _copy_in(conn, "zone_events", ZONE_EVENT_COLUMNS, rows, "on conflict do nothing")
    )


async def write_telemetry(conn: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> int:
    if not rows:
        return 0
    return inserted(
        await _copy_in(conn, "telemetry", TELEMETRY_COLUMNS, rows, "on conflict do nothing")
    )


@dataclass(frozen=True)
class ScoredWindow:
    """A closed window with its congestion grading and session."""

    result: WindowResult
    congestion_level: int
    congestion_score: float
    session_id: str = ""


def _window_record(w: ScoredWindow) -> tuple[Any, ...]:
    r = w.result
    k = r.key
    return (
        k.scope,
        k.sensor_id,
        k.zone_id,
        k.lane_id,
        utc(r.start_s),
        utc(r.end_s),
        r.detection_count,
        json.dumps(r.counts_by_class),
        r.unique_tracks,
        json.dumps(r.unique_tracks_by_class),
        r.track_ids,
        r.mean_speed_mps,
        r.p85_speed_mps,
        r.speed_samples,
        r.speed_source,
        r.occupancy,
        w.congestion_level,
        w.congestion_score,
        w.session_id,
        r.event_count,
    )


_WINDOW_UPDATE = ", ".join(
    f"{c} = excluded.{c}"
    for c in WINDOW_COLUMNS
    if c not in ("scope", "sensor_id", "zone_id", "lane_id", "window_start", "session_id")
)


async def upsert_windows(conn: asyncpg.Connection, windows: Sequence[ScoredWindow]) -> int:
    """Insert or replace the windows (a window recomputed from fewer events than stored is
    left alone); late_dropped is the count of late events logged for the window. Returns
    the number of rows written."""
    if not windows:
        return 0
    seen: dict[tuple[WindowKey, float], ScoredWindow] = {}
    for w in windows:
        seen[(w.result.key, w.result.start_s)] = w
    stage = "stage_window_metrics"
    await conn.execute(
        f"create temp table if not exists {stage} (like window_metrics including defaults) "
        "on commit delete rows"
    )
    await conn.copy_records_to_table(
        stage, records=[_window_record(w) for w in seen.values()], columns=list(WINDOW_COLUMNS)
    )
    cols = ", ".join(WINDOW_COLUMNS)
    scols = ", ".join(f"s.{c}" for c in WINDOW_COLUMNS)
    status: str = await conn.execute(
        f"""insert into window_metrics ({cols}, late_dropped)
            select {scols}, coalesce((select sum(l.count) from late_events l
                where l.scope = s.scope and l.sensor_id = s.sensor_id and l.zone_id = s.zone_id
                  and l.lane_id = s.lane_id and l.window_start = s.window_start), 0)
            from {stage} s
            on conflict (scope, sensor_id, zone_id, lane_id, window_start) do update set
                {_WINDOW_UPDATE}, late_dropped = excluded.late_dropped, written_at = now(),
                session_id = case when excluded.session_id <> '' then excluded.session_id
                                  else window_metrics.session_id end
            where excluded.event_count >= window_metrics.event_count"""
    )
    await conn.execute(f"truncate {stage}")
    return inserted(status)


@dataclass(frozen=True)
class Dropped:
    """One dropped message, and the windows it would have fed (late events)."""

    source: str
    event_key: str
    reason: str
    event_time_s: float
    count: int
    windows: tuple[tuple[WindowKey, float], ...] = ()


async def log_dropped(conn: asyncpg.Connection, drops: Sequence[Dropped]) -> int:
    """Count dropped messages once each in dropped_events (per source, reason and minute of
    event time) and their late events in the windows' late_dropped. Returns the number of
    messages counted for the first time."""
    if not drops:
        return 0
    minute = {d.event_key: utc(d.event_time_s // 60 * 60) for d in drops}
    rows = await conn.fetch(
        """insert into dropped_log (source, event_key, reason, minute, count)
           select * from unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[],
                                $5::int[])
           on conflict do nothing
           returning source, reason, minute, count""",
        [d.source for d in drops],
        [d.event_key for d in drops],
        [d.reason for d in drops],
        [minute[d.event_key] for d in drops],
        [d.count for d in drops],
    )
    if rows:
        await conn.execute(
            """insert into dropped_events (source, reason, minute, count)
               select source, reason, minute, sum(count)
               from unnest($1::text[], $2::text[], $3::timestamptz[], $4::bigint[])
                    as t(source, reason, minute, count)
               group by 1, 2, 3
               on conflict (source, reason, minute)
               do update set count = dropped_events.count + excluded.count""",
            [r["source"] for r in rows],
            [r["reason"] for r in rows],
            [r["minute"] for r in rows],
            [r["count"] for r in rows],
        )
    late = [(k, start, d) for d in drops for k, start in d.windows]
    if late:
        args = (
            [k.scope for k, _, _ in late],
            [k.sensor_id for k, _, _ in late],
            [k.zone_id for k, _, _ in late],
            [k.lane_id for k, _, _ in late],
            [utc(s) for _, s, _ in late],
            [d.event_key for _, _, d in late],
            [d.count for _, _, d in late],
        )
        await conn.execute(
            """insert into late_events
                   (scope, sensor_id, zone_id, lane_id, window_start, event_key, count)
               select * from unnest($1::smallint[], $2::text[], $3::text[], $4::text[],
                                    $5::timestamptz[], $6::text[], $7::int[])
               on conflict do nothing""",
            *args,
        )
        await conn.execute(
            """update window_metrics w set late_dropped = (
                   select coalesce(sum(l.count), 0) from late_events l
                   where l.scope = w.scope and l.sensor_id = w.sensor_id
                     and l.zone_id = w.zone_id and l.lane_id = w.lane_id
                     and l.window_start = w.window_start)
               from unnest($1::smallint[], $2::text[], $3::text[], $4::text[],
                           $5::timestamptz[]) as k(scope, sensor_id, zone_id, lane_id, ws)
               where w.scope = k.scope and w.sensor_id = k.sensor_id and w.zone_id = k.zone_id
                 and w.lane_id = k.lane_id and w.window_start = k.ws""",
            *args[:5],
        )
    return len(rows)


# ------------------------------------------------------------------ alerts


async def window_levels(
    conn: asyncpg.Connection, key: WindowKey, first_start_s: float, last_start_s: float
) -> dict[float, int]:
    rows = await conn.fetch(
        """select extract(epoch from window_start)::float8 as ws, congestion_level
           from window_metrics
           where scope = $1 and sensor_id = $2 and zone_id = $3 and lane_id = $4
             and window_start >= $5 and window_start <= $6""",
        key.scope,
        key.sensor_id,
        key.zone_id,
        key.lane_id,
        utc(first_start_s),
        utc(last_start_s),
    )
    return {round(r["ws"], 6): int(r["congestion_level"]) for r in rows}


async def active_alert(conn: asyncpg.Connection, condition_key: str) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        "select * from alerts where condition_key = $1 and state = 1", condition_key
    )
    return row


async def alert_covering(conn: asyncpg.Connection, condition_key: str, at_s: float) -> bool:
    """Whether an alert of the condition (active or cleared) spans event time `at_s`: a
    window processed again must not raise a second alert for an episode already stored."""
    found = await conn.fetchval(
        """select 1 from alerts where condition_key = $1 and raised_at <= $2
             and (cleared_at is null or cleared_at > $2) limit 1""",
        condition_key,
        utc(at_s),
    )
    return found is not None


async def active_threat_alerts(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        "select * from alerts where state = 1 and kind = 2"
    )
    return rows


@dataclass(frozen=True)
class NewAlert:
    alert_id: str
    condition_key: str
    kind: int
    severity: int
    title: str
    detail: str
    raised_at_s: float
    last_seen_s: float
    occurrences: int = 1
    scope: int = 0
    sensor_id: str = ""
    zone_id: str = ""
    lane_id: str = ""
    sensor_ids: tuple[str, ...] = ()
    global_id: str = ""
    congestion_level: int = 0
    congestion_score: float = 0.0
    threat_level: int = 0
    x: float | None = None
    y: float | None = None
    session_id: str = ""


async def raise_alert(conn: asyncpg.Connection, a: NewAlert) -> asyncpg.Record | None:
    """Insert the alert; None when it exists already (a replay) or another alert of the
    condition is active."""
    row: asyncpg.Record | None = await conn.fetchrow(
        """insert into alerts (alert_id, condition_key, kind, severity, state, title, detail,
               scope, sensor_id, zone_id, lane_id, sensor_ids, global_id, congestion_level,
               congestion_score, threat_level, x, y, raised_at, last_seen_at, occurrences,
               session_id)
           values ($1, $2, $3, $4, 1, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                   $17, $18, $19, $20, $21)
           on conflict do nothing
           returning *""",
        a.alert_id,
        a.condition_key,
        a.kind,
        a.severity,
        a.title,
        a.detail,
        a.scope,
        a.sensor_id,
        a.zone_id,
        a.lane_id,
        list(a.sensor_ids),
        a.global_id,
        a.congestion_level,
        a.congestion_score,
        a.threat_level,
        a.x,
        a.y,
        utc(a.raised_at_s),
        utc(a.last_seen_s),
        a.occurrences,
        a.session_id,
    )
    return row


async def repeat_alert(
    conn: asyncpg.Connection,
    alert_id: str,
    seen_s: float,
    severity: int,
    congestion_level: int = 0,
    congestion_score: float | None = None,
    threat_level: int = 0,
) -> asyncpg.Record | None:
    """One more occurrence at event time `seen_s`; ignored unless later than the last."""
    row: asyncpg.Record | None = await conn.fetchrow(
        """update alerts set occurrences = occurrences + 1, last_seen_at = $2,
               severity = greatest(severity, $3),
               congestion_level = greatest(congestion_level, $4),
               congestion_score = coalesce($5, congestion_score),
               threat_level = greatest(threat_level, $6)
           where alert_id = $1 and state = 1 and last_seen_at < $2
           returning *""",
        alert_id,
        utc(seen_s),
        severity,
        congestion_level,
        congestion_score,
        threat_level,
    )
    return row


async def clear_alert(
    conn: asyncpg.Connection, alert_id: str, cleared_s: float
) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        """update alerts set state = 2, cleared_at = greatest(raised_at, $2)
           where alert_id = $1 and state = 1
           returning *""",
        alert_id,
        utc(cleared_s),
    )
    return row
