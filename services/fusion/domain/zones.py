"""Zone engine: polygon zones (enter, exit, dwell) and counting lines (crossings with a
direction) over fused tracks, in the site frame (metres).

Point-in-polygon is the vectorised crossing-number test (all tracks against one polygon at
once). A counting line is crossed when the track's last step (previous position -> current
position) intersects the line segment; the direction is the side the track came from, seen
from the line's start looking towards its end: the sign of the cross product
(end - start) x (p - start) is > 0 on the left, < 0 on the right.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


class ZoneKind(enum.Enum):
    """Values match aura.admin.v1.ZoneKind."""

    PROTECTED = 1
    MONITORING = 2
    LANE = 3
    COUNTING_LINE = 4


class ZoneEventType(enum.Enum):
    """Values match aura.fusion.v1.ZoneEventType."""

    ENTER = 1
    EXIT = 2
    DWELL = 3
    LINE_CROSSING = 4


class Direction(enum.Enum):
    """Values match aura.fusion.v1.CrossingDirection."""

    UNSPECIFIED = 0
    LEFT_TO_RIGHT = 1
    RIGHT_TO_LEFT = 2


@dataclass(frozen=True)
class Zone:
    """A polygon zone or a counting line (aura.admin.v1.Zone without the proto).

    Attributes:
        zone_id, name: as in admin.
        kind: what the zone is for.
        polygon: (k, 2) vertices in metres (k >= 3) for PROTECTED, MONITORING and LANE.
        line: (2, 2) start and end in metres for COUNTING_LINE.
        anchor: (2,) point approach threats are measured to; None means the centroid.
        dwell_threshold_s: time inside after which one DWELL event is sent; 0 sends none.
        class_labels: classes the zone applies to; empty applies to all.
        enabled: False keeps the zone but does not evaluate it.
    """

    zone_id: str
    kind: ZoneKind
    polygon: np.ndarray | None = None
    line: np.ndarray | None = None
    name: str = ""
    anchor: np.ndarray | None = None
    dwell_threshold_s: float = 0.0
    class_labels: tuple[str, ...] = ()
    enabled: bool = True

    def __post_init__(self) -> None:
        if self.kind is ZoneKind.COUNTING_LINE:
            if self.line is None or np.asarray(self.line).shape != (2, 2):
                raise ValueError(f"zone {self.zone_id}: a counting line needs a (2, 2) line")
        elif self.polygon is None or np.asarray(self.polygon).ndim != 2 or len(self.polygon) < 3:
            raise ValueError(f"zone {self.zone_id}: a polygon needs at least 3 vertices")

    @property
    def anchor_point(self) -> np.ndarray:
        """The anchor, or the polygon's area centroid (the line's midpoint for a line)."""
        if self.anchor is not None:
            out: np.ndarray = np.asarray(self.anchor, dtype=float)[:2]
            return out
        if self.polygon is None:
            mid: np.ndarray = np.asarray(self.line, dtype=float).mean(axis=0)
            return mid
        return polygon_centroid(np.asarray(self.polygon, dtype=float))

    def applies_to(self, labels: np.ndarray) -> np.ndarray:
        """(n,) bool: the zone applies to tracks of these labels."""
        if not self.class_labels:
            return np.ones(len(labels), bool)
        out: np.ndarray = np.isin(labels.astype(str), list(self.class_labels))
        return out


def polygon_centroid(poly: np.ndarray) -> np.ndarray:
    x, y = poly[:, 0], poly[:, 1]
    xn, yn = np.roll(x, -1), np.roll(y, -1)
    c = x * yn - xn * y
    a = c.sum() / 2.0
    if abs(a) < 1e-12:
        mean: np.ndarray = poly.mean(axis=0)
        return mean
    centroid: np.ndarray = np.array([((x + xn) * c).sum(), ((y + yn) * c).sum()]) / (6.0 * a)
    return centroid


def points_in_polygon(pts: np.ndarray, poly: np.ndarray) -> np.ndarray:
    """(n,) bool: which of the (n, 2) points are inside the (k, 2) polygon (crossing number:
    a horizontal ray from the point crosses an odd number of edges)."""
    pts = np.atleast_2d(np.asarray(pts, dtype=float))
    poly = np.asarray(poly, dtype=float)[:, :2]
    if len(pts) == 0:
        return np.zeros(0, bool)
    x, y = pts[:, 0:1], pts[:, 1:2]
    x1, y1 = poly[:, 0], poly[:, 1]
    x2, y2 = np.roll(x1, -1), np.roll(y1, -1)
    straddle = (y1 > y) != (y2 > y)
    with np.errstate(divide="ignore", invalid="ignore"):
        xi = x1 + (y - y1) * (x2 - x1) / (y2 - y1)
    crosses = straddle & (x < xi)
    out: np.ndarray = (crosses.sum(axis=1) % 2) == 1
    return out


def segment_crossings(
    p0: np.ndarray, p1: np.ndarray, a: np.ndarray, b: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Which steps p0[i] -> p1[i] ((n, 2) each) cross the segment a -> b.

    Returns (hit (n,) bool, s (n,) fraction of the step at the crossing, direction (n,) int:
    1 LEFT_TO_RIGHT, 2 RIGHT_TO_LEFT, 0 no crossing). A step that starts exactly on the line
    does not cross it (so a track on the line is not counted twice)."""
    a = np.asarray(a, dtype=float)[:2]
    b = np.asarray(b, dtype=float)[:2]
    e = b - a
    c0 = e[0] * (p0[:, 1] - a[1]) - e[1] * (p0[:, 0] - a[0])  # > 0: left of the line
    c1 = e[0] * (p1[:, 1] - a[1]) - e[1] * (p1[:, 0] - a[0])
    d = p1 - p0
    denom = d[:, 0] * e[1] - d[:, 1] * e[0]
    with np.errstate(divide="ignore", invalid="ignore"):
        s = c0 / (c0 - c1)  # fraction along the step where it meets the line's extension
        r = ((p0[:, 0] - a[0]) * d[:, 1] - (p0[:, 1] - a[1]) * d[:, 0]) / -denom
    hit = (c0 != 0) & (np.sign(c0) != np.sign(c1)) & (r >= 0) & (r <= 1) & (denom != 0)
    direction = np.where(hit, np.where(c0 > 0, 1, 2), 0)
    return hit, np.where(hit, s, np.nan), direction


