"""Event-time tumbling windows, watermarks and window figures (pure: no I/O, no clock).

Slots and groups. Time is cut into slots [k*size, (k+1)*size) of event time. Every message
feeds exactly one slot of one group, chosen by its frame time:

- group `sensor:<id>`: the sensor's DetectionFrames (input `det:<id>`) and TrackFrames
  (input `trk:<id>`). At close it gives the SENSOR window of the sensor and one LANE window
  per `lane` attribute value of its detections.
- group `fused`: FusedTrackFrames (input `fused`). At close it gives one ZONE window per
  zone (one LANE window per LANE zone, lane id = zone id) that held a track, and for the
  zones admin has registered, an empty window when the slot had fused frames but none in it.

Watermarks. Each input's watermark is the latest frame time it has delivered. An event is
*late* when its time is more than the allowed lateness behind its own input's watermark;
this depends only on the order of that input's messages, so a replay finds the same late
events. A slot closes when the watermark of every *active* input of its group is at least
its end plus the allowed lateness; an input is active until it has delivered nothing for
`idle_s` of processing time (a sensor without a tracker, a tracker that stopped); a new
group's inputs count as active from its first event, so a sensor's first windows wait up
to `idle_s` for its tracker. When every
input of a group is idle, all its open slots close. An event for a slot already closed (an
input that came back after going idle) is dropped as `window_closed`.

Detections and tracks are joined by frame: the tracker publishes one TrackFrame per
DetectionFrame with the same (sensor, frame id); the tracks it updated in that frame carry
that frame id. Detections without a measured speed are paired greedily, nearest first, with
those tracks (position against position, or box centre against the camera track's box
centre) and take the track's speed (the speed fallback) and its id (lane track counts).
Unique tracks of a sensor are the CONFIRMED or COASTING tracks in its TrackFrames of the
slot; of a lane, the non-tentative tracks joined to its detections.

Occupancy is the fraction of the slot covered by observations with at least one object
present (tracks, else detections), each covering until the next observation of the slot,
at most `presence_hold_s`.

Each slot keeps the opaque handles of the messages that fed it, so the caller can ack them
once the slot's windows are committed; frames are keyed by id, so a redelivered message
changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

SCOPE_SENSOR, SCOPE_ZONE, SCOPE_LANE = 1, 2, 3
SPEED_NONE, SPEED_MEASURED, SPEED_TRACK, SPEED_MIXED = 0, 1, 2, 3
# aura.common.v1.TrackStatus
TENTATIVE, CONFIRMED, COASTING, DELETED = 1, 2, 3, 4
# aura.admin.v1.ZoneKind
ZONE_PROTECTED, ZONE_MONITORING, ZONE_LANE, ZONE_LINE = 1, 2, 3, 4

REASON_LATE = "late"
REASON_CLOSED = "window_closed"


@dataclass(frozen=True, order=True)
class WindowKey:
    scope: int
    sensor_id: str = ""
    zone_id: str = ""
    lane_id: str = ""

    @property
    def scope_name(self) -> str:
        return {SCOPE_SENSOR: "sensor", SCOPE_ZONE: "zone", SCOPE_LANE: "lane"}[self.scope]


def sensor_group(sensor_id: str) -> str:
    return f"sensor:{sensor_id}"


FUSED_GROUP = "fused"


def zone_key(zone_id: str, kind: int) -> WindowKey:
    if kind == ZONE_LANE:
        return WindowKey(SCOPE_LANE, "", zone_id, zone_id)
    return WindowKey(SCOPE_ZONE, "", zone_id, "")


# ------------------------------------------------------------------ observations


class Det(NamedTuple):
    """One detection as the windows need it (a tuple: there are many)."""

    class_label: str
    speed: float | None
    #: Position to join on (sensor-frame point, or box centre in pixels); None if unknown.
    pos: tuple[float, float] | None
    lane: str = ""


class Trk(NamedTuple):
    """One per-sensor track in a TrackFrame."""

    track_id: str
    status: int
    class_label: str
    speed: float
    pos: tuple[float, float] | None
    #: True when the track was updated by this frame (its frame_id is the frame's).
    updated: bool


@dataclass(frozen=True)
class FusedObs:
    """One fused track in a FusedTrackFrame."""

    global_id: str
    status: int
    class_label: str
    speed: float
    zone_ids: tuple[str, ...]


@dataclass(frozen=True)
class WindowResult:
    """The figures of one key over one closed window."""

    key: WindowKey
    start_s: float
    end_s: float
    detection_count: int
    counts_by_class: dict[str, int]
    unique_tracks: int
    unique_tracks_by_class: dict[str, int]
    track_ids: list[str]
    mean_speed_mps: float
    p85_speed_mps: float
    speed_samples: int
    speed_source: int
    occupancy: float
    #: Input events that built the window (detections, track and fused observations,
    #: frames); a recomputation from fewer never overwrites a stored window.
    event_count: int


# ------------------------------------------------------------------ figures


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolation percentile (numpy's default), q in 0..100; 0 for no values."""
    if not values:
        return 0.0
    xs = sorted(values)
    pos = (len(xs) - 1) * q / 100.0
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def occupancy(times: Iterable[float], start: float, end: float, hold: float) -> float:
    """Fraction of [start, end) covered by presence observations at `times`, each covering
    until the next one, at most `hold` seconds."""
    ts = sorted(t for t in set(times) if start <= t < end)
    if not ts or end <= start:
        return 0.0
    covered = 0.0
    for i, t in enumerate(ts):
        nxt = ts[i + 1] if i + 1 < len(ts) else end
        covered += min(nxt - t, hold, end - t)
    return min(1.0, covered / (end - start))


