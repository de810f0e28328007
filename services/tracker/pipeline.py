"""The tracker service's work loop: detection frames in (from the durable consumer), one
SensorTracker per sensor, TrackFrames out, checkpoint, then ack.

Exactly-once effect across restarts: a sensor's checkpoint is written before the messages
it covers are acked, and it lists the stream sequences applied since the previous one, so
a message redelivered after a crash between the two is recognised and skipped; messages
applied after the last checkpoint are redelivered and applied again on the restored state.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from nats.aio.msg import Msg
from opentelemetry import trace

from aura.common.v1 import common_pb2 as c
from aura.tracker.v1 import tracker_pb2 as tpb
from services.common.hub import Hub
from services.common.observability import extract_context
from services.common.registry import SensorGeometry
from services.common.timeutil import ts_seconds
from services.tracker.adapters import convert
from services.tracker.domain.reorder import ReorderBuffer
from services.tracker.domain.tracker import SensorTracker
from services.tracker.domain.types import MeasurementKind, TrackerConfig

log = logging.getLogger("aura.tracker")
_tracer = trace.get_tracer("aura.tracker")

Item = tuple[int, c.DetectionFrame, Any, Msg]  # (stream seq, frame, DetectionBatch, msg)


class Checkpoints(Protocol):
    async def save(self, sensor_id: str, state: dict[str, Any]) -> None: ...


@dataclass
class SensorState:
    sensor_id: str
    sensor_kind: int
    kind: MeasurementKind
    tracker: SensorTracker
    buffer: ReorderBuffer
    skip: set[int] = field(default_factory=set)  # applied per the restored checkpoint
    restored_seq: int = 0  # highest stream sequence the restored state had seen
    max_seq: int = 0  # highest stream sequence applied
    pending: set[int] = field(default_factory=set)  # held in the reorder buffer
    applied: list[int] = field(default_factory=list)  # applied since the last checkpoint
    applied_set: set[int] = field(default_factory=set)
    to_ack: list[Msg] = field(default_factory=list)
    dirty: bool = False
    # The registry entry (or None) the tracker's config was last built from; another one
    # means the sensor's tuning may have changed. A new state is tuned on its first frame.
    tuned_from: object = field(default_factory=object)


@dataclass
class Stats:
    frames: int = 0
    dropped_late: int = 0
    dead_lettered: int = 0
    skipped_redelivered: int = 0
    disabled_sensor: int = 0


class TrackStore:
    """Live tracks by id (as protos) and a bounded ring of recently deleted ones."""

    def __init__(self, deleted_keep: int) -> None:
        self.live: dict[str, c.Track] = {}
        self.by_sensor: dict[str, set[str]] = {}
        self.deleted: OrderedDict[str, c.Track] = OrderedDict()
        self.deleted_keep = deleted_keep

    def put(self, track: c.Track) -> None:
        self.live[track.id] = track
        self.by_sensor.setdefault(track.sensor_id, set()).add(track.id)

    def delete(self, track: c.Track) -> None:
        self.live.pop(track.id, None)
        self.by_sensor.get(track.sensor_id, set()).discard(track.id)
        self.deleted[track.id] = track
        while len(self.deleted) > self.deleted_keep:
            self.deleted.popitem(last=False)

    def sensor_tracks(self, sensor_id: str) -> list[c.Track]:
        return [self.live[i] for i in sorted(self.by_sensor.get(sensor_id, ()))]

    def get(self, track_id: str) -> c.Track | None:
        return self.live.get(track_id) or self.deleted.get(track_id)


def matches(track: c.Track, f: tpb.TrackFilter) -> bool:
    """Pure filter predicate of StreamTracks and ListTracks."""
    if f.sensor_ids and track.sensor_id not in f.sensor_ids:
        return False
    statuses = [s for s in f.statuses if s != c.TRACK_STATUS_UNSPECIFIED]
    if statuses and track.status not in statuses:
        return False
    if f.class_labels and track.class_label not in f.class_labels:
        return False
    return track.confidence >= f.min_confidence


class TrackerPipeline:
    def __init__(
        self,
        config_for: Callable[[str, MeasurementKind], TrackerConfig],
        publish: Callable[[c.TrackFrame], Coroutine[Any, Any, None]],
        checkpoints: Checkpoints,
        dead_letter: Callable[[Msg, str], Awaitable[None]],
        lateness_s: float = 0.1,
        max_hold_s: float = 0.05,
        deleted_keep: int = 2000,
        subscriber_buffer: int = 8192,
        geometry: Callable[[str], SensorGeometry | None] = lambda sensor_id: None,
        checkpoint_interval_s: float = 1.0,
        max_unacked: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config_for = config_for
        self.publish = publish
        self.checkpoints = checkpoints
        self.dead_letter = dead_letter
        self.lateness_s, self.max_hold_s = lateness_s, max_hold_s
        self.clock = clock
        self.geometry = geometry
        self.checkpoint_interval_s, self.max_unacked = checkpoint_interval_s, max_unacked
        self._last_checkpoint = clock()
        self.sensors: dict[str, SensorState] = {}
        self.store = TrackStore(deleted_keep)
        self.hub: Hub[tpb.StreamTracksResponse] = Hub(subscriber_buffer)
        self.stats = Stats()
        self._lock = asyncio.Lock()
        self._outbox: list[tuple[c.TrackFrame, asyncio.Task[None]]] = []

    # -- restore ---------------------------------------------------------------------------
    def restore(self, checkpoints: dict[str, dict[str, Any]]) -> None:
        for sensor_id, ck in checkpoints.items():
            kind = MeasurementKind(ck["kind"])
            st = SensorState(
                sensor_id=sensor_id,
                sensor_kind=int(ck["sensor_kind"]),
                kind=kind,
                tracker=SensorTracker.from_state(ck["tracker"]),
                buffer=ReorderBuffer(self.lateness_s, self.max_hold_s),
                skip=set(ck.get("applied", ())),
                restored_seq=int(ck.get("max_seq", 0)),
                max_seq=int(ck.get("max_seq", 0)),
            )
            self.sensors[sensor_id] = st
            for t in ck.get("live_tracks", ()):
                track = c.Track()
                track.ParseFromString(bytes.fromhex(t))
                self.store.put(track)
        log.info("restored checkpoints", extra={"sensors": len(checkpoints)})

    def _sensor(self, frame: c.DetectionFrame) -> SensorState:
        st = self.sensors.get(frame.sensor_id)
        if st is None:
            kind = convert.measurement_kind(frame)
            st = SensorState(
                sensor_id=frame.sensor_id,
                sensor_kind=frame.sensor_kind,
                kind=kind,
                tracker=SensorTracker(frame.sensor_id, self.config_for(frame.sensor_id, kind)),
                buffer=ReorderBuffer(self.lateness_s, self.max_hold_s),
            )
            self.sensors[frame.sensor_id] = st
        return st

    # -- work ------------------------------------------------------------------------------
    async def handle(self, msgs: Iterable[Msg]) -> None:
        """Process one fetched batch; ack each message once its effect is checkpointed."""
        async with self._lock:
            now = self.clock()
            for msg in msgs:
                await self._receive(msg, now)
            await self._flush()

    async def tick(self) -> None:
        """Release frames held longer than max_hold (called on a short timer)."""
        async with self._lock:
            now = self.clock()
            for st in self.sensors.values():
                if st.pending:
                    await self._apply(st, st.buffer.poll(now))
            await self._flush()

    async def _receive(self, msg: Msg, now: float) -> None:
        seq = msg.metadata.sequence.stream
        frame = c.DetectionFrame()
        try:
            frame.ParseFromString(msg.data)
            if not frame.sensor_id:
                raise ValueError("sensor_id is empty")
        except Exception as exc:
            await self._poison(msg, f"undecodable frame: {exc}")
            return
        geo = self.geometry(frame.sensor_id)
        if geo is not None and not geo.enabled:
            self.stats.disabled_sensor += 1
            await msg.ack()  # the registry says to keep this sensor out of tracking
            return
        st = self._sensor(frame)
        if st.tuned_from is not geo:
            self._retune(st, geo)
        if seq <= st.restored_seq and (
            seq in st.skip
            or (st.tracker.last_t is not None and ts_seconds(frame.timestamp) <= st.tracker.last_t)
        ):
            # Delivered again after a restart, but its effect is in the restored state
            # (applied, or dropped as too late, before the checkpoint).
            st.skip.discard(seq)
            self.stats.skipped_redelivered += 1
            await msg.ack()
            return
        if seq in st.pending or seq in st.applied_set:
            return  # a redelivery of a frame held in the buffer or applied but not yet acked
        try:
            if convert.measurement_kind(frame) is not st.kind:
                raise ValueError(f"sensor {frame.sensor_id} changed measurement kind")
            batch = convert.to_batch(frame, st.kind, st.tracker.config.dims)
        except ValueError as exc:
            await self._poison(msg, str(exc))
            return
        last_t = st.tracker.last_t
        if last_t is not None and batch.t < last_t:
            # Older than what the tracker has applied (also right after a restore, when
            # the reorder buffer is new): never applied backwards.
            await self._drop_late(st, frame, msg)
            await self._apply(st, st.buffer.poll(now))
            return
        dropped_before = st.buffer.dropped
        released = st.buffer.push(batch.t, (seq, frame, batch, msg), now)
        if st.buffer.dropped > dropped_before:
            await self._drop_late(st, frame, msg)
        else:
            st.pending.add(seq)
        await self._apply(st, released)

    def _retune(self, st: SensorState, geo: SensorGeometry | None) -> None:
        """Apply the sensor's current registry tuning to its tracker (tracks are kept)."""
        try:
            st.tracker.retune(self.config_for(st.sensor_id, st.kind))
        except ValueError as exc:  # admin validates tuning; a backstop keeps the old one
            log.warning(
                "sensor tuning not applied", extra={"sensor": st.sensor_id, "error": str(exc)}
            )
        st.tuned_from = geo

    async def _poison(self, msg: Msg, reason: str) -> None:
        self.stats.dead_lettered += 1
        log.warning("dead-lettered a message", extra={"subject": msg.subject, "reason": reason})
        await self.dead_letter(msg, reason)

    async def _drop_late(self, st: SensorState, frame: c.DetectionFrame, msg: Msg) -> None:
        self.stats.dropped_late += 1
        log.warning(
            "frame older than the allowed lateness dropped",
            extra={"sensor": frame.sensor_id, "frame": frame.frame_id},
        )
        out = c.TrackFrame(
            sensor_id=frame.sensor_id,
            frame_id=frame.frame_id,
            timestamp=frame.timestamp,
            tracks=self.store.sensor_tracks(st.sensor_id),
            dropped=True,
        )
        self._send(out)
        st.to_ack.append(msg)

    async def _apply(self, st: SensorState, items: list[Item]) -> None:
        for seq, frame, batch, msg in items:
            parent = extract_context(dict(msg.headers or {}))
            with _tracer.start_as_current_span("tracker.frame", context=parent) as span:
                span.set_attribute("aura.sensor_id", st.sensor_id)
                span.set_attribute("aura.frame_id", frame.frame_id)
                await self._apply_one(st, seq, frame, batch, msg)

    async def _apply_one(
        self, st: SensorState, seq: int, frame: c.DetectionFrame, batch: Any, msg: Msg
    ) -> None:
        started = time.perf_counter()
        res = st.tracker.step(batch)
        new_ids = set(res.new_ids)
        world, speeds = convert.world_of(res.tracks, st.kind, self.geometry(st.sensor_id))
        tracks = [
            convert.to_track(
                v,
                st.sensor_id,
                st.sensor_kind,
                st.kind,
                world=None if world is None else world[i],
                ground_speed=None if speeds is None else float(speeds[i]),
            )
            for i, v in enumerate(res.tracks)
        ]
        deleted = [
            convert.to_track(v, st.sensor_id, st.sensor_kind, st.kind, c.TRACK_STATUS_DELETED)
            for v in res.deleted
        ]
        out = c.TrackFrame(
            sensor_id=st.sensor_id,
            frame_id=frame.frame_id,
            timestamp=frame.timestamp,
            tracks=tracks,
            new_track_ids=res.new_ids,
            deleted_tracks=deleted,
            processing_time_ms=(time.perf_counter() - started) * 1000.0,
        )
        self._send(out)
        for t in tracks:
            self.store.put(t)
        for t in deleted:
            self.store.delete(t)
        if self.hub.subscribers:  # events are built only when someone listens
            for t in tracks:
                kind = tpb.TRACK_EVENT_TYPE_NEW if t.id in new_ids else tpb.TRACK_EVENT_TYPE_UPDATED
                self.hub.publish(
                    tpb.StreamTracksResponse(type=kind, track=t, frame_id=frame.frame_id)
                )
            for t in deleted:
                self.hub.publish(
                    tpb.StreamTracksResponse(
                        type=tpb.TRACK_EVENT_TYPE_DELETED, track=t, frame_id=frame.frame_id
                    )
                )
        st.pending.discard(seq)
        st.applied.append(seq)
        st.applied_set.add(seq)
        st.max_seq = max(st.max_seq, seq)
        st.to_ack.append(msg)
        st.dirty = True
        self.stats.frames += 1

    def _send(self, frame: c.TrackFrame) -> None:
        """Publish without waiting; `_drain_outbox` makes sure it landed before any ack."""
        self._outbox.append((frame, asyncio.create_task(self.publish(frame))))

    async def _drain_outbox(self) -> None:
        outbox, self._outbox = self._outbox, []
        for frame, task in outbox:
            delay = 0.2
            while True:
                try:
                    await task
                    break
                except Exception:
                    log.warning("publishing a track frame failed; retrying", exc_info=True)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, 5.0)
                    task = asyncio.create_task(self.publish(frame))

    async def flush(self) -> None:
        """Checkpoint and ack now (on shutdown)."""
        async with self._lock:
            await self._flush(force=True)

    async def _flush(self, force: bool = False) -> None:
        """Checkpoint every sensor that changed, then ack what the checkpoint covers.

        Checkpoints are written every `checkpoint_interval_s` (or sooner when many messages
        wait for their ack), so their cost is shared by all the frames of an interval; a crash
        re-applies at most that interval's frames on the restored state."""
        unacked = sum(len(st.to_ack) for st in self.sensors.values())
        due = self.clock() - self._last_checkpoint >= self.checkpoint_interval_s
        if not (force or due or unacked >= self.max_unacked):
            return
        self._last_checkpoint = self.clock()
        await self._drain_outbox()
        for st in self.sensors.values():
            if st.dirty:
                await self.checkpoints.save(st.sensor_id, self._checkpoint(st))
                st.dirty = False
                st.applied = []
                st.applied_set = set()
            if st.to_ack:
                msgs, st.to_ack = st.to_ack, []
                await asyncio.gather(*(m.ack() for m in msgs))

    def _checkpoint(self, st: SensorState) -> dict[str, Any]:
        return {
            "kind": st.kind.value,
            "sensor_kind": st.sensor_kind,
            "tracker": st.tracker.to_state(),
            "applied": st.applied,
            "max_seq": st.max_seq,
            "live_tracks": [
                t.SerializeToString().hex() for t in self.store.sensor_tracks(st.sensor_id)
            ],
        }