@dataclass(frozen=True)
class ZoneEvent:
    """One enter, exit, dwell or line crossing (aura.fusion.v1.ZoneEvent without the proto).

    Attributes:
        event_id: "<zone_id>:<global_id>:<type>:<time in microseconds>" (deterministic).
        type, zone_id, zone_name, global_id, class_label: as named.
        t: fusion time of the event (a crossing: the interpolated time on the line), seconds.
        position: (2,) position in metres (a crossing: the point on the line).
        speed_mps: ground speed.
        dwell_s: EXIT the whole visit, DWELL the time so far, else 0.
        direction: LINE_CROSSING only.
        sensor_ids: the sensors contributing to the track.
    """

    event_id: str
    type: ZoneEventType
    zone_id: str
    zone_name: str
    global_id: str
    class_label: str
    t: float
    position: tuple[float, float]
    speed_mps: float
    dwell_s: float = 0.0
    direction: Direction = Direction.UNSPECIFIED
    sensor_ids: tuple[str, ...] = ()


def _event(
    kind: ZoneEventType, zone: Zone, gid: str, label: str, t: float, pos: np.ndarray,
    speed: float, sensors: tuple[str, ...], dwell: float = 0.0,
    direction: Direction = Direction.UNSPECIFIED,
) -> ZoneEvent:  # fmt: skip
    eid = f"{zone.zone_id}:{gid}:{kind.name}:{round(t * 1e6)}"
    return ZoneEvent(
        eid, kind, zone.zone_id, zone.name, gid, label, float(t),
        (float(pos[0]), float(pos[1])), float(speed), float(dwell), direction, sensors,
    )  # fmt: skip


