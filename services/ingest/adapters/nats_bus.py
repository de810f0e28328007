"""Ingest's side of JetStream: publish frames and telemetry, and wait for the tracker's
result of given frames (for the synchronous v2 `Track` call)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import TypeVar

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.errors import NotFoundError

from aura.common.v1 import common_pb2 as c
from aura.ingest.v1 import ingest_pb2 as pb
from services.common import bus

# Where the tracker parks frames it can never process (services/common/bus.dead_letter).
TRACKER_DLQ = "aura.dlq.tracker"
P = TypeVar("P")


class IngestBus:
    def __init__(self, nc: NATS, js: JetStreamContext) -> None:
        self.nc, self.js = nc, js

    async def setup(self) -> None:
        await bus.ensure_streams(self.js, [bus.DETECTIONS, bus.TRACKS, bus.TELEMETRY])

    @property
    def max_payload(self) -> int:
        return int(self.nc.max_payload)

    async def publish_frame(self, frame: c.DetectionFrame) -> tuple[int, bool]:
        subject = f"aura.detections.{bus.subject_token(frame.sensor_id)}"
        msg_id = f"{frame.sensor_id}:{frame.frame_id}"
        return await bus.publish(self.js, subject, frame.SerializeToString(), msg_id)

    async def publish_frames(self, frames: Sequence[c.DetectionFrame]) -> list[tuple[int, bool]]:
        """Publish every frame concurrently; each await is JetStream's stored ack."""
        return list(await asyncio.gather(*(self.publish_frame(f) for f in frames)))

    async def publish_telemetry(self, batch: pb.TelemetryBatch) -> None:
        subject = f"aura.telemetry.{bus.subject_token(batch.source_id)}"
        await bus.publish(self.js, subject, batch.SerializeToString())

    async def latest_track_frame(self, sensor_id: str) -> c.TrackFrame | None:
        """The tracker's latest published frame for a sensor (its current tracks)."""
        subject = f"aura.tracks.{bus.subject_token(sensor_id)}"
        try:
            raw = await self.js.get_last_msg(bus.TRACKS.name, subject)
        except NotFoundError:
            return None
        frame = c.TrackFrame()
        frame.ParseFromString(raw.data or b"")
        return frame


class FrameWaiter:
    """Subscribes to the tracker's output for some sensors *before* their frames are
    published, then collects the TrackFrame of each awaited (sensor, frame).

    It also listens to the tracker's dead-letter subject: a frame the tracker refuses (for
    example a sensor that switched from boxes to points) is recorded in `refused` with the
    tracker's reason, so the caller hears of it at once instead of waiting for a timeout.
    """

    def __init__(self, nc: NATS, wanted: set[tuple[str, int]]) -> None:
        self.nc = nc
        self.wanted = set(wanted)
        self.got: dict[tuple[str, int], c.TrackFrame] = {}
        self.refused: dict[tuple[str, int], str] = {}
        self._done = asyncio.Event()
        self._subs: list[object] = []

    async def __aenter__(self) -> FrameWaiter:
        for sensor in sorted({s for s, _ in self.wanted}):
            sub = await self.nc.subscribe(
                f"aura.tracks.{bus.subject_token(sensor)}", cb=self._on_msg
            )
            self._subs.append(sub)
        if self.wanted:
            self._subs.append(await self.nc.subscribe(TRACKER_DLQ, cb=self._on_refused))
        await self.nc.flush()
        self._check_done()
        return self

    async def _on_msg(self, msg: Msg) -> None:
        frame = _parsed(c.TrackFrame, msg.data)
        if frame is not None and self._awaited(frame):
            self.got[(frame.sensor_id, frame.frame_id)] = frame
            self._check_done()

    async def _on_refused(self, msg: Msg) -> None:
        frame = _parsed(c.DetectionFrame, msg.data)
        if frame is not None and self._awaited(frame):
            reason = (msg.headers or {}).get(bus.DLQ_REASON, "refused")
            self.refused[(frame.sensor_id, frame.frame_id)] = reason
            self._check_done()

    def _awaited(self, frame: c.TrackFrame | c.DetectionFrame) -> bool:
        key = (frame.sensor_id, frame.frame_id)
        return key in self.wanted and key not in self.got

    def forget(self, key: tuple[str, int]) -> None:
        """Stop waiting for `key` (e.g. a duplicate frame answered another way)."""
        self.wanted.discard(key)
        self._check_done()

    def _check_done(self) -> None:
        if len(self.got) + len(self.refused) >= len(self.wanted):
            self._done.set()

    async def wait(self, timeout_s: float) -> bool:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._done.wait(), timeout_s)
        return self._done.is_set()

    async def __aexit__(self, *exc: object) -> None:
        for sub in self._subs:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()  # type: ignore[attr-defined]


def _parsed(kind: type[P], data: bytes) -> P | None:
    """`data` decoded as `kind`, or None when it is not one (someone else's message)."""
    try:
        return kind.FromString(data)  # type: ignore[attr-defined, no-any-return]
    except Exception:
        return None
