"""Admin's sessions part through gRPC against the real PostgreSQL and NATS, with ingest and
the tracker in-process: sessions and their AURA_CONFIG entries, notes with telemetry
snapshots, exports, replays of a JSONL file and of a recorded session through the real
pipeline, and `aura scenario` scoring the tracker against its ground truth."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import sys
import time
import uuid
from asyncio.subprocess import PIPE
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import grpc
import nats
import pytest
from google.protobuf import json_format
from google.protobuf.field_mask_pb2 import FieldMask
from nats.js.errors import KeyDeletedError, KeyNotFoundError

from aura.admin.v1 import admin_pb2 as pb
from aura.admin.v1 import admin_pb2_grpc as pb_grpc
from aura.common.v1 import common_pb2 as c
from aura.ingest.v1 import ingest_pb2 as ipb
from aura.ingest.v1 import ingest_pb2_grpc as igrpc
from services.admin.config import AdminSettings
from services.admin.main import build as build_admin
from services.common.registry import CONFIG_BUCKET
from services.common.server import start_server
from services.common.timeutil import ts_from_seconds

JSON_OPTS = {"preserving_proto_field_name": True, "always_print_fields_with_no_presence": True}


def uid(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
async def env(nats_server, postgres, mesh, tmp_path_factory) -> AsyncIterator[SimpleNamespace]:
    """An admin of its own, sending replays to the mesh's ingest, with a replay folder."""
    replay_dir = tmp_path_factory.mktemp("replays")
    settings = AdminSettings.from_env(
        {},
        nats_url=nats_server.url,
        database_url=postgres.dsn,
        auth=False,
        ingest_host="127.0.0.1",
        ingest_port=mesh["ingest"].port,
        admin_replay_dir=str(replay_dir),
    )
    server = await start_server(await build_admin(settings), "127.0.0.1", 0)
    nc = await nats.connect(nats_server.url)
    async with (
        grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as ach,
        grpc.aio.insecure_channel(mesh["ingest_target"]) as ich,
    ):
        yield SimpleNamespace(
            admin=pb_grpc.AdminServiceStub(ach),
            ingest=igrpc.IngestServiceStub(ich),
            kv=await nc.jetstream().key_value(CONFIG_BUCKET),
            nc=nc,
            replay_dir=replay_dir,
            mesh=mesh,
        )
    await nc.close()
    await server.stop(1)


async def fails(code: grpc.StatusCode, call) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as err:
        await call
    assert err.value.code() == code, err.value.details()
    return err.value.details() or ""


async def kv_value(kv, key: str) -> bytes | None:
    try:
        entry = await kv.get(key)
    except (KeyNotFoundError, KeyDeletedError):
        return None
    return entry.value


def points(sensor_id: str, t: float, xs: list[float], y: float = 10.0) -> list[c.Detection]:
    return [
        c.Detection(
            sensor_id=sensor_id,
            sensor_kind=c.SENSOR_KIND_RADAR,
            timestamp=ts_from_seconds(t),
            confidence=0.9,
            class_label="car",
            position=c.Vector3(x=x, y=y),
        )
        for x in xs
    ]


async def start(env, sensors: list[str], **kw) -> pb.Session:
    req = pb.StartSessionRequest(name=kw.pop("name", "Gate test"), sensor_ids=sensors, **kw)
    return (await env.admin.StartSession(req)).session


async def end(env, session: pb.Session) -> pb.Session:
    req = pb.EndSessionRequest(session_id=session.session_id)
    return (await env.admin.EndSession(req)).session


class TrackFrames:
    """The tracker's frames of one sensor on NATS (aura.tracks.<sensor>)."""

    def __init__(self, nc, sensor_id: str) -> None:
        self.nc, self.sensor_id = nc, sensor_id
        self.frames: list[c.TrackFrame] = []
        self.want, self.enough = 0, asyncio.Event()

    async def __aenter__(self) -> TrackFrames:
        async def on_msg(m):
            self.frames.append(c.TrackFrame.FromString(m.data))
            if self.want and len(self.frames) >= self.want:
                self.enough.set()

        self.sub = await self.nc.subscribe(f"aura.tracks.{self.sensor_id}", cb=on_msg)
        await self.nc.flush()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.sub.unsubscribe()

    async def until(self, n: int, within_s: float = 5.0) -> None:
        self.want, self.enough = n, asyncio.Event()
        if len(self.frames) < n:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.enough.wait(), within_s)

    @property
    def track_ids(self) -> set[str]:
        return {t.id for f in self.frames for t in f.tracks}


