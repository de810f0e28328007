"""The fusion service's work loop without NATS: TrackFrames in (fake messages with stream
sequences), acks only after the checkpoint that holds their effect, redeliveries after a
restore skipped, refusals counted, outputs published with their message ids, and the
servicer's paging over the fused state."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from nats.errors import MaxPayloadError

from aura.admin.v1 import admin_pb2 as apb
from aura.common.v1 import common_pb2 as c
from aura.fusion.v1 import fusion_pb2 as fpb
from services.common.geometry import Pose
from services.common.registry import SensorGeometry
from services.common.timeutil import ts_from_seconds
from services.fusion.domain.engine import FusionConfig
from services.fusion.domain.to_world import SensorFrame
from services.fusion.pipeline import FusionPipeline
from services.fusion.servicer import FusionServicer


@dataclass
class Seq:
    stream: int


@dataclass
class Meta:
    sequence: Seq


@dataclass
class FakeMsg:
    """What the pipeline uses of a nats Msg."""

    seq: int
    data: bytes
    log: list[str]
    subject: str = "aura.tracks.r"
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def metadata(self) -> Meta:
        return Meta(Seq(self.seq))

    async def ack(self) -> None:
        self.log.append(f"ack {self.seq}")


class FakeCheckpoints:
    def __init__(self, log: list[str]) -> None:
        self.log = log
        self.saved: list[dict[str, Any]] = []
        self.refused: dict[str, int] = {}

    async def save(self, state: dict[str, Any]) -> int:
        self.log.append(f"save {state['max_seq']}")
        self.saved.append(state)
        return 0

    async def save_refused(self, counts: dict[str, int]) -> None:
        self.refused = counts


def radar_frame(sensor: str, k: int, t: float, x: float = 10.0) -> bytes:
    track = c.Track(
        id=f"{sensor}-000001",
        sensor_id=sensor,
        sensor_kind=c.SENSOR_KIND_RADAR,
        status=c.TRACK_STATUS_CONFIRMED,
        position=c.Vector3(x=x),
        velocity=c.Velocity(vx=1.0),
        covariance=c.Covariance(dim=4, values=(np.eye(4) * 0.1).ravel().tolist()),
        class_label="person",
        confidence=0.9,
    )
    frame = c.TrackFrame(sensor_id=sensor, frame_id=k, timestamp=ts_from_seconds(t), tracks=[track])
    return frame.SerializeToString()


class World:
    """A pipeline with fakes around it and a clock the test moves."""

    def __init__(self, checkpoint_interval_s: float = 0.0) -> None:
        self.log: list[str] = []
        self.now = 1000.0
        self.published: list[tuple[str, bytes, str]] = []
        self.fail: list[BaseException] = []
        self.checkpoints = FakeCheckpoints(self.log)
        self.dead: list[str] = []
        self.pipeline = self.new_pipeline(checkpoint_interval_s)

    def new_pipeline(self, checkpoint_interval_s: float = 0.0) -> FusionPipeline:
        async def publish(subject: str, payload: bytes, msg_id: str) -> None:
            if self.fail:
                raise self.fail.pop(0)
            self.published.append((subject, payload, msg_id))
            self.log.append(f"publish {msg_id}")

        async def dead_letter(msg: Any, reason: str) -> None:
            self.dead.append(reason)
            await msg.ack()

        p = FusionPipeline(
            FusionConfig(),
            publish,
            self.checkpoints,
            dead_letter,
            checkpoint_interval_s=checkpoint_interval_s,
            clock=lambda: self.now,
        )
        p.engine.set_geometry("r", SensorFrame(pose=Pose(0, 0, 0, 90)))
        return p

    def msg(self, seq: int, k: int, t: float, sensor: str = "r") -> FakeMsg:
        return FakeMsg(seq, radar_frame(sensor, k, t, 10 + (t - 1000)), self.log)


async def test_acks_come_after_the_checkpoint_that_holds_the_frames() -> None:
    w = World()
    await w.pipeline.handle([w.msg(1, 1, 1000.0), w.msg(2, 2, 1000.1)])
    assert w.log == []  # received, not fused yet: nothing acked
    w.now = 1000.5
    await w.pipeline.tick()
    assert w.log[0] == "publish fused:1"
    assert w.log.index("save 2") < w.log.index("ack 1")
    assert sorted(w.log[-2:]) == ["ack 1", "ack 2"]
    (frame_bytes,) = [p for s, p, _ in w.published if s == "aura.fused"]
    frame = fpb.FusedTrackFrame.FromString(frame_bytes)
    assert frame.source_frames == ["r:1", "r:2"] and frame.sequence == 1
    assert len(frame.tracks) == 1 and frame.new_global_ids == [frame.tracks[0].global_id]


async def test_redeliveries_after_a_restore_are_skipped_and_ids_continue() -> None:
    w = World()
    await w.pipeline.handle([w.msg(1, 1, 1000.0), w.msg(2, 2, 1000.1)])
    w.now = 1000.5
    await w.pipeline.tick()
    gid = next(iter(w.pipeline.store.live))
    state = w.checkpoints.saved[-1]
    w.log.clear()
    # A new process: restored from the checkpoint; JetStream delivers 2 again, then 3.
    restored = w.new_pipeline()
    restored.restore(state, published_sequence=0)
    await restored.handle([w.msg(2, 2, 1000.1), w.msg(3, 3, 1000.2)])
    assert w.log == ["ack 2"] and restored.stats.skipped_redelivered == 1
    w.now = 1000.6
    await restored.tick()
    assert list(restored.store.live) == [gid]
    assert restored.engine.sequence == 2  # numbering goes on from the checkpoint


async def test_cycles_number_on_after_the_last_published_frame() -> None:
    w = World()
    w.pipeline.restore(None, published_sequence=41)
    await w.pipeline.handle([w.msg(1, 1, 1000.0)])
    w.now = 1000.5
    await w.pipeline.tick()
    assert [i for _, _, i in w.published] == ["fused:42"]


async def test_a_frame_applied_but_not_yet_checkpointed_is_acked_with_the_next_checkpoint() -> None:
    w = World(checkpoint_interval_s=3600.0)  # no periodic checkpoint in this test
    await w.pipeline.handle([w.msg(1, 1, 1000.0)])
    w.now = 1000.5
    await w.pipeline.tick()  # fused, and a track was born: no zone event, no threat
    assert not any(e.startswith("ack") for e in w.log)
    await w.pipeline.handle([w.msg(1, 1, 1000.0)])  # redelivered before any checkpoint
    assert not any(e.startswith("ack") for e in w.log)
    await w.pipeline.flush()
    assert w.log == ["publish fused:1", "save 1", "ack 1", "ack 1"]
    assert w.log.count("ack 1") == 2 and w.pipeline.stats.frames == 1


async def test_sensor_without_geometry_is_counted_and_never_fused() -> None:
    w = World()
    await w.pipeline.handle([w.msg(1, 1, 1000.0, sensor="lost"), w.msg(2, 2, 1000.0)])
    w.now = 1000.5
    await w.pipeline.tick()
    assert w.pipeline.stats.refused == {"lost": 1}
    assert w.checkpoints.refused == {"lost": 1}
    contributors = {k.sensor_id for t in w.pipeline.store.live.values() for k in t.contributors}
    assert contributors == {"r"}


async def test_malformed_frames_are_dead_lettered_and_acked() -> None:
    w = World()
    await w.pipeline.handle([FakeMsg(1, b"\xff\x00garbage", w.log)])
    bad = c.TrackFrame(sensor_id="r", tracks=[c.Track(id="r-1", status=c.TRACK_STATUS_CONFIRMED)])
    await w.pipeline.handle([FakeMsg(2, bad.SerializeToString(), w.log)])
    assert len(w.dead) == 2 and "covariance" in w.dead[1]
    assert w.log == ["ack 1", "ack 2"] and w.pipeline.stats.dead_lettered == 2


async def test_publishing_retries_until_it_lands_but_drops_what_can_never_fit() -> None:
    w = World()
    w.fail = [ConnectionError("nats away")]
    await w.pipeline.handle([w.msg(1, 1, 1000.0)])
    w.now = 1000.5
    await w.pipeline.tick()
    assert [i for _, _, i in w.published] == ["fused:1"]
    w.fail = [MaxPayloadError()]
    await w.pipeline.handle([w.msg(2, 2, 1000.5)])
    w.now = 1001.0
    await asyncio.wait_for(w.pipeline.tick(), 5.0)
    assert w.pipeline.stats.dropped_outputs == 1
    assert "ack 2" in w.log  # the pipeline goes on


async def test_list_pages_by_global_id_and_get_gives_the_trail() -> None:
    w = World()
    for k in range(12):
        await w.pipeline.handle([w.msg(k + 1, k + 1, 1000.0 + 0.1 * k)])
        w.now = 1000.3 + 0.1 * k
        await w.pipeline.tick()
    store = w.pipeline.store
    (gid,) = store.live
    for i in range(2, 6):  # more live tracks, so there is something to page through
        store.live[f"g-90000{i}"] = fpb.FusedTrack(global_id=f"g-90000{i}", status=2)
    servicer = FusionServicer(w.pipeline)
    first = await servicer.ListFusedTracks(fpb.ListFusedTracksRequest(page_size=2), None)
    assert [t.global_id for t in first.fused_tracks] == [gid, "g-900002"]
    assert first.total_size == 5 and first.next_page_token == "g-900002"
    rest = await servicer.ListFusedTracks(
        fpb.ListFusedTracksRequest(page_size=10, page_token=first.next_page_token), None
    )
    assert [t.global_id for t in rest.fused_tracks] == ["g-900003", "g-900004", "g-900005"]
    assert rest.next_page_token == ""
    got = await servicer.GetFusedTrack(
        fpb.GetFusedTrackRequest(global_id=gid, trail_seconds=60), None
    )
    xs = [p.position.x for p in got.trail]
    assert len(xs) >= 2 and xs == sorted(xs)  # one point per trail interval, oldest first


@pytest.mark.parametrize("seconds", [601, 10_000])
async def test_trail_longer_than_the_contract_allows_is_invalid(seconds: int) -> None:
    class Ctx:
        async def abort(self, code: Any, details: str) -> None:
            raise RuntimeError(f"{code.name}: {details}")

    servicer = FusionServicer(World().pipeline)
    with pytest.raises(RuntimeError, match="INVALID_ARGUMENT: trail_seconds"):
        await servicer.GetFusedTrack(
            fpb.GetFusedTrackRequest(global_id="g-1", trail_seconds=seconds), Ctx()
        )


async def test_a_failing_cycle_dead_letters_its_frames_instead_of_acking_them(monkeypatch) -> None:
    w = World()
    await w.pipeline.handle([w.msg(1, 1, 1000.0)])

    def broken(*args: object) -> None:
        raise FloatingPointError("boom")

    monkeypatch.setattr(w.pipeline.engine, "update", broken)
    w.now = 1000.5
    await w.pipeline.tick()
    assert w.dead == ["fusion cycle failed: FloatingPointError('boom')"]
    assert w.log == ["ack 1"] and w.published == []
    monkeypatch.undo()
    await w.pipeline.handle([w.msg(2, 2, 1000.5)])
    w.now = 1001.0
    await w.pipeline.tick()
    assert w.log[-1] == "ack 2" and w.log.count("ack 1") == 1


async def test_lateness_follows_the_slowest_sensor_and_keeps_the_fused_state() -> None:
    w = World()
    await w.pipeline.handle([w.msg(1, 1, 1000.0)])
    w.now = 1000.5
    await w.pipeline.tick()
    (gid,) = w.pipeline.store.live
    pose = apb.SensorPose(position=c.Vector3(), heading_deg=90)

    def sensors(delay_ms: float, enabled: bool = True) -> dict[str, SensorGeometry]:
        out = {}
        for sid, ms in (("r", 50.0), ("slow", delay_ms)):
            s = apb.Sensor(sensor_id=sid, kind=c.SENSOR_KIND_RADAR, pose=pose, enabled=enabled)
            s.expected_delay_ms = ms
            out[sid] = SensorGeometry.of(s)
        return out

    w.pipeline.set_sensors(sensors(800.0))
    assert w.pipeline.engine.config.lateness_s == 0.8
    assert w.pipeline.engine.geometries["slow"] is not None
    await w.pipeline.handle([w.msg(2, 2, 1000.1)])
    w.now = 1001.0
    await w.pipeline.tick()
    assert list(w.pipeline.store.live) == [gid]  # same fused track across the change
    w.pipeline.set_sensors(sensors(60_000.0))
    assert w.pipeline.engine.config.lateness_s == 5.0  # capped
    w.pipeline.set_sensors(sensors(60_000.0, enabled=False))
    assert w.pipeline.engine.config.lateness_s == FusionConfig().lateness_s  # the setting


async def test_event_time_fuses_old_recordings_and_waits_for_frames() -> None:
    w = World()
    w.pipeline = w.new_pipeline()
    w.pipeline.event_time = True
    w.now = 2_000_000_000.0  # the wall clock is far ahead of the recording: never used
    t0 = 1_600_000_000.0
    for k in range(6):
        msg = FakeMsg(k + 1, radar_frame("r", k + 1, t0 + 0.1 * k, 10 + 0.1 * k), w.log)
        await w.pipeline.handle([msg])
        await w.pipeline.tick()
    (track,) = w.pipeline.store.live.values()
    assert track.updated_at.seconds == int(t0 + 0.5 - FusionConfig().lateness_s)
    published = len(w.published)
    await w.pipeline.tick()  # no new frame: time stands still, no cycle
    await w.pipeline.tick()
    assert len(w.published) == published
    # Wall time (the default) refuses the same recording as stale: nothing is fused.
    wall = World()
    wall.now = 2_000_000_000.0
    await wall.pipeline.handle([FakeMsg(1, radar_frame("r", 1, t0), wall.log)])
    await wall.pipeline.tick()
    assert wall.pipeline.store.live == {}
