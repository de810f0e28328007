"""The AURA v2 `POST /track` shape: its request becomes ordinary detections, and the
tracker's frames become its response. Pure."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime

from aura.common.v1 import common_pb2 as c
from aura.ingest.v1 import ingest_pb2 as pb
from services.common.errors import ValidationError
from services.common.timeutil import parse_time, to_timestamp

# v2 camera detections were already ground points, so they are point detections of kind
# OTHER here (a CAMERA kind carries image boxes); the list they came from is kept.
_LISTS = (
    ("radar_detections", c.SENSOR_KIND_RADAR),
    ("camera_detections", c.SENSOR_KIND_OTHER),
    ("lidar_detections", c.SENSOR_KIND_LIDAR),
)

STATUS_NAMES = {
    c.TRACK_STATUS_TENTATIVE: "tentative",
    c.TRACK_STATUS_CONFIRMED: "confirmed",
    c.TRACK_STATUS_COASTING: "coasting",
    c.TRACK_STATUS_DELETED: "deleted",
}


def to_detections(
    req: pb.TrackRequest, received: datetime, accept_naive: bool, default_tz: str
) -> tuple[list[c.Detection], int]:
    """Convert the request; returns the detections and the frame id they all share."""
    batch_time = (
        parse_time(req.timestamp, "timestamp", accept_naive, default_tz) if req.timestamp else None
    )
    parsed: list[tuple[str, int, pb.LegacyDetection, datetime]] = []
    for name, kind in _LISTS:
        for i, d in enumerate(getattr(req, name)):
            field = f"{name}[{i}]"
            if d.timestamp:
                when = parse_time(d.timestamp, f"{field}.timestamp", accept_naive, default_tz)
            elif batch_time is not None:
                when = batch_time
            else:
                raise ValidationError(f"{field}.timestamp", "is required (or a batch timestamp)")
            if not d.HasField("position"):
                raise ValidationError(f"{field}.position", "is required")
            parsed.append((field, kind, d, when))
    ref = batch_time or max((p[3] for p in parsed), default=received)
    frame_id = int(ref.timestamp() * 1_000_000)
    out = []
    for field, kind, d, when in parsed:
        det = c.Detection(
            sensor_id=d.sensor_id,
            timestamp=to_timestamp(when),
            frame_id=frame_id,
            confidence=d.confidence,
            position=c.Vector3(x=d.position.x, y=d.position.y, z=d.position.z),
            sensor_kind=kind,
        )
        if d.HasField("attributes"):
            det.attributes.CopyFrom(d.attributes)
        det.attributes["legacy_list"] = field.split("[")[0]
        out.append(det)
    return out, frame_id


def legacy_track(t: c.Track, threat_level: int = 0) -> pb.LegacyTrack:
    return pb.LegacyTrack(
        id=t.id,
        position=pb.LegacyPosition(x=t.position.x, y=t.position.y, z=t.position.z),
        velocity=t.velocity,
        confidence=t.confidence,
        status=STATUS_NAMES.get(t.status, "unknown"),
        threat_level=threat_level,
        created_at=t.created_at,
        updated_at=t.updated_at,
        sensor_id=t.sensor_id,
    )


def to_response(
    frames: Sequence[c.TrackFrame],
    frame_id: int,
    processing_ms: float,
    threat_of: Callable[[str], int] = lambda track_id: 0,
) -> pb.TrackResponse:
    """Merge the tracker's frames (one per sensor of the request) into the v2 response.

    Threat levels come from fusion: `threat_of(track_id)` is the level of the fused track
    the sensor track is part of, as of fusion's latest cycle; 0 until fusion knows it."""
    resp = pb.TrackResponse(frame_id=frame_id, processing_time_ms=processing_ms)
    for f in sorted(frames, key=lambda f: f.sensor_id):
        new_ids = set(f.new_track_ids)
        for t in f.tracks:
            level = threat_of(t.id)
            lt = legacy_track(t, level)
            resp.active_tracks.append(lt)
            if t.id in new_ids:
                resp.new_tracks.append(lt)
            resp.threats.append(
                pb.LegacyThreat(track_id=t.id, threat_level=level, confidence=t.confidence)
            )
        resp.deleted_tracks.extend(legacy_track(t) for t in f.deleted_tracks)
    return resp