async def follow(env, replay_id: str, within_s: float = 20.0) -> list[pb.Replay]:
    call = env.admin.StreamReplayProgress(pb.StreamReplayProgressRequest(replay_id=replay_id))

    async def read() -> list[pb.Replay]:
        return [ev.replay async for ev in call]

    return await asyncio.wait_for(read(), within_s)


def write_jsonl(path: Path, sensor_id: str, n: int, t0: float, dt: float = 0.1) -> int:
    """Two targets moving along x, one frame per dt; returns the number of detections."""
    lines = []
    for k in range(n):
        for det in points(sensor_id, t0 + k * dt, [1.0 + 0.5 * k * dt * 10, 40.0 - k * 0.2]):
            obj = json_format.MessageToDict(det)
            lines.append(json.dumps(obj))
    path.write_text("\n".join(lines) + "\n")
    return len(lines)


# ----------------------------------------------------------------------------- sessions


async def test_session_lifecycle_with_versions_and_the_config_bucket(env):
    sensors = [uid("radar"), uid("cam")]
    s = await start(env, sensors, tags=["gate"], metadata={"weather": "rain"})
    assert (s.state, s.version, list(s.sensor_ids)) == (pb.SESSION_STATE_ACTIVE, 1, sensors)
    assert s.HasField("started_at") and not s.HasField("ended_at")
    published = pb.Session.FromString(await kv_value(env.kv, f"sessions.{s.session_id}"))
    assert published == s

    got = (await env.admin.GetSession(pb.GetSessionRequest(session_id=s.session_id))).session
    assert got == s
    listed = await env.admin.ListSessions(
        pb.ListSessionsRequest(sensor_id=sensors[0], state=pb.SESSION_STATE_ACTIVE)
    )
    assert [x.session_id for x in listed.sessions] == [s.session_id]

    # A sensor is in at most one active session.
    await fails(grpc.StatusCode.FAILED_PRECONDITION, start(env, [sensors[1], uid("lidar")]))

    upd = pb.UpdateSessionRequest(
        session_id=s.session_id,
        session=pb.Session(name="Gate test 3", tags=["gate", "night"]),
        update_mask=FieldMask(paths=["name", "tags"]),
        expected_version=1,
    )
    u = (await env.admin.UpdateSession(upd)).session
    assert (u.name, list(u.tags), u.version, dict(u.metadata)) == (
        "Gate test 3",
        ["gate", "night"],
        2,
        {"weather": "rain"},
    )
    assert pb.Session.FromString(await kv_value(env.kv, f"sessions.{s.session_id}")).version == 2
    await fails(grpc.StatusCode.ABORTED, env.admin.UpdateSession(upd))  # version 1 is stale
    upd.session_id = "s-missing"
    await fails(grpc.StatusCode.NOT_FOUND, env.admin.UpdateSession(upd))
    upd.session_id = "../etc"
    await fails(grpc.StatusCode.INVALID_ARGUMENT, env.admin.UpdateSession(upd))

    stale_end = pb.EndSessionRequest(session_id=s.session_id, expected_version=1)
    await fails(grpc.StatusCode.ABORTED, env.admin.EndSession(stale_end))
    e = await end(env, s)
    assert (e.state, e.version) == (pb.SESSION_STATE_ENDED, 3)
    assert e.ended_at.ToDatetime() >= e.started_at.ToDatetime()
    assert await kv_value(env.kv, f"sessions.{s.session_id}") is None
    await fails(grpc.StatusCode.FAILED_PRECONDITION, end(env, s))
    ended = await env.admin.ListSessions(
        pb.ListSessionsRequest(sensor_id=sensors[0], state=pb.SESSION_STATE_ENDED)
    )
    assert [x.session_id for x in ended.sessions] == [s.session_id]
    # Its sensors are free again.
    await end(env, await start(env, [sensors[1]]))


async def test_list_sessions_pages_newest_first(env):
    tag = uid("page")
    made = [await end(env, await start(env, [uid("r")], tags=[tag])) for _ in range(3)]
    page1 = await env.admin.ListSessions(pb.ListSessionsRequest(tag=tag, page_size=2))
    page2 = await env.admin.ListSessions(
        pb.ListSessionsRequest(tag=tag, page_size=2, page_token=page1.next_page_token)
    )
    got = [s.session_id for s in [*page1.sessions, *page2.sessions]]
    assert got == [s.session_id for s in reversed(made)]
    assert page1.next_page_token and not page2.next_page_token
    await fails(
        grpc.StatusCode.INVALID_ARGUMENT,
        env.admin.ListSessions(pb.ListSessionsRequest(page_token="nonsense")),
    )


