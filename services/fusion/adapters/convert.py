"""Proto ↔ fusion domain conversions (the service's edge); pure, no I/O.

In: the tracker's TrackFrame (aura.common.v1) becomes SensorTracks; admin's Sensor, Zone and
ThreatRules (aura.admin.v1, as the registry holds them) become the domain's SensorFrame, Zone
and ThreatRules. Out: FusedTrack, ZoneEvent, Threat and FusedTrackFrame (aura.fusion.v1).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np
from google.protobuf.timestamp_pb2 import Timestamp

from aura.admin.v1 import admin_pb2 as apb
from aura.common.v1 import common_pb2 as c
from aura.fusion.v1 import fusion_pb2 as fpb
from services.common.geometry import ImageToGround, Pose
from services.common.timeutil import ts_seconds
from services.fusion.domain import threats as th
from services.fusion.domain.engine import FusedTrack, FusionResult
from services.fusion.domain.to_world import SensorFrame
from services.fusion.domain.types import MeasurementKind, SensorTrack
from services.fusion.domain.zones import Zone, ZoneEvent, ZoneKind

#: Sensor kind of a sensor id (from the frames seen and the registry); UNSPECIFIED if unknown.
KindOf = Callable[[str], int]
#: Site of a sensor id (from the registry); "" if unknown.
SiteOf = Callable[[str], str]


# ------------------------------------------------------------------------------ tracks in


def measurement_kind(sensor_kind: int) -> MeasurementKind:
    """Cameras report boxes in pixels; every other kind points in metres (as the tracker)."""
    return MeasurementKind.BOX if sensor_kind == c.SENSOR_KIND_CAMERA else MeasurementKind.POINT


def sensor_track(track: c.Track, t: float, deleted: bool = False) -> SensorTrack:
    """One tracker Track at scan time t as a SensorTrack; ValueError when its state does not
    fit its kind (a box track needs an 8x8 covariance, a point track 4x4 or 6x6).

    A box state is (cx, cy, w, h, vcx, vcy, vw, vh) in pixels: the Track carries the box
    centre (position), its size (bbox) and the centre's rate (velocity) but not the size's
    rate, which is taken as 0 (the covariance, which the Track carries whole, keeps its
    uncertainty)."""
    kind = measurement_kind(track.sensor_kind)
    cov = track.covariance
    d = int(cov.dim)
    if d < 1 or len(cov.values) != d * d:
        raise ValueError(f"track {track.id}: covariance has {len(cov.values)} values, dim {d}")
    P = np.asarray(cov.values, dtype=float).reshape(d, d)
    p, v = track.position, track.velocity
    if kind is MeasurementKind.BOX:
        if d != 8:
            raise ValueError(f"track {track.id}: a camera track needs an 8x8 covariance, got {d}")
        b = track.bbox
        mean = np.array([p.x, p.y, b.width, b.height, v.vx, v.vy, 0.0, 0.0])
    elif d == 4:
        mean = np.array([p.x, p.y, v.vx, v.vy])
    elif d == 6:
        mean = np.array([p.x, p.y, p.z, v.vx, v.vy, v.vz])
    else:
        raise ValueError(f"track {track.id}: a point track needs a 4x4 or 6x6 covariance, got {d}")
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(P))):
        raise ValueError(f"track {track.id}: non-finite state")
    return SensorTrack(
        sensor_id=track.sensor_id,
        track_id=track.id,
        t=t,
        kind=kind,
        mean=mean,
        cov=P,
        label=track.class_label,
        confidence=min(max(float(track.confidence), 0.0), 1.0),
        deleted=deleted,
    )


def frame_tracks(frame: c.TrackFrame) -> list[SensorTrack]:
    """What a TrackFrame tells fusion: its CONFIRMED tracks at the frame time (tentative ones
    may be clutter; a coasting one is only a prediction, and leaving it out of a full frame
    lets its fused track coast instead), and its ended tracks. A dropped frame (too late for
    the tracker) tells nothing new: []. ValueError for a malformed track."""
    if frame.dropped:
        return []
    t = ts_seconds(frame.timestamp)
    out = sensor_tracks([tr for tr in frame.tracks if tr.status == c.TRACK_STATUS_CONFIRMED], t)
    out += [ended_track(tr, t) for tr in frame.deleted_tracks]
    return out


def sensor_tracks(tracks: list[c.Track], t: float) -> list[SensorTrack]:
    """[sensor_track(tr, t) for tr in tracks], with the numbers of all tracks read and
    checked at once (a frame holds up to thousands of tracks). When any track is malformed,
    the tracks are converted one by one, so the ValueError names the first bad one."""
    n = len(tracks)
    if n == 0:
        return []
    ids: list[str] = []
    sensors: list[str] = []
    kinds: list[bool] = []  # a box (camera) track
    labels: list[str] = []
    conf: list[float] = []
    dims: list[int] = []
    vals: list[float] = []
    rows: list[tuple[float, ...]] = []
    box = c.SENSOR_KIND_CAMERA
    for tr in tracks:
        p, v, cov = tr.position, tr.velocity, tr.covariance
        d = cov.dim
        ids.append(tr.id)
        sensors.append(tr.sensor_id)
        kinds.append(tr.sensor_kind == box)
        labels.append(tr.class_label)
        conf.append(tr.confidence)
        dims.append(d)
        vals += cov.values
        if d == 8:
            b = tr.bbox
            rows.append((p.x, p.y, b.width, b.height, v.vx, v.vy, 0.0, 0.0))
        elif d == 6:
            rows.append((p.x, p.y, p.z, v.vx, v.vy, v.vz))
        else:
            rows.append((p.x, p.y, v.vx, v.vy))
    d = dims[0]
    is_box = kinds[0]
    if (
        dims.count(d) != n
        or kinds.count(is_box) != n
        or d != (8 if is_box else d if d in (4, 6) else -1)
        or len(vals) != n * d * d
    ):  # mixed or malformed: one by one (also names the bad track)
        return [sensor_track(tr, t) for tr in tracks]
    mean = np.array(rows, dtype=float)
    P = np.array(vals, dtype=float).reshape(n, d, d)
    if not (np.isfinite(mean).all() and np.isfinite(P).all()):
        return [sensor_track(tr, t) for tr in tracks]
    kind = MeasurementKind.BOX if is_box else MeasurementKind.POINT
    confidence = np.clip(np.array(conf, dtype=float), 0.0, 1.0).tolist()
    return [
        SensorTrack(sensors[i], ids[i], t, kind, mean[i], P[i], labels[i], confidence[i])
        for i in range(n)
    ]


def ended_track(track: c.Track, t: float) -> SensorTrack:
    """An ended track: only its key matters to fusion, so its state is not checked."""
    kind = measurement_kind(track.sensor_kind)
    d = 8 if kind is MeasurementKind.BOX else 4
    return SensorTrack(track.sensor_id, track.id, t, kind, np.zeros(d), np.eye(d), deleted=True)


# ------------------------------------------------------------------------- registry in


def sensor_frame(
    sensor: apb.Sensor, pose: Pose | None, hom: ImageToGround | None
) -> SensorFrame | None:
    """The domain's placement of a registered sensor: None when it is disabled (its tracks
    are then refused like those of a sensor without geometry)."""
    if sensor.HasField("enabled") and not sensor.enabled:
        return None
    return SensorFrame(pose=pose, homography=hom)


def _xy(v: c.Vector3) -> tuple[float, float]:
    return (float(v.x), float(v.y))


def zone(z: apb.Zone) -> Zone:
    """An admin Zone as the domain's Zone; ValueError for a geometry that does not fit the
    kind (admin rejects those; a backstop)."""
    if z.kind == apb.ZONE_KIND_UNSPECIFIED:
        raise ValueError(f"zone {z.zone_id}: kind is unspecified")
    kind = ZoneKind(int(z.kind))
    polygon = line = anchor = None
    which = z.WhichOneof("geometry")
    if kind is ZoneKind.COUNTING_LINE:
        if which != "line":
            raise ValueError(f"zone {z.zone_id}: a counting line needs a line")
        line = np.array([_xy(z.line.start), _xy(z.line.end)])
    else:
        if which != "polygon":
            raise ValueError(f"zone {z.zone_id}: a {kind.name.lower()} zone needs a polygon")
        polygon = np.array([_xy(p) for p in z.polygon.vertices]).reshape(-1, 2)
    if z.HasField("anchor"):
        anchor = np.array(_xy(z.anchor))
    return Zone(
        zone_id=z.zone_id,
        kind=kind,
        polygon=polygon,
        line=line,
        name=z.name,
        anchor=anchor,
        dwell_threshold_s=max(float(z.dwell_threshold_s), 0.0),
        class_labels=tuple(z.class_labels),
        enabled=not z.HasField("enabled") or z.enabled,
    )


def zones(items: Iterable[apb.Zone], on_error: Callable[[str, str], None]) -> list[Zone]:
    """The zones that convert, by id; each that does not is reported to on_error(id, why)."""
    out = []
    for z in sorted(items, key=lambda z: z.zone_id):
        try:
            out.append(zone(z))
        except ValueError as exc:
            on_error(z.zone_id, str(exc))
    return out


def rules(r: apb.ThreatRules) -> th.ThreatRules:
    """Admin's ThreatRules as the domain's. A disabled rule may carry zeros admin accepts
    (level 0, no thresholds); it keeps the domain's defaults, switched off."""
    pz, ap, lo = r.protected_zone, r.approach, r.loitering
    zone_rule = (
        th.ZoneEntryRule(enabled=True, level=int(pz.level))
        if pz.enabled
        else th.ZoneEntryRule(enabled=False)
    )
    approach = (
        th.ApproachRule(
            enabled=True,
            level=int(ap.level),
            min_speed_mps=float(ap.min_speed_mps),
            max_tca_s=float(ap.max_time_to_closest_approach_s),
            max_closest_m=float(ap.max_closest_approach_m),
        )
        if ap.enabled
        else th.ApproachRule(enabled=False)
    )
    loitering = (
        th.LoiteringRule(enabled=True, level=int(lo.level), min_dwell_s=float(lo.min_dwell_s))
        if lo.enabled
        else th.LoiteringRule(enabled=False)
    )
    return th.ThreatRules(
        protected_zone=zone_rule,
        approach=approach,
        loitering=loitering,
        ignored_class_labels=tuple(r.ignored_class_labels),
        hold_s=max(float(r.hold_s), 0.0),
    )