def speed_source(measured: int, from_tracks: int) -> int:
    if measured and from_tracks:
        return SPEED_MIXED
    if measured:
        return SPEED_MEASURED
    if from_tracks:
        return SPEED_TRACK
    return SPEED_NONE


def join_frame(dets: list[Det], tracks: list[Trk]) -> list[Trk | None]:
    """Pair the detections without a measured speed with the tracks the frame updated,
    greedily, nearest first; returns per detection its track or None."""
    out: list[Trk | None] = [None] * len(dets)
    cands = [t for t in tracks if t.updated and t.pos is not None]
    wanted = [i for i, d in enumerate(dets) if d.speed is None and d.pos is not None]
    if not cands or not wanted:
        return out
    dp = np.array([dets[i].pos for i in wanted], dtype=float)
    tp = np.array([t.pos for t in cands], dtype=float)
    dist = ((dp[:, None, :] - tp[None, :, :]) ** 2).sum(axis=2)
    # nearest first; ties by detection then track (stable sort of the row-major order)
    rows, cols = np.unravel_index(np.argsort(dist, axis=None, kind="stable"), dist.shape)
    used_d: set[int] = set()
    used_t: set[int] = set()
    want = min(len(wanted), len(cands))
    for i, j in zip(rows.tolist(), cols.tolist(), strict=True):
        if i in used_d or j in used_t:
            continue
        used_d.add(i)
        used_t.add(j)
        out[wanted[i]] = cands[j]
        if len(used_d) == want:
            break
    return out


@dataclass
class _Figures:
    """Accumulates one key's figures while a slot closes."""

    detections: int = 0
    by_class: dict[str, int] = field(default_factory=dict)
    tracks: dict[str, str] = field(default_factory=dict)  # id -> class
    speeds: list[float] = field(default_factory=list)
    measured: int = 0
    from_tracks: int = 0
    presence: list[float] = field(default_factory=list)
    events: int = 0

    def count(self, label: str) -> None:
        self.detections += 1
        self.by_class[label] = self.by_class.get(label, 0) + 1

    def result(self, key: WindowKey, start: float, end: float, hold: float) -> WindowResult:
        by_track_class: dict[str, int] = {}
        for label in self.tracks.values():
            by_track_class[label] = by_track_class.get(label, 0) + 1
        n = len(self.speeds)
        return WindowResult(
            key=key,
            start_s=start,
            end_s=end,
            detection_count=self.detections,
            counts_by_class=dict(sorted(self.by_class.items())),
            unique_tracks=len(self.tracks),
            unique_tracks_by_class=dict(sorted(by_track_class.items())),
            track_ids=sorted(self.tracks),
            mean_speed_mps=sum(self.speeds) / n if n else 0.0,
            p85_speed_mps=percentile(self.speeds, 85.0),
            speed_samples=n,
            speed_source=speed_source(self.measured, self.from_tracks),
            occupancy=occupancy(self.presence, start, end, hold),
            event_count=self.events,
        )