@dataclass
class ZoneEngine:
    """Per (zone, track) presence and each track's previous position.

    Attributes:
        zones: the zones evaluated (replace with set_zones).
        entered: zone_id -> {global_id: [enter time, dwell event sent]}.
        last: global_id -> (t, x, y) of the previous update.
    """

    zones: Sequence[Zone] = ()
    entered: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    last: dict[str, tuple[float, float, float]] = field(default_factory=dict)

    def set_zones(self, zones: Sequence[Zone]) -> None:
        """Replace the zones; presence in zones that are gone or disabled is forgotten."""
        self.zones = tuple(zones)
        keep = {z.zone_id for z in self.zones if z.enabled}
        self.entered = {k: v for k, v in self.entered.items() if k in keep}

    def inside(self, pos: np.ndarray, labels: np.ndarray) -> dict[str, np.ndarray]:
        """zone_id -> (n,) bool for every enabled polygon zone."""
        out = {}
        for z in self.zones:
            if z.enabled and z.polygon is not None:
                out[z.zone_id] = points_in_polygon(pos, z.polygon) & z.applies_to(labels)
        return out

    def dwell(self, gids: Sequence[str], t: float) -> dict[str, np.ndarray]:
        """zone_id -> (n,) seconds each track has been inside (0 when outside)."""
        out = {}
        for zid, book in self.entered.items():
            out[zid] = np.array([t - book[g][0] if g in book else 0.0 for g in gids])
        return out

    def update(
        self,
        t: float,
        gids: Sequence[str],
        pos: np.ndarray,
        vel: np.ndarray,
        labels: np.ndarray,
        sensors: Sequence[tuple[str, ...]],
        inside: dict[str, np.ndarray] | None = None,
    ) -> list[ZoneEvent]:
        """Events of live tracks at fusion time t (pos, vel (n, 2); labels (n,))."""
        events: list[ZoneEvent] = []
        inside = self.inside(pos, labels) if inside is None else inside
        speed = np.hypot(vel[:, 0], vel[:, 1]) if len(vel) else np.zeros(0)
        for z in self.zones:
            if not z.enabled:
                continue
            if z.polygon is not None:
                book = self.entered.setdefault(z.zone_id, {})
                now_in = inside[z.zone_id]
                was_in = np.fromiter((g in book for g in gids), bool, len(gids))
                for i in np.flatnonzero(now_in & ~was_in).tolist():
                    book[gids[i]] = [t, False]
                    events.append(_event(ZoneEventType.ENTER, z, gids[i], str(labels[i]), t,
                                         pos[i], speed[i], sensors[i]))  # fmt: skip
                for i in np.flatnonzero(~now_in & was_in).tolist():
                    t0, _ = book.pop(gids[i])
                    events.append(_event(ZoneEventType.EXIT, z, gids[i], str(labels[i]), t,
                                         pos[i], speed[i], sensors[i], t - t0))  # fmt: skip
                if z.dwell_threshold_s > 0:
                    for i in np.flatnonzero(now_in & was_in).tolist():
                        entry = book[gids[i]]
                        if not entry[1] and t - entry[0] >= z.dwell_threshold_s:
                            entry[1] = True
                            events.append(_event(ZoneEventType.DWELL, z, gids[i],
                                                 str(labels[i]), t, pos[i], speed[i],
                                                 sensors[i], t - entry[0]))  # fmt: skip
            elif z.line is not None and len(gids):
                none = (math.nan, math.nan, math.nan)
                prev = [self.last.get(g, none) for g in gids]
                has = np.array([g in self.last for g in gids])
                if not has.any():
                    continue
                rows = np.flatnonzero(has & z.applies_to(labels)).tolist()
                p0 = np.array([[prev[i][1], prev[i][2]] for i in rows]).reshape(-1, 2)
                t0 = np.array([prev[i][0] for i in rows])
                hit, s, direction = segment_crossings(p0, pos[rows], z.line[0], z.line[1])
                for k in np.flatnonzero(hit).tolist():
                    i = rows[k]
                    tc = t0[k] + s[k] * (t - t0[k])
                    pc = p0[k] + s[k] * (pos[i] - p0[k])
                    events.append(_event(ZoneEventType.LINE_CROSSING, z, gids[i],
                                         str(labels[i]), tc, pc, speed[i], sensors[i],
                                         direction=Direction(int(direction[k]))))  # fmt: skip
        for i, g in enumerate(gids):
            self.last[g] = (float(t), float(pos[i, 0]), float(pos[i, 1]))
        return events

    def remove(
        self, t: float, gids: Sequence[str], pos: np.ndarray, labels: Sequence[str],
        sensors: Sequence[tuple[str, ...]],
    ) -> list[ZoneEvent]:  # fmt: skip
        """Deleted tracks: an EXIT event for every zone they were inside."""
        events: list[ZoneEvent] = []
        zones = {z.zone_id: z for z in self.zones}
        for i, g in enumerate(gids):
            self.last.pop(g, None)
            for zid, book in self.entered.items():
                if g in book and zid in zones:
                    t0, _ = book.pop(g)
                    events.append(_event(ZoneEventType.EXIT, zones[zid], g, labels[i], t,
                                         pos[i], 0.0, sensors[i], t - t0))  # fmt: skip
        return events

    def to_dict(self) -> dict[str, Any]:
        return {
            "entered": {z: {g: list(v) for g, v in b.items()} for z, b in self.entered.items()},
            "last": {g: list(v) for g, v in self.last.items()},
        }

    def load(self, data: dict[str, Any]) -> None:
        self.entered = {
            z: {g: [float(v[0]), bool(v[1])] for g, v in b.items()}
            for z, b in data.get("entered", {}).items()
        }
        self.last = {g: (float(v[0]), float(v[1]), float(v[2])) for g, v in
                     data.get("last", {}).items()}  # fmt: skip
