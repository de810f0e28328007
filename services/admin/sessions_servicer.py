"""AdminService RPCs of the sessions part (see services/admin/servicer.py): recording
sessions, notes with telemetry snapshots and their export, and replay jobs.

Rules live in `domain/sessions.py`, storage in `adapters/sessions_repo.py`, the jobs in
`replay.py`; the methods here translate protos, run a transaction, and translate back.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import asyncpg
import grpc
from google.api import httpbody_pb2
from google.protobuf.timestamp_pb2 import Timestamp

from aura.admin.v1 import admin_pb2
from services.admin.adapters import sessions_repo as repo
from services.admin.adapters.sessions_repo import SessionsConfig, TelemetryCache
from services.admin.deps import AdminDeps
from services.admin.domain import sessions as d
from services.admin.replay import (
    Loader,
    ReplayFrame,
    ReplayRunner,
    load_jsonl,
    read_session_frames,
)
from services.common import bus
from services.common.auth import current_principal, key_from_metadata
from services.common.errors import NotFoundError, UnavailableError, ValidationError
from services.common.status import rpc, stream_rpc
from services.common.timeutil import to_timestamp

_STATE_PB = {d.ACTIVE: admin_pb2.SESSION_STATE_ACTIVE, d.ENDED: admin_pb2.SESSION_STATE_ENDED}
_STATE_OF = {v: k for k, v in _STATE_PB.items()}
_TYPE_PB = {
    d.OBSERVATION: admin_pb2.NOTE_TYPE_OBSERVATION,
    d.COMMAND: admin_pb2.NOTE_TYPE_COMMAND,
    d.SYSTEM: admin_pb2.NOTE_TYPE_SYSTEM,
}
_TYPE_OF = {v: k for k, v in _TYPE_PB.items()}
_STATUS_PB = {
    d.PENDING: admin_pb2.REPLAY_STATUS_PENDING,
    d.RUNNING: admin_pb2.REPLAY_STATUS_RUNNING,
    d.DONE: admin_pb2.REPLAY_STATUS_DONE,
    d.FAILED: admin_pb2.REPLAY_STATUS_FAILED,
    d.CANCELLED: admin_pb2.REPLAY_STATUS_CANCELLED,
}
_STATUS_OF = {v: k for k, v in _STATUS_PB.items()}
MAX_EXPORT_NOTES = 100_000


# --------------------------------------------------------------------------- protos


def _set_ts(target: Timestamp, dt: datetime | None) -> None:
    if dt is not None:
        target.CopyFrom(to_timestamp(dt))


def _time(msg: object, name: str) -> datetime | None:
    if not msg.HasField(name):  # type: ignore[attr-defined]
        return None
    ts: Timestamp = getattr(msg, name)
    return d.check_time(name, ts.ToDatetime(tzinfo=UTC))


def session_pb(s: d.Session) -> admin_pb2.Session:
    out = admin_pb2.Session(
        session_id=s.session_id,
        name=s.name,
        description=s.description,
        sensor_ids=s.sensor_ids,
        tags=s.tags,
        metadata=dict(s.metadata),
        state=_STATE_PB[s.state],
        started_by=s.started_by,
        ended_by=s.ended_by,
        note_count=s.note_count,
        version=s.version,
    )
    _set_ts(out.started_at, s.started_at)
    _set_ts(out.ended_at, s.ended_at)
    _set_ts(out.updated_at, s.updated_at)
    return out


def note_pb(n: d.Note) -> admin_pb2.Note:
    out = admin_pb2.Note(
        note_id=n.note_id,
        session_id=n.session_id,
        track_id=n.track_id,
        speaker=n.speaker,
        type=_TYPE_PB[n.type],
        text=n.text,
        tags=n.tags,
        telemetry_snapshot=dict(n.telemetry_snapshot),
        created_by=n.created_by,
        version=n.version,
    )
    _set_ts(out.timestamp, n.timestamp)
    _set_ts(out.created_at, n.created_at)
    _set_ts(out.updated_at, n.updated_at)
    return out


def replay_pb(r: d.Replay) -> admin_pb2.Replay:
    out = admin_pb2.Replay(
        replay_id=r.replay_id,
        speed_factor=r.speed_factor,
        repeat=r.repeat,
        keep_original_timestamps=r.keep_original_timestamps,
        status=_STATUS_PB[r.status],
        progress=r.progress,
        frames_total=r.frames_total,
        frames_sent=r.frames_sent,
        detections_sent=r.detections_sent,
        created_by=r.created_by,
        error=r.error,
        scores=dict(r.scores),
    )
    if r.session_id:
        out.session_id = r.session_id
    else:
        out.jsonl_path = r.jsonl_path
    for name, value in (
        ("source_time", r.source_time),
        ("created_at", r.created_at),
        ("started_at", r.started_at),
        ("finished_at", r.finished_at),
    ):
        _set_ts(getattr(out, name), value)
    return out


def _enum(field: str, value: int, mapping: dict[int, str], unspecified: str) -> str:
    if value == 0:
        return unspecified
    if value not in mapping:
        raise ValidationError(field, f"unknown value {value}")
    return mapping[value]


def _mask(paths: Iterable[str], prefix: str) -> list[str]:
    """Mask paths, relative to the resource (a leading `session.` / `note.` is allowed)."""
    return [p[len(prefix) + 1 :] if p.startswith(prefix + ".") else p for p in paths]


def _note_draft(msg: admin_pb2.CreateNoteRequest | admin_pb2.Note) -> d.NoteDraft:
    return d.NoteDraft(
        session_id=msg.session_id,
        track_id=msg.track_id,
        timestamp=_time(msg, "timestamp"),
        speaker=msg.speaker,
        type=_enum("type", msg.type, _TYPE_OF, d.OBSERVATION),
        text=msg.text,
        tags=tuple(msg.tags),
        telemetry_snapshot=dict(msg.telemetry_snapshot),
    )


def _caller() -> str:
    principal = current_principal()
    return principal.name if principal else ""


def _now() -> datetime:
    return datetime.now(UTC)


async def _ready(frames: list[ReplayFrame]) -> list[ReplayFrame]:
    return frames


@dataclass
class _Runtime:
    config: SessionsConfig
    telemetry: TelemetryCache
    runner: ReplayRunner


# --------------------------------------------------------------------------- servicer


class SessionsPart:
    """Mixed into AdminServicer; `self.deps` holds the shared dependencies."""

    deps: AdminDeps
    _sessions_rt: _Runtime | None = None

    async def start_sessions(self) -> None:
        """Telemetry cache, replay runner, and the active sessions written to AURA_CONFIG
        (entries of sessions that ended while admin was away are removed)."""
        js, s = self.deps.js, self.deps.settings
        await bus.ensure_streams(js, [bus.DETECTIONS, bus.TELEMETRY])
        rt = _Runtime(
            config=SessionsConfig(js),
            telemetry=TelemetryCache(js),
            runner=ReplayRunner(self.deps.db, f"{s.ingest_host}:{s.ingest_port}", s.tls_cert),
        )
        await rt.telemetry.start()
        await rt.runner.start()
        async with self._conn() as conn:
            active = await repo.active_sessions(conn)
        await rt.config.reconcile({a.session_id: session_pb(a).SerializeToString() for a in active})
        self._sessions_rt = rt

    async def stop_sessions(self) -> None:
        rt, self._sessions_rt = self._sessions_rt, None
        if rt is not None:
            await rt.runner.stop()
            await rt.telemetry.stop()

    def _rt(self) -> _Runtime:
        if self._sessions_rt is None:
            raise UnavailableError("admin's sessions part is not started")
        return self._sessions_rt

    @asynccontextmanager
    async def _conn(self, transaction: bool = False) -> AsyncIterator[asyncpg.Connection]:
        pool = await self.deps.db.connect()
        async with pool.acquire() as conn:
            if not transaction:
                yield conn
                return
            async with conn.transaction():
                yield conn

    async def _publish_session(self, s: d.Session) -> None:
        """Write (active) or remove (ended) the session's AURA_CONFIG entry; called inside
        the transaction, so a failure leaves the stored session unchanged."""
        config = self._rt().config
        try:
            if s.state == d.ACTIVE:
                await config.put_session(s.session_id, session_pb(s).SerializeToString())
            else:
                await config.delete_session(s.session_id)
        except Exception as exc:
            raise UnavailableError(f"cannot write {repo.session_key(s.session_id)}: {exc}") from exc

    async def _session(
        self, conn: asyncpg.Connection, session_id: str, lock: bool = False
    ) -> d.Session:
        s = await repo.get_session(conn, d.check_id("session_id", session_id), for_update=lock)
        if s is None:
            raise NotFoundError(f"session {session_id} not found")
        return s

    async def _note(
        self, conn: asyncpg.Connection, session_id: str, note_id: str, lock: bool = False
    ) -> d.Note:
        if session_id:
            d.check_id("session_id", session_id)
        n = await repo.get_note(conn, d.check_id("note_id", note_id), for_update=lock)
        if n is None:
            raise NotFoundError(f"note {note_id} not found")
        return d.check_note_scope(n, session_id)

    # -- sessions --------------------------------------------------------------------------
    @rpc
    async def StartSession(
        self, request: admin_pb2.StartSessionRequest, context: grpc.aio.ServicerContext
    ) -> admin_pb2.StartSessionResponse:
        draft = d.SessionDraft(
            request.name,
            request.description,
            tuple(request.sensor_ids),
            tuple(request.tags),
            dict(request.metadata),
        )
        defaults = [] if request.sensor_ids else await self._rt().config.enabled_sensors()
        now = _now()
        session_id = f"s-{now:%Y%m%d}-{uuid.uuid4().hex[:12]}"
        session = d.new_session(session_id, draft, defaults, now, _caller())
        async with self._conn(transaction=True) as conn:
            await repo.lock_sensors(conn)
            d.check_sensors_free(session, await repo.active_sessions(conn, session.sensor_ids))
            await repo.insert_session(conn, session)
            await self._publish_session(session)
        return admin_pb2.StartSessionResponse(session=session_pb(session))

    @rpc
    async def ListSessions(
        self, request: admin_pb2.ListSessionsRequest, context: grpc.aio.ServicerContext
    ) -> admin_pb2.ListSessionsResponse:
        f = d.check_session_filter(
            d.SessionFilter(
                state=_enum("state", request.state, _STATE_OF, ""),
                sensor_id=request.sensor_id,
                start_time=_time(request, "start_time"),
                end_time=_time(request, "end_time"),
                tag=request.tag,
            )
        )
        size = d.page_size(request.page_size, 50, 500)
        after = d.decode_page_token("sessions", request.page_token)
        async with self._conn() as conn:
            rows = await repo.list_sessions(conn, f, after, size + 1)
        token = ""
        if len(rows) > size:
            rows = rows[:size]
            token = d.encode_page_token("sessions", rows[-1].started_at, rows[-1].session_id)
        return admin_pb2.ListSessionsResponse(
            sessions=[session_pb(s) for s in rows], next_page_token=token
        )

    @rpc
    async def GetSession(
        self, request: admin_pb2.GetSessionRequest, context: grpc.aio.ServicerContext
    ) -> admin_pb2.GetSessionResponse:
        async with self._conn() as conn:
            session = await self._session(conn, request.session_id)
        return admin_pb2.GetSessionResponse(session=session_pb(session))

    @rpc
    async def UpdateSession(
        self, request: admin_pb2.UpdateSessionRequest, context: grpc.aio.ServicerContext
    ) -> admin_pb2.UpdateSessionResponse:
        s = request.session
        draft = d.SessionDraft(
            s.name, s.description, tuple(s.sensor_ids), tuple(s.tags), dict(s.metadata)
        )
        mask = _mask(request.update_mask.paths, "session")
        async with self._conn(transaction=True) as conn:
            current = await self._session(conn, request.session_id, lock=True)
            updated = d.update_session(current, draft, mask, request.expected_version, _now())
            if updated.state == d.ACTIVE and updated.sensor_ids != current.sensor_ids:
                await repo.lock_sensors(conn)
                d.check_sensors_free(updated, await repo.active_sessions(conn, updated.sensor_ids))
            await repo.save_session(conn, updated)
            if updated.state == d.ACTIVE:
                await self._publish_session(updated)
        return admin_pb2.UpdateSessionResponse(session=session_pb(updated))

    @rpc
    async def EndSession(
        self, request: admin_pb2.EndSessionRequest, context: grpc.aio.ServicerContext
    ) -> admin_pb2.EndSessionResponse:
        async with self._conn(transaction=True) as conn:
            current = await self._session(conn, request.session_id, lock=True)
            ended = d.end_session(current, request.expected_version, _now(), _caller())
            await repo.save_session(conn, ended)
            await self._publish_session(ended)
        return admin_pb2.EndSessionResponse(session=session_pb(ended))

    # -- notes -----------------------------------------------------------------------------
    @rpc
    async def CreateNote(
        self, request: admin_pb2.CreateNoteRequest, context: grpc.aio.ServicerContext
    ) -> admin_pb2.CreateNoteResponse:
        draft = _note_draft(request)
        async with self._conn() as conn:
            session = await self._session(conn, draft.session_id) if draft.session_id else None
        if not draft.telemetry_snapshot and session is not None:
            sources = [session.session_id, *session.sensor_ids]
            snapshot = await self._rt().telemetry.snapshot(sources)
            draft = replace(draft, telemetry_snapshot=snapshot)
        note = d.new_note(f"note_{uuid.uuid4().hex[:16]}", draft, _now(), _caller())
        async with self._conn() as conn:
            await repo.insert_note(conn, note)
        return admin_pb2.CreateNoteResponse(note=note_pb(note))

    @rpc
    async def GetNote(
        self, request: admin_pb2.GetNoteRequest, context: grpc.aio.ServicerContext
    ) -> admin_pb2.GetNoteResponse:
        async with self._conn() as conn:
            note = await self._note(conn, request.session_id, request.note_id)
        return admin_pb2.GetNoteResponse(note=note_pb(note))

    @rpc
    async def ListNotes(
        self, request: admin_pb2.ListNotesRequest, context: grpc.aio.ServicerContext
    ) -> admin_pb2.ListNotesResponse:
        f = d.check_note_filter(
            d.NoteFilter(
                session_id=request.session_id,
                track_id=request.track_id,
                speaker=request.speaker,
                type=_enum("type", request.type, _TYPE_OF, ""),
                tag=request.tag,
                start_time=_time(request, "start_time"),
                end_time=_time(request, "end_time"),
            )
        )
        size = d.page_size(request.page_size, 100, 1000)
        after = d.decode_page_token("notes", request.page_token)
        async with self._conn() as conn:
            rows = await repo.list_notes(conn, f, after, size + 1)
        token = ""
        if len(rows) > size:
            rows = rows[:size]
            token = d.encode_page_token("notes", rows[-1].timestamp, rows[-1].note_id)
        return admin_pb2.ListNotesResponse(notes=[note_pb(n) for n in rows], next_page_token=token)

    @rpc
    async def UpdateNote(
        self, request: admin_pb2.UpdateNoteRequest, context: grpc.aio.ServicerContext
    ) -> admin_pb2.UpdateNoteResponse:
        draft = _note_draft(request.note)
        mask = _mask(request.update_mask.paths, "note")
        async with self._conn(transaction=True) as conn:
            current = await self._note(conn, request.session_id, request.note_id, lock=True)
            note = d.update_note(current, draft, mask, request.expected_version, _now())
            await repo.save_note(conn, note)
        return admin_pb2.UpdateNoteResponse(note=note_pb(note))

    @rpc
    async def DeleteNote(
        self, request: admin_pb2.DeleteNoteRequest, context: grpc.aio.ServicerContext
    ) -> admin_pb2.DeleteNoteResponse:
        async with self._conn(transaction=True) as conn:
            note = await self._note(conn, request.session_id, request.note_id, lock=True)
            d.check_version("note", note.note_id, note.version, request.expected_version, False)
            await repo.delete_note(conn, note.note_id)
        return admin_pb2.DeleteNoteResponse(note=note_pb(note))

    @rpc
    async def ExportNotes(
        self, request: admin_pb2.ExportNotesRequest, context: grpc.aio.ServicerContext
    ) -> httpbody_pb2.HttpBody:
        fmt = request.format
        if fmt not in admin_pb2.NoteExportFormat.values():
            raise ValidationError("format", f"unknown format {fmt}")
        notes: list[d.Note] = []
        async with self._conn() as conn, conn.transaction(isolation="repeatable_read"):
            session = await self._session(conn, request.session_id)
            f = d.NoteFilter(session_id=session.session_id)
            after = None
            while len(notes) < MAX_EXPORT_NOTES:
                page = await repo.list_notes(conn, f, after, 1000)
                notes += page
                if len(page) < 1000:
                    break
                after = (page[-1].timestamp, page[-1].note_id)
        if fmt == admin_pb2.NOTE_EXPORT_FORMAT_JSON:
            body, kind = d.export_json(session, notes), "application/json"
        else:
            body, kind = d.export_markdown(session, notes), "text/markdown; charset=utf-8"
        return httpbody_pb2.HttpBody(content_type=kind, data=body.encode("utf-8"))

    # -- replays ---------------------------------------------------------------------------
    @rpc
    async def StartReplay(
        self, request: admin_pb2.StartReplayRequest, context: grpc.aio.ServicerContext
    ) -> admin_pb2.StartReplayResponse:
        which = request.WhichOneof("source")
        spec = d.replay_spec(
            request.session_id if which == "session_id" else "",
            request.jsonl_path if which == "jsonl_path" else "",
            request.speed_factor if request.HasField("speed_factor") else None,
            request.repeat,
            request.keep_original_timestamps,
        )
        settings, now = self.deps.settings, _now()
        load: Loader
        if spec.session_id:
            async with self._conn() as conn:
                session = await self._session(conn, spec.session_id)
            d.check_replay_source(session)
            load = partial(
                read_session_frames,
                self.deps.js,
                session.sensor_ids,
                session.started_at,
                session.ended_at or now,
            )
        else:
            frames = await asyncio.to_thread(
                load_jsonl,
                Path(settings.admin_replay_dir),
                spec.jsonl_path,
                settings.accept_naive_ts,
            )
            load = partial(_ready, frames)
        replay = d.new_replay(f"r-{uuid.uuid4().hex[:16]}", spec, now, _caller())
        async with self._conn() as conn:
            await repo.insert_replay(conn, replay)
        runner = self._rt().runner
        runner.launch(replay, load, key_from_metadata(context.invocation_metadata()))
        return admin_pb2.StartReplayResponse(
            replay=replay_pb(runner.local(replay.replay_id) or replay)
        )

    async def _replay(self, replay_id: str) -> d.Replay:
        local = self._rt().runner.local(d.check_id("replay_id", replay_id))
        if local is not None:
            return local
        async with self._conn() as conn:
            stored = await repo.get_replay(conn, replay_id)
        if stored is None:
            raise NotFoundError(f"replay {replay_id} not found")
        return stored

    @rpc
    async def GetReplay(
        self, request: admin_pb2.GetReplayRequest, context: grpc.aio.ServicerContext
    ) -> admin_pb2.GetReplayResponse:
        return admin_pb2.GetReplayResponse(replay=replay_pb(await self._replay(request.replay_id)))

    @rpc
    async def ListReplays(
        self, request: admin_pb2.ListReplaysRequest, context: grpc.aio.ServicerContext
    ) -> admin_pb2.ListReplaysResponse:
        status = _enum("status", request.status, _STATUS_OF, "")
        size = d.page_size(request.page_size, 50, 500)
        after = d.decode_page_token("replays", request.page_token)
        async with self._conn() as conn:
            rows = await repo.list_replays(conn, status, after, size + 1)
        token = ""
        if len(rows) > size:
            rows = rows[:size]
            token = d.encode_page_token("replays", rows[-1].created_at, rows[-1].replay_id)
        runner = self._rt().runner
        rows = [runner.local(r.replay_id) or r for r in rows]  # this instance's are fresher
        return admin_pb2.ListReplaysResponse(
            replays=[replay_pb(r) for r in rows], next_page_token=token
        )

    @rpc
    async def CancelReplay(
        self, request: admin_pb2.CancelReplayRequest, context: grpc.aio.ServicerContext
    ) -> admin_pb2.CancelReplayResponse:
        replay_id = d.check_id("replay_id", request.replay_id)
        replay = await self._rt().runner.cancel(replay_id)
        if replay is None:
            raise NotFoundError(f"replay {replay_id} not found")
        return admin_pb2.CancelReplayResponse(replay=replay_pb(replay))

    @stream_rpc
    async def StreamReplayProgress(
        self, request: admin_pb2.StreamReplayProgressRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[admin_pb2.StreamReplayProgressResponse]:
        """The state now, then on each change of status at once and of progress at most
        every 500 ms (polling the stored state for jobs another instance runs)."""
        runner, last = self._rt().runner, None
        while True:
            changed = runner.waiter(request.replay_id)
            replay = await self._replay(request.replay_id)
            if replay != last:
                yield admin_pb2.StreamReplayProgressResponse(replay=replay_pb(replay))
                last = replay
            if replay.finished:
                return
            if changed is None:
                await asyncio.sleep(0.5)
            else:
                try:
                    await asyncio.wait_for(changed.wait(), 0.5)
                except TimeoutError:
                    pass
