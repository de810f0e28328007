"""The analytics write side: six durable JetStream consumers → PostgreSQL, windows, alerts.

Consumers (durable names `<prefix>-<input>`): detections (`aura.detections.>`), tracks
(`aura.tracks.>`), fused tracks (`aura.fused`), zone events (`aura.zones.>`), threats
(`aura.threats`) and telemetry (`aura.telemetry.>`). Each fetched batch is written in one
transaction with COPY into a staging table and INSERT ... ON CONFLICT, so a redelivery or
a replay never doubles a row.

Correctness across restarts: window state lives in memory only, so **a message is not
acked before every window it feeds is committed**. A detection, track or fused frame is
held (not acked) from its arrival until (1) its raw rows are committed and (2) the window
slot it belongs to has closed and its rows (and the alerts they decide) are committed; the
other inputs are acked once their rows are committed. The longest hold is a window plus the
allowed lateness plus, when an input falls silent, the idle time, and `ack_wait` must
exceed it (the settings check); `max_ack_pending` bounds the messages held per consumer.
A crash or restart loses only unacked work: at start the consumers are rewound to their ack
floor, so every message of every window still open comes back, in stream order, and the
windows are rebuilt from scratch. Messages past the ack floor that were already acked come
back too; they rebuild windows already stored, which are rewritten only if recomputed from
at least as many events (`event_count`), so a partial redelivery never shrinks a window,
and alert decisions read the stored windows, so they do not change either. Replaying the
same messages thus gives the same rows. Persisting partial window state instead would cost
a write per message per window; holding acks costs nothing but memory for one window.

PostgreSQL unreachable: a failed write marks the pipeline failed (health NOT_SERVING); the
consumers stop without acking what they hold, the in-memory state is dropped, and once
the database answers again the consumers are rewound to their ack floor and everything not
acked is processed again, so nothing is lost or doubled.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncpg
from google.protobuf.message import DecodeError
from nats.aio.msg import Msg
from nats.js import JetStreamContext

from aura.admin.v1 import admin_pb2
from aura.common.v1 import common_pb2 as c
from aura.fusion.v1 import fusion_pb2 as fpb
from aura.ingest.v1 import ingest_pb2 as ipb
from services.analytics.adapters import store
from services.analytics.adapters.publish import alert_event, metrics_event
from services.analytics.adapters.store import Dropped, NewAlert, ScoredWindow
from services.analytics.config import AnalyticsSettings
from services.analytics.domain import alerts as al
from services.analytics.domain.congestion import (
    DEFAULT_RULES,
    CongestionRules,
    score,
)
from services.analytics.domain.windows import (
    FUSED_GROUP,
    SCOPE_LANE,
    SCOPE_SENSOR,
    Det,
    FusedObs,
    Slot,
    Trk,
    WindowKey,
    WindowResult,
    Windows,
    sensor_group,
    zone_key,
)
from services.common import bus
from services.common.db import Database
from services.common.registry import Registry

log = logging.getLogger("aura.analytics.pipeline")

#: Detection batches written at the same time (the others wait for one to finish).
_MAX_INFLIGHT = 2
LEVEL_NAMES = {1: "LOW", 2: "MODERATE", 3: "HIGH", 4: "SEVERE"}
Event = tuple[str, bytes, str]


def _secs(ts: Any) -> float:
    return float(ts.seconds) + float(ts.nanos) * 1e-9


def lane_of(d: c.Detection) -> str:
    """The detection's `lane` attribute as text ("" when absent); 2.0 reads as "2"."""
    if not d.HasField("attributes"):
        return ""
    v = d.attributes.fields.get("lane")
    if v is None:
        return ""
    kind = v.WhichOneof("kind")
    if kind == "string_value":
        return str(v.string_value)
    if kind == "number_value":
        n = v.number_value
        return str(int(n)) if math.isfinite(n) and n == int(n) else str(n)
    return ""


M = TypeVar("M")


