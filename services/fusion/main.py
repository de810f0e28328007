"""Composition root of the fusion service.

The contract of FusionService is complete; its behaviour is delivered by the fusion issue
(global identities, fused state, threats and zones). Until then every RPC answers
UNIMPLEMENTED naming that area, while health, reflection, Envoy routing and the JetStream
streams it owns are real.
"""

from __future__ import annotations

import asyncio

from aura.fusion.v1 import fusion_pb2, fusion_pb2_grpc
from services.common import bus
from services.common.auth import Auth
from services.common.contract import pending_servicer
from services.common.observability import setup_logging, setup_tracing
from services.common.server import ServiceApp, serve_forever, server_credentials
from services.fusion.config import FusionSettings

DESCRIPTOR = fusion_pb2.DESCRIPTOR.services_by_name["FusionService"]
AREA = "the fusion issue (global identities, fused state, threats and zones)"


async def build(settings: FusionSettings) -> ServiceApp:
    nc = await bus.connect(settings.nats_url, "fusion")
    await bus.ensure_streams(nc.jetstream(), [bus.TRACKS, bus.FUSED, bus.THREATS, bus.ZONES])
    auth = await Auth.start(settings, nc.jetstream(), "fusion")
    servicer = pending_servicer(fusion_pb2_grpc.FusionServiceServicer, DESCRIPTOR, AREA)()

    async def ready() -> bool:
        return nc.is_connected

    async def stop() -> None:
        await auth.stop()
        await nc.drain()

    return ServiceApp(
        name="fusion",
        service_names=[DESCRIPTOR.full_name],
        register=lambda s: fusion_pb2_grpc.add_FusionServiceServicer_to_server(servicer, s),
        ready=ready,
        stop=stop,
        interceptors=[auth.interceptor],
        credentials=server_credentials(settings.tls_cert, settings.tls_key),
    )


async def main(settings: FusionSettings | None = None) -> None:
    settings = settings or FusionSettings.from_env()
    setup_logging("fusion", settings.log_level)
    setup_tracing("fusion", settings.otel_exporter, settings.otel_endpoint)
    app = await build(settings)
    await serve_forever(app, settings.bind_host, settings.fusion_port, settings.shutdown_grace_s)


if __name__ == "__main__":
    asyncio.run(main())
