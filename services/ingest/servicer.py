"""IngestService: proto in, validation and framing by the domain, JetStream out."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import grpc

from aura.common.v1 import common_pb2 as c
from aura.ingest.v1 import ingest_pb2 as pb
from aura.ingest.v1 import ingest_pb2_grpc as pb_grpc
from services.common.errors import PreconditionError, UnavailableError, ValidationError
from services.common.status import rpc
from services.common.timeutil import to_timestamp
from services.ingest.adapters.nats_bus import FrameWaiter, IngestBus
from services.ingest.config import IngestSettings
from services.ingest.domain import legacy
from services.ingest.domain.validation import (
    Limits,
    build_frames,
    check_request_size,
    check_telemetry,
)


class IngestServicer(pb_grpc.IngestServiceServicer):
    def __init__(
        self,
        settings: IngestSettings,
        bus: IngestBus,
        threat_of: Callable[[str], int] = lambda track_id: 0,
    ) -> None:
        self.settings = settings
        self.bus = bus
        self.threat_of = threat_of  # fused threat level of a sensor track (v2 Track)
        self.limits = Limits(settings.ingest_max_detections, settings.ingest_max_request_bytes)

    def _frames(self, detections: list[c.Detection], prefix: str) -> list[c.DetectionFrame]:
        frames = build_frames(detections, self.limits, prefix)
        now = to_timestamp(datetime.now(UTC))
        for f in frames:
            f.received_at.CopyFrom(now)
            size = f.ByteSize()
            if size > self.bus.max_payload - 1024:
                raise ValidationError(
                    prefix,
                    f"frame {f.sensor_id}:{f.frame_id} is {size} bytes, over the bus limit "
                    f"of {self.bus.max_payload} bytes; split it into smaller frames",
                )
        return frames

    async def _publish(self, frames: list[c.DetectionFrame]) -> list[pb.PublishedFrame]:
        acks = await self.bus.publish_frames(frames)
        return [
            pb.PublishedFrame(
                sensor_id=f.sensor_id,
                frame_id=f.frame_id,
                detections=len(f.detections),
                duplicate=dup,
                stream_sequence=seq,
            )
            for f, (seq, dup) in zip(frames, acks, strict=True)
        ]

    @rpc
    async def PublishDetections(
        self, request: pb.PublishDetectionsRequest, context: grpc.aio.ServicerContext
    ) -> pb.PublishDetectionsResponse:
        check_request_size(request.ByteSize(), self.limits)
        frames = self._frames(list(request.detections), "detections")
        published = await self._publish(frames)
        return pb.PublishDetectionsResponse(accepted=len(request.detections), frames=published)

    @rpc
    async def StreamDetections(
        self,
        request_iterator: AsyncIterator[pb.StreamDetectionsRequest],
        context: grpc.aio.ServicerContext,
    ) -> pb.StreamDetectionsResponse:
        out = pb.StreamDetectionsResponse()
        async for req in request_iterator:
            prefix = f"batches[{out.batches}].detections"
            check_request_size(req.ByteSize(), self.limits, f"batches[{out.batches}]")
            published = await self._publish(self._frames(list(req.detections), prefix))
            out.batches += 1
            out.accepted += len(req.detections)
            out.frames += len(published)
            out.duplicates += sum(p.duplicate for p in published)
        return out

    @rpc
    async def Track(
        self, request: pb.TrackRequest, context: grpc.aio.ServicerContext
    ) -> pb.TrackResponse:
        started = time.perf_counter()
        check_request_size(request.ByteSize(), self.limits)
        s = self.settings
        detections, frame_id = legacy.to_detections(
            request, datetime.now(UTC), s.accept_naive_ts, s.default_tz
        )
        frames = self._frames(detections, "detections")
        keys = {(f.sensor_id, f.frame_id) for f in frames}
        async with FrameWaiter(self.bus.nc, keys) as waiter:
            published = await self._publish(frames)
            duplicates = [(p.sensor_id, p.frame_id) for p in published if p.duplicate]
            for key in duplicates:
                waiter.forget(key)
            if not await waiter.wait(s.ingest_track_timeout_s):
                raise UnavailableError(
                    f"detections stored in JetStream, but the tracker did not answer within "
                    f"{s.ingest_track_timeout_s} s; they will be tracked when it is back"
                )
            if waiter.refused:
                (sensor, frame_no), reason = sorted(waiter.refused.items())[0]
                raise PreconditionError(
                    f"the tracker refused frame {frame_no} of sensor {sensor!r}: {reason} "
                    "(the frame is parked on aura.dlq.tracker)"
                )
            results = list(waiter.got.values())
        # A re-sent frame was tracked before: answer with its sensor's current tracks.
        for sensor, _ in duplicates:
            latest = await self.bus.latest_track_frame(sensor)
            if latest is not None:
                del latest.new_track_ids[:]
                del latest.deleted_tracks[:]
                results.append(latest)
        elapsed_ms = (time.perf_counter() - started) * 1000.0
        return legacy.to_response(results, frame_id, elapsed_ms, self.threat_of)

    @rpc
    async def PublishTelemetry(
        self, request: pb.PublishTelemetryRequest, context: grpc.aio.ServicerContext
    ) -> pb.PublishTelemetryResponse:
        check_request_size(request.ByteSize(), self.limits)
        check_telemetry(request.samples, self.limits)
        by_source: dict[str, pb.TelemetryBatch] = {}
        for sample in request.samples:
            batch = by_source.setdefault(
                sample.source_id, pb.TelemetryBatch(source_id=sample.source_id)
            )
            batch.samples.append(sample)
        for batch in by_source.values():
            await self.bus.publish_telemetry(batch)
        return pb.PublishTelemetryResponse(accepted=len(request.samples))
