"""Composition root of analytics: settings → PostgreSQL (migrations) → NATS (streams,
registry) → write pipeline (consumers), retention sweeper and the read side's servicer →
server. Health is SERVING only while NATS and PostgreSQL answer and the pipeline is not
recovering from a failed write."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aura.analytics.v1 import analytics_pb2, analytics_pb2_grpc
from services.analytics.adapters.retention import RetentionSweeper
from services.analytics.config import AnalyticsSettings
from services.analytics.deps import AnalyticsDeps
from services.analytics.pipeline import AnalyticsPipeline
from services.analytics.servicer import AnalyticsServicer
from services.common import bus
from services.common.auth import Auth
from services.common.db import Database
from services.common.migrations import migrate
from services.common.observability import setup_logging, setup_tracing
from services.common.registry import Registry
from services.common.server import ServiceApp, serve_forever, server_credentials

DESCRIPTOR = analytics_pb2.DESCRIPTOR.services_by_name["AnalyticsService"]
SQL = Path(__file__).parent / "sql"
STREAMS = [bus.DETECTIONS, bus.TRACKS, bus.TELEMETRY, bus.FUSED, bus.THREATS, bus.ZONES]


async def build(settings: AnalyticsSettings) -> ServiceApp:
    db = Database(settings.database_url)
    async with (await db.connect()).acquire() as conn:
        await migrate(conn, "analytics", SQL)
    nc = await bus.connect(settings.nats_url, "analytics")
    js = nc.jetstream()
    await bus.ensure_streams(js, [*STREAMS, bus.EVENTS, bus.DEAD_LETTER])
    registry = Registry()
    await registry.start(js)
    auth = await Auth.start(settings, js, "analytics")
    pipeline = AnalyticsPipeline(settings, db, js, registry)
    sweeper = RetentionSweeper(db, settings)
    servicer = AnalyticsServicer(AnalyticsDeps(settings, db, nc, js, registry))

    async def start() -> None:
        await pipeline.start()
        sweeper.start()
        await servicer.start()

    async def stop() -> None:
        await servicer.stop()
        await sweeper.stop()
        await pipeline.stop()
        await registry.stop()
        await auth.stop()
        await nc.drain()
        await db.close()

    async def ready() -> bool:
        return nc.is_connected and pipeline.healthy() and await db.ready()

    app = ServiceApp(
        name="analytics",
        service_names=[DESCRIPTOR.full_name],
        register=lambda s: analytics_pb2_grpc.add_AnalyticsServiceServicer_to_server(servicer, s),
        ready=ready,
        start=start,
        stop=stop,
        interceptors=[auth.interceptor],
        credentials=server_credentials(settings.tls_cert, settings.tls_key),
    )
    app.pipeline = pipeline  # type: ignore[attr-defined]
    return app


async def main(settings: AnalyticsSettings | None = None) -> None:
    settings = settings or AnalyticsSettings.from_env()
    setup_logging("analytics", settings.log_level)
    setup_tracing("analytics", settings.otel_exporter, settings.otel_endpoint)
    app = await build(settings)
    await serve_forever(app, settings.bind_host, settings.analytics_port, settings.shutdown_grace_s)


if __name__ == "__main__":
    asyncio.run(main())
