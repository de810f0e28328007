"""Composition root of the admin service.

The contract of AdminService is complete; its behaviour is delivered by the admin issue
(registry, zones, thresholds, keys, audit, sessions). Until then every RPC answers
UNIMPLEMENTED naming that area, while health, reflection, Envoy routing and the JetStream
streams it owns are real.
"""

from __future__ import annotations

import asyncio

from aura.admin.v1 import admin_pb2, admin_pb2_grpc
from services.admin.config import AdminSettings
from services.common import bus
from services.common.contract import pending_servicer
from services.common.db import Database
from services.common.observability import setup_logging, setup_tracing
from services.common.server import ServiceApp, serve_forever

DESCRIPTOR = admin_pb2.DESCRIPTOR.services_by_name["AdminService"]
AREA = "the admin issue (registry, zones, thresholds, keys, audit, sessions)"


async def build(settings: AdminSettings) -> ServiceApp:
    nc = await bus.connect(settings.nats_url, "admin")
    await bus.ensure_streams(nc.jetstream(), [bus.EVENTS])
    db = Database(settings.database_url)
    servicer = pending_servicer(admin_pb2_grpc.AdminServiceServicer, DESCRIPTOR, AREA)()

    async def ready() -> bool:
        return nc.is_connected and await db.ready()

    async def stop() -> None:
        await nc.drain()
        await db.close()

    return ServiceApp(
        name="admin",
        service_names=[DESCRIPTOR.full_name],
        register=lambda s: admin_pb2_grpc.add_AdminServiceServicer_to_server(servicer, s),
        ready=ready,
        stop=stop,
    )


async def main(settings: AdminSettings | None = None) -> None:
    settings = settings or AdminSettings.from_env()
    setup_logging("admin", settings.log_level)
    setup_tracing("admin", settings.otel_exporter, settings.otel_endpoint)
    app = await build(settings)
    await serve_forever(app, settings.bind_host, settings.admin_port, settings.shutdown_grace_s)


if __name__ == "__main__":
    asyncio.run(main())
