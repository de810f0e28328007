"""Sessions, notes and replays: lifecycle rules, validation, export formats, replay plans."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from google.protobuf import json_format

from aura.common.v1 import common_pb2 as c
from services.admin.domain import sessions as d
from services.admin.replay import batches, frames_from_detections, restamp, steps, typical_gap_us
from services.admin.sessions_servicer import note_pb, session_pb
from services.common.errors import ConflictError, NotFoundError, ValidationError
from services.common.timeutil import ts_from_seconds, ts_micros

T0 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def started(**kw: object) -> d.Session:
    draft = d.SessionDraft(name="Gate test 3", sensor_ids=("radar_1", "camera_1"))
    return replace(d.new_session("s-20260501-0001", draft, [], T0, "ops-ann"), **kw)


def note(**kw: object) -> d.Note:
    base = d.new_note(
        "note_a1",
        d.NoteDraft(session_id="s-20260501-0001", text="Motor current rising"),
        at(32),
        "ops-ann",
    )
    return replace(base, **kw)


# ----------------------------------------------------------------------------- sessions


def test_new_session_is_active_version_1_with_the_given_fields():
    draft = d.SessionDraft(
        name="  Gate test 3 ",
        description="Night run",
        sensor_ids=("radar_1", "radar_1", "cam:2"),
        tags=("gate", "gate", "night"),
        metadata={"weather": "rain", "build": "3.0"},
    )
    s = d.new_session("s-1", draft, ["ignored"], T0, "ops-ann")
    assert (s.state, s.version, s.ended_at, s.started_at) == (d.ACTIVE, 1, None, T0)
    assert s.name == "Gate test 3"
    assert s.sensor_ids == ("radar_1", "cam:2")
    assert s.tags == ("gate", "night")
    assert list(s.metadata) == ["build", "weather"]
    assert s.started_by == "ops-ann"


def test_new_session_without_sensors_takes_the_registered_ones():
    s = d.new_session("s-1", d.SessionDraft(name="x"), ["lidar_1", "radar_1"], T0, "")
    assert s.sensor_ids == ("lidar_1", "radar_1")


@pytest.mark.parametrize(
    ("draft", "field"),
    [
        (d.SessionDraft(name=""), "name"),
        (d.SessionDraft(name="   "), "name"),
        (d.SessionDraft(name="x" * 201), "name"),
        (d.SessionDraft(name="a\nb"), "name"),
        (d.SessionDraft(name="x", sensor_ids=("../etc",)), "sensor_ids[0]"),
        (d.SessionDraft(name="x", sensor_ids=("a/b",)), "sensor_ids[0]"),
        (d.SessionDraft(name="x", tags=("",)), "tags[0]"),
        (d.SessionDraft(name="x", tags=tuple(f"t{i}" for i in range(33))), "tags"),
        (d.SessionDraft(name="x", metadata={"": "v"}), "metadata['']"),
    ],
)
def test_new_session_rejects_bad_fields(draft, field):
    with pytest.raises(ValidationError) as exc:
        d.new_session("s-1", draft, [], T0, "")
    assert exc.value.field == field


@pytest.mark.parametrize("bad", ["", "a/b", "a\\b", "..", "x" * 65, "a.b"])
def test_ids_in_paths_are_checked(bad):
    with pytest.raises(ValidationError):
        d.check_id("session_id", bad)


def test_a_sensor_is_in_at_most_one_active_session():
    mine = started(session_id="s-2", sensor_ids=("camera_1", "lidar_1"))
    other = started()
    with pytest.raises(d.PreconditionError, match="'camera_1'.*s-20260501-0001"):
        d.check_sensors_free(mine, [other])
    d.check_sensors_free(mine, [replace(other, state=d.ENDED)])
    d.check_sensors_free(mine, [mine])  # itself (an update) is no conflict


def test_update_session_applies_the_masked_fields_and_bumps_the_version():
    s = started()
    draft = d.SessionDraft(name="ignored", tags=("night",), sensor_ids=("radar_9",))
    u = d.update_session(s, draft, ["tags"], 1, at(5))
    assert (u.name, u.tags, u.sensor_ids) == (s.name, ("night",), s.sensor_ids)
    assert (u.version, u.updated_at) == (2, at(5))


def test_update_session_with_an_empty_mask_replaces_every_writable_field():
    draft = d.SessionDraft(name="New", description="d", sensor_ids=("radar_9",), tags=("t",))
    u = d.update_session(started(), draft, [], 1, at(1))
    assert (u.name, u.description, u.sensor_ids, u.tags) == ("New", "d", ("radar_9",), ("t",))
    with pytest.raises(ValidationError, match="session.name"):
        d.update_session(started(), d.SessionDraft(tags=("t",)), [], 1, at(1))


def test_update_session_checks_the_version_and_the_mask():
    s = started()
    with pytest.raises(ValidationError, match="expected_version"):
        d.update_session(s, d.SessionDraft(name="x"), ["name"], 0, at(1))
    with pytest.raises(ConflictError, match="version 1, not 3"):
        d.update_session(s, d.SessionDraft(name="x"), ["name"], 3, at(1))
    with pytest.raises(ValidationError, match="update_mask"):
        d.update_session(s, d.SessionDraft(name="x"), ["state"], 1, at(1))


def test_sensors_of_an_ended_session_do_not_change():
    ended = d.end_session(started(), 1, at(60), "ops-ann")
    with pytest.raises(d.PreconditionError, match="has ended"):
        d.update_session(ended, d.SessionDraft(sensor_ids=("x",)), ["sensor_ids"], 2, at(61))
    draft = d.SessionDraft(name="Renamed", sensor_ids=("x",))
    u = d.update_session(ended, draft, [], 2, at(61))  # an empty mask leaves them alone
    assert (u.name, u.sensor_ids, u.state) == ("Renamed", ended.sensor_ids, d.ENDED)


def test_end_session_records_the_time_range_once():
    s = d.end_session(started(), 0, at(60), "ops-bob")
    assert (s.state, s.ended_at, s.ended_by, s.version) == (d.ENDED, at(60), "ops-bob", 2)
    with pytest.raises(d.PreconditionError, match="already ended"):
        d.end_session(s, 2, at(61), "")
    with pytest.raises(ConflictError):
        d.end_session(started(), 5, at(1), "")


# -------------------------------------------------------------------------------- notes


def test_new_note_defaults():
    n = note()
    assert (n.type, n.timestamp, n.created_at, n.version) == (d.OBSERVATION, at(32), at(32), 1)
    assert (n.track_id, n.speaker, n.tags, dict(n.telemetry_snapshot)) == ("", "", (), {})
    t = d.new_note("note_b", d.NoteDraft(track_id="radar_1-000007", text="x"), at(1), "")
    assert (t.session_id, t.track_id) == ("", "radar_1-000007")


@pytest.mark.parametrize(
    ("draft", "field"),
    [
        (d.NoteDraft(text="x"), "session_id"),
        (d.NoteDraft(session_id="s-1", text=""), "text"),
        (d.NoteDraft(session_id="s-1", text="  \n "), "text"),
        (d.NoteDraft(session_id="s-1", text="x" * 10_001), "text"),
        (d.NoteDraft(session_id="s-1", text="a\x00b"), "text"),
        (d.NoteDraft(session_id="s-1", text="x", type="rumour"), "type"),
        (d.NoteDraft(session_id="s-1", text="x", speaker="a\nb"), "speaker"),
        (d.NoteDraft(session_id="s/1", text="x"), "session_id"),
        (d.NoteDraft(track_id="../t", text="x"), "track_id"),
        (d.NoteDraft(track_id="a/b", text="x"), "track_id"),
        (d.NoteDraft(session_id="s-1", text="x", tags=("a\nb",)), "tags[0]"),
        (
            d.NoteDraft(session_id="s-1", text="x", telemetry_snapshot={"v": math.nan}),
            "telemetry_snapshot['v']",
        ),
        (
            d.NoteDraft(session_id="s-1", text="x", telemetry_snapshot={"a b": 1.0}),
            "telemetry_snapshot['a b']",
        ),
        (
            d.NoteDraft(session_id="s-1", text="x", timestamp=datetime(1960, 1, 1, tzinfo=UTC)),
            "timestamp",
        ),
    ],
)
def test_new_note_rejects_bad_fields(draft, field):
    with pytest.raises(ValidationError) as exc:
        d.new_note("note_x", draft, T0, "")
    assert exc.value.field == field


def test_text_of_10000_characters_is_accepted():
    assert len(note(text="x").text) == 1
    n = d.new_note("note_x", d.NoteDraft(session_id="s-1", text="é" * 10_000), T0, "")
    assert len(n.text) == 10_000


def test_update_note_changes_masked_fields_and_checks_the_version():
    n = note(tags=("motor",))
    draft = d.NoteDraft(text="Motor current at 2.3 A", type=d.COMMAND, tags=())
    u = d.update_note(n, draft, ["text"], 1, at(40))
    assert (u.text, u.type, u.tags, u.version, u.updated_at) == (
        "Motor current at 2.3 A",
        d.OBSERVATION,
        ("motor",),
        2,
        at(40),
    )
    with pytest.raises(ConflictError):
        d.update_note(u, draft, ["text"], 1, at(41))
    with pytest.raises(ValidationError, match="expected_version"):
        d.update_note(u, draft, ["text"], 0, at(41))
    with pytest.raises(ValidationError, match="update_mask"):
        d.update_note(u, draft, ["session_id"], 2, at(41))


def test_a_track_note_keeps_a_track():
    t = d.new_note("note_b", d.NoteDraft(track_id="radar_1-000007", text="x"), at(1), "")
    with pytest.raises(ValidationError, match="track_id"):
        d.update_note(t, d.NoteDraft(track_id=""), ["track_id"], 1, at(2))


def test_a_note_under_another_session_is_not_found():
    n = note()
    assert d.check_note_scope(n, "") is n
    assert d.check_note_scope(n, n.session_id) is n
    with pytest.raises(NotFoundError):
        d.check_note_scope(n, "s-other")


def test_telemetry_snapshot_keys_by_channel_and_by_source_on_a_clash():
    latest = {
        ("radar_1", "battery_voltage"): d.TelemetryValue(32.5, 10.0, "V"),
        ("radar_1", "temp"): d.TelemetryValue(40.0, 10.0),
        ("camera_1", "temp"): d.TelemetryValue(35.0, 11.0),
        ("s-1", "wind"): d.TelemetryValue(4.0, 9.0),
        ("lidar_9", "temp"): d.TelemetryValue(1.0, 12.0),  # not a source of the session
    }
    snap = d.telemetry_snapshot(latest, ["s-1", "radar_1", "camera_1"])
    assert snap == {
        "battery_voltage": 32.5,
        "camera_1/temp": 35.0,
        "radar_1/temp": 40.0,
        "wind": 4.0,
    }
    assert d.check_snapshot("telemetry_snapshot", snap) == snap


# ------------------------------------------------------------------------------- export


def fixture() -> tuple[d.Session, list[d.Note]]:
    session = d.Session(
        session_id="s-20260501-0001",
        name="Gate test 3",
        description="Night run at the north gate.",
        sensor_ids=("radar_1", "camera_1"),
        tags=("gate", "night"),
        metadata={"weather": "rain"},
        state=d.ENDED,
        started_at=T0,
        ended_at=at(60),
        started_by="ops-ann",
        ended_by="ops-ann",
        version=2,
        updated_at=at(60),
        note_count=2,
    )
    notes = [
        d.Note(
            note_id="note_a1",
            session_id=session.session_id,
            track_id="",
            timestamp=T0.replace(minute=32, second=15),
            speaker="Engineer A",
            type=d.OBSERVATION,
            text="Motor current rising, temperature nominal",
            tags=("motor", "current"),
            telemetry_snapshot={"battery_voltage": 32.5, "motor_current": 2.0},
            created_by="ops-ann",
            created_at=T0.replace(minute=32, second=16),
            updated_at=T0.replace(minute=32, second=16),
            version=1,
        ),
        d.Note(
            note_id="note_b2",
            session_id=session.session_id,
            track_id="radar_1-000007",
            timestamp=T0.replace(minute=40, microsecond=250_000),
            speaker="",
            type=d.COMMAND,
            text="Hold position.\nWait for the car.",
            tags=(),
            telemetry_snapshot={},
            created_by="",
            created_at=at(40),
            updated_at=at(45),
            version=2,
        ),
    ]
    return session, notes


MARKDOWN = """\
# Gate test 3

