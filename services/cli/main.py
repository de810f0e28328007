"""`aura`: the command-line tool. `aura up` starts the whole mesh (what `make run` runs);
`aura serve SERVICE` runs one service as a container would; `aura send FILE.jsonl` replays
detections; `aura tail` prints StreamTracks live; `aura pump DSN` feeds a source;
`aura certs DIR` makes a self-signed certificate for local TLS.

Clients send the API key of `--key` (default AURA_API_KEY) and speak TLS when AURA_TLS_CERT
names the services' certificate (or its CA)."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

import grpc
from google.protobuf import json_format

from aura.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from aura.tracker.v1 import tracker_pb2, tracker_pb2_grpc
from services.cli import scenario
from services.cli.certs import CertError
from services.cli.sources import SourceError, open_source, read_jsonl, restamp
from services.common.server import client_channel

SERVICES = ("ingest", "tracker", "fusion", "analytics", "admin")
KEY_HELP = "API key, sent as `authorization: Bearer KEY` (default: AURA_API_KEY)"


def _metadata(key: str | None) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {key}")] if key else []


def _channel(target: str) -> grpc.aio.Channel:
    """TLS when AURA_TLS_CERT is set (trusting that certificate), else plain text."""
    return client_channel(target, os.environ.get("AURA_TLS_CERT", ""))


async def pump(
    dsn: str, target: str, key: str | None = None, count: int = 0, tls_cert: str | None = None
) -> int:
    """Publish batches from a source to ingest; returns the number of batches sent."""
    source = open_source(dsn)
    sent = 0
    channel = client_channel(target, tls_cert) if tls_cert is not None else _channel(target)
    async with channel:
        stub = ingest_pb2_grpc.IngestServiceStub(channel)
        async for dets in source.batches():
            try:
                await stub.PublishDetections(
                    ingest_pb2.PublishDetectionsRequest(detections=dets),
                    metadata=_metadata(key),
                    timeout=10,
                )
            except grpc.aio.AioRpcError as exc:
                print(f"pump: {exc.code().name}: {exc.details()}", file=sys.stderr)
                await asyncio.sleep(1.0)
                continue
            sent += 1
            if count and sent >= count:
                break
    return sent


async def send(path: Path, target: str, repeat: int, interval: float, key: str | None) -> None:
    dets = read_jsonl(path)
    async with _channel(target) as channel:
        stub = ingest_pb2_grpc.IngestServiceStub(channel)
        for i in range(repeat):
            # Every pass after the first is re-stamped to now so it is not deduplicated.
            batch = dets if i == 0 else restamp(dets, datetime.now(UTC))
            resp = await stub.PublishDetections(
                ingest_pb2.PublishDetectionsRequest(detections=batch),
                metadata=_metadata(key),
                timeout=10,
            )
            dups = sum(f.duplicate for f in resp.frames)
            print(
                f"sent {resp.accepted} detections in {len(resp.frames)} frames ({dups} duplicate)"
            )
            if i + 1 < repeat:
                await asyncio.sleep(interval)


async def tail(target: str, sensors: list[str], min_conf: float, key: str | None) -> None:
    async with _channel(target) as channel:
        stub = tracker_pb2_grpc.TrackerServiceStub(channel)
        req = tracker_pb2.StreamTracksRequest(
            filter=tracker_pb2.TrackFilter(sensor_ids=sensors, min_confidence=min_conf)
        )
        async for ev in stub.StreamTracks(req, metadata=_metadata(key)):
            obj = json_format.MessageToDict(ev, preserving_proto_field_name=True)
            print(json.dumps(obj), flush=True)


async def migrate_only(service: str, dsn: str | None) -> list[int]:
    """Apply a service's SQL migrations and exit (services also apply them at start)."""
    import asyncpg

    from services.common.config import CommonSettings
    from services.common.migrations import migrate

    folder = Path(__file__).resolve().parents[1] / service / "sql"
    if not folder.is_dir():
        raise SystemExit(f"aura: {service} has no SQL migrations")
    conn = await asyncpg.connect(dsn or CommonSettings.from_env().database_url)
    try:
        return await migrate(conn, service, folder)
    finally:
        await conn.close()


