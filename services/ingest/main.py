"""Composition root of the ingest service: settings → NATS → servicer → server."""

from __future__ import annotations

import asyncio

from aura.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from services.common import bus
from services.common.auth import Auth
from services.common.observability import setup_logging, setup_tracing
from services.common.server import ServiceApp, serve_forever, server_credentials
from services.ingest.adapters.nats_bus import IngestBus
from services.ingest.adapters.threats import FusedThreats
from services.ingest.config import IngestSettings
from services.ingest.servicer import IngestServicer

SERVICE = ingest_pb2.DESCRIPTOR.services_by_name["IngestService"].full_name


async def build(settings: IngestSettings) -> ServiceApp:
    nc = await bus.connect(settings.nats_url, "ingest")
    ingest_bus = IngestBus(nc, nc.jetstream())
    await ingest_bus.setup()
    auth = await Auth.start(settings, nc.jetstream(), "ingest")
    threats = FusedThreats()  # fusion's threat levels for the v2 Track answer
    await threats.start(nc)
    servicer = IngestServicer(settings, ingest_bus, threats)

    async def ready() -> bool:
        return nc.is_connected

    async def stop() -> None:
        await threats.stop()
        await auth.stop()
        await nc.drain()

    return ServiceApp(
        name="ingest",
        service_names=[SERVICE],
        register=lambda server: ingest_pb2_grpc.add_IngestServiceServicer_to_server(
            servicer, server
        ),
        ready=ready,
        stop=stop,
        interceptors=[auth.interceptor],
        credentials=server_credentials(settings.tls_cert, settings.tls_key),
    )


async def main(settings: IngestSettings | None = None) -> None:
    settings = settings or IngestSettings.from_env()
    setup_logging("ingest", settings.log_level)
    setup_tracing("ingest", settings.otel_exporter, settings.otel_endpoint)
    app = await build(settings)
    await serve_forever(app, settings.bind_host, settings.ingest_port, settings.shutdown_grace_s)


if __name__ == "__main__":
    asyncio.run(main())
