"""The fusion service's work loop: TrackFrames in (from the durable consumer on
`aura.tracks.>`), one FusionEngine for all sensors, one fusion cycle every interval, outputs
out (`aura.fused`, `aura.zones.<zone_id>`, `aura.threats`), checkpoint, then ack.

Time: a cycle fuses at T = now - lateness_s, with now the wall clock (UTC), so sensors
that report at different rates and with delays are fused at one common time; a state that
arrives more than lateness_s late is used only while nothing newer of its track is at hand.
In event time (replays with their original timestamps) now is the latest frame time
received, and cycles run only when frames arrive.

Exactly-once effect across restarts: the messages a cycle applied are acked only after a
checkpoint that holds their effect (engine state and the highest stream sequence applied).
At start the consumer is rewound to its ack floor; a redelivered message at or below the
checkpoint's sequence is acked and skipped, the others are applied again on the restored
state. Outputs published after the last checkpoint may be published again after a crash;
their message ids (`fused:<sequence>`, the zone event id, `<global_id>:<sequence>`) let
JetStream drop most repeats.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Protocol

import numpy as np
from nats.aio.msg import Msg
from nats.errors import MaxPayloadError
from opentelemetry import trace

from aura.admin.v1 import admin_pb2 as apb
from aura.common.v1 import common_pb2 as c
from aura.fusion.v1 import fusion_pb2 as fpb
from services.common import bus
from services.common.hub import Hub
from services.common.observability import extract_context
from services.common.registry import SensorGeometry
from services.common.timeutil import ts_seconds
from services.fusion.adapters import convert
from services.fusion.domain.engine import FusionConfig, FusionEngine, FusionResult
from services.fusion.domain.types import SensorTrack

log = logging.getLogger("aura.fusion")
_tracer = trace.get_tracer("aura.fusion")
#: Trace links a cycle's span keeps to the TrackFrames it fused (the first ones).
MAX_LINKS = 32

#: Longest trail GetFusedTrack returns, in seconds (the contract's limit).
TRAIL_MAX_S = 600.0
#: Longest lateness a sensor's expected_delay_ms may ask of fusion, in seconds.
MAX_LATENESS_S = 5.0

Publish = Callable[[str, bytes, str], Awaitable[None]]


class Checkpoints(Protocol):
    async def save(self, state: dict[str, Any]) -> int: ...

    async def save_refused(self, counts: dict[str, int]) -> None: ...


@dataclass
class Stats:
    frames: int = 0
    cycles: int = 0
    dead_lettered: int = 0
    skipped_redelivered: int = 0
    late_states: int = 0
    checkpoints: int = 0
    dropped_outputs: int = 0  # larger than NATS's max payload (logged)
    #: sensor_id -> track updates kept out of fusion (no pose / homography, or disabled).
    refused: dict[str, int] = field(default_factory=dict)
    #: Milliseconds the latest cycle spent in each part: decode (TrackFrames to sensor
    #: tracks, summed over the cycle's frames), engine, convert (domain to protos, store,
    #: stream fan-out), serialize, publish, checkpoint (0 when the cycle wrote none).
    last_cycle_ms: dict[str, float] = field(default_factory=dict)


Point = tuple[float, float, float, float, float]  # t, x, y, vx, vy


class FusedStore:
    """What the servicer reads: live fused tracks by global id, a bounded ring of deleted
    ones, each track's recent trail, and the current threat of each live track above 0."""

    def __init__(self, deleted_keep: int, trail_interval_s: float) -> None:
        self.live: dict[str, fpb.FusedTrack] = {}
        self.deleted: OrderedDict[str, fpb.FusedTrack] = OrderedDict()
        self.deleted_keep = deleted_keep
        self.trail_interval_s = trail_interval_s
        self.trails: dict[str, deque[Point]] = {}
        self.threats: dict[str, fpb.Threat] = {}
        self.t: float | None = None  # fusion time of the state held

    def get(self, gid: str) -> fpb.FusedTrack | None:
        return self.live.get(gid) or self.deleted.get(gid)

    def trail(self, gid: str, seconds: float) -> list[Point]:
        pts = self.trails.get(gid, ())
        if not pts:
            return []
        since = pts[-1][0] - seconds
        return [p for p in pts if p[0] >= since]

    def apply(
        self,
        t: float,
        live: list[fpb.FusedTrack],
        deleted: list[fpb.FusedTrack],
        states: Sequence[Any] | None = None,
    ) -> None:
        """The fused tracks of a cycle at fusion time t; states: the (x, y, vx, vy) of each
        live track when the caller has them as numbers (else read from the protos)."""
        self.t = t
        gids = [p.global_id for p in live]
        self.live = dict(zip(gids, live, strict=True))
        rows: list[list[float]]
        if states is not None and len(states):
            rows = np.asarray(states, dtype=float).reshape(len(live), 4).tolist()
        else:
            rows = [[p.position.x, p.position.y, p.velocity.vx, p.velocity.vy] for p in live]
        trails, since = self.trails, t - TRAIL_MAX_S
        for gid, (x, y, vx, vy) in zip(gids, rows, strict=True):
            pts = trails.get(gid)
            if pts is None:
                pts = trails[gid] = deque()
            elif t - pts[-1][0] < self.trail_interval_s:
                continue
            pts.append((t, x, y, vx, vy))
            while pts[0][0] < since:
                pts.popleft()
        for p in deleted:
            gid = p.global_id
            self.deleted[gid] = p
            self.threats.pop(gid, None)
            while len(self.deleted) > self.deleted_keep:
                old, _ = self.deleted.popitem(last=False)
                self.trails.pop(old, None)

    def threat(self, th: fpb.Threat) -> None:
        if th.level > 0 and th.global_id in self.live:
            self.threats[th.global_id] = th
        else:
            self.threats.pop(th.global_id, None)