# -------------------------------------------------------------------------------- notes


async def test_notes_crud_with_a_telemetry_snapshot(env):
    sensor = uid("rover")
    s = await start(env, [sensor])
    now = time.time()
    await env.ingest.PublishTelemetry(
        ipb.PublishTelemetryRequest(
            samples=[
                ipb.TelemetrySample(
                    source_id=sensor,
                    channel=ch,
                    value=v,
                    unit=u,
                    timestamp=ts_from_seconds(now),
                )
                for ch, v, u in (("battery_voltage", 32.5, "V"), ("motor_current", 2.3, "A"))
            ]
        )
    )
    created = (
        await env.admin.CreateNote(
            pb.CreateNoteRequest(
                session_id=s.session_id,
                speaker="Engineer A",
                type=pb.NOTE_TYPE_OBSERVATION,
                text="Motor current rising, temperature nominal",
                tags=["motor", "current"],
            )
        )
    ).note
    assert dict(created.telemetry_snapshot) == {"battery_voltage": 32.5, "motor_current": 2.3}
    assert (created.version, created.session_id) == (1, s.session_id)
    assert created.note_id.startswith("note_")

    for sid in (s.session_id, ""):
        got = await env.admin.GetNote(pb.GetNoteRequest(session_id=sid, note_id=created.note_id))
        assert got.note == created
    await fails(
        grpc.StatusCode.NOT_FOUND,
        env.admin.GetNote(pb.GetNoteRequest(session_id="s-other", note_id=created.note_id)),
    )

    command = (
        await env.admin.CreateNote(
            pb.CreateNoteRequest(
                session_id=s.session_id,
                type=pb.NOTE_TYPE_COMMAND,
                text="Hold position",
                telemetry_snapshot={"given": 1.0},
            )
        )
    ).note
    assert dict(command.telemetry_snapshot) == {"given": 1.0}
    track_note = (
        await env.admin.CreateNote(pb.CreateNoteRequest(track_id=f"{sensor}-000001", text="odd"))
    ).note
    assert (track_note.session_id, dict(track_note.telemetry_snapshot)) == ("", {})
    await fails(
        grpc.StatusCode.INVALID_ARGUMENT, env.admin.CreateNote(pb.CreateNoteRequest(text="x"))
    )
    await fails(
        grpc.StatusCode.INVALID_ARGUMENT,
        env.admin.CreateNote(pb.CreateNoteRequest(session_id=s.session_id, text="")),
    )
    await fails(
        grpc.StatusCode.NOT_FOUND,
        env.admin.CreateNote(pb.CreateNoteRequest(session_id="s-missing", text="x")),
    )

    listed = await env.admin.ListNotes(pb.ListNotesRequest(session_id=s.session_id))
    assert [n.note_id for n in listed.notes] == [created.note_id, command.note_id]
    only = await env.admin.ListNotes(
        pb.ListNotesRequest(session_id=s.session_id, type=pb.NOTE_TYPE_COMMAND)
    )
    assert [n.note_id for n in only.notes] == [command.note_id]
    by_tag = await env.admin.ListNotes(pb.ListNotesRequest(tag="motor", speaker="Engineer A"))
    assert created.note_id in [n.note_id for n in by_tag.notes]
    on_track = await env.admin.ListNotes(pb.ListNotesRequest(track_id=f"{sensor}-000001"))
    assert [n.note_id for n in on_track.notes] == [track_note.note_id]
    page = await env.admin.ListNotes(pb.ListNotesRequest(session_id=s.session_id, page_size=1))
    rest = await env.admin.ListNotes(
        pb.ListNotesRequest(session_id=s.session_id, page_token=page.next_page_token)
    )
    assert [n.note_id for n in [*page.notes, *rest.notes]] == [created.note_id, command.note_id]

    edit = pb.UpdateNoteRequest(
        session_id=s.session_id,
        note_id=created.note_id,
        note=pb.Note(text="Motor current at 2.3 A", tags=["motor"]),
        update_mask=FieldMask(paths=["text", "tags"]),
        expected_version=1,
    )
    edited = (await env.admin.UpdateNote(edit)).note
    assert (edited.text, list(edited.tags), edited.version) == (
        "Motor current at 2.3 A",
        ["motor"],
        2,
    )
    assert edited.telemetry_snapshot == created.telemetry_snapshot
    await fails(grpc.StatusCode.ABORTED, env.admin.UpdateNote(edit))
    edit.note_id = "note_missing"
    await fails(grpc.StatusCode.NOT_FOUND, env.admin.UpdateNote(edit))

    await fails(
        grpc.StatusCode.ABORTED,
        env.admin.DeleteNote(pb.DeleteNoteRequest(note_id=command.note_id, expected_version=7)),
    )
    deleted = await env.admin.DeleteNote(pb.DeleteNoteRequest(note_id=command.note_id))
    assert deleted.note == command
    await fails(
        grpc.StatusCode.NOT_FOUND, env.admin.GetNote(pb.GetNoteRequest(note_id=command.note_id))
    )
    got = await env.admin.GetSession(pb.GetSessionRequest(session_id=s.session_id))
    assert got.session.note_count == 1
    await end(env, s)


