"""Where sessions, notes and replay jobs live.

- PostgreSQL (tables of `sql/003_sessions.sql`): the functions take a connection, and the
  caller owns the transaction.
- JetStream: the `AURA_CONFIG` entries of active sessions (`sessions.<session_id>`, the
  Session proto) that ingest, tracker and analytics follow to attribute data; the sensors
  registered there; and the latest telemetry values (stream `AURA_TELEMETRY`) that notes
  take a snapshot of.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import asyncpg
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import DeliverPolicy
from nats.js.errors import BucketNotFoundError, NoKeysError, NotFoundError
from nats.js.kv import KeyValue

from aura.admin.v1 import admin_pb2
from aura.ingest.v1 import ingest_pb2
from services.admin.domain.sessions import (
    Note,
    NoteFilter,
    Replay,
    Session,
    SessionFilter,
    TelemetryValue,
    telemetry_snapshot,
)
from services.common import bus
from services.common.registry import CONFIG_BUCKET
from services.common.timeutil import ts_seconds

log = logging.getLogger("aura.admin.sessions")

# ------------------------------------------------------------------------- PostgreSQL

_SESSION_COLS = """s.session_id, s.name, s.description, s.sensor_ids, s.tags, s.metadata,
    s.state, s.started_at, s.ended_at, s.started_by, s.ended_by, s.version, s.updated_at,
    (select count(*) from notes n where n.session_id = s.session_id) as note_count"""

_NOTE_COLS = """note_id, session_id, track_id, ts, speaker, type, text, tags,
    telemetry_snapshot, created_by, created_at, updated_at, version"""

_REPLAY_COLS = """replay_id, session_id, jsonl_path, speed_factor, repeat,
    keep_original_timestamps, status, frames_total, frames_sent, detections_sent,
    source_time, created_at, started_at, finished_at, created_by, error, scores"""


class _Args:
    """Numbered query parameters for a WHERE clause built from optional filters."""

    def __init__(self) -> None:
        self.values: list[Any] = []

    def __call__(self, value: Any) -> str:
        self.values.append(value)
        return f"${len(self.values)}"


def _where(clauses: Sequence[str]) -> str:
    return f"where {' and '.join(clauses)}" if clauses else ""


def _session(row: Mapping[str, Any]) -> Session:
    return Session(
        session_id=row["session_id"],
        name=row["name"],
        description=row["description"],
        sensor_ids=tuple(row["sensor_ids"]),
        tags=tuple(row["tags"]),
        metadata=json.loads(row["metadata"]),
        state=row["state"],
        started_at=row["started_at"],
        ended_at=row["ended_at"],
        started_by=row["started_by"],
        ended_by=row["ended_by"],
        version=row["version"],
        updated_at=row["updated_at"],
        note_count=row["note_count"],
    )


def _note(row: Mapping[str, Any]) -> Note:
    return Note(
        note_id=row["note_id"],
        session_id=row["session_id"] or "",
        track_id=row["track_id"],
        timestamp=row["ts"],
        speaker=row["speaker"],
        type=row["type"],
        text=row["text"],
        tags=tuple(row["tags"]),
        telemetry_snapshot=json.loads(row["telemetry_snapshot"]),
        created_by=row["created_by"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        version=row["version"],
    )


def _replay(row: Mapping[str, Any]) -> Replay:
    return Replay(
        replay_id=row["replay_id"],
        session_id=row["session_id"] or "",
        jsonl_path=row["jsonl_path"] or "",
        speed_factor=row["speed_factor"],
        repeat=row["repeat"],
        keep_original_timestamps=row["keep_original_timestamps"],
        status=row["status"],
        frames_total=row["frames_total"],
        frames_sent=row["frames_sent"],
        detections_sent=row["detections_sent"],
        source_time=row["source_time"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        created_by=row["created_by"],
        error=row["error"],
        scores=json.loads(row["scores"]),
    )


# -- sessions


async def lock_sensors(conn: asyncpg.Connection) -> None:
    """Serialise the changes that assign sensors to active sessions (until commit)."""
    await conn.execute("select pg_advisory_xact_lock(hashtext('aura-admin-session-sensors'))")


async def insert_session(conn: asyncpg.Connection, s: Session) -> None:
    await conn.execute(
        """insert into sessions (session_id, name, description, sensor_ids, tags, metadata,
               state, started_at, ended_at, started_by, ended_by, version, updated_at)
           values ($1, $2, $3, $4, $5, $6::jsonb, $7, $8, $9, $10, $11, $12, $13)""",
        s.session_id,
        s.name,
        s.description,
        list(s.sensor_ids),
        list(s.tags),
        json.dumps(dict(s.metadata)),
        s.state,
        s.started_at,
        s.ended_at,
        s.started_by,
        s.ended_by,
        s.version,
        s.updated_at,
    )


async def save_session(conn: asyncpg.Connection, s: Session) -> None:
    await conn.execute(
        """update sessions set name = $2, description = $3, sensor_ids = $4, tags = $5,
               metadata = $6::jsonb, state = $7, ended_at = $8, ended_by = $9, version = $10,
               updated_at = $11
           where session_id = $1""",
        s.session_id,
        s.name,
        s.description,
        list(s.sensor_ids),
        list(s.tags),
        json.dumps(dict(s.metadata)),
        s.state,
        s.ended_at,
        s.ended_by,
        s.version,
        s.updated_at,
    )


async def get_session(
    conn: asyncpg.Connection, session_id: str, for_update: bool = False
) -> Session | None:
    lock = " for update of s" if for_update else ""
    row = await conn.fetchrow(
        f"select {_SESSION_COLS} from sessions s where s.session_id = $1{lock}", session_id
    )
    return None if row is None else _session(row)


async def active_sessions(
    conn: asyncpg.Connection, sensor_ids: Sequence[str] | None = None
) -> list[Session]:
    """Active sessions, all of them or those holding one of `sensor_ids`."""
    args = _Args()
    clauses = ["s.state = 'active'"]
    if sensor_ids is not None:
        clauses.append(f"s.sensor_ids && {args(list(sensor_ids))}::text[]")
    rows = await conn.fetch(
        f"select {_SESSION_COLS} from sessions s {_where(clauses)} order by s.started_at",
        *args.values,
    )
    return [_session(r) for r in rows]


async def list_sessions(
    conn: asyncpg.Connection, f: SessionFilter, after: tuple[datetime, str] | None, limit: int
) -> list[Session]:
    """Newest first; up to `limit` rows after the (started_at, session_id) key `after`."""
    args = _Args()
    clauses = []
    if f.state:
        clauses.append(f"s.state = {args(f.state)}")
    if f.sensor_id:
        clauses.append(f"s.sensor_ids @> array[{args(f.sensor_id)}]::text[]")
    if f.tag:
        clauses.append(f"s.tags @> array[{args(f.tag)}]::text[]")
    if f.start_time:
        clauses.append(f"(s.ended_at is null or s.ended_at >= {args(f.start_time)})")
    if f.end_time:
        clauses.append(f"s.started_at < {args(f.end_time)}")
    if after:
        clauses.append(f"(s.started_at, s.session_id) < ({args(after[0])}, {args(after[1])})")
    rows = await conn.fetch(
        f"""select {_SESSION_COLS} from sessions s {_where(clauses)}
            order by s.started_at desc, s.session_id desc limit {args(limit)}""",
        *args.values,
    )
    return [_session(r) for r in rows]


# -- notes


async def insert_note(conn: asyncpg.Connection, n: Note) -> None:
    await conn.execute(
        f"""insert into notes ({_NOTE_COLS})
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $12, $13)""",
        n.note_id,
        n.session_id or None,
        n.track_id,
        n.timestamp,
        n.speaker,
        n.type,
        n.text,
        list(n.tags),
        json.dumps(dict(n.telemetry_snapshot)),
        n.created_by,
        n.created_at,
        n.updated_at,
        n.version,
    )


async def save_note(conn: asyncpg.Connection, n: Note) -> None:
    await conn.execute(
        """update notes set track_id = $2, ts = $3, speaker = $4, type = $5, text = $6,
               tags = $7, telemetry_snapshot = $8::jsonb, updated_at = $9, version = $10
           where note_id = $1""",
        n.note_id,
        n.track_id,
        n.timestamp,
        n.speaker,
        n.type,
        n.text,
        list(n.tags),
        json.dumps(dict(n.telemetry_snapshot)),
        n.updated_at,
        n.version,
    )


async def get_note(conn: asyncpg.Connection, note_id: str, for_update: bool = False) -> Note | None:
    lock = " for update" if for_update else ""
    row = await conn.fetchrow(f"select {_NOTE_COLS} from notes where note_id = $1{lock}", note_id)
    return None if row is None else _note(row)


async def delete_note(conn: asyncpg.Connection, note_id: str) -> None:
    await conn.execute("delete from notes where note_id = $1", note_id)


async def list_notes(
    conn: asyncpg.Connection, f: NoteFilter, after: tuple[datetime, str] | None, limit: int
) -> list[Note]:
    """Oldest first by timestamp; up to `limit` rows after the (ts, note_id) key `after`."""
    args = _Args()
    clauses = []
    if f.session_id:
        clauses.append(f"session_id = {args(f.session_id)}")
    if f.track_id:
        clauses.append(f"track_id = {args(f.track_id)}")
    if f.speaker:
        clauses.append(f"speaker = {args(f.speaker)}")
    if f.type:
        clauses.append(f"type = {args(f.type)}")
    if f.tag:
        clauses.append(f"tags @> array[{args(f.tag)}]::text[]")
    if f.start_time:
        clauses.append(f"ts >= {args(f.start_time)}")
    if f.end_time:
        clauses.append(f"ts < {args(f.end_time)}")
    if after:
        clauses.append(f"(ts, note_id) > ({args(after[0])}, {args(after[1])})")
    rows = await conn.fetch(
        f"""select {_NOTE_COLS} from notes {_where(clauses)}
            order by ts, note_id limit {args(limit)}""",
        *args.values,
    )
    return [_note(r) for r in rows]


# -- replays


async def insert_replay(conn: asyncpg.Connection, r: Replay) -> None:
    await conn.execute(
        f"""insert into replays ({_REPLAY_COLS}, heartbeat_at)
            values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                    $17::jsonb, now())""",
        r.replay_id,
        r.session_id or None,
        r.jsonl_path or None,
        r.speed_factor,
        r.repeat,
        r.keep_original_timestamps,
        r.status,
        r.frames_total,
        r.frames_sent,
        r.detections_sent,
        r.source_time,
        r.created_at,
        r.started_at,
        r.finished_at,
        r.created_by,
        r.error,
        json.dumps(dict(r.scores)),
    )


async def save_replay(conn: asyncpg.Connection, r: Replay) -> bool:
    """Write a job's state and heartbeat, unless it has finished meanwhile (cancelled by
    another instance, or failed as stale); returns whether it was written."""
    row = await conn.fetchrow(
        """update replays set status = $2, frames_total = $3, frames_sent = $4,
               detections_sent = $5, source_time = $6, started_at = $7, finished_at = $8,
               error = $9, scores = $10::jsonb, heartbeat_at = now()
           where replay_id = $1 and status in ('pending', 'running')
           returning replay_id""",
        r.replay_id,
        r.status,
        r.frames_total,
        r.frames_sent,
        r.detections_sent,
        r.source_time,
        r.started_at,
        r.finished_at,
        r.error,
        json.dumps(dict(r.scores)),
    )
    return row is not None


async def get_replay(conn: asyncpg.Connection, replay_id: str) -> Replay | None:
    row = await conn.fetchrow(f"select {_REPLAY_COLS} from replays where replay_id = $1", replay_id)
    return None if row is None else _replay(row)


async def list_replays(
    conn: asyncpg.Connection, status: str, after: tuple[datetime, str] | None, limit: int
) -> list[Replay]:
    args = _Args()
    clauses = []
    if status:
        clauses.append(f"status = {args(status)}")
    if after:
        clauses.append(f"(created_at, replay_id) < ({args(after[0])}, {args(after[1])})")
    rows = await conn.fetch(
        f"""select {_REPLAY_COLS} from replays {_where(clauses)}
            order by created_at desc, replay_id desc limit {args(limit)}""",
        *args.values,
    )
    return [_replay(r) for r in rows]


async def cancel_replay(conn: asyncpg.Connection, replay_id: str, now: datetime) -> Replay | None:
    """CANCELLED if pending or running; None when it had finished (or does not exist)."""
    row = await conn.fetchrow(
        f"""update replays set status = 'cancelled', finished_at = $2, heartbeat_at = now()
            where replay_id = $1 and status in ('pending', 'running')
            returning {_REPLAY_COLS}""",
        replay_id,
        now,
    )
    return None if row is None else _replay(row)


async def fail_stale_replays(
    conn: asyncpg.Connection, stale_s: float, now: datetime, exclude: Sequence[str]
) -> list[str]:
    """FAILED for pending or running jobs whose heartbeat stopped (the admin instance that
    ran them is gone); `exclude` are jobs this instance runs."""
    rows = await conn.fetch(
        """update replays set status = 'failed', finished_at = $2,
               error = 'the admin instance running this replay stopped'
           where status in ('pending', 'running')
             and heartbeat_at < now() - make_interval(secs => $1)
             and not (replay_id = any($3::text[]))
           returning replay_id""",
        stale_s,
        now,
        list(exclude),
    )
    return [r["replay_id"] for r in rows]


# --------------------------------------------------------------------------- JetStream


def session_key(session_id: str) -> str:
    """AURA_CONFIG key of an active session (session ids are valid KV key tokens)."""
    return f"sessions.{session_id}"


class SessionsConfig:
    """The `AURA_CONFIG` bucket as the sessions part uses it."""

    def __init__(self, js: JetStreamContext) -> None:
        self.js = js
        self._kv: KeyValue | None = None

    async def kv(self) -> KeyValue:
        if self._kv is None:
            try:
                self._kv = await self.js.key_value(CONFIG_BUCKET)
            except BucketNotFoundError:
                self._kv = await self.js.create_key_value(bucket=CONFIG_BUCKET, history=5)
        return self._kv

    async def put_session(self, session_id: str, payload: bytes) -> None:
        await (await self.kv()).put(session_key(session_id), payload)

    async def delete_session(self, session_id: str) -> None:
        await (await self.kv()).delete(session_key(session_id))

    async def session_ids(self) -> list[str]:
        try:
            keys = await (await self.kv()).keys(filters=["sessions.>"])
        except NoKeysError:
            return []
        return [k[len("sessions.") :] for k in keys]

    async def enabled_sensors(self) -> list[str]:
        """Ids of the enabled sensors in the registry, sorted."""
        kv = await self.kv()
        try:
            keys = await kv.keys(filters=["sensors.>"])
        except NoKeysError:
            return []
        out = []
        for key in keys:
            try:
                entry = await kv.get(key)
            except Exception:  # deleted between keys() and get()
                continue
            sensor = admin_pb2.Sensor.FromString(entry.value or b"")
            if sensor.sensor_id and (not sensor.HasField("enabled") or sensor.enabled):
                out.append(sensor.sensor_id)
        return sorted(out)

    async def reconcile(self, active: Mapping[str, bytes]) -> None:
        """Make the bucket's session entries exactly `active` (id → Session proto)."""
        for session_id in await self.session_ids():
            if session_id not in active:
                await self.delete_session(session_id)
        for session_id, payload in active.items():
            await self.put_session(session_id, payload)