def serve(service: str) -> None:
    module = importlib.import_module(f"services.{service}.main")
    asyncio.run(module.main())


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="aura", description=__doc__)
    api_key = os.environ.get("AURA_API_KEY") or None
    sub = ap.add_subparsers(dest="cmd", required=True)
    up = sub.add_parser("up", help="start NATS, PostgreSQL, the five services, Envoy and a demo")
    up.add_argument("--state", default=".state", help="folder for data and logs")
    up.add_argument("--source", default="demo://?fps=2", help="demo source DSN ('' for none)")
    up.add_argument("--no-envoy", action="store_true", help="do not start Envoy")
    c = sub.add_parser("certs", help="make a self-signed certificate and key for local TLS")
    c.add_argument("dir", type=Path, help="folder for cert.pem and key.pem")
    c.add_argument(
        "--host",
        action="append",
        default=[],
        help="name or IP (default: localhost, 127.0.0.1, ::1)",
    )
    c.add_argument("--days", type=int, default=825)
    c.add_argument("--force", action="store_true", help="replace existing files")
    s = sub.add_parser("serve", help="run one service in the foreground")
    s.add_argument("service", choices=SERVICES)
    m = sub.add_parser("migrate", help="apply a service's SQL migrations to PostgreSQL")
    m.add_argument("service", choices=("admin", "analytics"))
    m.add_argument("--database-url", default=None, help="default: AURA_DATABASE_URL")
    p = sub.add_parser("pump", help="publish a source (demo:// or jsonl://) to ingest")
    p.add_argument("dsn")
    p.add_argument("--target", default="127.0.0.1:50051")
    p.add_argument("--count", type=int, default=0, help="stop after N batches (0: never)")
    p.add_argument("--key", default=api_key, help=KEY_HELP)
    se = sub.add_parser("send", help="publish a JSONL file of detections")
    se.add_argument("file", type=Path)
    se.add_argument("--target", default="127.0.0.1:50051")
    se.add_argument("--repeat", type=int, default=1)
    se.add_argument("--interval", type=float, default=1.0)
    se.add_argument("--key", default=api_key, help=KEY_HELP)
    t = sub.add_parser("tail", help="print StreamTracks as JSON lines")
    t.add_argument("--target", default="127.0.0.1:50052")
    t.add_argument("--sensor", action="append", default=[])
    t.add_argument("--min-confidence", type=float, default=0.0)
    t.add_argument("--key", default=api_key, help=KEY_HELP)
    scenario.add_parser(sub)
    ns = ap.parse_args(argv)
    try:
        if ns.cmd == "up":
            from services.cli.up import run_up

            sys.exit(run_up(Path(ns.state), ns.source, envoy=not ns.no_envoy))
        elif ns.cmd == "serve":
            serve(ns.service)
        elif ns.cmd == "certs":
            from services.cli.certs import DEFAULT_HOSTS, make_self_signed

            cert, key = make_self_signed(
                ns.dir, tuple(ns.host) or DEFAULT_HOSTS, ns.days, overwrite=ns.force
            )
            print(f"AURA_TLS_CERT={cert.absolute()}\nAURA_TLS_KEY={key.absolute()}")
        elif ns.cmd == "migrate":
            done = asyncio.run(migrate_only(ns.service, ns.database_url))
            print(f"applied {len(done)} migration(s): {done}" if done else "up to date")
        elif ns.cmd == "pump":
            asyncio.run(pump(ns.dsn, ns.target, ns.key, ns.count))
        elif ns.cmd == "send":
            asyncio.run(send(ns.file, ns.target, ns.repeat, ns.interval, ns.key))
        elif ns.cmd == "scenario":
            sys.exit(scenario.command(ns))
        elif ns.cmd == "tail":
            asyncio.run(tail(ns.target, ns.sensor, ns.min_confidence, ns.key))
    except (SourceError, CertError) as exc:
        sys.exit(f"aura: {exc}")
    except grpc.aio.AioRpcError as exc:
        sys.exit(f"aura: {exc.code().name}: {exc.details()}")
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
