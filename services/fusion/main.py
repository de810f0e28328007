"""Composition root of fusion: settings → NATS (consumer, KV, registry) → pipeline → server."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aura.fusion.v1 import fusion_pb2, fusion_pb2_grpc
from services.common import bus
from services.common.auth import Auth
from services.common.observability import setup_logging, setup_tracing
from services.common.registry import ConfigPart, Registry
from services.common.server import ServiceApp, serve_forever, server_credentials
from services.fusion.adapters.checkpoint import CheckpointStore, last_published_sequence
from services.fusion.config import FusionSettings
from services.fusion.domain.engine import FusionConfig
from services.fusion.pipeline import FusionPipeline
from services.fusion.servicer import FusionServicer

SERVICE = fusion_pb2.DESCRIPTOR.services_by_name["FusionService"].full_name
log = logging.getLogger("aura.fusion")


async def build(settings: FusionSettings) -> ServiceApp:
    nc = await bus.connect(settings.nats_url, "fusion")
    js = nc.jetstream()
    streams = [bus.TRACKS, bus.FUSED, bus.THREATS, bus.ZONES, bus.DEAD_LETTER]
    await bus.ensure_streams(js, streams)
    checkpoints = CheckpointStore(js, settings.fusion_checkpoint_bucket)
    await checkpoints.setup()
    auth = await Auth.start(settings, js, "fusion")

    async def publish(subject: str, payload: bytes, msg_id: str) -> None:
        await bus.publish(js, subject, payload, msg_id)

    pipeline = FusionPipeline(
        FusionConfig(
            lateness_s=settings.fusion_lateness_s,
            coast_s=settings.fusion_coast_s,
            stale_s=settings.fusion_stale_s,
        ),
        publish=publish,
        checkpoints=checkpoints,
        dead_letter=lambda msg, reason: bus.dead_letter(js, "fusion", msg, reason),
        deleted_keep=settings.fusion_deleted_keep,
        subscriber_buffer=settings.fusion_subscriber_buffer,
        trail_interval_s=settings.fusion_trail_interval_s,
        checkpoint_interval_s=settings.fusion_checkpoint_interval_s,
        event_time=settings.fusion_clock == "event",
    )
    published = await last_published_sequence(js, bus.FUSED.name, "aura.fused")
    pipeline.restore(await checkpoints.load(), published)
    registry = Registry()

    def on_change(part: ConfigPart) -> None:  # a change counts from the next cycle on
        if part == "sensors":
            pipeline.set_sensors(registry.sensors)
        elif part == "zones":
            pipeline.set_zones(registry.zones.values())
        elif part == "thresholds":
            pipeline.set_thresholds(registry.thresholds)

    registry.on_change(on_change)
    await registry.start(js)
    with contextlib.suppress(TimeoutError):  # an empty or unreachable bucket: go on
        await asyncio.wait_for(registry.ready.wait(), 5.0)
    consumer = bus.DurableConsumer(
        js,
        bus.TRACKS.name,
        settings.fusion_durable,
        "aura.tracks.>",
        pipeline.handle,
        batch=settings.fusion_fetch_batch,
    )
    ticker: list[asyncio.Task[None]] = []

    async def tick_forever() -> None:
        # A cycle starts every interval (not an interval after the previous one ended); one
        # that overruns is followed at once by the next, and the missed starts are skipped.
        loop = asyncio.get_running_loop()
        interval = settings.fusion_interval_s
        due = loop.time() + interval
        while True:
            await asyncio.sleep(max(due - loop.time(), 0.0))
            due = max(due + interval, loop.time())
            try:
                await pipeline.tick()
            except Exception:  # the next cycle tries again; the messages stay unacked
                log.exception("fusion cycle failed")

    async def start() -> None:
        await consumer.rewind_to_ack_floor()
        await consumer.start()
        ticker.append(asyncio.create_task(tick_forever()))

    async def stop() -> None:
        await consumer.stop()
        for task in ticker:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await pipeline.flush()  # fuse what was received, checkpoint, ack
        await registry.stop()
        await auth.stop()
        await nc.drain()

    async def ready() -> bool:
        return nc.is_connected and consumer.healthy and bool(ticker) and not ticker[0].done()

    servicer = FusionServicer(pipeline)
    app = ServiceApp(
        name="fusion",
        service_names=[SERVICE],
        register=lambda s: fusion_pb2_grpc.add_FusionServiceServicer_to_server(servicer, s),
        ready=ready,
        start=start,
        stop=stop,
        interceptors=[auth.interceptor],
        credentials=server_credentials(settings.tls_cert, settings.tls_key),
    )
    app.pipeline = pipeline  # type: ignore[attr-defined]
    return app


async def main(settings: FusionSettings | None = None) -> None:
    settings = settings or FusionSettings.from_env()
    setup_logging("fusion", settings.log_level)
    setup_tracing("fusion", settings.otel_exporter, settings.otel_endpoint)
    app = await build(settings)
    await serve_forever(app, settings.bind_host, settings.fusion_port, settings.shutdown_grace_s)


if __name__ == "__main__":
    asyncio.run(main())