class TelemetryCache:
    """The latest value of every (source, channel), fed by an ordered consumer of
    `aura.telemetry.>` that starts with the last batch of each source; `refresh` reads the
    last batch of given sources directly, so a note never misses a value just published."""

    def __init__(self, js: JetStreamContext, max_entries: int = 100_000) -> None:
        self.js, self.max_entries = js, max_entries
        self.latest: dict[tuple[str, str], TelemetryValue] = {}
        self._sub: Any = None

    def apply(self, data: bytes) -> None:
        batch = ingest_pb2.TelemetryBatch.FromString(data)
        for s in batch.samples:
            key = (s.source_id or batch.source_id, s.channel)
            value = TelemetryValue(s.value, ts_seconds(s.timestamp), s.unit)
            old = self.latest.get(key)
            if old is not None and old.t > value.t:
                continue
            if old is None and len(self.latest) >= self.max_entries:
                continue
            self.latest[key] = value

    async def _on_msg(self, msg: Msg) -> None:
        try:
            self.apply(msg.data)
        except Exception:
            log.warning("undecodable telemetry batch", extra={"subject": msg.subject})

    async def start(self) -> None:
        await bus.ensure_streams(self.js, [bus.TELEMETRY])
        self._sub = await self.js.subscribe(
            "aura.telemetry.>",
            stream=bus.TELEMETRY.name,
            cb=self._on_msg,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.LAST_PER_SUBJECT,
        )

    async def refresh(self, sources: Sequence[str]) -> None:
        async def one(source: str) -> None:
            subject = f"aura.telemetry.{bus.subject_token(source)}"
            try:
                raw = await self.js.get_last_msg(bus.TELEMETRY.name, subject)
            except NotFoundError:
                return
            with contextlib.suppress(Exception):
                self.apply(raw.data or b"")

        await asyncio.gather(*(one(s) for s in sources))

    async def snapshot(self, sources: Sequence[str]) -> dict[str, float]:
        with contextlib.suppress(Exception):  # the cache alone still answers
            await asyncio.wait_for(self.refresh(sources), 2.0)
        return telemetry_snapshot(self.latest, sources)

    async def stop(self) -> None:
        if self._sub is not None:
            with contextlib.suppress(Exception):
                await self._sub.unsubscribe()
            self._sub = None
