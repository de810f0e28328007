"""Recording sessions, notes and replay jobs: the rules, as pure functions over dataclasses.

Sessions (ASTRA) are ACTIVE from start to end; while active, their sensors' data is attributed
to them and a sensor is in at most one active session. Notes are remarks on a session, a
track, or a track within a session, with a snapshot of the latest telemetry. Every stored
object has a version that starts at 1 and grows by one per change; a change based on another
version is refused (ConflictError: ABORTED), never applied over the newer one.

No I/O, no clock, no randomness: callers pass ids and times in.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any

from services.common.errors import (
    ConflictError,
    NotFoundError,
    PreconditionError,
    ValidationError,
)

ACTIVE, ENDED = "active", "ended"
SESSION_STATES = (ACTIVE, ENDED)
OBSERVATION, COMMAND, SYSTEM = "observation", "command", "system"
NOTE_TYPES = (OBSERVATION, COMMAND, SYSTEM)
PENDING, RUNNING, DONE, FAILED, CANCELLED = "pending", "running", "done", "failed", "cancelled"
REPLAY_STATUSES = (PENDING, RUNNING, DONE, FAILED, CANCELLED)
TERMINAL = frozenset({DONE, FAILED, CANCELLED})

ID_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
SENSOR_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
TRACK_ID_RE = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")
CHANNEL_RE = re.compile(r"^[A-Za-z0-9_.\-/]{1,256}$")

MAX_NAME, MAX_DESCRIPTION, MAX_SPEAKER, MAX_TEXT = 200, 4000, 200, 10_000
MAX_TAGS, MAX_TAG = 32, 64
MAX_METADATA, MAX_METADATA_KEY, MAX_METADATA_VALUE = 64, 64, 1024
MAX_SENSORS, MAX_SNAPSHOT = 256, 512
MAX_SPEED, MAX_REPEAT, MAX_PATH = 100.0, 1000, 1024
# Times must fall in 1970..2200: anything else is a unit error.
MIN_TIME = datetime(1970, 1, 2, tzinfo=UTC)
MAX_TIME = datetime(2200, 1, 1, tzinfo=UTC)

SESSION_FIELDS = ("name", "description", "sensor_ids", "tags", "metadata")
NOTE_FIELDS = ("track_id", "timestamp", "speaker", "type", "text", "tags", "telemetry_snapshot")


# ----------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Session:
    session_id: str
    name: str
    description: str
    sensor_ids: tuple[str, ...]
    tags: tuple[str, ...]
    metadata: Mapping[str, str]
    state: str
    started_at: datetime
    ended_at: datetime | None
    started_by: str
    ended_by: str
    version: int
    updated_at: datetime
    note_count: int = 0


@dataclass(frozen=True)
class SessionDraft:
    """The writable fields of a session, as a request gives them."""

    name: str = ""
    description: str = ""
    sensor_ids: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    metadata: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Note:
    note_id: str
    session_id: str  # "" for a note on a track only
    track_id: str  # "" for a note on the session as a whole
    timestamp: datetime
    speaker: str
    type: str
    text: str
    tags: tuple[str, ...]
    telemetry_snapshot: Mapping[str, float]
    created_by: str
    created_at: datetime
    updated_at: datetime
    version: int


@dataclass(frozen=True)
class NoteDraft:
    """The writable fields of a note, as a request gives them (timestamp None: unset)."""

    session_id: str = ""
    track_id: str = ""
    timestamp: datetime | None = None
    speaker: str = ""
    type: str = OBSERVATION
    text: str = ""
    tags: tuple[str, ...] = ()
    telemetry_snapshot: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Replay:
    replay_id: str
    session_id: str  # exactly one of session_id and jsonl_path is set
    jsonl_path: str
    speed_factor: float
    repeat: int
    keep_original_timestamps: bool
    status: str
    frames_total: int
    frames_sent: int
    detections_sent: int
    source_time: datetime | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    created_by: str
    error: str
    scores: Mapping[str, float] = field(default_factory=dict)

    @property
    def progress(self) -> float:
        """Fraction of frames sent, 0..1 (1 for a DONE job that had nothing to send)."""
        if self.frames_total:
            return min(1.0, self.frames_sent / self.frames_total)
        return 1.0 if self.status == DONE else 0.0

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL


@dataclass(frozen=True)
class SessionFilter:
    state: str = ""
    sensor_id: str = ""
    start_time: datetime | None = None
    end_time: datetime | None = None
    tag: str = ""


@dataclass(frozen=True)
class NoteFilter:
    session_id: str = ""
    track_id: str = ""
    speaker: str = ""
    type: str = ""
    tag: str = ""
    start_time: datetime | None = None
    end_time: datetime | None = None


# ------------------------------------------------------------------------- validation


def check_id(field_: str, value: str) -> str:
    """An id that appears in a path: 1-64 letters, digits, '_' or '-'."""
    if not value:
        raise ValidationError(field_, "is required")
    if not ID_RE.match(value):
        raise ValidationError(
            field_, f"{value!r} must be 1-64 characters of letters, digits, '_', '-'"
        )
    return value


def check_sensor_id(field_: str, value: str) -> str:
    if not SENSOR_ID_RE.match(value) or ".." in value:
        raise ValidationError(
            field_, f"{value!r} must be 1-64 characters of letters, digits, '_', '-', '.', ':'"
        )
    return value


def check_track_id(field_: str, value: str) -> str:
    if not TRACK_ID_RE.match(value) or ".." in value:
        raise ValidationError(
            field_, f"{value!r} must be 1-128 characters of letters, digits, '_', '-', '.', ':'"
        )
    return value


def _printable(field_: str, value: str, low: int, high: int, what: str = "characters") -> str:
    if not low <= len(value) <= high:
        if low and not value:
            raise ValidationError(field_, "is required")
        raise ValidationError(field_, f"must be {low} to {high} {what}, got {len(value)}")
    if any(ord(ch) < 32 and ch not in "\n\t" for ch in value):
        raise ValidationError(field_, "must not contain control characters")
    return value


def _one_line(field_: str, value: str, low: int, high: int) -> str:
    _printable(field_, value, low, high)
    if "\n" in value or "\t" in value:
        raise ValidationError(field_, "must be one line")
    return value


def check_tags(field_: str, tags: Iterable[str]) -> tuple[str, ...]:
    """Tags, deduplicated in order: at most 32, each 1-64 characters on one line."""
    out: list[str] = []
    for i, tag in enumerate(tags):
        _one_line(f"{field_}[{i}]", tag, 1, MAX_TAG)
        if tag not in out:
            out.append(tag)
    if len(out) > MAX_TAGS:
        raise ValidationError(field_, f"at most {MAX_TAGS} tags, got {len(out)}")
    return tuple(out)


def check_metadata(field_: str, metadata: Mapping[str, str]) -> dict[str, str]:
    if len(metadata) > MAX_METADATA:
        raise ValidationError(field_, f"at most {MAX_METADATA} entries, got {len(metadata)}")
    for key, value in metadata.items():
        _one_line(f"{field_}[{key!r}]", key, 1, MAX_METADATA_KEY)
        _printable(f"{field_}[{key!r}]", value, 0, MAX_METADATA_VALUE)
    return dict(sorted(metadata.items()))


def check_sensor_ids(field_: str, sensor_ids: Iterable[str]) -> tuple[str, ...]:
    out: list[str] = []
    for i, sensor in enumerate(sensor_ids):
        check_sensor_id(f"{field_}[{i}]", sensor)
        if sensor not in out:
            out.append(sensor)
    if len(out) > MAX_SENSORS:
        raise ValidationError(field_, f"at most {MAX_SENSORS} sensors, got {len(out)}")
    return tuple(out)


def check_time(field_: str, value: datetime) -> datetime:
    if value.tzinfo is None:
        raise ValidationError(field_, "must be a UTC time")
    if not MIN_TIME <= value < MAX_TIME:
        raise ValidationError(field_, f"{value.isoformat()} is outside 1970..2200")
    return value.astimezone(UTC)


def check_snapshot(field_: str, snapshot: Mapping[str, float]) -> dict[str, float]:
    if len(snapshot) > MAX_SNAPSHOT:
        raise ValidationError(field_, f"at most {MAX_SNAPSHOT} channels, got {len(snapshot)}")
    for key, value in snapshot.items():
        if not CHANNEL_RE.match(key) or ".." in key:
            raise ValidationError(
                f"{field_}[{key!r}]", "channel names are 1-256 letters, digits or '_.-/'"
            )
        if not math.isfinite(value):
            raise ValidationError(f"{field_}[{key!r}]", f"must be a finite number, got {value}")
    return {k: float(snapshot[k]) for k in sorted(snapshot)}


def check_mask(field_: str, paths: Sequence[str], allowed: Sequence[str]) -> tuple[str, ...]:
    """The fields an update changes: the mask's paths, or every writable field when empty."""
    for path in paths:
        if path not in allowed:
            raise ValidationError(
                field_, f"unknown or read-only field {path!r}; writable: {', '.join(allowed)}"
            )
    return tuple(dict.fromkeys(paths)) or tuple(allowed)