# --------------------------------------------------------------------------- fused out


def set_time(ts: Timestamp, t: float) -> None:
    ts.seconds, ts.nanos = _seconds_nanos(t)


def _vec(out: c.Vector3, x: float, y: float) -> None:
    out.x, out.y, out.z = float(x), float(y), 0.0


def _seconds_nanos(t: float) -> tuple[int, int]:
    sec = math.floor(t)
    return sec, min(int(round((t - sec) * 1e9)), 999_999_999)


def fused_track(f: FusedTrack, kind_of: KindOf, site_of: SiteOf) -> fpb.FusedTrack:
    """A domain FusedTrack as the proto; its site is that of its first contributor's sensor."""
    return fused_tracks([f], kind_of, site_of, fpb.FusedTrack)[0]


def fused_tracks(
    tracks: Sequence[FusedTrack],
    kind_of: KindOf,
    site_of: SiteOf,
    new: Callable[[], fpb.FusedTrack],
) -> list[fpb.FusedTrack]:
    """fused_track of every track, each message made by new() (fpb.FusedTrack, or the
    `add` of a repeated field, so a frame's tracks are built in place, not copied). This
    runs for every live track in every cycle: the numbers of all tracks are made plain
    floats at once, and each distinct time and sensor is converted once."""
    n = len(tracks)
    if n == 0:
        return []
    xs = np.array([f.x for f in tracks], dtype=float).reshape(n, 4).tolist()
    Ps = np.array([f.P for f in tracks], dtype=float).reshape(n, 16).tolist()
    times: dict[float, tuple[int, int]] = {}
    kinds: dict[str, int] = {}
    out = []
    for i, f in enumerate(tracks):
        x, y, vx, vy = xs[i]
        m = new()
        m.global_id = f.global_id
        m.status = f.status.value  # type: ignore[assignment]
        speed = math.hypot(vx, vy)
        m.speed_mps = speed
        m.heading_deg = math.degrees(math.atan2(vx, vy)) % 360.0 if speed >= 1e-6 else 0.0
        m.class_label = f.label
        m.confidence = min(max(float(f.confidence), 0.0), 1.0)
        m.threat_level = int(f.threat_level)
        if f.threat_reason:
            m.threat_reason = f.threat_reason
        if f.zone_ids:
            m.zone_ids.extend(f.zone_ids)
        pos, vel, cov = m.position, m.velocity, m.covariance
        pos.x, pos.y = x, y
        vel.vx, vel.vy = vx, vy
        cov.dim = 4
        cov.values.extend(Ps[i])
        for ts, t in ((m.created_at, f.created_t), (m.updated_at, f.t)):
            sn = times.get(t)
            if sn is None:
                sn = times[t] = _seconds_nanos(t)
            ts.seconds, ts.nanos = sn
        for k in f.contributors:
            ref = m.contributors.add()
            sid = k.sensor_id
            kind = kinds.get(sid)
            if kind is None:
                kind = kinds[sid] = kind_of(sid)
            ref.sensor_id, ref.track_id, ref.sensor_kind = sid, k.track_id, kind  # type: ignore[assignment]
            sn = times.get(k.t)
            if sn is None:
                sn = times[k.t] = _seconds_nanos(k.t)
            ts = ref.updated_at
            ts.seconds, ts.nanos = sn
        if f.contributors:
            m.site_id = site_of(f.contributors[0].sensor_id)
        out.append(m)
    return out