async def test_export_notes_as_markdown_and_json(env):
    s = await start(env, [uid("radar")], name="Export run")
    for text, speaker in (("First look", "Ann"), ("Second look\nwith detail", "")):
        await env.admin.CreateNote(
            pb.CreateNoteRequest(
                session_id=s.session_id, text=text, speaker=speaker, telemetry_snapshot={"v": 1.5}
            )
        )
    s = await end(env, s)
    md = await env.admin.ExportNotes(pb.ExportNotesRequest(session_id=s.session_id))
    assert md.content_type == "text/markdown; charset=utf-8"
    text = md.data.decode()
    assert text.startswith(f"# Export run\n\n- Session: `{s.session_id}`\n- State: ended\n")
    assert "- Notes: 2\n" in text
    assert "· Ann · observation\n\n> First look\n\n- Telemetry: v = 1.5\n" in text
    assert "> Second look\n> with detail\n" in text

    js = await env.admin.ExportNotes(
        pb.ExportNotesRequest(session_id=s.session_id, format=pb.NOTE_EXPORT_FORMAT_JSON)
    )
    assert js.content_type == "application/json"
    doc = json.loads(js.data)
    session = (await env.admin.GetSession(pb.GetSessionRequest(session_id=s.session_id))).session
    notes = (await env.admin.ListNotes(pb.ListNotesRequest(session_id=s.session_id))).notes
    assert doc["session"] == json_format.MessageToDict(session, **JSON_OPTS)
    assert doc["notes"] == [json_format.MessageToDict(n, **JSON_OPTS) for n in notes]
    await fails(
        grpc.StatusCode.NOT_FOUND,
        env.admin.ExportNotes(pb.ExportNotesRequest(session_id="s-missing")),
    )


# ------------------------------------------------------------------------------ replays


async def test_jsonl_replay_at_high_speed_goes_through_the_pipeline(env):
    sensor = uid("replay")
    n = write_jsonl(env.replay_dir / f"{sensor}.jsonl", sensor, 20, time.time() - 3600)
    async with TrackFrames(env.nc, sensor) as tracks:
        started = await env.admin.StartReplay(
            pb.StartReplayRequest(jsonl_path=f"{sensor}.jsonl", speed_factor=20.0)
        )
        r = started.replay
        assert r.status in (pb.REPLAY_STATUS_PENDING, pb.REPLAY_STATUS_RUNNING)
        assert r.jsonl_path == f"{sensor}.jsonl" and r.speed_factor == 20.0
        events = await follow(env, r.replay_id)
        await tracks.until(20)
    statuses = [e.status for e in events]
    assert statuses[-1] == pb.REPLAY_STATUS_DONE, events[-1].error
    assert pb.REPLAY_STATUS_RUNNING in statuses and len(events) >= 2
    last = events[-1]
    assert (last.frames_total, last.frames_sent, last.detections_sent) == (20, 20, n)
    assert last.progress == 1.0 and last.HasField("finished_at")
    # Restamped to now: the tracker took every frame (none dropped as late) and made tracks.
    assert len(tracks.frames) == 20 and not any(f.dropped for f in tracks.frames)
    assert abs(tracks.frames[0].timestamp.seconds - time.time()) < 30
    assert len(tracks.track_ids) >= 2
    assert env.mesh["pipeline"].store.by_sensor.get(sensor)
    got = await env.admin.GetReplay(pb.GetReplayRequest(replay_id=r.replay_id))
    assert got.replay == last
    listed = await env.admin.ListReplays(pb.ListReplaysRequest(status=pb.REPLAY_STATUS_DONE))
    assert r.replay_id in [x.replay_id for x in listed.replays]


