"""Composition root of the analytics service.

The contract of AnalyticsService is complete; its behaviour is delivered by the analytics
issue (windows, alerts, history in PostgreSQL). Until then every RPC answers UNIMPLEMENTED
naming that area, while health, reflection, Envoy routing and the JetStream streams it owns
are real.
"""

from __future__ import annotations

import asyncio

from aura.analytics.v1 import analytics_pb2, analytics_pb2_grpc
from services.analytics.config import AnalyticsSettings
from services.common import bus
from services.common.auth import Auth
from services.common.contract import pending_servicer
from services.common.db import Database
from services.common.observability import setup_logging, setup_tracing
from services.common.server import ServiceApp, serve_forever, server_credentials

DESCRIPTOR = analytics_pb2.DESCRIPTOR.services_by_name["AnalyticsService"]
AREA = "the analytics issue (windows, alerts, history in PostgreSQL)"


async def build(settings: AnalyticsSettings) -> ServiceApp:
    nc = await bus.connect(settings.nats_url, "analytics")
    await bus.ensure_streams(
        nc.jetstream(), [bus.DETECTIONS, bus.TRACKS, bus.TELEMETRY, bus.EVENTS]
    )
    auth = await Auth.start(settings, nc.jetstream(), "analytics")
    db = Database(settings.database_url)
    servicer = pending_servicer(analytics_pb2_grpc.AnalyticsServiceServicer, DESCRIPTOR, AREA)()

    async def ready() -> bool:
        return nc.is_connected and await db.ready()

    async def stop() -> None:
        await auth.stop()
        await nc.drain()
        await db.close()

    return ServiceApp(
        name="analytics",
        service_names=[DESCRIPTOR.full_name],
        register=lambda s: analytics_pb2_grpc.add_AnalyticsServiceServicer_to_server(servicer, s),
        ready=ready,
        stop=stop,
        interceptors=[auth.interceptor],
        credentials=server_credentials(settings.tls_cert, settings.tls_key),
    )


async def main(settings: AnalyticsSettings | None = None) -> None:
    settings = settings or AnalyticsSettings.from_env()
    setup_logging("analytics", settings.log_level)
    setup_tracing("analytics", settings.otel_exporter, settings.otel_endpoint)
    app = await build(settings)
    await serve_forever(app, settings.bind_host, settings.analytics_port, settings.shutdown_grace_s)


if __name__ == "__main__":
    asyncio.run(main())