def zone_event(e: ZoneEvent, site_id: str) -> fpb.ZoneEvent:
    out = fpb.ZoneEvent(
        event_id=e.event_id,
        type=e.type.value,  # type: ignore[arg-type]
        zone_id=e.zone_id,
        zone_name=e.zone_name,
        global_id=e.global_id,
        class_label=e.class_label,
        speed_mps=float(e.speed_mps),
        dwell_s=float(e.dwell_s),
        direction=e.direction.value,  # type: ignore[arg-type]
        sensor_ids=list(e.sensor_ids),
        site_id=site_id,
    )
    set_time(out.timestamp, e.t)
    _vec(out.position, *e.position)
    return out


def threat(t: th.Threat, sequence: int, confidence: float = 0.0) -> fpb.Threat:
    out = fpb.Threat(
        global_id=t.global_id,
        level=int(t.level),
        previous_level=int(t.previous_level),
        kind=t.kind.value,  # type: ignore[arg-type]
        reason=t.reason,
        zone_id=t.zone_id,
        speed_mps=float(t.speed_mps),
        class_label=t.class_label,
        confidence=min(max(float(confidence), 0.0), 1.0),
        sequence=sequence,
    )
    set_time(out.timestamp, t.t)
    _vec(out.position, *t.position)
    if t.tca_s is not None and math.isfinite(t.tca_s):
        out.time_to_closest_approach_s = float(t.tca_s)
    if t.closest_m is not None and math.isfinite(t.closest_m):
        out.closest_approach_m = float(t.closest_m)
    if t.dwell_s is not None and math.isfinite(t.dwell_s):
        out.dwell_s = float(t.dwell_s)
    return out