def check_version(kind: str, object_id: str, stored: int, expected: int, required: bool) -> None:
    if expected == 0:
        if required:
            raise ValidationError("expected_version", "is required (the version you read)")
        return
    if stored != expected:
        raise ConflictError(
            f"{kind} {object_id} is at version {stored}, not {expected}: read it again and "
            "re-apply your change"
        )


def page_size(value: int, default: int, maximum: int) -> int:
    """0 takes the default; larger values are clamped to the maximum."""
    return default if value <= 0 else min(value, maximum)


def encode_page_token(kind: str, at: datetime, object_id: str) -> str:
    raw = json.dumps([kind, at.astimezone(UTC).isoformat(), object_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_token(kind: str, token: str) -> tuple[datetime, str] | None:
    """(time, id) after which the next page starts; None for the first page."""
    if not token:
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        got_kind, at, object_id = json.loads(raw)
        if got_kind != kind or not isinstance(object_id, str):
            raise ValueError(got_kind)
        return datetime.fromisoformat(at).astimezone(UTC), object_id
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError) as exc:
        raise ValidationError("page_token", "is not a token this list gave") from exc


# --------------------------------------------------------------------------- sessions


def new_session(
    session_id: str,
    draft: SessionDraft,
    default_sensors: Sequence[str],
    now: datetime,
    by: str,
) -> Session:
    """A new ACTIVE session at version 1; no sensors named takes `default_sensors`."""
    sensors = draft.sensor_ids or tuple(default_sensors)
    return Session(
        session_id=check_id("session_id", session_id),
        name=_one_line("name", draft.name.strip(), 1, MAX_NAME),
        description=_printable("description", draft.description, 0, MAX_DESCRIPTION),
        sensor_ids=check_sensor_ids("sensor_ids", sensors),
        tags=check_tags("tags", draft.tags),
        metadata=check_metadata("metadata", draft.metadata),
        state=ACTIVE,
        started_at=now,
        ended_at=None,
        started_by=by,
        ended_by="",
        version=1,
        updated_at=now,
    )


def check_sensors_free(session: Session, active: Iterable[Session]) -> None:
    """FAILED_PRECONDITION when one of the session's sensors is in another active session."""
    mine = set(session.sensor_ids)
    for other in active:
        if other.session_id == session.session_id or other.state != ACTIVE:
            continue
        taken = sorted(mine & set(other.sensor_ids))
        if taken:
            raise PreconditionError(
                f"sensor {taken[0]!r} is already in active session {other.session_id!r}; "
                "end that session first"
            )


def update_session(
    current: Session,
    draft: SessionDraft,
    mask: Sequence[str],
    expected_version: int,
    now: datetime,
) -> Session:
    """The session with the masked fields of `draft`; sensors change only while active
    (with an empty mask they are left alone on an ended session)."""
    paths = check_mask("update_mask", mask, SESSION_FIELDS)
    check_version("session", current.session_id, current.version, expected_version, True)
    changes: dict[str, Any] = {}
    if "name" in paths:
        changes["name"] = _one_line("session.name", draft.name.strip(), 1, MAX_NAME)
    if "description" in paths:
        changes["description"] = _printable(
            "session.description", draft.description, 0, MAX_DESCRIPTION
        )
    if "tags" in paths:
        changes["tags"] = check_tags("session.tags", draft.tags)
    if "metadata" in paths:
        changes["metadata"] = check_metadata("session.metadata", draft.metadata)
    if "sensor_ids" in paths:
        if current.state == ACTIVE:
            changes["sensor_ids"] = check_sensor_ids("session.sensor_ids", draft.sensor_ids)
        elif mask:
            raise PreconditionError(
                f"session {current.session_id} has ended: its sensors can no longer change"
            )
    return replace(current, **changes, version=current.version + 1, updated_at=now)


def end_session(current: Session, expected_version: int, now: datetime, by: str) -> Session:
    if current.state == ENDED:
        raise PreconditionError(f"session {current.session_id} has already ended")
    check_version("session", current.session_id, current.version, expected_version, False)
    return replace(
        current,
        state=ENDED,
        ended_at=max(now, current.started_at),
        ended_by=by,
        version=current.version + 1,
        updated_at=now,
    )


def check_session_filter(f: SessionFilter) -> SessionFilter:
    if f.state and f.state not in SESSION_STATES:
        raise ValidationError("state", f"unknown state {f.state!r}")
    if f.sensor_id:
        check_sensor_id("sensor_id", f.sensor_id)
    if f.tag:
        _one_line("tag", f.tag, 1, MAX_TAG)
    return f


# ------------------------------------------------------------------------------ notes


def _note_fields(prefix: str, draft: NoteDraft, paths: Sequence[str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "track_id" in paths:
        out["track_id"] = (
            check_track_id(f"{prefix}track_id", draft.track_id) if draft.track_id else ""
        )
    if "timestamp" in paths and draft.timestamp is not None:
        out["timestamp"] = check_time(f"{prefix}timestamp", draft.timestamp)
    if "speaker" in paths:
        out["speaker"] = _one_line(f"{prefix}speaker", draft.speaker.strip(), 0, MAX_SPEAKER)
    if "type" in paths:
        if draft.type not in NOTE_TYPES:
            raise ValidationError(f"{prefix}type", f"unknown note type {draft.type!r}")
        out["type"] = draft.type
    if "text" in paths:
        if not draft.text.strip():
            raise ValidationError(f"{prefix}text", "is required (1 to 10,000 characters)")
        out["text"] = _printable(f"{prefix}text", draft.text, 1, MAX_TEXT)
    if "tags" in paths:
        out["tags"] = check_tags(f"{prefix}tags", draft.tags)
    if "telemetry_snapshot" in paths:
        out["telemetry_snapshot"] = check_snapshot(
            f"{prefix}telemetry_snapshot", draft.telemetry_snapshot
        )
    return out


def new_note(note_id: str, draft: NoteDraft, now: datetime, by: str) -> Note:
    """A new note at version 1, on a session, a track or both; timestamp defaults to now."""
    check_id("note_id", note_id)
    if not draft.session_id and not draft.track_id:
        raise ValidationError("session_id", "a note needs a session_id, a track_id or both")
    if draft.session_id:
        check_id("session_id", draft.session_id)
    values = _note_fields("", draft, NOTE_FIELDS)
    return Note(
        note_id=note_id,
        session_id=draft.session_id,
        track_id=values["track_id"],
        timestamp=values.get("timestamp", now),
        speaker=values["speaker"],
        type=values["type"],
        text=values["text"],
        tags=values["tags"],
        telemetry_snapshot=values["telemetry_snapshot"],
        created_by=by,
        created_at=now,
        updated_at=now,
        version=1,
    )


def check_note_scope(note: Note, session_id: str) -> Note:
    """A note asked for under a session path must belong to that session."""
    if session_id and note.session_id != session_id:
        raise NotFoundError(f"note {note.note_id} not found in session {session_id}")
    return note


def update_note(
    current: Note, draft: NoteDraft, mask: Sequence[str], expected_version: int, now: datetime
) -> Note:
    paths = check_mask("update_mask", mask, NOTE_FIELDS)
    check_version("note", current.note_id, current.version, expected_version, True)
    changed = replace(
        current, **_note_fields("note.", draft, paths), version=current.version + 1, updated_at=now
    )
    if not changed.session_id and not changed.track_id:
        raise ValidationError("note.track_id", "a note on no session needs a track_id")
    return changed


def check_note_filter(f: NoteFilter) -> NoteFilter:
    if f.session_id:
        check_id("session_id", f.session_id)
    if f.track_id:
        check_track_id("track_id", f.track_id)
    if f.type and f.type not in NOTE_TYPES:
        raise ValidationError("type", f"unknown note type {f.type!r}")
    if f.tag:
        _one_line("tag", f.tag, 1, MAX_TAG)
    return f


@dataclass(frozen=True)
class TelemetryValue:
    value: float
    t: float  # sample time, seconds since the epoch
    unit: str = ""


def telemetry_snapshot(
    latest: Mapping[tuple[str, str], TelemetryValue], sources: Iterable[str]
) -> dict[str, float]:
    """The latest value of each channel of `sources`, keyed by channel name; a channel that
    more than one source reports is keyed `<source>/<channel>` for each of them."""
    wanted = set(sources)
    picked = {(s, ch): v for (s, ch), v in latest.items() if s in wanted}
    count: dict[str, int] = {}
    for _, ch in picked:
        count[ch] = count.get(ch, 0) + 1
    out = {
        (ch if count[ch] == 1 else f"{s}/{ch}"): v.value
        for (s, ch), v in picked.items()
        if math.isfinite(v.value)
    }
    return dict(sorted(out.items())[:MAX_SNAPSHOT])


# ----------------------------------------------------------------------------- export


def iso(dt: datetime) -> str:
    """RFC 3339 in UTC as protobuf's JSON mapping writes it: 'Z', and 0, 3 or 6 decimals."""
    dt = dt.astimezone(UTC)
    base = dt.strftime("%Y-%m-%dT%H:%M:%S")
    us = dt.microsecond
    if us == 0:
        return base + "Z"
    if us % 1000 == 0:
        return f"{base}.{us // 1000:03d}Z"
    return f"{base}.{us:06d}Z"


def _num(value: float) -> str:
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _at_by(dt: datetime, who: str) -> str:
    return f"{iso(dt)} by {who}" if who else iso(dt)


def export_markdown(session: Session, notes: Sequence[Note]) -> str:
    """One document: the session's facts, then one section per note (time, speaker, type;
    the text quoted; track, tags, telemetry and edits below), in the given order."""
    ended = _at_by(session.ended_at, session.ended_by) if session.ended_at else "(recording)"
    facts = [
        ("Session", f"`{session.session_id}`"),
        ("State", session.state),
        ("Started", _at_by(session.started_at, session.started_by)),
        ("Ended", ended),
        ("Sensors", ", ".join(session.sensor_ids) or "(none)"),
    ]
    if session.tags:
        facts.append(("Tags", ", ".join(session.tags)))
    if session.metadata:
        facts.append(("Metadata", ", ".join(f"{k} = {v}" for k, v in session.metadata.items())))
    facts.append(("Notes", str(len(notes))))
    lines = [f"# {session.name}", "", *(f"- {k}: {v}" for k, v in facts)]
    if session.description.strip():
        lines += ["", session.description.strip()]
    for note in notes:
        head = [iso(note.timestamp), *([note.speaker] if note.speaker else []), note.type]
        lines += ["", f"## {' · '.join(head)}", ""]
        lines += [f"> {line}".rstrip() for line in note.text.strip().splitlines()]
        extra = []
        if note.track_id:
            extra.append(f"- Track: `{note.track_id}`")
        if note.tags:
            extra.append(f"- Tags: {', '.join(note.tags)}")
        if note.telemetry_snapshot:
            values = sorted(note.telemetry_snapshot.items())
            extra.append(f"- Telemetry: {', '.join(f'{k} = {_num(v)}' for k, v in values)}")
        if note.version > 1:
            extra.append(f"- Edited: {iso(note.updated_at)} (version {note.version})")
        if extra:
            lines += ["", *extra]
    return "\n".join(lines) + "\n"


SESSION_STATE_NAMES = {ACTIVE: "SESSION_STATE_ACTIVE", ENDED: "SESSION_STATE_ENDED"}
NOTE_TYPE_NAMES = {
    OBSERVATION: "NOTE_TYPE_OBSERVATION",
    COMMAND: "NOTE_TYPE_COMMAND",
    SYSTEM: "NOTE_TYPE_SYSTEM",
}


def session_json(s: Session) -> dict[str, Any]:
    """The session as protobuf's JSON mapping gives it (proto field names, defaults kept)."""
    out: dict[str, Any] = {
        "session_id": s.session_id,
        "name": s.name,
        "description": s.description,
        "sensor_ids": list(s.sensor_ids),
        "tags": list(s.tags),
        "metadata": dict(s.metadata),
        "state": SESSION_STATE_NAMES[s.state],
        "started_at": iso(s.started_at),
    }
    if s.ended_at is not None:
        out["ended_at"] = iso(s.ended_at)
    out.update(
        {
            "started_by": s.started_by,
            "ended_by": s.ended_by,
            "note_count": s.note_count,
            "version": str(s.version),  # uint64 is a string in JSON
            "updated_at": iso(s.updated_at),
        }
    )
    return out


def note_json(n: Note) -> dict[str, Any]:
    return {
        "note_id": n.note_id,
        "session_id": n.session_id,
        "track_id": n.track_id,
        "timestamp": iso(n.timestamp),
        "speaker": n.speaker,
        "type": NOTE_TYPE_NAMES[n.type],
        "text": n.text,
        "tags": list(n.tags),
        "telemetry_snapshot": {k: float(v) for k, v in n.telemetry_snapshot.items()},
        "created_by": n.created_by,
        "created_at": iso(n.created_at),
        "updated_at": iso(n.updated_at),
        "version": str(n.version),
    }


def export_json(session: Session, notes: Sequence[Note]) -> str:
    """{"session": ..., "notes": [...]} as GetSession and ListNotes give them in JSON."""
    doc = {"session": session_json(session), "notes": [note_json(n) for n in notes]}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


# ---------------------------------------------------------------------------- replays


@dataclass(frozen=True)
class ReplaySpec:
    """A validated StartReplay request."""

    session_id: str
    jsonl_path: str
    speed_factor: float
    repeat: int
    keep_original_timestamps: bool


def check_jsonl_path(value: str) -> str:
    """A path relative to the replay folder, without '..', a drive or a leading slash."""
    field_ = "jsonl_path"
    if not value:
        raise ValidationError(field_, "is required")
    if len(value) > MAX_PATH or "\x00" in value:
        raise ValidationError(field_, f"must be 1 to {MAX_PATH} characters without NUL")
    if "\\" in value or value.startswith("/") or re.match(r"^[A-Za-z]:", value):
        raise ValidationError(field_, "must be relative to the replay folder, with '/' only")
    parts = PurePosixPath(value).parts
    if ".." in parts or ".." in value.split("/"):
        raise ValidationError(field_, "must not contain '..'")
    return str(PurePosixPath(*parts))


def replay_spec(
    session_id: str,
    jsonl_path: str,
    speed_factor: float | None,
    repeat: int,
    keep_original_timestamps: bool,
) -> ReplaySpec:
    if bool(session_id) == bool(jsonl_path):
        raise ValidationError("source", "give exactly one of session_id and jsonl_path")
    speed = 1.0 if speed_factor is None else float(speed_factor)
    if not math.isfinite(speed) or not 0.0 <= speed <= MAX_SPEED:
        raise ValidationError(
            "speed_factor", f"must be within 0..{MAX_SPEED:g} (0: as fast as possible), got {speed}"
        )
    if repeat > MAX_REPEAT:
        raise ValidationError("repeat", f"at most {MAX_REPEAT}, got {repeat}")
    return ReplaySpec(
        session_id=check_id("session_id", session_id) if session_id else "",
        jsonl_path=check_jsonl_path(jsonl_path) if jsonl_path else "",
        speed_factor=speed,
        repeat=max(1, repeat),
        keep_original_timestamps=keep_original_timestamps,
    )


def check_replay_source(session: Session) -> None:
    if session.state != ENDED:
        raise PreconditionError(
            f"session {session.session_id} is still recording; end it before replaying it"
        )


def new_replay(replay_id: str, spec: ReplaySpec, now: datetime, by: str) -> Replay:
    return Replay(
        replay_id=check_id("replay_id", replay_id),
        session_id=spec.session_id,
        jsonl_path=spec.jsonl_path,
        speed_factor=spec.speed_factor,
        repeat=spec.repeat,
        keep_original_timestamps=spec.keep_original_timestamps,
        status=PENDING,
        frames_total=0,
        frames_sent=0,
        detections_sent=0,
        source_time=None,
        created_at=now,
        started_at=None,
        finished_at=None,
        created_by=by,
        error="",
    )


def pass_shift(first_t: float, step_s: float, previous_end: float | None, now: float) -> float:
    """Seconds to add to recorded times in one pass of a replay so that its first frame is
    stamped `now`, and never at or before the previous pass's last stamped frame (so repeated
    passes stay in time order and are not deduplicated or dropped as late)."""
    start = now if previous_end is None else max(now, previous_end + step_s)
    return start - first_t
