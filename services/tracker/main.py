"""Composition root of the tracker: settings → NATS (consumer, KV) → pipeline → server."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from aura.common.v1 import common_pb2 as c
from aura.tracker.v1 import tracker_pb2, tracker_pb2_grpc
from services.common import bus
from services.common.auth import Auth
from services.common.errors import ValidationError
from services.common.observability import setup_logging, setup_tracing
from services.common.registry import Registry
from services.common.server import ServiceApp, serve_forever, server_credentials
from services.tracker.adapters.checkpoint import CheckpointStore
from services.tracker.adapters.tuning import tuned
from services.tracker.config import TrackerSettings
from services.tracker.domain.types import MeasurementKind, TrackerConfig
from services.tracker.pipeline import TrackerPipeline
from services.tracker.servicer import TrackerServicer

log = logging.getLogger("aura.tracker")
SERVICE = tracker_pb2.DESCRIPTOR.services_by_name["TrackerService"].full_name


async def build(settings: TrackerSettings) -> ServiceApp:
    nc = await bus.connect(settings.nats_url, "tracker")
    js = nc.jetstream()
    await bus.ensure_streams(js, [bus.DETECTIONS, bus.TRACKS, bus.DEAD_LETTER])
    checkpoints = CheckpointStore(js, settings.tracker_checkpoint_bucket)
    await checkpoints.setup()
    registry = Registry()
    await registry.start(js)
    auth = await Auth.start(settings, js, "tracker")

    def config_for(sensor_id: str, kind: MeasurementKind) -> TrackerConfig:
        """Defaults for the kind, tuned by the sensor's registry entry when it has one."""
        dims = 2 if kind is MeasurementKind.BOX else settings.tracker_point_dims
        base = TrackerConfig(kind=kind, dims=dims)
        geo = registry.get(sensor_id)
        if geo is None:
            return base
        try:
            return tuned(base, geo.sensor)
        except ValidationError as exc:  # admin refuses these; a backstop
            log.warning("sensor tuning ignored", extra={"sensor": sensor_id, "error": str(exc)})
            return base

    async def publish(frame: c.TrackFrame) -> None:
        subject = f"aura.tracks.{bus.subject_token(frame.sensor_id)}"
        await bus.publish(
            js, subject, frame.SerializeToString(), f"{frame.sensor_id}:{frame.frame_id}"
        )

    pipeline = TrackerPipeline(
        config_for=config_for,
        publish=publish,
        checkpoints=checkpoints,
        dead_letter=lambda msg, reason: bus.dead_letter(js, "tracker", msg, reason),
        lateness_s=settings.tracker_lateness_s,
        max_hold_s=settings.tracker_max_hold_s,
        deleted_keep=settings.tracker_deleted_keep,
        subscriber_buffer=settings.tracker_subscriber_buffer,
        checkpoint_interval_s=settings.tracker_checkpoint_interval_s,
        geometry=registry.get,
    )
    pipeline.restore(await checkpoints.load_all())
    consumer = bus.DurableConsumer(
        js,
        bus.DETECTIONS.name,
        "tracker",
        "aura.detections.>",
        pipeline.handle,
        batch=settings.tracker_fetch_batch,
    )
    ticker: list[asyncio.Task[None]] = []

    async def tick_forever() -> None:
        interval = min(max(settings.tracker_max_hold_s / 2, 0.01), 0.1)
        while True:
            await asyncio.sleep(interval)
            try:
                await pipeline.tick()
            except Exception:  # NATS slow for a moment: the next tick tries again
                log.exception("tracker tick failed")

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
        await pipeline.flush()  # checkpoint and ack what was applied
        await registry.stop()
        await auth.stop()
        await nc.drain()

    async def ready() -> bool:
        return nc.is_connected and consumer.healthy

    servicer = TrackerServicer(pipeline)
    app = ServiceApp(
        name="tracker",
        service_names=[SERVICE],
        register=lambda s: tracker_pb2_grpc.add_TrackerServiceServicer_to_server(servicer, s),
        ready=ready,
        start=start,
        stop=stop,
        interceptors=[auth.interceptor],
        credentials=server_credentials(settings.tls_cert, settings.tls_key),
    )
    app.pipeline = pipeline  # type: ignore[attr-defined]
    return app


async def main(settings: TrackerSettings | None = None) -> None:
    settings = settings or TrackerSettings.from_env()
    setup_logging("tracker", settings.log_level)
    setup_tracing("tracker", settings.otel_exporter, settings.otel_endpoint)
    app = await build(settings)
    await serve_forever(app, settings.bind_host, settings.tracker_port, settings.shutdown_grace_s)


if __name__ == "__main__":
    asyncio.run(main())
