"""Sustained detections per second through the analytics write side into PostgreSQL.

    python -m bench.analytics.ingest [--sensors 8] [--frames 250] [--per-frame 100]
                                     [--batch 1000] [--tracks] [--durable] [--out FILE]

A NATS server and a PostgreSQL of their own are started in a temporary folder. The
DetectionFrames (and, with --tracks, one TrackFrame per frame, as the tracker publishes)
are published to JetStream first; then the analytics pipeline starts and the clock runs
until every detection is committed in PostgreSQL (COPY into a staging table, then INSERT
... ON CONFLICT DO NOTHING) and the windows are written. That is the backlog a restarted
analytics catches up on, so the figure is its sustained ingest rate. PostgreSQL runs with
fsync off unless --durable.

Prints a Markdown table naming the machine; --out also writes it to a file.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import time
from pathlib import Path
from typing import Any

import asyncpg
import numpy as np
from nats import connect as nats_connect

from aura.common.v1 import common_pb2 as c
from bench.machine import cpu_model
from services.analytics.config import AnalyticsSettings
from services.analytics.main import build
from services.cli.stack import NatsServer, Postgres, temp_state_dir
from services.common.timeutil import ts_from_seconds


def machine() -> str:
    cpu = cpu_model()
    return f"{cpu}, nproc {os.cpu_count()}, Python {platform.python_version()}"


async def publish(js: Any, sensors: int, frames: int, per_frame: int, tracks: bool) -> int:
    rng = np.random.default_rng(7)
    t0 = time.time() - frames * 0.1 - 120
    labels = ["car", "truck", "person", "bus"]
    sent = 0
    acks = []
    for k in range(frames):
        t = t0 + 0.1 * k
        for s in range(sensors):
            sensor = f"bench_{s}"
            xy = rng.uniform(0, 500, size=(per_frame, 2))
            sp = rng.uniform(0, 20, size=per_frame)
            fid = round(t * 1e6)
            dets = [
                c.Detection(
                    sensor_id=sensor,
                    sensor_kind=c.SENSOR_KIND_RADAR,
                    timestamp=ts_from_seconds(t),
                    frame_id=fid,
                    class_label=labels[i % 4],
                    confidence=0.9,
                    position=c.Vector3(x=float(xy[i, 0]), y=float(xy[i, 1])),
                    speed_mps=float(sp[i]) if i % 2 else None,
                )
                for i in range(per_frame)
            ]
            frame = c.DetectionFrame(
                sensor_id=sensor,
                sensor_kind=c.SENSOR_KIND_RADAR,
                frame_id=fid,
                timestamp=ts_from_seconds(t),
                detections=dets,
                received_at=ts_from_seconds(t),
            )
            acks.append(
                js.publish(
                    f"aura.detections.{sensor}",
                    frame.SerializeToString(),
                    headers={"Nats-Msg-Id": f"{sensor}:{fid}"},
                )
            )
            if tracks:
                tf = c.TrackFrame(
                    sensor_id=sensor,
                    frame_id=fid,
                    timestamp=ts_from_seconds(t),
                    tracks=[
                        c.Track(
                            id=f"{sensor}-{i:06d}",
                            sensor_id=sensor,
                            status=c.TRACK_STATUS_CONFIRMED,
                            position=c.Vector3(x=float(xy[i, 0]), y=float(xy[i, 1])),
                            speed_mps=float(sp[i]),
                            frame_id=fid,
                            class_label=labels[i % 4],
                        )
                        for i in range(per_frame)
                    ],
                )
                acks.append(
                    js.publish(
                        f"aura.tracks.{sensor}",
                        tf.SerializeToString(),
                        headers={"Nats-Msg-Id": f"{sensor}:{fid}"},
                    )
                )
            sent += per_frame
        if len(acks) >= 200:
            await asyncio.gather(*acks)
            acks.clear()
    await asyncio.gather(*acks)
    return sent


async def run(args: argparse.Namespace) -> str:
    with temp_state_dir("aura-bench-analytics-") as state:
        nats_server = NatsServer(state / "nats", port=0, monitor_port=0)
        pg = Postgres(state / "pg", port=0, durable=args.durable)
        await nats_server.astart()
        await pg.astart()
        try:
            nc = await nats_connect(nats_server.url)
            js = nc.jetstream()
            settings = AnalyticsSettings.from_env(
                {},
                nats_url=nats_server.url,
                database_url=pg.dsn,
                auth=False,
                log_level="WARNING",
                analytics_fetch_batch=args.batch,
                analytics_expect_tracks=args.tracks,
                analytics_max_ack_pending=200000,
            )
            # streams, migrations: build once, then publish the backlog
            app = await build(settings)
            total = await publish(js, args.sensors, args.frames, args.per_frame, args.tracks)
            conn = await asyncpg.connect(pg.dsn)
            windows_expected = args.sensors * int(args.frames * 0.1 // 5 - 1)
            started = time.perf_counter()
            assert app.start is not None
            await app.start()
            try:
                while True:
                    n = await conn.fetchval("select count(*) from detections")
                    w = await conn.fetchval("select count(*) from window_metrics where scope = 1")
                    if n >= total and w >= windows_expected:
                        break
                    await asyncio.sleep(0.05)
                elapsed = time.perf_counter() - started
            finally:
                assert app.stop is not None
                await app.stop()
                await conn.close()
                await nc.drain()
        finally:
            await pg.astop()
            await nats_server.astop()
    rate = total / elapsed
    lines = [
        f"Machine: {machine()} (a shared machine: other work ran beside the bench).",
        "",
        "| sensors | frames | detections/frame | TrackFrames | fetch batch | PostgreSQL "
        "| detections | windows | seconds | detections/s |",
        "|---|---|---|---|---|---|---|---|---|---|",
        f"| {args.sensors} | {args.sensors * args.frames} | {args.per_frame} "
        f"| {'yes' if args.tracks else 'no'} | {args.batch} "
        f"| {'fsync on' if args.durable else 'fsync off'} | {total} | {w} "
        f"| {elapsed:.2f} | {rate:,.0f} |",
    ]
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--sensors", type=int, default=8)
    p.add_argument("--frames", type=int, default=250, help="frames per sensor, 0.1 s apart")
    p.add_argument("--per-frame", type=int, default=100)
    p.add_argument("--batch", type=int, default=1000, help="messages per fetch")
    p.add_argument("--tracks", action="store_true", help="publish TrackFrames too")
    p.add_argument("--durable", action="store_true", help="PostgreSQL with fsync on")
    p.add_argument("--out", type=Path, help="also write the table to this file")
    args = p.parse_args()
    table = asyncio.run(run(args))
    print(table)
    if args.out:
        args.out.write_text(table + "\n")


if __name__ == "__main__":
    main()
