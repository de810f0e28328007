"""The read side's fast history and heatmap (per-step aggregation by date_bin with the
per-class maps summed from each step's array, hashed heatmap cells, protos built in place)
give the same results as the previous implementation, kept here as the reference: the
history's SQL grouped by floor(epoch / step) with the maps string_agg'ed and summed window
by window in Python, and the pure Python aggregation (domain sum_steps); the heatmap's
sort-and-unique SQL with abs() bounds. Same fixture rows, against the real PostgreSQL."""

from __future__ import annotations

import json
import math
import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from test_analytics_queries_support import SQL, uid

from aura.analytics.v1 import analytics_pb2 as pb
from services.analytics.adapters import queries as sql
from services.analytics.domain import queries as q
from services.common.migrations import migrate

_SPEED = "speed_source <> 0"
_KEY = "scope = $1 and sensor_id = $2 and zone_id = $3 and lane_id = $4"

OLD_HISTORY = f"""
select floor(extract(epoch from window_start) / $5)::bigint as b, count(*)::int as n,
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
    string_agg(counts_by_class::text, ',') as cbc,
    string_agg(unique_tracks_by_class::text, ',') as ubc
from window_metrics
where {_KEY} and window_start >= $6 and window_start < $7
group by b order by b
"""

OLD_HEATMAP = """
select ix, iy, count(*)::int as n from (
    select distinct floor(x / $3)::int as ix, floor(y / $3)::int as iy, global_id
    from fused_positions
    where ts >= $1 and ts < $2 and ($4::text = '' or site_id = $4)
      and (cardinality($5::text[]) = 0 or class_label = any($5::text[]))
      and abs(x) < 1e9 and abs(y) < 1e9
) d group by ix, iy
"""


def _old_sum_maps(concatenated: str | None) -> dict[str, int]:
    out: dict[str, int] = {}
    if not concatenated:
        return out
    for m in json.loads("[" + concatenated + "]"):
        for k, v in m.items():
            out[k] = out.get(k, 0) + int(v)
    return out


async def old_history(
    conn: asyncpg.Connection, key: q.Key, rng: q.TimeRange, step: int
) -> list[q.StepSums]:
    rows = await conn.fetch(
        OLD_HISTORY,
        key.scope,
        key.sensor_id,
        key.zone_id,
        key.lane_id,
        step,
        rng.start,
        rng.end,
    )
    epoch = datetime.fromtimestamp(0, rng.start.tzinfo)
    return [
        q.StepSums(
            bucket_start=epoch + timedelta(seconds=r["b"] * step),
            windows=r["n"],
            detection_count=r["dc"],
            counts_by_class=_old_sum_maps(r["cbc"]),
            unique_tracks=r["ut"],
            unique_tracks_by_class=_old_sum_maps(r["ubc"]),
            speed_weighted=r["sw"],
            p85_weighted=r["pw"],
            speed_weight=r["swt"],
            speed_plain=r["sp"],
            p85_plain=r["pp"],
            speed_windows=r["sn"],
            occupancy_sum=r["occ"],
            score_sum=r["sc"],
            max_level=r["lvl"],
            late_dropped=r["ld"],
            speed_sources=r["mask"],
        )
        for r in rows
    ]


def old_step_point(key: q.Key, s: q.StepSums, step: int) -> pb.WindowMetrics:
    mean, p85 = q._speeds(s)
    n = max(s.windows, 1)
    return pb.WindowMetrics(
        key=key.to_pb(),
        window_start=q.to_timestamp(s.bucket_start),
        window_end=q.to_timestamp(s.bucket_start + timedelta(seconds=step)),
        detection_count=s.detection_count,
        counts_by_class=dict(s.counts_by_class),
        unique_tracks=s.unique_tracks,
        unique_tracks_by_class=dict(s.unique_tracks_by_class),
        mean_speed_mps=mean,
        p85_speed_mps=p85,
        speed_source=q.speed_source_of(s.speed_sources),
        occupancy=s.occupancy_sum / n,
        congestion_level=s.max_level,
        congestion_score=s.score_sum / n,
        late_dropped=s.late_dropped,
    )


def old_heatmap(site_id: str, rng: q.TimeRange, cell: float, cells: list) -> pb.Heatmap:
    out = pb.Heatmap(
        site_id=site_id,
        start_time=q.to_timestamp(rng.start),
        end_time=q.to_timestamp(rng.end),
        cell_size_m=cell,
    )
    for ix, iy, n in sorted(cells, key=lambda t: (t[1], t[0])):
        out.cells.append(q.heatmap_cell(ix, iy, cell, n))
        out.max_count = max(out.max_count, n)
    return out


@pytest.fixture(scope="module")
async def pool(postgres) -> AsyncIterator[asyncpg.Pool]:
    p = await asyncpg.create_pool(postgres.dsn, min_size=1, max_size=2)
    async with p.acquire() as conn:
        await migrate(conn, "analytics", SQL)
    yield p
    await p.close()


CLASSES = ["car", "truck", "bus", "person", 'we"ird\\key', "ünï"]