def fused_frame(
    res: FusionResult,
    tracks: list[fpb.FusedTrack],
    deleted: list[fpb.FusedTrack],
    processing_ms: float,
    source_frames: Iterable[str],
) -> fpb.FusedTrackFrame:
    out = fpb.FusedTrackFrame(
        sequence=res.sequence,
        tracks=tracks,
        new_global_ids=res.new_ids,
        deleted_tracks=deleted,
        live_track_count=len(res.tracks),
        processing_time_ms=processing_ms,
        source_frames=list(source_frames),
    )
    set_time(out.timestamp, res.t)
    return out


def fused_frame_of(
    res: FusionResult, kind_of: KindOf, site_of: SiteOf, source_frames: Iterable[str]
) -> tuple[fpb.FusedTrackFrame, list[fpb.FusedTrack], list[fpb.FusedTrack]]:
    """The FusedTrackFrame of a result (its processing_time_ms left for the caller), its
    live tracks and its deleted ones. The live tracks are built in place in the frame (no
    copy); they keep the frame's memory alive while they are held, so hold them no longer
    than the next frame. The deleted ones are separate messages (copied into the frame),
    since a deleted track is kept for a while after its frame."""
    out = fpb.FusedTrackFrame(
        sequence=res.sequence,
        new_global_ids=res.new_ids,
        live_track_count=len(res.tracks),
        source_frames=list(source_frames),
    )
    set_time(out.timestamp, res.t)
    live = fused_tracks(res.tracks, kind_of, site_of, out.tracks.add)
    deleted = fused_tracks(res.deleted, kind_of, site_of, fpb.FusedTrack)
    out.deleted_tracks.extend(deleted)
    return out, live, deleted


# ----------------------------------------------------------------------------- filters


_LIVE = (c.TRACK_STATUS_TENTATIVE, c.TRACK_STATUS_CONFIRMED, c.TRACK_STATUS_COASTING)


def matches(t: fpb.FusedTrack, f: fpb.FusedTrackFilter) -> bool:
    """The FusedTrackFilter predicate of ListFusedTracks and StreamFusedTracks."""
    statuses = [s for s in f.statuses if s != c.TRACK_STATUS_UNSPECIFIED] or _LIVE
    if t.status not in statuses:
        return False
    if f.zone_ids and not set(f.zone_ids).intersection(t.zone_ids):
        return False
    if f.class_labels and t.class_label not in f.class_labels:
        return False
    if f.sensor_ids and not {k.sensor_id for k in t.contributors}.intersection(f.sensor_ids):
        return False
    if f.site_id and t.site_id != f.site_id:
        return False
    return t.confidence >= f.min_confidence and t.threat_level >= f.min_threat_level


def kinds_of(frame: c.TrackFrame) -> Mapping[str, int]:
    """sensor_id -> sensor kind as the frame's tracks say."""
    for tr in frame.tracks:
        return {frame.sensor_id: int(tr.sensor_kind)}
    for tr in frame.deleted_tracks:
        return {frame.sensor_id: int(tr.sensor_kind)}
    return {}
