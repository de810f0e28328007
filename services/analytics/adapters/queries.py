"""The read side's SQL (tables of sql/001_analytics.sql). Each function takes a connection;
the caller owns the transaction. Rows become proto messages here, sums become the domain's
dataclasses (services/analytics/domain/queries.py turns those into messages).

Index use, per query (EXPLAINed at one million detections by bench/analytics/queries.py):

- latest window per key: a loose index scan (recursive CTE) over window_metrics' primary
  key (scope, sensor_id, zone_id, lane_id, window_start), then one backward index probe per
  key: O(keys · log n), whatever the table's size;
- history, ranges, incidents: the primary key's range (key, window_start);
- heatmap: fused_positions_ts_idx (ts desc, covering global_id, x, y, class_label, site_id)
  for the span (a bitmap scan at an hour: 35,000 positions, 520 heap pages), then two hash
  aggregates (distinct cell and track, then per cell);
- detections: detections_sensor_ts_idx / detections_class_ts_idx /
  detections_session_ts_idx when that filter is set, else the BRIN index on ts;
- alerts: alerts_raised_idx (raised_at desc), keyset pages on (raised_at, alert_id);
- telemetry: the primary key (source_id, channel, ts), loose index scan for "latest".
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from asyncpg import Record as Row

from aura.analytics.v1 import analytics_pb2 as pb
from aura.common.v1 import common_pb2 as c
from aura.ingest.v1 import ingest_pb2
from services.analytics.domain.queries import (
    AlertQuery,
    Key,
    RangeSums,
    StepSums,
    TimeRange,
    to_timestamp,
)


def _json(v: Any) -> dict[str, int]:
    if v is None:
        return {}
    d = json.loads(v) if isinstance(v, str | bytes) else v
    return {str(k): int(x) for k, x in d.items()}


async def fetch_planned(conn: asyncpg.Connection, query: str, *args: Any) -> list[Row]:
    """`conn.fetch` with a plan made for these very parameters. asyncpg prepares each
    statement once; after five runs PostgreSQL may switch to a generic plan that does not
    know the time range, and picks a sequential scan of a million rows for a range of one
    hour (measured: a heatmap of the last hour went from tens of milliseconds to over a
    second). `plan_cache_mode = force_custom_plan`, set for this transaction only, keeps
    the per-call plan."""
    if conn.is_in_transaction():
        await conn.execute("set local plan_cache_mode = force_custom_plan")
        return list(await conn.fetch(query, *args))
    async with conn.transaction(readonly=True):
        await conn.execute("set local plan_cache_mode = force_custom_plan")
        return list(await conn.fetch(query, *args))


async def _fetchrow_planned(conn: asyncpg.Connection, query: str, *args: Any) -> Row | None:
    rows = await fetch_planned(conn, query, *args)
    return rows[0] if rows else None


async def _fetchval_planned(conn: asyncpg.Connection, query: str, *args: Any) -> Any:
    row = await _fetchrow_planned(conn, query, *args)
    return row[0] if row is not None else None


# --------------------------------------------------------------------------- windows

WINDOW_COLUMNS = """scope, sensor_id, zone_id, lane_id, window_start, window_end, detection_count,
    counts_by_class, unique_tracks, unique_tracks_by_class, mean_speed_mps, p85_speed_mps,
    speed_source, occupancy, congestion_level, congestion_score, late_dropped"""


W_COLUMNS = ", ".join("w." + col.strip() for col in WINDOW_COLUMNS.split(","))


def key_of_row(r: Row) -> Key:
    return Key(r["scope"], r["sensor_id"], r["zone_id"], r["lane_id"])


def window_of_row(r: Row) -> pb.WindowMetrics:
    return pb.WindowMetrics(
        key=key_of_row(r).to_pb(),
        window_start=to_timestamp(r["window_start"]),
        window_end=to_timestamp(r["window_end"]),
        detection_count=r["detection_count"],
        counts_by_class=_json(r["counts_by_class"]),
        unique_tracks=r["unique_tracks"],
        unique_tracks_by_class=_json(r["unique_tracks_by_class"]),
        mean_speed_mps=r["mean_speed_mps"],
        p85_speed_mps=r["p85_speed_mps"],
        speed_source=r["speed_source"],
        occupancy=r["occupancy"],
        congestion_level=r["congestion_level"],
        congestion_score=r["congestion_score"],
        late_dropped=r["late_dropped"],
    )


# Loose index scan: the distinct keys, one index probe each (the row comparison alone is the
# scan's start: adding `scope = any(...)` there makes every probe walk the index), then the
# latest window of each key of the wanted scopes.
LATEST_WINDOWS = f"""
with recursive keys as (
    (select scope, sensor_id, zone_id, lane_id from window_metrics
     order by scope, sensor_id, zone_id, lane_id limit 1)
    union all
    select n.scope, n.sensor_id, n.zone_id, n.lane_id
    from keys k cross join lateral (
        select w.scope, w.sensor_id, w.zone_id, w.lane_id from window_metrics w
        where (w.scope, w.sensor_id, w.zone_id, w.lane_id)
            > (k.scope, k.sensor_id, k.zone_id, k.lane_id)
        order by w.scope, w.sensor_id, w.zone_id, w.lane_id limit 1) n
)
select {W_COLUMNS} from keys k cross join lateral (
    select * from window_metrics w
    where w.scope = k.scope and w.sensor_id = k.sensor_id and w.zone_id = k.zone_id
      and w.lane_id = k.lane_id
    order by w.window_start desc limit 1) w