- Session: `s-20260501-0001`
- State: ended
- Started: 2026-05-01T10:00:00Z by ops-ann
- Ended: 2026-05-01T11:00:00Z by ops-ann
- Sensors: radar_1, camera_1
- Tags: gate, night
- Metadata: weather = rain
- Notes: 2

Night run at the north gate.

## 2026-05-01T10:32:15Z · Engineer A · observation

> Motor current rising, temperature nominal

- Tags: motor, current
- Telemetry: battery_voltage = 32.5, motor_current = 2

## 2026-05-01T10:40:00.250Z · command

> Hold position.
> Wait for the car.

- Track: `radar_1-000007`
- Edited: 2026-05-01T10:45:00Z (version 2)
"""

JSON = """\
{
  "session": {
    "session_id": "s-20260501-0001",
    "name": "Gate test 3",
    "description": "Night run at the north gate.",
    "sensor_ids": [
      "radar_1",
      "camera_1"
    ],
    "tags": [
      "gate",
      "night"
    ],
    "metadata": {
      "weather": "rain"
    },
    "state": "SESSION_STATE_ENDED",
    "started_at": "2026-05-01T10:00:00Z",
    "ended_at": "2026-05-01T11:00:00Z",
    "started_by": "ops-ann",
    "ended_by": "ops-ann",
    "note_count": 2,
    "version": "2",
    "updated_at": "2026-05-01T11:00:00Z"
  },
  "notes": [
    {
      "note_id": "note_a1",
      "session_id": "s-20260501-0001",
      "track_id": "",
      "timestamp": "2026-05-01T10:32:15Z",
      "speaker": "Engineer A",
      "type": "NOTE_TYPE_OBSERVATION",
      "text": "Motor current rising, temperature nominal",
      "tags": [
        "motor",
        "current"
      ],
      "telemetry_snapshot": {
        "battery_voltage": 32.5,
        "motor_current": 2.0
      },
      "created_by": "ops-ann",
      "created_at": "2026-05-01T10:32:16Z",
      "updated_at": "2026-05-01T10:32:16Z",
      "version": "1"
    },
    {
      "note_id": "note_b2",
      "session_id": "s-20260501-0001",
      "track_id": "radar_1-000007",
      "timestamp": "2026-05-01T10:40:00.250Z",
      "speaker": "",
      "type": "NOTE_TYPE_COMMAND",
      "text": "Hold position.\\nWait for the car.",
      "tags": [],
      "telemetry_snapshot": {},
      "created_by": "",
      "created_at": "2026-05-01T10:40:00Z",
      "updated_at": "2026-05-01T10:45:00Z",
      "version": "2"
    }
  ]
}
"""


def test_export_markdown_exact_text():
    session, notes = fixture()
    assert d.export_markdown(session, notes) == MARKDOWN


def test_export_markdown_of_an_active_session_without_notes():
    text = d.export_markdown(started(), [])
    assert "- Ended: (recording)\n" in text
    assert text.endswith("- Notes: 0\n")


def test_export_json_exact_text():
    session, notes = fixture()
    assert d.export_json(session, notes) == JSON


def test_export_json_is_what_the_proto_json_mapping_gives():
    session, notes = fixture()
    opts = {"preserving_proto_field_name": True, "always_print_fields_with_no_presence": True}
    doc = json.loads(d.export_json(session, notes))
    assert doc["session"] == json_format.MessageToDict(session_pb(session), **opts)
    assert doc["notes"] == [json_format.MessageToDict(note_pb(n), **opts) for n in notes]
    active = started()
    assert d.session_json(active) == json_format.MessageToDict(session_pb(active), **opts)


@pytest.mark.parametrize(
    ("dt", "text"),
    [
        (T0, "2026-05-01T10:00:00Z"),
        (T0.replace(microsecond=120_000), "2026-05-01T10:00:00.120Z"),
        (T0.replace(microsecond=7), "2026-05-01T10:00:00.000007Z"),
    ],
)
def test_iso_matches_protobuf(dt, text):
    assert d.iso(dt) == text


# ------------------------------------------------------------------------------- paging


def test_page_tokens_round_trip_and_reject_foreign_ones():
    token = d.encode_page_token("notes", at(3), "note_x")
    assert d.decode_page_token("notes", token) == (at(3), "note_x")
    assert d.decode_page_token("notes", "") is None
    for bad in ("garbage!", d.encode_page_token("sessions", at(3), "s-1")):
        with pytest.raises(ValidationError, match="page_token"):
            d.decode_page_token("notes", bad)
    assert [d.page_size(v, 50, 500) for v in (0, 7, 10_000)] == [50, 7, 500]


# ------------------------------------------------------------------------------ replays


def test_replay_spec_defaults_and_bounds():
    spec = d.replay_spec("", "runs/a.jsonl", None, 0, False)
    assert (spec.jsonl_path, spec.speed_factor, spec.repeat) == ("runs/a.jsonl", 1.0, 1)
    assert d.replay_spec("s-1", "", 0.0, 3, True).speed_factor == 0.0
    for speed in (-1.0, 101.0, math.nan, math.inf):
        with pytest.raises(ValidationError, match="speed_factor"):
            d.replay_spec("s-1", "", speed, 1, False)
    with pytest.raises(ValidationError, match="source"):
        d.replay_spec("", "", None, 1, False)
    with pytest.raises(ValidationError, match="repeat"):
        d.replay_spec("s-1", "", None, 10_000, False)


@pytest.mark.parametrize(
    "path", ["../x.jsonl", "a/../../x", "/etc/passwd", "a\\b.jsonl", "C:/x.jsonl", "a\x00b"]
)
def test_jsonl_paths_stay_in_the_replay_folder(path):
    with pytest.raises(ValidationError) as exc:
        d.replay_spec("", path, None, 1, False)
    assert exc.value.field == "jsonl_path"


def test_a_recording_session_cannot_be_replayed():
    with pytest.raises(d.PreconditionError, match="still recording"):
        d.check_replay_source(started())
    d.check_replay_source(d.end_session(started(), 1, at(1), ""))


def test_replay_progress():
    r = d.new_replay("r-1", d.replay_spec("s-1", "", None, 2, False), T0, "")
    assert (r.status, r.progress, r.finished) == (d.PENDING, 0.0, False)
    assert replace(r, frames_total=4, frames_sent=1).progress == 0.25
    assert replace(r, status=d.DONE).progress == 1.0
    assert replace(r, status=d.CANCELLED).finished


def test_passes_never_go_back_in_time():
    first = d.pass_shift(100.0, 0.1, None, 1000.0)
    assert first == 900.0
    # A fast replay: the next pass starts after the previous pass's last frame, not at now.
    assert d.pass_shift(100.0, 0.1, 1010.0, 1001.0) == pytest.approx(910.1)
    assert d.pass_shift(100.0, 0.1, 1010.0, 2000.0) == 1900.0


def det(sensor: str, t: float, x: float, frame_id: int = 0) -> c.Detection:
    return c.Detection(
        sensor_id=sensor,
        sensor_kind=c.SENSOR_KIND_RADAR,
        timestamp=ts_from_seconds(t),
        frame_id=frame_id,
        confidence=0.9,
        position=c.Vector3(x=x),
    )


def test_replay_frames_group_like_ingest_and_restamp_with_fresh_frame_ids():
    dets = [
        det("r2", 10.0, 1),
        det("r1", 10.1, 2),
        det("r1", 10.0, 3),
        det("r1", 10.0, 4),
        det("r1", 10.05, 5, frame_id=77),  # one frame, two times
        det("r1", 10.06, 6, frame_id=77),
    ]
    frames = frames_from_detections(dets)
    assert [(f.sensor_id, f.t_us, len(f.detections)) for f in frames] == [
        ("r1", 10_000_000, 2),
        ("r2", 10_000_000, 1),
        ("r1", 10_060_000, 2),
        ("r1", 10_100_000, 1),
    ]
    assert [len(s) for s in steps(frames)] == [2, 1, 1]
    assert typical_gap_us(frames) == 50_000  # median of 60 ms and 40 ms
    moved = restamp(frames[2], 5_000_000)
    assert [ts_micros(m.timestamp) for m in moved] == [15_050_000, 15_060_000]
    assert {m.frame_id for m in moved} == {15_060_000}
    assert restamp(frames[2], 0)[0].frame_id == 77  # original times: sent as recorded
    assert frames[2].detections[0].timestamp.seconds == 10  # the recording is unchanged


def test_replay_batches_keep_frames_whole():
    from services.admin import replay

    big = frames_from_detections([det("a", 1.0, i) for i in range(6000)])
    big += frames_from_detections([det("b", 1.0, i) for i in range(6000)])
    out = batches(big, 0)
    assert [len(b) for b in out] == [6000, 6000]
    assert replay.MAX_DETECTIONS_PER_CALL == 10_000