class FusionPipeline:
    def __init__(
        self,
        config: FusionConfig,
        publish: Publish,
        checkpoints: Checkpoints,
        dead_letter: Callable[[Msg, str], Awaitable[None]],
        deleted_keep: int = 2000,
        subscriber_buffer: int = 8192,
        trail_interval_s: float = 0.5,
        checkpoint_interval_s: float = 1.0,
        max_unacked: int = 10_000,
        clock: Callable[[], float] = time.time,
        event_time: bool = False,
    ) -> None:
        self.config = config
        self.engine = FusionEngine(config)
        self.publish = publish
        self.checkpoints = checkpoints
        self.dead_letter = dead_letter
        self.checkpoint_interval_s, self.max_unacked = checkpoint_interval_s, max_unacked
        self.clock = clock
        # Event time: "now" is the latest frame time received (replays keeping their
        # original timestamps); wall time (the default): the clock.
        self.event_time = event_time
        self._watermark: float | None = None
        self._fused_at: float | None = None  # the "now" of the latest cycle
        self.store = FusedStore(deleted_keep, trail_interval_s)
        self.tracks_hub: Hub[fpb.StreamFusedTracksResponse] = Hub(subscriber_buffer)
        self.threats_hub: Hub[fpb.StreamThreatsResponse] = Hub(subscriber_buffer)
        self.stats = Stats()
        self.kinds: dict[str, int] = {}  # sensor_id -> aura.common.v1.SensorKind
        self.sites: dict[str, str] = {}  # sensor_id -> site_id (registry)
        self._placed: set[str] = set()  # sensors given a geometry from the registry
        self._pending: list[SensorTrack] = []
        self._sources: list[str] = []
        self._pending_msgs: list[Msg] = []  # the messages of _pending
        self._links: list[trace.Link] = []  # their trace contexts
        self._to_ack: list[Msg] = []
        self._decode_s = 0.0  # time spent decoding the pending frames
        self.max_seq = 0  # highest stream sequence applied
        self.checkpointed_seq = 0  # highest stream sequence in the latest checkpoint
        self._dirty = False
        self._refused_saved: dict[str, int] = {}
        self._last_checkpoint = time.monotonic()
        self._lock = asyncio.Lock()

    # -- configuration from admin (registry listeners) -------------------------------------
    def set_sensors(self, sensors: Mapping[str, SensorGeometry]) -> None:
        """Give the engine every registered sensor's pose / homography (None when disabled);
        sensors that left the registry lose theirs, so their tracks are refused again."""
        for sid, geo in sensors.items():
            self.engine.set_geometry(
                sid, convert.sensor_frame(geo.sensor, geo.pose, geo.homography)
            )
            self.sites[sid] = geo.sensor.site_id
            if geo.sensor.kind:
                self.kinds.setdefault(sid, int(geo.sensor.kind))
        for sid in self._placed - set(sensors):
            self.engine.set_geometry(sid, None)
            self.sites.pop(sid, None)
        self._placed = set(sensors)
        # Fusion waits for the slowest enabled sensor's usual delay (Sensor.expected_delay_ms)
        # when that is longer than the configured lateness.
        delays = [
            g.sensor.expected_delay_ms / 1000.0
            for g in sensors.values()
            if g.enabled and math.isfinite(g.sensor.expected_delay_ms)
        ]
        lateness = max(self.config.lateness_s, min(max(delays, default=0.0), MAX_LATENESS_S))
        if lateness != self.engine.config.lateness_s:
            self._reconfigure(replace(self.engine.config, lateness_s=lateness))

    def _reconfigure(self, config: FusionConfig) -> None:
        """The same fused state (ids, bindings, buffers, zones, threats) under a new config."""
        log.info("fusion lateness follows the sensors", extra={"lateness_s": config.lateness_s})
        state = self.engine.to_state()
        state["config"] = asdict(config)
        eng = self.engine
        self.engine = FusionEngine.from_state(state, eng.geometries, eng.zones.zones, eng.rules)

    def set_zones(self, zones: Iterable[apb.Zone]) -> None:
        def bad(zone_id: str, why: str) -> None:
            log.warning("zone left out of fusion", extra={"zone": zone_id, "error": why})

        self.engine.set_zones(convert.zones(zones, bad))

    def set_thresholds(self, thresholds: apb.Thresholds | None) -> None:
        if thresholds is None or not thresholds.HasField("threat_rules"):
            return  # keep the rules in force (the domain's defaults until admin has some)
        try:
            self.engine.set_rules(convert.rules(thresholds.threat_rules))
        except ValueError as exc:  # admin validates these; a backstop
            log.warning("threat rules refused", extra={"error": str(exc)})

    # -- restore ---------------------------------------------------------------------------
    def restore(self, ck: dict[str, Any] | None, published_sequence: int = 0) -> None:
        """Continue from a checkpoint (None: start afresh). The engine keeps this process's
        FusionConfig; geometry, zones and rules are given again by the registry. Cycles are
        numbered on from `published_sequence` (the last published) when the checkpoint is
        behind it, after a crash."""
        if ck is not None:
            self._restore(ck)
        if published_sequence > self.engine.sequence:
            log.info(
                "fusion cycles continue after the last published one",
                extra={"checkpoint": self.engine.sequence, "published": published_sequence},
            )
            self.engine.sequence = published_sequence

    def _restore(self, ck: dict[str, Any]) -> None:
        state = dict(ck["engine"])
        state["config"] = asdict(replace(self.config, lateness_s=self.engine.config.lateness_s))
        geometries = dict(self.engine.geometries)
        zones, rules = self.engine.zones.zones, self.engine.rules
        self.engine = FusionEngine.from_state(state, geometries, zones, rules)
        self.max_seq = self.checkpointed_seq = int(ck.get("max_seq", 0))
        if ck.get("watermark") is not None:
            self._watermark = self._fused_at = float(ck["watermark"])
        self.kinds.update({k: int(v) for k, v in ck.get("kinds", {}).items()})
        self.stats.refused.update({k: int(v) for k, v in ck.get("refused", {}).items()})
        self._refused_saved = dict(self.stats.refused)
        for blob in ck.get("threats", ()):
            threat = fpb.Threat.FromString(bytes.fromhex(blob))
            self.store.threats[threat.global_id] = threat
        log.info(
            "restored checkpoint",
            extra={
                "sequence": self.engine.sequence,
                "fused": len(self.engine),
                "seq": self.max_seq,
            },
        )

    # -- work ------------------------------------------------------------------------------
    async def handle(self, msgs: Iterable[Msg]) -> None:
        """Take one fetched batch of TrackFrames; they are fused by the next cycle and acked
        after the checkpoint that follows it."""
        async with self._lock:
            for msg in msgs:
                await self._receive(msg)
            if len(self._to_ack) >= self.max_unacked:
                await self._cycle()

    async def _receive(self, msg: Msg) -> None:
        seq = msg.metadata.sequence.stream
        if seq <= self.max_seq:
            if seq <= self.checkpointed_seq:  # its effect is in the checkpoint
                self.stats.skipped_redelivered += 1
                await msg.ack()
            else:  # applied in memory; acked with the next checkpoint
                self._to_ack.append(msg)
            return
        frame = c.TrackFrame()
        t0 = time.perf_counter()
        try:
            frame.ParseFromString(msg.data)
            if not frame.sensor_id:
                raise ValueError("sensor_id is empty")
            tracks = convert.frame_tracks(frame)
        except Exception as exc:
            self.max_seq = seq
            self.stats.dead_lettered += 1
            log.warning(
                "dead-lettered a message", extra={"subject": msg.subject, "error": str(exc)}
            )
            await self.dead_letter(msg, f"undecodable track frame: {exc}")
            return
        self.kinds.update(convert.kinds_of(frame))
        t = ts_seconds(frame.timestamp)
        if self._watermark is None or t > self._watermark:
            self._watermark = t
        self._pending.extend(tracks)
        self._sources.append(f"{frame.sensor_id}:{frame.frame_id}")
        self._pending_msgs.append(msg)
        if msg.headers and len(self._links) < MAX_LINKS:
            ctx = trace.get_current_span(extract_context(dict(msg.headers))).get_span_context()
            if ctx.is_valid:
                self._links.append(trace.Link(ctx))
        self.max_seq = seq
        self._to_ack.append(msg)
        self.stats.frames += 1
        self._decode_s += time.perf_counter() - t0

    async def tick(self) -> None:
        """One fusion cycle (called every interval)."""
        async with self._lock:
            await self._cycle()

    async def flush(self) -> None:
        """Fuse what was received, checkpoint and ack now (on shutdown)."""
        async with self._lock:
            if self._pending or self._sources:
                await self._cycle()
            await self._checkpoint()

    def _now(self) -> float | None:
        """The time a cycle fuses from (T = now - lateness); None: nothing new to fuse."""
        if not self.event_time:
            return self.clock()
        if self._watermark is None or (not self._sources and self._watermark == self._fused_at):
            return None  # in event time, time moves only with the frames
        return self._watermark

    async def _cycle(self) -> None:
        now = self._now() if (self._pending or self._sources or len(self.engine)) else None
        if now is None:
            if self._to_ack:  # redeliveries only
                await self._checkpoint()
            return
        self._fused_at = now
        started = time.perf_counter()
        batch, self._pending = self._pending, []
        sources, self._sources = self._sources, []
        msgs, self._pending_msgs = self._pending_msgs, []
        links, self._links = self._links, []
        # One span per cycle, linked to the TrackFrames it fused; the outputs carry it.
        with _tracer.start_as_current_span("fusion.cycle", links=links) as span:
            span.set_attribute("aura.frames", len(sources))
            await self._run_cycle(batch, sources, msgs, started, now)
            span.set_attribute("aura.sequence", self.engine.sequence)

    async def _run_cycle(
        self,
        batch: list[SensorTrack],
        sources: list[str],
        msgs: list[Msg],
        started: float,
        now: float,
    ) -> None:
        times = self.stats.last_cycle_ms = {"decode": self._decode_s * 1000.0}
        self._decode_s = 0.0
        t0 = time.perf_counter()
        try:
            res = self.engine.update(batch, now)
        except Exception as exc:  # never acked as if fused: parked for a look and a replay
            log.exception("fusion cycle failed; its frames are dead-lettered")
            failed = {id(m) for m in msgs}
            self._to_ack = [m for m in self._to_ack if id(m) not in failed]
            self.stats.dead_lettered += len(msgs)
            for m in msgs:
                await self.dead_letter(m, f"fusion cycle failed: {exc!r}")
            return
        times["engine"] = (time.perf_counter() - t0) * 1000.0
        self._count_refused(batch, res.refused_sensors)
        self.stats.late_states += res.late
        self.stats.cycles += 1
        await self._emit(res, sources, (time.perf_counter() - started) * 1000.0)
        self._dirty = True
        due = time.monotonic() - self._last_checkpoint >= self.checkpoint_interval_s
        t0 = time.perf_counter()
        if due or res.zone_events or res.threats or len(self._to_ack) >= self.max_unacked:
            await self._checkpoint()
        times["checkpoint"] = (time.perf_counter() - t0) * 1000.0

    def _count_refused(self, batch: list[SensorTrack], refused: Iterable[str]) -> None:
        refused = set(refused)
        if not refused:
            return
        for st in batch:
            if st.sensor_id in refused and not st.deleted:
                self.stats.refused[st.sensor_id] = self.stats.refused.get(st.sensor_id, 0) + 1
        for sid in refused:
            log.debug("tracks kept out of fusion: no pose or homography", extra={"sensor": sid})

    async def _emit(self, res: FusionResult, sources: list[str], elapsed_ms: float) -> None:
        times = self.stats.last_cycle_ms
        t0 = time.perf_counter()
        site_of = self.sites.get
        # The live tracks are the frame's own (built in place); the store holds them until
        # the next cycle replaces them. None of them is changed after this.
        frame, live, deleted = convert.fused_frame_of(
            res, self._kind_of, lambda s: site_of(s, ""), sources
        )
        frame.processing_time_ms = elapsed_ms
        threats: list[fpb.Threat] = []
        events: list[fpb.ZoneEvent] = []
        if res.threats or res.zone_events:
            by_gid = {p.global_id: p for p in (*live, *deleted)}
            for t in res.threats:
                p = by_gid.get(t.global_id)
                threats.append(convert.threat(t, res.sequence, p.confidence if p else 0.0))
            for e in res.zone_events:
                p = by_gid.get(e.global_id)
                events.append(convert.zone_event(e, p.site_id if p else ""))
        self.store.apply(res.t, live, deleted, [f.x for f in res.tracks])
        for th in threats:
            self.store.threat(th)
        self._fan_out(res, live, deleted, threats)
        t1 = time.perf_counter()
        out: list[tuple[str, bytes, str]] = [
            ("aura.fused", frame.SerializeToString(), f"fused:{res.sequence}")
        ]
        out += [
            (f"aura.zones.{bus.subject_token(e.zone_id)}", e.SerializeToString(), e.event_id)
            for e in events
        ]
        out += [
            ("aura.threats", t.SerializeToString(), f"{t.global_id}:{t.sequence}") for t in threats
        ]
        t2 = time.perf_counter()
        await self._publish_all(out)
        times["convert"] = (t1 - t0) * 1000.0
        times["serialize"] = (t2 - t1) * 1000.0
        times["publish"] = (time.perf_counter() - t2) * 1000.0

    def _kind_of(self, sensor_id: str) -> int:
        return self.kinds.get(sensor_id, c.SENSOR_KIND_UNSPECIFIED)

    def _fan_out(
        self,
        res: FusionResult,
        live: list[fpb.FusedTrack],
        deleted: list[fpb.FusedTrack],
        threats: list[fpb.Threat],
    ) -> None:
        if self.tracks_hub.subscribers:  # events are built only when someone listens
            new = set(res.new_ids)
            for p in live:
                kind = (
                    fpb.FUSED_TRACK_EVENT_TYPE_NEW
                    if p.global_id in new
                    else fpb.FUSED_TRACK_EVENT_TYPE_UPDATED
                )
                self.tracks_hub.publish(
                    fpb.StreamFusedTracksResponse(type=kind, fused_track=p, sequence=res.sequence)
                )
            for p in deleted:
                self.tracks_hub.publish(
                    fpb.StreamFusedTracksResponse(
                        type=fpb.FUSED_TRACK_EVENT_TYPE_DELETED,
                        fused_track=p,
                        sequence=res.sequence,
                    )
                )
        if self.threats_hub.subscribers:
            for t in threats:
                self.threats_hub.publish(
                    fpb.StreamThreatsResponse(type=fpb.THREAT_EVENT_TYPE_CHANGED, threat=t)
                )

    async def _publish_all(self, items: list[tuple[str, bytes, str]]) -> None:
        """Publish every output, retrying what fails (NATS away) until it lands: the
        messages of this cycle are acked only after that."""
        results = await asyncio.gather(
            *(self.publish(s, p, i) for s, p, i in items), return_exceptions=True
        )
        for item, result in zip(items, results, strict=True):
            delay = 0.2
            while isinstance(result, BaseException):
                if isinstance(result, asyncio.CancelledError):
                    raise result
                if isinstance(result, MaxPayloadError):  # can never land: never block on it
                    self.stats.dropped_outputs += 1
                    log.error(
                        "output larger than the NATS max payload dropped",
                        extra={"subject": item[0], "bytes": len(item[1])},
                    )
                    break
                log.warning("publishing failed; retrying", extra={"subject": item[0]})
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                try:
                    await self.publish(*item)
                    result = None
                except Exception as exc:
                    result = exc

    async def _checkpoint(self) -> None:
        if self._dirty or self.max_seq > self.checkpointed_seq:
            # The engine's state is read in a worker thread, so the event loop keeps serving
            # while it is built (tens of ms with 1,000 fused tracks). Safe: the engine
            # changes only in update(), which runs under self._lock, held here; what else
            # the checkpoint holds is copied on the loop first. A registry change meanwhile
            # replaces parts of the engine (geometry, zones, a reconfigured engine) but never
            # mutates what to_state reads.
            extras = self._checkpoint_extras()
            state = await asyncio.to_thread(_checkpoint_state, self.engine, extras)
            await self.checkpoints.save(state)
            self.checkpointed_seq = self.max_seq
            self._dirty = False
            self.stats.checkpoints += 1
        if self.stats.refused != self._refused_saved:
            await self.checkpoints.save_refused(dict(self.stats.refused))
            self._refused_saved = dict(self.stats.refused)
        self._last_checkpoint = time.monotonic()
        if self._to_ack:
            msgs, self._to_ack = self._to_ack, []
            await asyncio.gather(*(m.ack() for m in msgs))

    def checkpoint(self) -> dict[str, Any]:
        """The engine state plus what the service adds: the stream sequence it covers, the
        sensor kinds seen, the refused counts and the current threats (for StreamThreats'
        snapshot after a restart)."""
        return _checkpoint_state(self.engine, self._checkpoint_extras())

    def _checkpoint_extras(self) -> dict[str, Any]:
        """What the checkpoint holds besides the engine state, copied."""
        if self._pending:  # never: a checkpoint follows a cycle, which takes them all
            raise RuntimeError("checkpoint with unfused sensor tracks")
        return {
            "max_seq": self.max_seq,
            "watermark": self._watermark,
            "kinds": dict(self.kinds),
            "refused": dict(self.stats.refused),
            "threats": [t.SerializeToString().hex() for t in self.store.threats.values()],
        }


def _checkpoint_state(engine: FusionEngine, extras: dict[str, Any]) -> dict[str, Any]:
    return {"engine": engine.to_state(), **extras}