async def test_replay_requests_are_validated(env):
    (env.replay_dir / "ok.jsonl").write_text("")
    (env.replay_dir / "bad.jsonl").write_text('{"sensor_id": "x"}\n')
    for req in (
        pb.StartReplayRequest(),
        pb.StartReplayRequest(jsonl_path="../secrets.jsonl"),
        pb.StartReplayRequest(jsonl_path="/etc/passwd"),
        pb.StartReplayRequest(jsonl_path="missing.jsonl"),
        pb.StartReplayRequest(jsonl_path="ok.jsonl"),  # empty
        pb.StartReplayRequest(jsonl_path="bad.jsonl"),  # no timestamp
        pb.StartReplayRequest(jsonl_path="ok.jsonl", speed_factor=1000.0),
        pb.StartReplayRequest(session_id="a/b"),
    ):
        await fails(grpc.StatusCode.INVALID_ARGUMENT, env.admin.StartReplay(req))
    await fails(
        grpc.StatusCode.NOT_FOUND, env.admin.StartReplay(pb.StartReplayRequest(session_id="s-x"))
    )
    await fails(
        grpc.StatusCode.NOT_FOUND, env.admin.GetReplay(pb.GetReplayRequest(replay_id="r-x"))
    )
    await fails(
        grpc.StatusCode.NOT_FOUND, env.admin.CancelReplay(pb.CancelReplayRequest(replay_id="r-x"))
    )


async def test_a_recorded_session_replays_through_the_pipeline(env):
    sensor = uid("rec")
    s = await start(env, [sensor])
    await fails(
        grpc.StatusCode.FAILED_PRECONDITION,
        env.admin.StartReplay(pb.StartReplayRequest(session_id=s.session_id)),
    )
    t0 = time.time() - 5.0  # recorded a little while ago, so that "now" comes after it
    async with TrackFrames(env.nc, sensor) as live:
        for k in range(10):
            await env.ingest.PublishDetections(
                ipb.PublishDetectionsRequest(
                    detections=points(sensor, t0 + 0.1 * k, [1 + 0.1 * k, 30 - 0.1 * k])
                )
            )
        await live.until(10)
    s = await end(env, s)
    assert len(live.frames) == 10

    async with TrackFrames(env.nc, sensor) as replayed:
        r = (
            await env.admin.StartReplay(
                pb.StartReplayRequest(session_id=s.session_id, speed_factor=0.0, repeat=2)
            )
        ).replay
        assert r.session_id == s.session_id and r.repeat == 2
        events = await follow(env, r.replay_id)
        await replayed.until(20)
    last = events[-1]
    assert last.status == pb.REPLAY_STATUS_DONE, last.error
    assert (last.frames_total, last.frames_sent, last.detections_sent) == (20, 20, 40)
    assert last.source_time.ToDatetime().timestamp() == pytest.approx(t0 + 0.9, abs=1e-3)
    # Both passes were taken as new, later frames: none deduplicated, none dropped as late.
    assert len(replayed.frames) == 20 and not any(f.dropped for f in replayed.frames)
    times = [f.timestamp.ToDatetime().timestamp() for f in replayed.frames]
    assert times == sorted(times) and times[0] > t0 + 0.9
    assert {f.frame_id for f in replayed.frames}.isdisjoint({f.frame_id for f in live.frames})


async def test_cancel_a_running_replay(env):
    sensor = uid("slow")
    path = env.replay_dir / f"{sensor}.jsonl"
    lines = [
        json.dumps(json_format.MessageToDict(points(sensor, t, [1.0])[0]))
        for t in (1_700_000_000.0, 1_700_000_600.0)  # ten minutes apart, at real time
    ]
    path.write_text("\n".join(lines) + "\n")
    r = (await env.admin.StartReplay(pb.StartReplayRequest(jsonl_path=path.name))).replay
    call = env.admin.StreamReplayProgress(pb.StreamReplayProgressRequest(replay_id=r.replay_id))
    seen = []
    async for ev in call:
        seen.append(ev.replay)
        if ev.replay.status == pb.REPLAY_STATUS_RUNNING and ev.replay.frames_sent == 1:
            break
    cancelled = await env.admin.CancelReplay(pb.CancelReplayRequest(replay_id=r.replay_id))
    assert cancelled.replay.status == pb.REPLAY_STATUS_CANCELLED
    assert (cancelled.replay.frames_sent, cancelled.replay.frames_total) == (1, 2)
    rest = [ev.replay async for ev in call]
    assert rest[-1].status == pb.REPLAY_STATUS_CANCELLED
    again = await env.admin.CancelReplay(pb.CancelReplayRequest(replay_id=r.replay_id))
    assert again.replay.status == pb.REPLAY_STATUS_CANCELLED  # finished: unchanged
    assert again.replay.finished_at == cancelled.replay.finished_at


