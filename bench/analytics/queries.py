"""Latency of analytics' read queries over one million stored detections.

    python -m bench.analytics.queries [--rows 1000000] [--repeats 30] [--out FILE]

Starts a fresh PostgreSQL (the embedded or Debian server `aura up` uses, no fsync), applies
analytics' migrations, and seeds with COPY (copy_records_to_table):

- `rows` detections: 20 sensors over the last 24 h (the raw retention), serialized
  aura.common.v1.Detection payloads with class, confidence, position and speed;
- `rows` fused positions: 3,000 fused tracks of mixed classes on a 400 m x 400 m site over
  the same 24 h (one sample per track per second while it lives);
- the window metrics that go with them: every sensor's 5 s windows over 24 h (20 x 17,280
  rows) and 10 zones' windows, with counts, speeds and track id arrays.

Then VACUUM ANALYZE, and each query is run through the read side's own adapter and domain
functions (the SQL plus the conversion to proto messages the servicer returns), a few times
to warm up and then `repeats` times; median and p95 are printed as a Markdown table with
the machine, and written to bench/analytics/RESULTS_QUERIES.md.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import numpy as np

from aura.common.v1 import common_pb2 as c
from bench.e2e import machine
from services.analytics.adapters import queries as sql
from services.analytics.domain import queries as q
from services.cli.stack import Postgres, temp_state_dir
from services.common.migrations import migrate

SQL_DIR = Path(__file__).resolve().parents[2] / "services" / "analytics" / "sql"
OUT = Path(__file__).resolve().parent / "RESULTS_QUERIES.md"
SENSORS = [f"radar_{i:02d}" for i in range(20)]
ZONES = [f"zone_{i:02d}" for i in range(10)]
CLASSES = ["car", "truck", "bus", "person", "bicycle"]
WINDOW_S = 5


def _now() -> datetime:
    return datetime.fromtimestamp(int(time.time()) // 60 * 60, UTC)


def detection_records(n: int, end: datetime, rng: np.random.Generator) -> list[tuple[Any, ...]]:
    span = 24 * 3600.0
    t = np.sort(rng.uniform(0, span, n))
    sensor = rng.integers(0, len(SENSORS), n)
    cls = rng.integers(0, len(CLASSES), n)
    conf = rng.uniform(0.3, 1.0, n).astype(np.float32)
    xy = rng.uniform(-200, 200, (n, 2))
    speed = rng.gamma(4.0, 2.5, n)
    start = end - timedelta(seconds=span)
    frame = np.zeros(len(SENSORS), dtype=np.int64)
    out = []
    proto = c.Detection(sensor_kind=c.SENSOR_KIND_RADAR)
    for i in range(n):
        s = int(sensor[i])
        frame[s] += 1
        ts = start + timedelta(seconds=float(t[i]))
        proto.sensor_id = SENSORS[s]
        proto.frame_id = int(frame[s])
        proto.class_label = CLASSES[cls[i]]
        proto.confidence = float(conf[i])
        proto.timestamp.FromDatetime(ts)
        proto.position.x, proto.position.y = float(xy[i, 0]), float(xy[i, 1])
        proto.speed_mps = float(speed[i])
        out.append(
            (
                SENSORS[s],
                int(frame[s]),
                0,
                ts,
                ts + timedelta(milliseconds=40),
                c.SENSOR_KIND_RADAR,
                CLASSES[cls[i]],
                float(conf[i]),
                float(xy[i, 0]),
                float(xy[i, 1]),
                float(speed[i]),
                "",
                "",
                proto.SerializeToString(),
            )
        )
    return out


def fused_records(n: int, end: datetime, rng: np.random.Generator) -> list[tuple[Any, ...]]:
    """Tracks that live n / 3000 s each, one sample per second, spread over 24 h."""
    tracks = 3000
    life = max(1, n // tracks)
    span = 24 * 3600 - life
    out: list[tuple[Any, ...]] = []
    begin = end - timedelta(hours=24)
    for g in range(tracks):
        t0 = float(rng.uniform(0, span))
        p = rng.uniform(-200, 200, 2)
        v = rng.normal(0, 3, 2)
        label = CLASSES[g % len(CLASSES)]
        threat = int(rng.random() < 0.02) * 3
        for k in range(life):
            if len(out) >= n:
                return out
            pos = (p + v * k + 200.0) % 400.0 - 200.0  # the site is 400 m x 400 m
            out.append(
                (
                    f"g-{g:06d}",
                    begin + timedelta(seconds=int(t0) + k),
                    "site_a",
                    label,
                    float(pos[0]),
                    float(pos[1]),
                    float(np.hypot(*v)),
                    threat,
                )
            )
    return out


def window_records(end: datetime, rng: np.random.Generator) -> list[tuple[Any, ...]]:
    out = []
    start0 = end - timedelta(hours=24)
    n = 24 * 3600 // WINDOW_S
    keys = [(1, s, "") for s in SENSORS] + [(2, "", z) for z in ZONES]
    for scope, sid, zid in keys:
        phase = rng.uniform(0, 2 * np.pi)
        for i in range(n):
            ws = start0 + timedelta(seconds=i * WINDOW_S)
            hour = (ws.hour + ws.minute / 60) / 24 * 2 * np.pi
            load = 0.5 + 0.4 * np.sin(hour + phase)
            dets = int(rng.poisson(20 * load + 1))
            tracks = max(0, int(rng.poisson(6 * load)))
            score = float(np.clip(load + rng.normal(0, 0.05), 0, 1))
            level = 4 if score >= 0.8 else 3 if score >= 0.6 else 2 if score >= 0.4 else 1
            out.append(
                (
                    scope,
                    sid,
                    zid,
                    "",
                    ws,
                    ws + timedelta(seconds=WINDOW_S),
                    dets,
                    json.dumps({"car": dets - dets // 4, "truck": dets // 4}),
                    tracks,
                    json.dumps({"car": tracks}),
                    [f"{sid or zid}-{(i // 6) * 7 + j}" for j in range(tracks)],
                    float(14 * (1 - load)),
                    float(17 * (1 - load)),
                    dets,
                    1,
                    float(load),
                    level,
                    score,
                    0,
                )
            )
    return out


WINDOW_COLS = [
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
    "late_dropped",
]


async def seed(conn: asyncpg.Connection, rows: int) -> tuple[datetime, dict[str, float]]:
    rng = np.random.default_rng(42)
    end = _now()
    timings: dict[str, float] = {}
    for name, make, cols, table in (
        (
            "detections",
            lambda: detection_records(rows, end, rng),
            [
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
            ],
            "detections",
        ),
        (
            "fused_positions",
            lambda: fused_records(rows, end, rng),
            ["global_id", "ts", "site_id", "class_label", "x", "y", "speed_mps", "threat_level"],
            "fused_positions",
        ),
        ("window_metrics", lambda: window_records(end, rng), WINDOW_COLS, "window_metrics"),
    ):
        records = make()
        t0 = time.perf_counter()
        await conn.copy_records_to_table(table, records=records, columns=cols)
        timings[name] = len(records) / (time.perf_counter() - t0)
        print(f"  {name}: {len(records):,} rows by COPY at {timings[name]:,.0f} rows/s", flush=True)
    await conn.execute("vacuum analyze")
    return end, timings


Query = Callable[[asyncpg.Connection], Awaitable[Any]]


def cases(end: datetime) -> list[tuple[str, Query]]:
    """(name, query); names ending in '*' are run a fifth as often (whole-table scans)."""
    sensor = q.Key(1, SENSORS[3])
    hour = q.TimeRange(end - timedelta(hours=1), end)
    day = q.TimeRange(end - timedelta(hours=24), end)

    async def history(conn: asyncpg.Connection, rng: q.TimeRange, step: int) -> Any:
        return [q.step_point(sensor, s, step) for s in await sql.history(conn, sensor, rng, step)]

    async def heatmap(conn: asyncpg.Connection, minutes: int) -> Any:
        rng = q.TimeRange(end - timedelta(minutes=minutes), end)
        return q.heatmap("", rng, 5.0, await sql.heatmap_cells(conn, rng, 5.0, "", ()))

    async def current(conn: asyncpg.Connection) -> Any:
        return [sql.window_of_row(r) for r in await sql.latest_windows(conn, [1, 2])]

    async def detections(conn: asyncpg.Connection, sensor_id: str) -> Any:
        rng = q.optional_range(None, None)
        rows = await sql.query_detections(conn, rng, "", sensor_id, "", 0.0, 201)
        return [c.Detection.FromString(r["detection"]) for r in rows]

    async def compare(conn: asyncpg.Connection) -> Any:
        a = q.TimeRange(end - timedelta(hours=2), end - timedelta(hours=1))
        return q.range_change(
            q.range_summary(a, await sql.range_sums(conn, sensor, a)),
            q.range_summary(hour, await sql.range_sums(conn, sensor, hour)),
        )

    return [
        (
            "history: 1 sensor, 1 h, one point per 5 s window (720 points)",
            lambda k: history(k, hour, 5),
        ),
        (
            "history: 1 sensor, 24 h, step 60 s (1,440 points of 17,280 windows)",
            lambda k: history(k, day, 60),
        ),
        ("history: 1 sensor, 24 h, step 300 s (288 points)", lambda k: history(k, day, 300)),
        ("heatmap: last 5 min, 5 m cells (the default)", lambda k: heatmap(k, 5)),
        ("heatmap: last 60 min, 5 m cells", lambda k: heatmap(k, 60)),
        ("heatmap: last 24 h, 5 m cells (every stored position) *", lambda k: heatmap(k, 1440)),
        ("current metrics: latest window of 30 keys", current),
        ("detections: newest 200 of one sensor", lambda k: detections(k, SENSORS[5])),
        ("detections: newest 200, no filter", lambda k: detections(k, "")),
        ("compare ranges: 1 sensor, 1 h vs 1 h", compare),
    ]


async def measure(dsn: str, end: datetime, repeats: int) -> list[tuple[str, float, float, int]]:
    conn = await asyncpg.connect(dsn)
    out = []
    try:
        for name, fn in cases(end):
            for _ in range(3):
                result = await fn(conn)
            times = []
            for _ in range(max(3, repeats // 5) if name.endswith("*") else repeats):
                t0 = time.perf_counter()
                result = await fn(conn)
                times.append((time.perf_counter() - t0) * 1000)
            times.sort()
            p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
            size = (
                len(result.cells)
                if hasattr(result, "cells")
                else (len(result) if isinstance(result, list) else 1)
            )
            out.append((name, statistics.median(times), p95, size))
            print(f"  {name}: median {statistics.median(times):.1f} ms", flush=True)
    finally:
        await conn.close()
    return out


async def main_async(args: argparse.Namespace) -> str:
    with temp_state_dir("aura-bench-q-") as state:
        pg = Postgres(state / "pg", port=0, durable=False)
        await asyncio.to_thread(pg.start)
        try:
            conn = await asyncpg.connect(pg.dsn)
            try:
                await migrate(conn, "analytics", SQL_DIR)
                print(f"seeding {args.rows:,} detections and fused positions ...", flush=True)
                end, copy_rates = await seed(conn, args.rows)
                counts = {
                    t: await conn.fetchval(f"select count(*) from {t}")
                    for t in ("detections", "fused_positions", "window_metrics")
                }
                version = await conn.fetchval("show server_version")
            finally:
                await conn.close()
            load_before = os.getloadavg()
            results = await measure(pg.dsn, end, args.repeats)
            load_after = os.getloadavg()
        finally:
            await asyncio.to_thread(pg.stop)
    nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    lines = [
        "# Analytics read queries at one million detections",
        "",
        f"Measured on a shared {nproc}-core machine (`nproc` = {nproc}; {machine()}), with "
        f"other engineers' jobs running, PostgreSQL {version} "
        "(no fsync, default settings otherwise), by `python -m bench.analytics.queries "
        f"--rows {args.rows} --repeats {args.repeats}`. Load average (1 min) "
        f"{load_before[0]:.1f} when the timing began and {load_after[0]:.1f} when it ended: "
        "the figures are those of a busy machine.",
        "",
        "Stored: " + ", ".join(f"{t} {n:,} rows" for t, n in counts.items()) + ".",
        "Seeded by COPY at "
        + ", ".join(f"{t} {r:,.0f} rows/s" for t, r in copy_rates.items())
        + ".",
        "",
        "Each query runs through the read side's adapter and domain (SQL, rows to proto "
        "messages), 3 warm-up runs then the timed ones (* a fifth as many); target: history "
        "and heatmap < 100 ms. Every time-range query runs with "
        "`plan_cache_mode = force_custom_plan` (see adapters/queries.py fetch_planned).",
        "",
        "| query | median ms | p95 ms | result size | < 100 ms |",
        "|---|---:|---:|---:|:---:|",
    ]
    for name, med, p95, size in results:
        ok = "yes" if p95 < 100 else "no"
        lines.append(f"| {name} | {med:.1f} | {p95:.1f} | {size:,} | {ok} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    table = asyncio.run(main_async(args))
    print()
    print(table)
    if args.out:
        args.out.write_text(table)
        print(f"written to {args.out}", file=sys.stderr)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    main()