# ------------------------------------------------------------------ slots


@dataclass
class Slot:
    group: str
    start: float
    end: float
    #: sensor groups: frame id -> (frame time, detections); track frames likewise.
    det_frames: dict[int, tuple[float, list[Det]]] = field(default_factory=dict)
    trk_frames: dict[int, tuple[float, list[Trk]]] = field(default_factory=dict)
    #: fused group: frame key -> (frame time, tracks).
    fused_frames: dict[str, tuple[float, list[FusedObs]]] = field(default_factory=dict)
    holds: list[Any] = field(default_factory=list)

    def close(self, hold: float, zones: dict[str, int] | None = None) -> list[WindowResult]:
        if self.group == FUSED_GROUP:
            return self._close_fused(hold, zones or {})
        return self._close_sensor(hold)

    def _close_sensor(self, hold: float) -> list[WindowResult]:
        sensor_id = self.group.split(":", 1)[1]
        total = _Figures()
        lanes: dict[str, _Figures] = {}
        for frame_id, (t, dets) in self.det_frames.items():
            trk = self.trk_frames.get(frame_id)
            joined = join_frame(dets, trk[1]) if trk else [None] * len(dets)
            lanes_here: set[str] = set()
            for det, track in zip(dets, joined, strict=True):
                targets = [total]
                if det.lane:
                    lanes_here.add(det.lane)
                    targets.append(lanes.setdefault(det.lane, _Figures()))
                for f in targets:
                    f.count(det.class_label)
                    f.events += 1
                    if det.speed is not None:
                        f.speeds.append(det.speed)
                        f.measured += 1
                    elif track is not None:
                        f.speeds.append(track.speed)
                        f.from_tracks += 1
                if det.lane and track is not None and track.status != TENTATIVE:
                    lanes[det.lane].tracks[track.track_id] = track.class_label
            for lane in lanes_here:
                lanes[lane].presence.append(t)
            if dets and not self.trk_frames:
                total.presence.append(t)
            total.events += 1  # the frame itself (an empty scan still counts)
        for t, tracks in sorted(self.trk_frames.values(), key=lambda v: v[0]):
            live = [x for x in tracks if x.status in (CONFIRMED, COASTING)]
            for x in live:
                total.tracks[x.track_id] = x.class_label
            if live:
                total.presence.append(t)
            total.events += 1 + len(tracks)
        out = [total.result(WindowKey(SCOPE_SENSOR, sensor_id), self.start, self.end, hold)]
        for lane, figs in sorted(lanes.items()):
            key = WindowKey(SCOPE_LANE, sensor_id, "", lane)
            out.append(figs.result(key, self.start, self.end, hold))
        return out

    def _close_fused(self, hold: float, zones: dict[str, int]) -> list[WindowResult]:
        figs: dict[str, _Figures] = {}
        for t, tracks in sorted(self.fused_frames.values(), key=lambda v: v[0]):
            present: set[str] = set()
            for x in tracks:
                if x.status not in (CONFIRMED, COASTING):
                    continue
                for z in x.zone_ids:
                    if zones.get(z) == ZONE_LINE:
                        continue
                    f = figs.setdefault(z, _Figures())
                    f.count(x.class_label)
                    f.events += 1
                    f.tracks[x.global_id] = x.class_label
                    f.speeds.append(x.speed)
                    f.from_tracks += 1
                    present.add(z)
            for z in present:
                figs[z].presence.append(t)
        if self.fused_frames:
            for z, kind in zones.items():
                if kind != ZONE_LINE:
                    figs.setdefault(z, _Figures())
            for f in figs.values():
                f.events += len(self.fused_frames)
        return [
            f.result(zone_key(z, zones.get(z, ZONE_MONITORING)), self.start, self.end, hold)
            for z, f in sorted(figs.items())
        ]


# ------------------------------------------------------------------ the window state


@dataclass
class _Input:
    watermark: float = -math.inf
    last_seen: float = -math.inf  # processing time


@dataclass(frozen=True)
class Admission:
    """What became of one event offered to the windows."""

    accepted: bool
    reason: str = ""
    slot_start: float = 0.0