def window_rows(start: datetime, n: int, rnd: random.Random) -> list[q.WindowRow]:
    """n windows of 5 s from start, with gaps, empty and zero-valued maps, every speed
    source, and the few repeated maps of real windows mixed with rarer ones."""
    rows = []
    for i in range(n):
        if rnd.random() < 0.1:
            continue  # a gap: no window
        dc = rnd.choice([0, 0, 1, 2, 3, rnd.randint(0, 500)])
        cbc = {c: rnd.randint(0, 5) for c in rnd.sample(CLASSES, rnd.randint(0, 3))}
        ubc = {c: rnd.randint(0, 2) for c in rnd.sample(CLASSES[:2], rnd.randint(0, 2))}
        rows.append(
            q.WindowRow(
                window_start=start + timedelta(seconds=5 * i),
                detection_count=dc,
                counts_by_class=cbc,
                unique_tracks=rnd.randint(0, 9),
                unique_tracks_by_class=ubc,
                mean_speed_mps=rnd.uniform(0, 40),
                p85_speed_mps=rnd.uniform(0, 50),
                speed_source=rnd.choice([0, 1, 1, 1, 2, 3]),
                occupancy=rnd.random(),
                congestion_level=rnd.randint(0, 4),
                congestion_score=rnd.random(),
                late_dropped=rnd.choice([0, 0, 0, 1, 7]),
            )
        )
    return rows


async def insert_rows(pool: asyncpg.Pool, key: q.Key, rows: list[q.WindowRow]) -> None:
    await pool.copy_records_to_table(
        "window_metrics",
        columns=[c.strip() for c in sql.WINDOW_COLUMNS.split(",")],
        records=[
            (
                key.scope,
                key.sensor_id,
                key.zone_id,
                key.lane_id,
                r.window_start,
                r.window_start + timedelta(seconds=5),
                r.detection_count,
                json.dumps(r.counts_by_class),
                r.unique_tracks,
                json.dumps(r.unique_tracks_by_class),
                r.mean_speed_mps,
                r.p85_speed_mps,
                r.speed_source,
                r.occupancy,
                r.congestion_level,
                r.congestion_score,
                r.late_dropped,
            )
            for r in rows
        ],
    )


def assert_same_sums(got: list[q.StepSums], want: list[q.StepSums]) -> None:
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert g.bucket_start == w.bucket_start
        assert (g.windows, g.detection_count, g.unique_tracks) == (
            w.windows,
            w.detection_count,
            w.unique_tracks,
        )
        assert dict(g.counts_by_class) == dict(w.counts_by_class)
        assert dict(g.unique_tracks_by_class) == dict(w.unique_tracks_by_class)
        assert (g.speed_windows, g.max_level, g.late_dropped, g.speed_sources) == (
            w.speed_windows,
            w.max_level,
            w.late_dropped,
            w.speed_sources,
        )
        for f in (
            "speed_weighted",
            "p85_weighted",
            "speed_weight",
            "speed_plain",
            "p85_plain",
            "occupancy_sum",
            "score_sum",
        ):
            assert getattr(g, f) == pytest.approx(getattr(w, f), rel=1e-12, abs=1e-9), f


@pytest.mark.parametrize(
    "start",
    [
        datetime(2026, 3, 1, 23, 17, 35, tzinfo=UTC),
        # Across the epoch: buckets before 1970 are floored, not truncated toward it.
        datetime(1969, 12, 31, 23, 0, 5, tzinfo=UTC),
    ],
)
async def test_history_sql_matches_the_old_sql_and_the_python_aggregation(pool, start):
    rnd = random.Random(start.year)
    key = q.Key(3, uid("radar"), "", "1")
    rows = window_rows(start, 1_500, rnd)  # about two hours
    await insert_rows(pool, key, rows)
    rng = q.TimeRange(start - timedelta(minutes=3), start + timedelta(hours=2))
    inner = q.TimeRange(start + timedelta(seconds=7), start + timedelta(minutes=97))
    async with pool.acquire() as conn:
        for r in (rng, inner):
            for step in (5, 15, 60, 300, 900, 3600):
                got = await sql.history(conn, key, r, step)
                inside = [w for w in rows if r.start <= w.window_start < r.end]
                assert_same_sums(got, q.sum_steps(inside, step))
                assert_same_sums(got, await old_history(conn, key, r, step))
                for s in got:
                    assert q.step_point(key, s, step) == old_step_point(key, s, step)
        assert await sql.history(conn, q.Key(1, uid("none")), rng, 60) == []


async def test_heatmap_sql_matches_the_old_sql(pool):
    rnd = random.Random(7)
    t0 = datetime(1991, 6, 1, 12, 0, tzinfo=UTC)
    site = uid("site")
    records = []
    odd = [math.nan, math.inf, -math.inf, 1e9, -1e9, 999_999_999.0, -999_999_999.5, 0.0, -0.0]
    for g in range(60):
        x, y = rnd.uniform(-60, 60), rnd.uniform(-60, 60)
        label = rnd.choice(["car", "bus", ""])
        for k in range(40):
            x += rnd.uniform(-2, 2)
            y += rnd.uniform(-2, 2)
            px, py = (rnd.choice(odd), y) if rnd.random() < 0.03 else (x, y)
            s = site if g % 3 else uid("other")
            records.append((f"g-{g}", t0 + timedelta(seconds=k), s, label, px, py))
    await pool.copy_records_to_table(
        "fused_positions",
        columns=["global_id", "ts", "site_id", "class_label", "x", "y"],
        records=records,
    )
    rng = q.TimeRange(t0, t0 + timedelta(seconds=30))
    async with pool.acquire() as conn:
        for cell in (0.5, 5.0, 25.0):
            for s, labels in (("", []), (site, []), (site, ["car"]), ("", ["bus", ""])):
                args = (rng.start, rng.end, cell, s, labels)
                got = await sql.heatmap_cells(conn, rng, cell, s, labels)
                want = [tuple(r) for r in await conn.fetch(OLD_HEATMAP, *args)]
                assert sorted(got) == sorted(want) and want
                assert q.heatmap(s, rng, cell, got) == old_heatmap(s, rng, cell, want)