where w.scope = any($1::smallint[])
  and (cardinality($2::text[]) = 0 or w.sensor_id = any($2::text[]))
  and (cardinality($3::text[]) = 0 or w.zone_id = any($3::text[])
       or (w.scope = 3 and w.sensor_id = '' and w.lane_id = any($3::text[])))
order by w.scope, w.sensor_id, w.zone_id, w.lane_id
"""


async def latest_windows(
    conn: asyncpg.Connection,
    scopes: Sequence[int],
    sensor_ids: Sequence[str] = (),
    zone_ids: Sequence[str] = (),
) -> list[Row]:
    return list(await conn.fetch(LATEST_WINDOWS, list(scopes), list(sensor_ids), list(zone_ids)))


_KEY = "scope = $1 and sensor_id = $2 and zone_id = $3 and lane_id = $4"
_SPEED = "speed_source <> 0"

# One scan of the key's range, grouped per step; only the steps come back. The step is
# date_bin on the epoch (exact integer microseconds, like floor(epoch / step) but without
# the numeric division of extract(epoch ...), which cost a fifth of the query). The
# per-class maps come back as each step's array of the windows' JSON texts and are summed in
# Python (_sum_maps): summing them in SQL (jsonb_each / jsonb_object_keys per window, then
# grouping by step and class) costs two to three times as much, and the arrays cost no more
# than string_agg (measured at 17,280 windows, see bench/analytics/RESULTS_QUERIES.md).
HISTORY = f"""
select date_bin(make_interval(secs => $5::int), window_start, 'epoch') as b, count(*)::int as n,
    sum(detection_count)::bigint as dc, sum(unique_tracks)::bigint as ut,
    coalesce(sum(mean_speed_mps * detection_count) filter (where {_SPEED}), 0) as sw,
    coalesce(sum(p85_speed_mps * detection_count) filter (where {_SPEED}), 0) as pw,
    coalesce(sum(detection_count) filter (where {_SPEED}), 0)::float8 as swt,
    coalesce(sum(mean_speed_mps) filter (where {_SPEED}), 0) as sp,
    coalesce(sum(p85_speed_mps) filter (where {_SPEED}), 0) as pp,
    count(*) filter (where {_SPEED})::int as sn,
    sum(occupancy) as occ, sum(congestion_score) as sc,
    max(congestion_level)::int as lvl, sum(late_dropped)::bigint as ld,
    bit_or(1 << speed_source)::int as mask,
    array_agg(counts_by_class) as cbc, array_agg(unique_tracks_by_class) as ubc