@dataclass
class Windows:
    """All open slots, the inputs' watermarks and what has been closed."""

    size_s: float = 5.0
    lateness_s: float = 2.0
    idle_s: float = 10.0
    presence_hold_s: float = 1.0
    #: Whether sensor windows wait for the sensor's TrackFrames (a tracker is running).
    expect_tracks: bool = True
    inputs: dict[str, _Input] = field(default_factory=dict)
    groups: dict[str, set[str]] = field(default_factory=dict)  # group -> its inputs
    slots: dict[tuple[str, float], Slot] = field(default_factory=dict)
    closed_upto: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.size_s <= 0 or self.lateness_s < 0 or self.idle_s <= 0:
            raise ValueError("window size and idle time must be > 0, lateness >= 0")

    def slot_start(self, t: float) -> float:
        return math.floor(t / self.size_s) * self.size_s

    def _expect(self, group: str, now: float) -> None:
        """A new group: its inputs (a sensor's detections and, with `expect_tracks`, its
        tracks) count as active from now on, so that the tracks of its first window, which
        come a little after the detections, or much later in a catch-up where the consumers
        run at different speeds, are waited for (at most `idle_s`)."""
        if group in self.groups:
            return
        names = {group}
        if group.startswith("sensor:"):
            sensor = group.split(":", 1)[1]
            names = {f"det:{sensor}"} | ({f"trk:{sensor}"} if self.expect_tracks else set())
        self.groups[group] = names
        for name in names:
            self.inputs.setdefault(name, _Input(last_seen=now))

    def admit(self, group: str, input_id: str, t: float, now: float) -> Admission:
        """Check an event of `input_id` at event time `t` (processing time `now`) against
        the watermarks; advances the input's watermark when it is accepted."""
        self._expect(group, now)
        inp = self.inputs.setdefault(input_id, _Input())
        self.groups[group].add(input_id)
        inp.last_seen = max(inp.last_seen, now)
        start = self.slot_start(t)
        if t < inp.watermark - self.lateness_s:
            return Admission(False, REASON_LATE, start)
        if start + self.size_s <= self.closed_upto.get(group, -math.inf):
            return Admission(False, REASON_CLOSED, start)
        inp.watermark = max(inp.watermark, t)
        return Admission(True, "", start)

    def slot(self, group: str, start: float) -> Slot:
        key = (group, start)
        s = self.slots.get(key)
        if s is None:
            s = self.slots[key] = Slot(group, start, start + self.size_s)
        return s

    def add_detections(
        self, sensor_id: str, frame_id: int, t: float, dets: list[Det], hold: Any
    ) -> None:
        s = self.slot(sensor_group(sensor_id), self.slot_start(t))
        s.det_frames.setdefault(frame_id, (t, dets))
        s.holds.append(hold)

    def add_tracks(
        self, sensor_id: str, frame_id: int, t: float, tracks: list[Trk], hold: Any
    ) -> None:
        s = self.slot(sensor_group(sensor_id), self.slot_start(t))
        s.trk_frames.setdefault(frame_id, (t, tracks))
        s.holds.append(hold)

    def add_fused(self, frame_key: str, t: float, tracks: list[FusedObs], hold: Any) -> None:
        s = self.slot(FUSED_GROUP, self.slot_start(t))
        s.fused_frames.setdefault(frame_key, (t, tracks))
        s.holds.append(hold)

    def due(self, now: float) -> list[Slot]:
        """Remove and return the slots that can close, oldest first per group."""
        limits: dict[str, float] = {}
        for group, names in self.groups.items():
            active = [
                self.inputs[n] for n in names if now - self.inputs[n].last_seen <= self.idle_s
            ]
            if active:
                limits[group] = min(i.watermark for i in active) - self.lateness_s
            else:
                limits[group] = math.inf
        out = []
        for (group, _), s in sorted(self.slots.items(), key=lambda kv: kv[0][1]):
            if s.end <= limits.get(group, -math.inf):
                out.append(s)
        for s in out:
            del self.slots[(s.group, s.start)]
            self.closed_upto[s.group] = max(self.closed_upto.get(s.group, -math.inf), s.end)
        return out

    def held(self) -> int:
        return sum(len(s.holds) for s in self.slots.values())
