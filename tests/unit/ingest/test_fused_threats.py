"""The fused threat level of each sensor track, as ingest keeps it from fusion's frames for
the v2 Track answer; and the answer carrying it."""

from __future__ import annotations

from aura.common.v1 import common_pb2 as c
from aura.fusion.v1 import fusion_pb2 as fpb
from services.ingest.adapters.threats import FusedThreats
from services.ingest.domain import legacy


def fused(gid: str, level: int, *track_ids: str) -> fpb.FusedTrack:
    refs = [fpb.SensorTrackRef(sensor_id=t.split("-")[0], track_id=t) for t in track_ids]
    return fpb.FusedTrack(global_id=gid, threat_level=level, contributors=refs)


def test_levels_follow_the_fused_tracks_their_sensor_tracks_are_part_of() -> None:
    threats = FusedThreats()
    threats.apply(
        fpb.FusedTrackFrame(tracks=[fused("g-1", 3, "r-1", "c-7"), fused("g-2", 0, "r-2")])
    )
    assert (threats("r-1"), threats("c-7"), threats("r-2"), threats("x-9")) == (3, 3, 0, 0)
    # c-7 moves to g-2 (listed first), g-1 keeps r-1 only: c-7 takes g-2's level.
    threats.apply(
        fpb.FusedTrackFrame(tracks=[fused("g-2", 1, "r-2", "c-7"), fused("g-1", 4, "r-1")])
    )
    assert (threats("r-1"), threats("c-7"), threats("r-2")) == (4, 1, 1)
    # g-1 ends; g-2 coasts without contributors.
    threats.apply(fpb.FusedTrackFrame(tracks=[fused("g-2", 1)], deleted_tracks=[fused("g-1", 0)]))
    assert (threats("r-1"), threats("c-7"), threats("r-2")) == (0, 0, 0)


def test_the_v2_answer_carries_the_fused_level() -> None:
    track = c.Track(id="r-1", sensor_id="r", status=c.TRACK_STATUS_CONFIRMED, confidence=0.8)
    frame = c.TrackFrame(sensor_id="r", frame_id=5, tracks=[track])
    resp = legacy.to_response([frame], 5, 1.0, {"r-1": 3}.get)
    assert resp.active_tracks[0].threat_level == 3
    assert [(t.track_id, t.threat_level) for t in resp.threats] == [("r-1", 3)]
    assert legacy.to_response([frame], 5, 1.0).threats[0].threat_level == 0