from window_metrics
where {_KEY} and window_start >= $6 and window_start < $7
group by b order by b
"""

_Items = tuple[tuple[str, int], ...]


def _sum_maps(texts: Sequence[str] | None, parsed: dict[str, _Items]) -> dict[str, int]:
    """Sum a step's JSON objects (one text per window), class by class: the same sums, in
    the same first-seen key order, as adding every window's map in turn. Windows of a key
    repeat the same few maps, so each distinct text is parsed once per query (`parsed` is
    shared by the steps); in long steps the texts are first counted (Counter counts in C)
    and each distinct map is added times its count."""
    out: dict[str, int] = {}
    if not texts:
        return out
    if len(texts) > _COUNT_FROM:
        for text, times in Counter(texts).items():
            for k, v in parsed.get(text) or _parse(text, parsed):
                out[k] = out.get(k, 0) + v * times
        return out
    for text in texts:
        for k, v in parsed.get(text) or _parse(text, parsed):
            out[k] = out.get(k, 0) + v
    return out


def _parse(text: str, parsed: dict[str, _Items]) -> _Items:
    items = parsed[text] = tuple((str(k), int(v)) for k, v in json.loads(text).items())
    return items


#: Steps of more windows than this count their texts first (measured: below, Counter's
#: own cost outweighs what it saves).
_COUNT_FROM = 24


async def history(conn: asyncpg.Connection, key: Key, rng: TimeRange, step: int) -> list[StepSums]:
    rows = await fetch_planned(
        conn, HISTORY, key.scope, key.sensor_id, key.zone_id, key.lane_id, step, rng.start, rng.end
    )
    parsed: dict[str, _Items] = {}
    return [
        StepSums(
            bucket_start=b,
            windows=n,
            detection_count=dc,
            counts_by_class=_sum_maps(cbc, parsed),
            unique_tracks=ut,
            unique_tracks_by_class=_sum_maps(ubc, parsed),
            speed_weighted=sw,
            p85_weighted=pw,
            speed_weight=swt,
            speed_plain=sp,
            p85_plain=pp,
            speed_windows=sn,
            occupancy_sum=occ,
            score_sum=sc,
            max_level=lvl,
            late_dropped=ld,
            speed_sources=mask,
        )
        for b, n, dc, ut, sw, pw, swt, sp, pp, sn, occ, sc, lvl, ld, mask, cbc, ubc in rows
    ]


KEY_WINDOWS = f"""
select window_start, window_end, congestion_score, unique_tracks from window_metrics
where {_KEY} and window_start >= $5 and window_start < $6 order by window_start
"""


async def key_windows(conn: asyncpg.Connection, key: Key, rng: TimeRange) -> list[Row]:
    """The windows of a key in a range, oldest first (the forecast's history)."""
    return list(
        await fetch_planned(
            conn,
            KEY_WINDOWS,
            key.scope,
            key.sensor_id,
            key.zone_id,
            key.lane_id,
            rng.start,
            rng.end,
        )
    )


LATEST_WINDOW_END = f"""
select max(window_end) from window_metrics where {_KEY}
"""


async def latest_window_end(conn: asyncpg.Connection, key: Key) -> datetime | None:
    v: datetime | None = await conn.fetchval(
        LATEST_WINDOW_END, key.scope, key.sensor_id, key.zone_id, key.lane_id
    )
    return v


# --------------------------------------------------------------------------- existence

SENSOR_STORED = """
select exists(select 1 from window_metrics where scope = 1 and sensor_id = $1)
    or exists(select 1 from window_metrics where scope = 3 and sensor_id = $1)
    or exists(select 1 from detections where sensor_id = $1)
"""

ZONE_STORED = """
select exists(select 1 from window_metrics where scope = 2 and sensor_id = '' and zone_id = $1)
    or exists(select 1 from window_metrics where scope = 3 and sensor_id = '' and zone_id = $1)
    or exists(select 1 from zone_events where zone_id = $1)
"""

SITE_STORED = "select exists(select 1 from fused_positions where site_id = $1)"


async def sensor_stored(conn: asyncpg.Connection, sensor_id: str) -> bool:
    return bool(await conn.fetchval(SENSOR_STORED, sensor_id))


async def zone_stored(conn: asyncpg.Connection, zone_id: str) -> bool:
    return bool(await conn.fetchval(ZONE_STORED, zone_id))


async def site_stored(conn: asyncpg.Connection, site_id: str) -> bool:
    return bool(await conn.fetchval(SITE_STORED, site_id))


# --------------------------------------------------------------------------- ranges


def _range_where(key: Key | None, first: int) -> tuple[str, list[Any]]:
    """The key condition from parameter $first on: a key, or the whole site (every
    sensor's windows)."""
    if key is None:
        return "scope = 1", []
    p = [f"${first + i}" for i in range(4)]
    cond = f"scope = {p[0]} and sensor_id = {p[1]} and zone_id = {p[2]} and lane_id = {p[3]}"
    return cond, [key.scope, key.sensor_id, key.zone_id, key.lane_id]


async def range_sums(conn: asyncpg.Connection, key: Key | None, rng: TimeRange) -> RangeSums:
    cond, args = _range_where(key, 3)
    where = f"{cond} and window_start >= $1 and window_start < $2"
    sums = await _fetchrow_planned(
        conn,
        f"""select count(*)::int as n, coalesce(sum(detection_count), 0)::bigint as dc,
            coalesce(sum(mean_speed_mps * detection_count) filter (where {_SPEED}), 0) as sw,
            coalesce(sum(p85_speed_mps * detection_count) filter (where {_SPEED}), 0) as pw,
            coalesce(sum(detection_count) filter (where {_SPEED}), 0)::float8 as swt,
            coalesce(sum(occupancy), 0) as occ, coalesce(sum(congestion_score), 0) as sc,
            coalesce(max(congestion_level), 0)::int as peak,
            count(*) filter (where congestion_level >= 3)::int as congested
        from window_metrics where {where}""",
        rng.start,
        rng.end,
        *args,
    )
    distinct = await _fetchval_planned(
        conn,
        f"""select count(distinct t) from window_metrics w cross join lateral unnest(w.track_ids) t
        where {where}""",
        rng.start,
        rng.end,
        *args,
    )
    by_class = await fetch_planned(
        conn,
        f"""select e.key as k, sum(e.value::bigint)::bigint as v
        from window_metrics w cross join lateral jsonb_each_text(w.unique_tracks_by_class) e
        where {where} group by e.key""",
        rng.start,
        rng.end,
        *args,
    )
    if key is None:
        alert_cond, alert_args = "true", []
    elif key.scope == pb.METRICS_SCOPE_SENSOR:
        alert_cond, alert_args = "(sensor_id = $3 or $3 = any(sensor_ids))", [key.sensor_id]
    elif key.scope == pb.METRICS_SCOPE_ZONE:
        alert_cond, alert_args = "zone_id = $3", [key.zone_id]
    else:
        alert_cond, alert_args = (
            "(scope = 3 and sensor_id = $3 and lane_id = $4)",
            [
                key.sensor_id,
                key.lane_id,
            ],
        )
    alerts = await _fetchval_planned(
        conn,
        f"select count(*)::int from alerts where raised_at >= $1 and raised_at < $2"
        f" and {alert_cond}",
        rng.start,
        rng.end,
        *alert_args,
    )
    assert sums is not None
    return RangeSums(
        windows=sums["n"],
        detection_count=sums["dc"],
        distinct_tracks=int(distinct or 0),
        window_tracks_by_class={r["k"]: int(r["v"]) for r in by_class},
        speed_weighted=sums["sw"],
        p85_weighted=sums["pw"],
        speed_weight=sums["swt"],
        occupancy_sum=sums["occ"],
        score_sum=sums["sc"],
        peak_level=sums["peak"],
        congested_windows=sums["congested"],
        alert_count=int(alerts or 0),
    )


# --------------------------------------------------------------------------- heatmap

# Distinct (cell, track) pairs by hashing, then counted per cell. The bounds are written
# as ranges on x and y, not abs(x) < 1e9: the same rows (NaN and infinities fail both
# forms) but the planner can estimate them, and with a true estimate of the rows it hashes
# instead of sorting every position by cell and track id. The cells come back in the
# heatmap's order (iy, ix), so that domain.heatmap's sort is a linear pass.
HEATMAP = """
select ix, iy, count(*)::int as n from (
    select floor(x / $3)::int as ix, floor(y / $3)::int as iy, global_id
    from fused_positions
    where ts >= $1 and ts < $2 and ($4::text = '' or site_id = $4)
      and (cardinality($5::text[]) = 0 or class_label = any($5::text[]))
      and x > -1e9 and x < 1e9 and y > -1e9 and y < 1e9
    group by 1, 2, 3
) d group by ix, iy order by iy, ix
"""


async def heatmap_cells(
    conn: asyncpg.Connection, rng: TimeRange, cell: float, site_id: str, labels: Sequence[str]
) -> list[tuple[int, int, int]]:
    rows = await fetch_planned(conn, HEATMAP, rng.start, rng.end, cell, site_id, list(labels))
    return [(ix, iy, n) for ix, iy, n in rows]


# --------------------------------------------------------------------------- incidents

RUN_SINCE = f"""
select min(window_start) from window_metrics
where {_KEY} and window_start > coalesce(
    (select window_start from window_metrics
     where {_KEY} and congestion_level < $5 order by window_start desc limit 1),
    '-infinity'::timestamptz)
"""

ACTIVE_KEY_ALERT = f"""
select alert_id from alerts where state = 1 and kind = 1 and {_KEY}
order by raised_at desc limit 1
"""


async def run_since(conn: asyncpg.Connection, key: Key, level: int) -> datetime | None:
    v: datetime | None = await conn.fetchval(
        RUN_SINCE, key.scope, key.sensor_id, key.zone_id, key.lane_id, level
    )
    return v


async def active_key_alert(conn: asyncpg.Connection, key: Key) -> str:
    v = await conn.fetchval(ACTIVE_KEY_ALERT, key.scope, key.sensor_id, key.zone_id, key.lane_id)
    return str(v) if v else ""


# --------------------------------------------------------------------------- alerts

ALERT_COLUMNS = """alert_id, kind, severity, state, title, detail, scope, sensor_id, zone_id,
    lane_id, sensor_ids, global_id, congestion_level, congestion_score, threat_level, x, y,
    raised_at, last_seen_at, cleared_at, occurrences, acknowledged_by, acknowledged_at,
    acknowledge_comment, session_id"""


def alert_of_row(r: Row) -> pb.Alert:
    a = pb.Alert(
        alert_id=r["alert_id"],
        kind=r["kind"],
        severity=r["severity"],
        state=r["state"],
        title=r["title"],
        detail=r["detail"],
        sensor_ids=list(r["sensor_ids"]),
        zone_id=r["zone_id"],
        global_id=r["global_id"],
        congestion_level=r["congestion_level"],
        congestion_score=r["congestion_score"],
        threat_level=r["threat_level"],
        raised_at=to_timestamp(r["raised_at"]),
        last_seen_at=to_timestamp(r["last_seen_at"]),
        occurrences=r["occurrences"],
        acknowledged=r["acknowledged_at"] is not None,
        acknowledged_by=r["acknowledged_by"],
        acknowledge_comment=r["acknowledge_comment"],
        session_id=r["session_id"],
    )
    if r["scope"]:
        a.key.CopyFrom(key_of_row(r).to_pb())
    if r["x"] is not None and r["y"] is not None:
        a.position.CopyFrom(c.Vector3(x=r["x"], y=r["y"]))
    if r["cleared_at"] is not None:
        a.cleared_at.CopyFrom(to_timestamp(r["cleared_at"]))
    if r["acknowledged_at"] is not None:
        a.acknowledged_at.CopyFrom(to_timestamp(r["acknowledged_at"]))
    return a


def _alert_where(q: AlertQuery) -> tuple[list[str], list[Any]]:
    conds: list[str] = []
    args: list[Any] = []

    def arg(v: Any) -> str:
        args.append(v)
        return f"${len(args)}"

    if q.start is not None:
        conds.append(f"raised_at >= {arg(q.start)}")
    if q.end is not None:
        conds.append(f"raised_at < {arg(q.end)}")
    if q.min_severity:
        conds.append(f"severity >= {arg(q.min_severity)}")
    if q.kind:
        conds.append(f"kind = {arg(q.kind)}")
    if q.state:
        conds.append(f"state = {arg(q.state)}")
    if q.sensor_id:
        p = arg(q.sensor_id)
        conds.append(f"(sensor_id = {p} or {p} = any(sensor_ids))")
    if q.zone_id:
        p = arg(q.zone_id)
        conds.append(f"(zone_id = {p} or (scope = 3 and sensor_id = '' and lane_id = {p}))")
    if q.global_id:
        conds.append(f"global_id = {arg(q.global_id)}")
    if q.session_id:
        conds.append(f"session_id = {arg(q.session_id)}")
    if q.unacknowledged_only:
        conds.append("acknowledged_at is null")
    return conds, args


async def list_alerts(
    conn: asyncpg.Connection, q: AlertQuery, after: tuple[datetime, str] | None, limit: int
) -> list[Row]:
    """Newest first, from after the (raised_at, alert_id) of the previous page."""
    conds, args = _alert_where(q)
    if after is not None:
        args.extend(after)
        conds.append(f"(raised_at, alert_id) < (${len(args) - 1}, ${len(args)})")
    args.append(limit)
    where = " and ".join(conds) or "true"
    sql = (
        f"select {ALERT_COLUMNS} from alerts where {where}"
        f" order by raised_at desc, alert_id desc limit ${len(args)}"
    )
    return list(await conn.fetch(sql, *args))


async def iter_alerts_oldest_first(
    conn: asyncpg.Connection, q: AlertQuery, prefetch: int = 500
) -> AsyncIterator[Row]:
    """A server-side cursor (the caller holds a transaction)."""
    conds, args = _alert_where(q)
    where = " and ".join(conds) or "true"
    sql = f"select {ALERT_COLUMNS} from alerts where {where} order by raised_at, alert_id"
    async for r in conn.cursor(sql, *args, prefetch=prefetch):
        yield r


ACKNOWLEDGE = f"""
update alerts set acknowledged_by = $2, acknowledged_at = $3, acknowledge_comment = $4
where alert_id = $1 and acknowledged_at is null
returning {ALERT_COLUMNS}
"""

ALERT_GET = f"select {ALERT_COLUMNS} from alerts where alert_id = $1"


async def acknowledge(
    conn: asyncpg.Connection, alert_id: str, who: str, at: datetime, comment: str
) -> tuple[Row | None, bool]:
    """(row, changed): the first acknowledgement sticks; (None, False) for an unknown id."""
    row = await conn.fetchrow(ACKNOWLEDGE, alert_id, who, at, comment)
    if row is not None:
        return row, True
    return await conn.fetchrow(ALERT_GET, alert_id), False


# --------------------------------------------------------------------------- detections


#: Spans tried, newest first, when no indexed filter narrows a detections query.
_WIDENING = (timedelta(minutes=1), timedelta(minutes=10), timedelta(hours=1), timedelta(hours=6))


async def query_detections(
    conn: asyncpg.Connection,
    rng: TimeRange,
    class_label: str,
    sensor_id: str,
    session_id: str,
    min_confidence: float,
    limit: int,
    now: datetime | None = None,
) -> list[Row]:
    """Newest first, at most `limit` rows. Only the filters that are set become conditions,
    so the planner sees the index each one can use. Without a sensor, class or session
    filter only the BRIN index on ts helps, which cannot give rows in order: the range is
    then tried from its newest minute, ten minutes, hour, six hours, and whole, until one
    holds `limit` rows (the newest `limit` rows of the range are then all in it)."""
    conds = ["ts >= $1", "ts < $2"]
    args: list[Any] = [rng.start, rng.end]
    for col, v in (("class_label", class_label), ("sensor_id", sensor_id)):
        if v:
            args.append(v)
            conds.append(f"{col} = ${len(args)}")
    if session_id:
        args.append(session_id)
        conds.append(f"session_id = ${len(args)} and session_id <> ''")
    if min_confidence > 0:
        args.append(min_confidence)
        conds.append(f"confidence >= ${len(args)}::real")
    args.append(limit)
    sql = (
        "select detection, received_at, session_id from detections where "
        + " and ".join(conds)
        + f" order by ts desc limit ${len(args)}"
    )
    if not (class_label or sensor_id or session_id):
        anchor = min(rng.end, (now or datetime.now(rng.start.tzinfo)) + timedelta(minutes=5))
        for span in _WIDENING:
            lower = anchor - span
            if lower <= rng.start:
                break
            rows = await fetch_planned(conn, sql, lower, *args[1:])
            if len(rows) >= limit:
                return list(rows)
    return list(await fetch_planned(conn, sql, *args))


# --------------------------------------------------------------------------- dashboard

SENSORS_LATEST = """
with recursive s as (
    (select sensor_id from detections order by sensor_id limit 1)
    union all
    select (select d.sensor_id from detections d where d.sensor_id > s.sensor_id
            order by d.sensor_id limit 1)
    from s where s.sensor_id is not null
)
select s.sensor_id, l.ts, l.received_at, l.sensor_kind from s cross join lateral (
    select ts, received_at, sensor_kind from detections d where d.sensor_id = s.sensor_id
    order by ts desc limit 1) l
where s.sensor_id is not null
"""

RATES = """
select sensor_id, count(*)::bigint as n from detections where ts >= $1 and ts < $2
group by sensor_id
"""

FUSED_LIVE = """
select count(*)::int as live, coalesce(max(threat_level), 0)::int as max_threat,
    count(*) filter (where threat_level >= 1)::int as threatening
from (select distinct on (global_id) global_id, threat_level from fused_positions
      where ts >= $1 and ($2::text = '' or site_id = $2) order by global_id, ts desc) t
"""

FUSED_BY_CLASS = """
select class_label, count(*)::bigint as n
from (select distinct on (global_id) global_id, class_label from fused_positions
      where ts >= $1 and ($2::text = '' or site_id = $2) order by global_id, ts desc) t
group by class_label
"""

ALERT_COUNTS = """
select count(*)::int as active, count(*) filter (where acknowledged_at is null)::int as unack,
    count(*) filter (where severity = 4)::int as critical
from alerts where state = 1
"""

LATE_DROPPED = """
select coalesce(sum(count), 0)::bigint from dropped_events
where minute >= $1 and reason in ('late', 'window_closed')
"""


async def sensors_latest(conn: asyncpg.Connection) -> list[Row]:
    return list(await conn.fetch(SENSORS_LATEST))


async def detection_counts(conn: asyncpg.Connection, rng: TimeRange) -> dict[str, int]:
    return {r["sensor_id"]: r["n"] for r in await fetch_planned(conn, RATES, rng.start, rng.end)}


async def fused_live(conn: asyncpg.Connection, since: datetime, site_id: str) -> Row:
    row = await _fetchrow_planned(conn, FUSED_LIVE, since, site_id)
    assert row is not None
    return row


async def fused_by_class(conn: asyncpg.Connection, since: datetime, site_id: str) -> dict[str, int]:
    return {
        r["class_label"]: r["n"] for r in await fetch_planned(conn, FUSED_BY_CLASS, since, site_id)
    }


async def alert_counts(conn: asyncpg.Connection) -> Row:
    row = await conn.fetchrow(ALERT_COUNTS)
    assert row is not None
    return row


async def late_dropped(conn: asyncpg.Connection, since: datetime) -> int:
    return int(await conn.fetchval(LATE_DROPPED, since) or 0)


# --------------------------------------------------------------------------- telemetry

_TELEMETRY_KEYS = """
with recursive k as (
    (select source_id, channel from telemetry where ($1::text = '' or source_id = $1)
     order by source_id, channel limit 1)
    union all
    select n.source_id, n.channel from k cross join lateral (
        select t.source_id, t.channel from telemetry t
        where (t.source_id, t.channel) > (k.source_id, k.channel)
          and ($1::text = '' or t.source_id = $1)
        order by t.source_id, t.channel limit 1) n
)
"""

TELEMETRY_LATEST = (
    _TELEMETRY_KEYS
    + """
select t.source_id, t.channel, t.ts, t.value, t.unit from k cross join lateral (
    select * from telemetry t where t.source_id = k.source_id and t.channel = k.channel
    order by t.ts desc limit 1) t
where cardinality($2::text[]) = 0 or t.channel = any($2::text[])
order by t.source_id, t.channel
"""
)

TELEMETRY_CHANNELS = (
    _TELEMETRY_KEYS
    + """
select k.source_id, k.channel, l.ts as last_at, l.value as last_value, l.unit, s.n, s.first_at
from k
cross join lateral (
    select ts, value, unit from telemetry t where t.source_id = k.source_id
      and t.channel = k.channel order by t.ts desc limit 1) l
cross join lateral (
    select count(*)::bigint as n, min(ts) as first_at from telemetry t
    where t.source_id = k.source_id and t.channel = k.channel) s
order by k.source_id, k.channel
"""
)

TELEMETRY_RAW = """
select ts, value, unit from telemetry
where source_id = $1 and channel = $2 and ts >= $3 and ts < $4 order by ts limit $5
"""

TELEMETRY_STEPPED = """
select floor(extract(epoch from ts) / $5)::bigint as b, avg(value) as value, max(unit) as unit
from telemetry where source_id = $1 and channel = $2 and ts >= $3 and ts < $4
group by b order by b limit $6
"""

TELEMETRY_STORED = "select exists(select 1 from telemetry where source_id = $1 and channel = $2)"


def sample(source_id: str, channel: str, ts: datetime, value: float, unit: str) -> Any:
    return ingest_pb2.TelemetrySample(
        source_id=source_id, channel=channel, value=value, unit=unit, timestamp=to_timestamp(ts)
    )


async def telemetry_latest(
    conn: asyncpg.Connection, source_id: str, channels: Sequence[str]
) -> list[Row]:
    return list(await conn.fetch(TELEMETRY_LATEST, source_id, list(channels)))


async def telemetry_channels(conn: asyncpg.Connection, source_id: str) -> list[Row]:
    return list(await conn.fetch(TELEMETRY_CHANNELS, source_id))


async def telemetry_stored(conn: asyncpg.Connection, source_id: str, channel: str) -> bool:
    return bool(await conn.fetchval(TELEMETRY_STORED, source_id, channel))


async def telemetry_range(
    conn: asyncpg.Connection,
    source_id: str,
    channel: str,
    rng: TimeRange,
    step: int,
    limit: int,
) -> list[tuple[datetime, float, str]]:
    """Oldest first, at most `limit` samples (raw, or averaged per epoch-aligned step and
    stamped with the step's start)."""
    if step == 0:
        rows = await fetch_planned(
            conn, TELEMETRY_RAW, source_id, channel, rng.start, rng.end, limit
        )
        return [(r["ts"], r["value"], r["unit"]) for r in rows]
    rows = await fetch_planned(
        conn, TELEMETRY_STEPPED, source_id, channel, rng.start, rng.end, step, limit
    )
    epoch = datetime.fromtimestamp(0, rng.start.tzinfo)
    return [(epoch + timedelta(seconds=r["b"] * step), r["value"], r["unit"]) for r in rows]