# ----------------------------------------------------------------------------- scenario


async def test_aura_scenario_writes_metrics_json(mesh, tmp_path):
    from services.cli.scenario import run_scenario

    metrics = await run_scenario(
        "crossing", mesh["ingest_target"], mesh["tracker_target"], tmp_path, seed=3
    )
    written = json.loads((tmp_path / "metrics.json").read_text())
    assert written == metrics
    assert written["mota"] > 0.5, written
    assert written["idf1"] > 0.5, written
    for key in ("id_switches", "false_positives", "false_negatives", "ground_truth", "tracks"):
        assert isinstance(written[key], int)
    assert (tmp_path / "detections.jsonl").read_text().count("\n") == written["detections"]


CLI = """
import argparse, sys
from services.cli.scenario import add_parser, command
ap = argparse.ArgumentParser(prog="aura")
add_parser(ap.add_subparsers(dest="cmd"))
sys.exit(command(ap.parse_args(sys.argv[1:])))
"""


async def test_aura_scenario_command_line(mesh, tmp_path):
    """The command as `aura scenario` runs it (its own process and event loop)."""
    args = ["scenario", "traffic", "--ingest", mesh["ingest_target"]]
    args += ["--tracker", mesh["tracker_target"], "--outdir", str(tmp_path), "--min-mota", "0.5"]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", CLI, *args, stdout=PIPE, stderr=PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    assert proc.returncode == 0, err.decode()
    assert out.decode().startswith("traffic: MOTA ") and b"metrics.json" in out
    assert json.loads((tmp_path / "metrics.json").read_text())["scenario"] == "traffic"


def http_get(port: int, path: str) -> tuple[int, str, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.getheader("content-type") or "", resp.read()
    finally:
        conn.close()


def http_send(port: int, method: str, path: str, obj: object) -> tuple[int, dict]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request(method, path, json.dumps(obj), {"content-type": "application/json"})
        resp = conn.getresponse()
        return resp.status, json.loads(resp.read() or b"{}")
    finally:
        conn.close()


async def test_rest_sessions_notes_and_export_documents(envoy):
    """Through Envoy: JSON in and out, and the export as the document itself."""
    sensor = uid("rest")
    status, body = await asyncio.to_thread(
        http_send, envoy.port, "POST", "/v1/sessions", {"name": "REST run", "sensor_ids": [sensor]}
    )
    assert status == 200, body
    sid = body["session"]["session_id"]
    assert body["session"]["state"] == "SESSION_STATE_ACTIVE"
    status, body = await asyncio.to_thread(
        http_send, envoy.port, "POST", f"/v1/sessions/{sid}/notes", {"text": "Seen from REST"}
    )
    assert status == 200 and body["note"]["session_id"] == sid, body
    status, body = await asyncio.to_thread(
        http_send, envoy.port, "PATCH", f"/v1/sessions/{sid}", {"session": {"name": "x"}}
    )
    assert status == 400 and "expected_version" in body["message"], body  # required
    status, kind, doc = await asyncio.to_thread(
        http_get, envoy.port, f"/v1/sessions/{sid}/notes:export"
    )
    assert (status, kind) == (200, "text/markdown; charset=utf-8")
    assert doc.decode().startswith("# REST run\n") and "> Seen from REST\n" in doc.decode()
    status, kind, doc = await asyncio.to_thread(
        http_get, envoy.port, f"/v1/sessions/{sid}/notes:export?format=NOTE_EXPORT_FORMAT_JSON"
    )
    assert (status, kind) == (200, "application/json")
    assert [n["text"] for n in json.loads(doc)["notes"]] == ["Seen from REST"]
    status, body = await asyncio.to_thread(
        http_send, envoy.port, "POST", f"/v1/sessions/{sid}:end", {}
    )
    assert status == 200 and body["session"]["state"] == "SESSION_STATE_ENDED", body
