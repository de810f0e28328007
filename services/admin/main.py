"""Composition root of the admin service: settings → PostgreSQL (migrations) → NATS →
servicer parts → server."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aura.admin.v1 import admin_pb2_grpc
from services.admin.config import AdminSettings
from services.admin.deps import AdminDeps
from services.admin.servicer import DESCRIPTOR, AdminServicer
from services.common import bus
from services.common.auth import Auth
from services.common.db import Database
from services.common.migrations import migrate
from services.common.observability import setup_logging, setup_tracing
from services.common.server import ServiceApp, serve_forever, server_credentials

SQL = Path(__file__).parent / "sql"


async def build(settings: AdminSettings) -> ServiceApp:
    db = Database(settings.database_url)
    pool = await db.connect()
    async with pool.acquire() as conn:
        await migrate(conn, "admin", SQL)
    nc = await bus.connect(settings.nats_url, "admin")
    js = nc.jetstream()
    await bus.ensure_streams(js, [bus.EVENTS])
    auth = await Auth.start(settings, js, "admin")
    servicer = AdminServicer(AdminDeps(settings, db, nc, js))

    async def ready() -> bool:
        return nc.is_connected and await db.ready()

    async def stop() -> None:
        await servicer.stop()
        await auth.stop()
        await nc.drain()
        await db.close()

    return ServiceApp(
        name="admin",
        service_names=[DESCRIPTOR.full_name],
        register=lambda s: admin_pb2_grpc.add_AdminServiceServicer_to_server(servicer, s),
        ready=ready,
        start=servicer.start,
        stop=stop,
        interceptors=[auth.interceptor],
        credentials=server_credentials(settings.tls_cert, settings.tls_key),
    )


async def main(settings: AdminSettings | None = None) -> None:
    settings = settings or AdminSettings.from_env()
    setup_logging("admin", settings.log_level)
    setup_tracing("admin", settings.otel_exporter, settings.otel_endpoint)
    app = await build(settings)
    await serve_forever(app, settings.bind_host, settings.admin_port, settings.shutdown_grace_s)


if __name__ == "__main__":
    asyncio.run(main())