def _has_event_id(ev: fpb.ZoneEvent) -> None:
    """A ZoneEvent must carry its id (analytics stores each id once)."""
    if not ev.event_id:
        raise DecodeError("event_id is empty")


class Hold:
    """A message waiting for `pending` pieces of work before it may be acked."""

    __slots__ = ("msg", "pending", "epoch")

    def __init__(self, msg: Msg, pending: int, epoch: int) -> None:
        self.msg, self.pending, self.epoch = msg, pending, epoch


@dataclass
class Batch:
    """What handling one fetched batch leaves to do once its write commits: the holds to
    release, the late or malformed messages to log as dropped, and the malformed ones to
    dead-letter (with why)."""

    holds: list[Hold] = field(default_factory=list)
    drops: list[Dropped] = field(default_factory=list)
    bad: list[tuple[Msg, str]] = field(default_factory=list)


@dataclass
class Stats:
    detections: int = 0
    frames: int = 0
    windows: int = 0
    dropped: int = 0
    dead_lettered: int = 0
    recoveries: int = 0


class AnalyticsPipeline:
    def __init__(
        self,
        settings: AnalyticsSettings,
        db: Database,
        js: JetStreamContext,
        registry: Registry,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.settings, self.db, self.js, self.registry = settings, db, js, registry
        self.clock = clock
        self.windows = self._new_windows()
        self.threats = al.ThreatAlerts()
        self.stats = Stats()
        self.epoch = 0
        self.failed = False
        self.consumers: list[bus.DurableConsumer] = []
        self._close_lock = asyncio.Lock()
        self._fused_bucket: dict[str, float] = {}
        self._contributors: dict[str, tuple[str, ...]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._inflight: set[asyncio.Task[None]] = set()
        self._recovery: asyncio.Task[None] | None = None
        self.congestion_default: CongestionRules = DEFAULT_RULES
        self.congestion_overrides: dict[str, CongestionRules] = {}
        self.alert_rules = al.AlertRules()
        self.zones: dict[str, int] = {}
        registry.on_change(self._config_changed)
        self._config_changed("thresholds")
        self._config_changed("zones")

    def _new_windows(self) -> Windows:
        s = self.settings
        return Windows(
            size_s=s.analytics_window_s,
            lateness_s=s.analytics_allowed_lateness_s,
            idle_s=s.analytics_idle_close_s,
            expect_tracks=s.analytics_expect_tracks,
        )

    # ------------------------------------------------------------ configuration

    def _config_changed(self, part: str) -> None:
        if part == "thresholds":
            th = self.registry.thresholds
            if th is None:
                self.congestion_default, self.congestion_overrides = DEFAULT_RULES, {}
                self.alert_rules = al.AlertRules()
            else:
                base = _rules(th.congestion) if th.HasField("congestion") else DEFAULT_RULES
                self.congestion_default = base
                self.congestion_overrides = {
                    k: _rules(v, base) for k, v in th.congestion_overrides.items()
                }
                r = th.alert_rules
                self.alert_rules = (
                    al.AlertRules.of(
                        r.min_congestion_level,
                        r.raise_after_windows,
                        r.clear_after_windows,
                        r.min_threat_level,
                        r.threat_clear_after_s,
                    )
                    if th.HasField("alert_rules")
                    else al.AlertRules()
                )
            self.threats.rules = self.alert_rules
        elif part == "zones":
            self.zones = {
                z.zone_id: int(z.kind)
                for z in self.registry.zones.values()
                if not z.HasField("enabled") or z.enabled
            }

    def congestion_rules(self, key: WindowKey) -> CongestionRules:
        for name in (key.zone_id, key.sensor_id):
            if name and name in self.congestion_overrides:
                return self.congestion_overrides[name]
        return self.congestion_default

    def session_of(self, sensor_id: str, t: float) -> str:
        sid = self.registry.session_for(sensor_id)
        if not sid:
            return ""
        sess = self.registry.sessions.get(sid)
        if sess is not None and sess.HasField("started_at") and t < _secs(sess.started_at):
            return ""
        return sid

    # ------------------------------------------------------------ lifecycle

    def build_consumers(self) -> list[bus.DurableConsumer]:
        s = self.settings
        p = s.analytics_durable_prefix
        specs: list[tuple[str, str, str, Callable[[list[Msg]], Awaitable[None]]]] = [
            ("detections", bus.DETECTIONS.name, "aura.detections.>", self.handle_detections),
            ("tracks", bus.TRACKS.name, "aura.tracks.>", self.handle_tracks),
            ("fused", bus.FUSED.name, "aura.fused", self.handle_fused),
            ("zones", bus.ZONES.name, "aura.zones.>", self.handle_zone_events),
            ("threats", bus.THREATS.name, "aura.threats", self.handle_threats),
            ("telemetry", bus.TELEMETRY.name, "aura.telemetry.>", self.handle_telemetry),
        ]
        self.consumers = [
            bus.DurableConsumer(
                self.js,
                stream,
                f"{p}-{name}",
                subject,
                handler,
                batch=s.analytics_fetch_batch,
                ack_wait_s=s.analytics_ack_wait_s,
                max_ack_pending=s.analytics_max_ack_pending,
            )
            for name, stream, subject, handler in specs
        ]
        return self.consumers

    async def start(self) -> None:
        if not self.consumers:
            self.build_consumers()
        await self._load_state()
        for consumer in self.consumers:
            await consumer.rewind_to_ack_floor()
            await consumer.start()
        self._tasks.append(asyncio.create_task(self._tick_forever(), name="analytics-tick"))

    async def stop(self) -> None:
        if self._recovery is not None:
            self._recovery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._recovery
        for consumer in self.consumers:
            await consumer.stop()
        if self._inflight:
            await asyncio.wait(set(self._inflight))
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks.clear()

    async def _load_state(self) -> None:
        """What the in-memory state needs from the database: the active threat alerts."""
        self.threats = al.ThreatAlerts(rules=self.alert_rules)
        async with self._conn() as conn:
            for row in await store.active_threat_alerts(conn):
                self.threats.restore(
                    row["global_id"], row["alert_id"], row["last_seen_at"].timestamp()
                )

    def healthy(self) -> bool:
        return not self.failed and all(c.healthy for c in self.consumers)

    def _fail(self, where: str, exc: BaseException) -> None:
        """A write failed: stop acking, drop the in-memory state, recover in the background."""
        if self.failed:
            return
        self.failed = True
        self.epoch += 1
        self.stats.recoveries += 1
        log.warning("write failed; recovering", extra={"where": where, "error": repr(exc)})
        self._recovery = asyncio.create_task(self._recover(), name="analytics-recover")

    async def _recover(self) -> None:
        for consumer in self.consumers:
            await consumer.stop()
        self.windows = self._new_windows()
        self._fused_bucket.clear()
        while True:
            try:
                if await self.db.ready():
                    await self._load_state()
                    for consumer in self.consumers:
                        await consumer.rewind_to_ack_floor()
                    self.failed = False  # before the first fetch, which must not be skipped
                    for consumer in self.consumers:
                        await consumer.start()
                    break
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("recovery attempt failed", extra={"error": repr(exc)})
                self.failed = True
                self.epoch += 1
                for consumer in self.consumers:
                    with contextlib.suppress(Exception):
                        await consumer.stop()
                self.windows = self._new_windows()
            await asyncio.sleep(self.settings.analytics_db_retry_s)
        log.info("recovered; consumers rewound to their ack floor")

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(self.settings.analytics_tick_s)
            await self.tick()

    # ------------------------------------------------------------ plumbing

    @contextlib.asynccontextmanager
    async def _conn(self) -> AsyncIterator[asyncpg.Connection]:
        pool = await self.db.connect()
        async with pool.acquire() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def _tx(self) -> AsyncIterator[asyncpg.Connection]:
        async with self._conn() as conn, conn.transaction():
            yield conn

    async def _done(self, holds: Sequence[Hold]) -> None:
        """One piece of work of each hold is committed; ack those with nothing left."""
        for h in holds:
            if h.epoch != self.epoch:
                continue  # state was dropped since: the message will come back
            h.pending -= 1
            if h.pending == 0:
                with contextlib.suppress(Exception):
                    await h.msg.ack()

    async def _publish(self, events: Sequence[Event]) -> None:
        if events:
            await asyncio.gather(*(bus.publish(self.js, s, p, m) for s, p, m in events))

    def _malformed(self, source: str, msg: Msg, exc: Exception) -> Dropped:
        seq = msg.metadata.sequence.stream
        return Dropped(source, f"seq:{seq}", "malformed", time.time(), 1)

    async def _dead_letter(self, bad: Sequence[tuple[Msg, str]]) -> None:
        for msg, reason in bad:
            self.stats.dead_lettered += 1
            await bus.dead_letter(self.js, "analytics", msg, reason)

    def _decoded(
        self,
        b: Batch,
        source: str,
        kind: type[M],
        msgs: list[Msg],
        check: Callable[[M], None] | None = None,
    ) -> Iterator[tuple[Msg, M]]:
        """Each message with its payload decoded as `kind` (and passed by `check`, which
        raises DecodeError); one that fails is logged as dropped (malformed) and
        dead-lettered once the batch commits."""
        for msg in msgs:
            try:
                obj = kind.FromString(msg.data)  # type: ignore[attr-defined]
                if check is not None:
                    check(obj)
            except DecodeError as exc:
                b.drops.append(self._malformed(source, msg, exc))
                b.bad.append((msg, f"not a {kind.__name__}: {exc}"))
                continue
            yield msg, obj

    async def _run_batch(
        self,
        where: str,
        write: Callable[[asyncpg.Connection], Awaitable[list[Event]]],
        b: Batch,
    ) -> None:
        """Write (and log the batch's drops) in one transaction, publish what it decided,
        then release the holds."""
        epoch = self.epoch
        try:
            async with self._tx() as conn:
                events = await write(conn)
                self.stats.dropped += await store.log_dropped(conn, b.drops)
            await self._publish(events)
            if epoch == self.epoch:
                await self._dead_letter(b.bad)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._fail(where, exc)
            return
        await self._done(b.holds)
        await self.tick()

    # ------------------------------------------------------------ handlers

    async def handle_detections(self, msgs: list[Msg]) -> None:
        if self.failed:
            return
        rows: list[tuple[Any, ...]] = []
        b = Batch()
        now = self.clock()
        utc = store.utc
        for msg, frame in self._decoded(b, "detections", c.DetectionFrame, msgs):
            sensor = frame.sensor_id
            t = _secs(frame.timestamp) if frame.HasField("timestamp") else 0.0
            if not t and frame.detections:
                t = max(_secs(d.timestamp) for d in frame.detections)
            received = utc(_secs(frame.received_at)) if frame.HasField("received_at") else utc(t)
            session = self.session_of(sensor, t)
            geo = self.registry.get(sensor)
            pose = geo.pose if geo is not None else None
            rot = None
            if pose is not None:
                th = math.radians(90.0 - pose.heading_deg)
                rot = (math.cos(th), math.sin(th), pose.x, pose.y)
            dets: list[Det] = []
            lanes: set[str] = set()
            times: dict[tuple[int, int], Any] = {}  # a frame's detections share their time
            fid, fkind = frame.frame_id, frame.sensor_kind
            add_row, add_det = rows.append, dets.append
            for idx, d in enumerate(frame.detections):
                dts = d.timestamp
                tkey = (dts.seconds, dts.nanos)
                when = times.get(tkey)
                if when is None:
                    when = times[tkey] = utc(_secs(dts))
                which = d.WhichOneof("measurement")
                x = y = None
                pos = None
                if which == "position":
                    p = d.position
                    px, py = p.x, p.y
                    pos = (px, py)
                    if rot is not None:
                        x = rot[0] * px - rot[1] * py + rot[2]
                        y = rot[1] * px + rot[0] * py + rot[3]
                    else:
                        x, y = px, py
                elif which == "bbox":
                    b = d.bbox
                    pos = (b.x + b.width / 2, b.y + b.height / 2)
                speed = d.speed_mps if d.HasField("speed_mps") else None
                lane = lane_of(d) if d.HasField("attributes") else ""
                if lane:
                    lanes.add(lane)
                label = d.class_label
                add_row(
                    (
                        sensor,
                        fid,
                        idx,
                        when,
                        received,
                        d.sensor_kind or fkind,
                        label,
                        d.confidence,
                        x,
                        y,
                        speed,
                        lane,
                        session,
                        d.SerializeToString(),
                    )
                )
                add_det(Det(label, speed, pos, lane))
            self.stats.detections += len(dets)
            self.stats.frames += 1
            adm = self.windows.admit(sensor_group(sensor), f"det:{sensor}", t, now)
            if adm.accepted:
                hold = Hold(msg, 2, self.epoch)
                self.windows.add_detections(sensor, frame.frame_id, t, dets, hold)
            else:
                hold = Hold(msg, 1, self.epoch)
                keys = [WindowKey(SCOPE_SENSOR, sensor)] + [
                    WindowKey(SCOPE_LANE, sensor, "", lane) for lane in sorted(lanes)
                ]
                b.drops.append(
                    Dropped(
                        f"detections:{sensor}",
                        f"det:{sensor}:{frame.frame_id}",
                        adm.reason,
                        t,
                        len(dets),
                        tuple((k, adm.slot_start) for k in keys),
                    )
                )
            b.holds.append(hold)

        async def write(conn: asyncpg.Connection) -> list[Event]:
            await store.write_detections(conn, rows)
            return []

        # The write runs beside the decoding of the next batch (PostgreSQL and this process
        # work at the same time); at most `_MAX_INFLIGHT` batches are being written.
        task = asyncio.create_task(self._run_batch("detections", write, b))
        self._inflight.add(task)
        task.add_done_callback(self._inflight.discard)
        if len(self._inflight) >= _MAX_INFLIGHT:
            await asyncio.wait(set(self._inflight), return_when=asyncio.FIRST_COMPLETED)

    async def handle_tracks(self, msgs: list[Msg]) -> None:
        if self.failed:
            return
        b = Batch()
        now = self.clock()
        for msg, frame in self._decoded(b, "tracks", c.TrackFrame, msgs):
            sensor = frame.sensor_id
            t = _secs(frame.timestamp)
            if frame.dropped:  # the tracker did not apply it: nothing new to count
                b.holds.append(Hold(msg, 1, self.epoch))
                continue
            tracks = [
                Trk(
                    tr.id,
                    int(tr.status),
                    tr.class_label,
                    tr.speed_mps,
                    (tr.position.x, tr.position.y) if tr.HasField("position") else None,
                    tr.frame_id == frame.frame_id,
                )
                for tr in frame.tracks
            ]
            adm = self.windows.admit(sensor_group(sensor), f"trk:{sensor}", t, now)
            if adm.accepted:
                hold = Hold(msg, 2, self.epoch)
                self.windows.add_tracks(sensor, frame.frame_id, t, tracks, hold)
            else:
                hold = Hold(msg, 1, self.epoch)
                b.drops.append(
                    Dropped(
                        f"tracks:{sensor}",
                        f"trk:{sensor}:{frame.frame_id}",
                        adm.reason,
                        t,
                        1,
                        ((WindowKey(SCOPE_SENSOR, sensor), adm.slot_start),),
                    )
                )
            b.holds.append(hold)

        async def write(conn: asyncpg.Connection) -> list[Event]:
            return []

        await self._run_batch("tracks", write, b)

    async def handle_fused(self, msgs: list[Msg]) -> None:
        if self.failed:
            return
        rows: list[tuple[Any, ...]] = []
        b = Batch()
        actions: list[al.ThreatAction] = []
        now = self.clock()
        sample = self.settings.analytics_fused_sample_s
        for msg, frame in self._decoded(b, "fused", fpb.FusedTrackFrame, msgs):
            t = _secs(frame.timestamp)
            bucket = math.floor(t / sample) * sample
            obs: list[FusedObs] = []
            levels: dict[str, int] = {}
            for tr in frame.tracks:
                gid = tr.global_id
                obs.append(
                    FusedObs(gid, int(tr.status), tr.class_label, tr.speed_mps, tuple(tr.zone_ids))
                )
                levels[gid] = tr.threat_level
                if tr.contributors:
                    self._contributors[gid] = tuple(
                        sorted({ref.sensor_id for ref in tr.contributors})
                    )
                if self._fused_bucket.get(gid) != bucket:
                    self._fused_bucket[gid] = bucket
                    rows.append(
                        (
                            gid,
                            store.utc(bucket),
                            tr.site_id,
                            tr.class_label,
                            tr.position.x,
                            tr.position.y,
                            tr.speed_mps,
                            tr.threat_level,
                        )
                    )
            for tr in frame.deleted_tracks:
                self._fused_bucket.pop(tr.global_id, None)
                self._contributors.pop(tr.global_id, None)
            actions.extend(self.threats.on_frame(levels, t))
            adm = self.windows.admit(FUSED_GROUP, "fused", t, now)
            frame_key = f"{frame.sequence}:{frame.timestamp.seconds}.{frame.timestamp.nanos}"
            if adm.accepted:
                hold = Hold(msg, 2, self.epoch)
                self.windows.add_fused(frame_key, t, obs, hold)
            else:
                hold = Hold(msg, 1, self.epoch)
                zones = sorted({z for o in obs for z in o.zone_ids})
                b.drops.append(
                    Dropped(
                        "fused",
                        f"fused:{frame_key}",
                        adm.reason,
                        t,
                        1,
                        tuple((zone_key(z, self.zones.get(z, 2)), adm.slot_start) for z in zones),
                    )
                )
            b.holds.append(hold)

        async def write(conn: asyncpg.Connection) -> list[Event]:
            await store.write_fused_positions(conn, rows)
            return await self._apply_threats(conn, actions, {})

        await self._run_batch("fused", write, b)

    async def handle_zone_events(self, msgs: list[Msg]) -> None:
        if self.failed:
            return
        rows: list[tuple[Any, ...]] = []
        b = Batch()
        for msg, ev in self._decoded(b, "zones", fpb.ZoneEvent, msgs, _has_event_id):
            has_pos = ev.HasField("position")
            rows.append(
                (
                    ev.event_id,
                    ev.zone_id,
                    ev.global_id,
                    int(ev.type),
                    store.utc(_secs(ev.timestamp)),
                    ev.class_label,
                    ev.position.x if has_pos else None,
                    ev.position.y if has_pos else None,
                    ev.speed_mps,
                    ev.dwell_s,
                    int(ev.direction),
                    list(ev.sensor_ids),
                    msg.data,
                )
            )
            b.holds.append(Hold(msg, 1, self.epoch))

        async def write(conn: asyncpg.Connection) -> list[Event]:
            await store.write_zone_events(conn, rows)
            return []

        await self._run_batch("zones", write, b)

    async def handle_telemetry(self, msgs: list[Msg]) -> None:
        if self.failed:
            return
        rows: dict[tuple[str, str, float], tuple[Any, ...]] = {}
        b = Batch()
        for msg, batch in self._decoded(b, "telemetry", ipb.TelemetryBatch, msgs):
            for s in batch.samples:
                source = s.source_id or batch.source_id
                t = _secs(s.timestamp)
                if not math.isfinite(s.value) or not source or not s.channel:
                    continue
                rows.setdefault(
                    (source, s.channel, t), (source, s.channel, store.utc(t), s.value, s.unit)
                )
            b.holds.append(Hold(msg, 1, self.epoch))

        async def write(conn: asyncpg.Connection) -> list[Event]:
            await store.write_telemetry(conn, list(rows.values()))
            return []

        await self._run_batch("telemetry", write, b)

    async def handle_threats(self, msgs: list[Msg]) -> None:
        if self.failed:
            return
        b = Batch()
        actions: list[al.ThreatAction] = []
        info: dict[str, fpb.Threat] = {}
        for msg, threat in self._decoded(b, "threats", fpb.Threat, msgs):
            info[threat.global_id] = threat
            actions.extend(
                self.threats.on_threat(threat.global_id, threat.level, _secs(threat.timestamp))
            )
            b.holds.append(Hold(msg, 1, self.epoch))

        async def write(conn: asyncpg.Connection) -> list[Event]:
            return await self._apply_threats(conn, actions, info)

        await self._run_batch("threats", write, b)

    # ------------------------------------------------------------ alerts

    async def _apply_threats(
        self,
        conn: asyncpg.Connection,
        actions: Sequence[al.ThreatAction],
        info: dict[str, fpb.Threat],
    ) -> list[Event]:
        events: list[Event] = []
        for a in actions:
            if a.action is al.Action.RAISE:
                th = info.get(a.global_id)
                sensors = self._contributors.get(a.global_id, ())
                session = next((s for s in (self.session_of(x, a.at_s) for x in sensors) if s), "")
                has_pos = th is not None and th.HasField("position")
                row = await store.raise_alert(
                    conn,
                    NewAlert(
                        alert_id=a.alert_id,
                        condition_key=al.threat_condition(a.global_id),
                        kind=al.KIND_THREAT,
                        severity=al.threat_severity(a.level),
                        title=f"Threat level {a.level} on track {a.global_id}",
                        detail=th.reason if th is not None else "",
                        raised_at_s=a.at_s,
                        last_seen_s=a.at_s,
                        zone_id=th.zone_id if th is not None else "",
                        sensor_ids=sensors,
                        global_id=a.global_id,
                        threat_level=a.level,
                        x=th.position.x if has_pos and th is not None else None,
                        y=th.position.y if has_pos and th is not None else None,
                        session_id=session,
                    ),
                )
                if row is not None:
                    events.append(alert_event(row, raised=True))
            elif a.action is al.Action.REPEAT:
                await store.repeat_alert(
                    conn, a.alert_id, a.at_s, al.threat_severity(a.level), threat_level=a.level
                )
            elif a.action is al.Action.CLEAR:
                row = await store.clear_alert(conn, a.alert_id, a.at_s)
                if row is not None:
                    events.append(alert_event(row, raised=False))
        return events

    async def _congestion_alert(self, conn: asyncpg.Connection, w: ScoredWindow) -> list[Event]:
        rules = self.alert_rules
        r = w.result
        key, size = r.key, self.windows.size_s
        n = rules.history_windows
        cond = al.congestion_condition(key.scope, key.sensor_id, key.zone_id, key.lane_id)
        starts = [r.start_s - (n - 1 - i) * size for i in range(n)]
        stored = await store.window_levels(conn, key, starts[0], starts[-1])
        levels = [stored.get(round(s, 6), 0) for s in starts]
        active = await store.active_alert(conn, cond)
        decision = al.decide_congestion(levels, active is not None, rules)
        if decision.action is al.Action.RAISE:
            if await store.alert_covering(conn, cond, r.start_s):
                return []  # a window processed again, within an episode already stored
            run = levels[decision.since_index :]
            began = starts[decision.since_index]
            top = max(run)
            row = await store.raise_alert(
                conn,
                NewAlert(
                    alert_id=al.alert_id(cond, round(began * 1e6)),
                    condition_key=cond,
                    kind=al.KIND_CONGESTION,
                    severity=al.congestion_severity(top),
                    title=f"Congestion {LEVEL_NAMES.get(top, top)} on {_target(key)}",
                    detail=f"congestion score {w.congestion_score:.2f}",
                    raised_at_s=began,
                    last_seen_s=r.end_s,
                    occurrences=len(run),
                    scope=key.scope,
                    sensor_id=key.sensor_id,
                    zone_id=key.zone_id,
                    lane_id=key.lane_id,
                    sensor_ids=(key.sensor_id,) if key.sensor_id else (),
                    congestion_level=top,
                    congestion_score=w.congestion_score,
                    session_id=w.session_id,
                ),
            )
            return [alert_event(row, raised=True)] if row is not None else []
        if active is None:
            return []
        if decision.action is al.Action.REPEAT:
            await store.repeat_alert(
                conn,
                active["alert_id"],
                r.end_s,
                al.congestion_severity(w.congestion_level),
                congestion_level=w.congestion_level,
                congestion_score=w.congestion_score,
            )
        elif decision.action is al.Action.CLEAR:
            if r.start_s < active["last_seen_at"].timestamp():
                return []  # an older window processed again
            row = await store.clear_alert(conn, active["alert_id"], starts[decision.since_index])
            if row is not None:
                return [alert_event(row, raised=False)]
        return []

    # ------------------------------------------------------------ windows

    def _score(self, r: WindowResult) -> ScoredWindow:
        cg = score(
            self.congestion_rules(r.key),
            mean_speed_mps=r.mean_speed_mps,
            speed_samples=r.speed_samples,
            occupancy=r.occupancy,
            unique_tracks=r.unique_tracks,
        )
        session = self.session_of(r.key.sensor_id, r.start_s) if r.key.sensor_id else ""
        return ScoredWindow(r, cg.level, cg.score, session)

    async def tick(self) -> None:
        """Close the windows that are due, commit them with their alerts, publish their
        events, then ack the messages they held."""
        if self.failed:
            return
        async with self._close_lock:
            if self.failed:
                return
            slots = self.windows.due(self.clock())
            if not slots:
                return
            epoch = self.epoch
            try:
                await self._commit_slots(slots)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                self._fail("windows", exc)
                return
            if epoch == self.epoch:
                await self._done([h for s in slots for h in s.holds])

    async def _commit_slots(self, slots: Sequence[Slot]) -> None:
        hold = self.windows.presence_hold_s
        results = [r for s in slots for r in s.close(hold, self.zones)]
        scored = [self._score(r) for r in results]
        events: list[Event] = []
        async with self._tx() as conn:
            written = await store.upsert_windows(conn, scored)
            for w in sorted(scored, key=lambda w: (w.result.start_s, w.result.key)):
                events.extend(await self._congestion_alert(conn, w))
        self.stats.windows += written
        await self._publish([metrics_event(w) for w in scored] + events)


def _target(key: WindowKey) -> str:
    if key.scope == SCOPE_SENSOR:
        return key.sensor_id
    if key.scope == SCOPE_LANE and key.sensor_id:
        return f"{key.sensor_id} lane {key.lane_id}"
    if key.scope == SCOPE_LANE:
        return f"lane {key.lane_id}"
    return f"zone {key.zone_id}"


def _rules(
    ct: admin_pb2.CongestionThresholds, fallback: CongestionRules = DEFAULT_RULES
) -> CongestionRules:
    r = CongestionRules(
        moderate_score=ct.moderate_score,
        high_score=ct.high_score,
        severe_score=ct.severe_score,
        free_flow_speed_mps=ct.free_flow_speed_mps,
        capacity_per_window=ct.capacity_per_window,
        speed_weight=ct.speed_weight,
        occupancy_weight=ct.occupancy_weight,
        count_weight=ct.count_weight,
    )
    return r if r.usable() else fallback
