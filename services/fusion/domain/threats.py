"""Threat assessment: configurable rules over fused tracks give a level 0..4 and a reason.

Rules (aura.admin.v1.ThreatRules), evaluated for all tracks at once:
* protected zone: inside a PROTECTED zone -> its level;
* approach: closing on a PROTECTED zone's anchor at >= min_speed_mps, with the time to
  closest approach (TCA = (r·v)/|v|², r = anchor - position) in (0, max_tca_s] and the
  closest approach distance |r - v TCA| <= max_closest_m -> its level;
* loitering: inside a PROTECTED or MONITORING zone for >= min_dwell_s -> its level.
A track's level is the highest that applies (ties: protected zone, approach, loitering).
A level is held for hold_s after its condition ends before it drops. ThreatBook emits a
Threat only when a track's level changes (including back to 0, and when a track with a
level above 0 is deleted).
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from services.fusion.domain.zones import Zone, ZoneKind


class ThreatKind(enum.Enum):
    """Values match aura.fusion.v1.ThreatKind."""

    NONE = 0
    PROTECTED_ZONE = 1
    APPROACH = 2
    LOITERING = 3


def _level(name: str, level: int) -> None:
    if not 1 <= level <= 4:
        raise ValueError(f"{name}.level must be 1..4, got {level}")


@dataclass(frozen=True)
class ZoneEntryRule:
    enabled: bool = True
    level: int = 3

    def __post_init__(self) -> None:
        _level("protected_zone", self.level)


@dataclass(frozen=True)
class ApproachRule:
    """Attributes: min_speed_mps: closing speed; max_tca_s: time to closest approach;
    max_closest_m: predicted closest distance to the anchor."""

    enabled: bool = True
    level: int = 2
    min_speed_mps: float = 1.0
    max_tca_s: float = 10.0
    max_closest_m: float = 5.0

    def __post_init__(self) -> None:
        _level("approach", self.level)
        if self.min_speed_mps < 0 or self.max_tca_s <= 0 or self.max_closest_m < 0:
            raise ValueError("approach thresholds must be >= 0 (max_tca_s > 0)")


@dataclass(frozen=True)
class LoiteringRule:
    """Attributes: min_dwell_s: seconds inside one zone that count as loitering."""

    enabled: bool = True
    level: int = 2
    min_dwell_s: float = 60.0

    def __post_init__(self) -> None:
        _level("loitering", self.level)
        if self.min_dwell_s <= 0:
            raise ValueError("loitering.min_dwell_s must be > 0")


@dataclass(frozen=True)
class ThreatRules:
    """The rule set (aura.admin.v1.ThreatRules without the proto)."""

    protected_zone: ZoneEntryRule = field(default_factory=ZoneEntryRule)
    approach: ApproachRule = field(default_factory=ApproachRule)
    loitering: LoiteringRule = field(default_factory=LoiteringRule)
    ignored_class_labels: tuple[str, ...] = ()
    hold_s: float = 0.0

    def __post_init__(self) -> None:
        if self.hold_s < 0:
            raise ValueError("hold_s must be >= 0")


@dataclass(frozen=True)
class Assessment:
    """The rules' verdict for one track at one time (before holding)."""

    level: int
    kind: ThreatKind
    reason: str = ""
    zone_id: str = ""
    tca_s: float | None = None
    closest_m: float | None = None
    dwell_s: float | None = None


@dataclass(frozen=True)
class Threat:
    """A change of a track's threat level (aura.fusion.v1.Threat without the proto)."""

    global_id: str
    level: int
    previous_level: int
    kind: ThreatKind
    reason: str
    zone_id: str
    t: float
    position: tuple[float, float]
    speed_mps: float
    class_label: str = ""
    tca_s: float | None = None
    closest_m: float | None = None
    dwell_s: float | None = None


_NONE = Assessment(0, ThreatKind.NONE)
_RANK = {ThreatKind.PROTECTED_ZONE: 3, ThreatKind.APPROACH: 2, ThreatKind.LOITERING: 1}


def assess(
    rules: ThreatRules,
    zones: Sequence[Zone],
    pos: np.ndarray,
    vel: np.ndarray,
    labels: np.ndarray,
    inside: dict[str, np.ndarray],
    dwell: dict[str, np.ndarray],
) -> list[Assessment]:
    """The verdict for each of n tracks (pos, vel (n, 2)); inside/dwell by zone id as the
    ZoneEngine gives them."""
    n = len(pos)
    best_level = np.zeros(n, np.int64)
    best_rank = np.zeros(n, np.int64)
    out: list[Assessment] = [_NONE] * n
    rated = ~np.isin(labels.astype(str), list(rules.ignored_class_labels)) if n else np.zeros(0)

    def better(mask: np.ndarray, level: int, kind: ThreatKind) -> np.ndarray:
        """Rows where this rule beats what applies so far (and marks them taken)."""
        rank = _RANK[kind]
        win = mask & rated & ((level > best_level) | ((level == best_level) & (rank > best_rank)))
        rows = np.flatnonzero(win)
        best_level[rows], best_rank[rows] = level, rank
        return rows

    speed = np.hypot(vel[:, 0], vel[:, 1]) if n else np.zeros(0)
    for z in zones:
        if not z.enabled or z.polygon is None:
            continue
        zin = inside.get(z.zone_id, np.zeros(n, bool))
        zd = dwell.get(z.zone_id, np.zeros(n))
        name = z.name or z.zone_id
        if z.kind is ZoneKind.PROTECTED and rules.protected_zone.enabled:
            lvl = rules.protected_zone.level
            for i in better(zin, lvl, ThreatKind.PROTECTED_ZONE):
                out[i] = Assessment(lvl, ThreatKind.PROTECTED_ZONE,
                                    f"inside protected zone {name}", z.zone_id,
                                    dwell_s=float(zd[i]))  # fmt: skip
        if z.kind is ZoneKind.PROTECTED and rules.approach.enabled:
            a = rules.approach
            rel = z.anchor_point[None, :] - pos
            rv = (rel * vel).sum(axis=1)
            v2 = (vel * vel).sum(axis=1)
            dist = np.hypot(rel[:, 0], rel[:, 1])
            tca = np.where(v2 > 0, rv / np.where(v2 > 0, v2, 1.0), np.inf)
            closing = np.where(dist > 0, rv / np.where(dist > 0, dist, 1.0), 0.0)
            miss = rel - vel * np.where(np.isfinite(tca), tca, 0.0)[:, None]
            closest = np.hypot(miss[:, 0], miss[:, 1])
            hit = (closing >= a.min_speed_mps) & (tca > 0) & (tca <= a.max_tca_s)
            hit &= closest <= a.max_closest_m
            for i in better(hit, a.level, ThreatKind.APPROACH):
                out[i] = Assessment(
                    a.level, ThreatKind.APPROACH,
                    f"approaching {name} at {speed[i]:.1f} m/s, closest approach "
                    f"{closest[i]:.0f} m in {tca[i]:.0f} s",
                    z.zone_id, tca_s=float(tca[i]), closest_m=float(closest[i]),
                )  # fmt: skip
        if z.kind in (ZoneKind.PROTECTED, ZoneKind.MONITORING) and rules.loitering.enabled:
            lo = rules.loitering
            for i in better(zin & (zd >= lo.min_dwell_s), lo.level, ThreatKind.LOITERING):
                out[i] = Assessment(lo.level, ThreatKind.LOITERING,
                                    f"loitering in {name} for {zd[i]:.0f} s", z.zone_id,
                                    dwell_s=float(zd[i]))  # fmt: skip
    return out


@dataclass
class ThreatBook:
    """Current level of every track, with hold, emitting only changes.

    Attributes:
        current: global_id -> [level, kind value, reason, zone_id, time the level was
            last supported by a rule].
    """

    current: dict[str, list[Any]] = field(default_factory=dict)

    def level(self, gid: str) -> tuple[int, str]:
        """(level, reason) now; (0, "") for an unknown track."""
        c = self.current.get(gid)
        return (0, "") if c is None else (int(c[0]), str(c[2]))

    def update(
        self, t: float, hold_s: float, gids: Sequence[str], verdicts: Sequence[Assessment],
        pos: np.ndarray, vel: np.ndarray, labels: Sequence[str],
    ) -> list[Threat]:  # fmt: skip
        """Apply the verdicts of live tracks at time t; the changes."""
        changes: list[Threat] = []
        for i, (g, a) in enumerate(zip(gids, verdicts, strict=True)):
            cur = self.current.get(g)
            prev = 0 if cur is None else int(cur[0])
            if a.level >= prev:
                new = [a.level, a.kind.value, a.reason, a.zone_id, t]
            elif t - float(cur[4]) < hold_s:  # type: ignore[index]
                continue  # held: the higher level stays until hold_s after it last applied
            else:
                new = [a.level, a.kind.value, a.reason, a.zone_id, t]
            self.current[g] = new
            if a.level != prev:
                changes.append(Threat(
                    g, a.level, prev, a.kind, a.reason, a.zone_id, t,
                    (float(pos[i, 0]), float(pos[i, 1])), float(np.hypot(*vel[i, :2])),
                    str(labels[i]), a.tca_s, a.closest_m, a.dwell_s,
                ))  # fmt: skip
        return changes

    def remove(
        self, t: float, gids: Sequence[str], pos: np.ndarray, labels: Sequence[str]
    ) -> list[Threat]:
        """Deleted tracks: a change back to 0 for those above 0."""
        out = []
        for i, g in enumerate(gids):
            cur = self.current.pop(g, None)
            if cur is not None and int(cur[0]) > 0:
                out.append(Threat(g, 0, int(cur[0]), ThreatKind.NONE, "", "", t,
                                  (float(pos[i, 0]), float(pos[i, 1])), 0.0,
                                  str(labels[i])))  # fmt: skip
        return out

    def to_dict(self) -> dict[str, Any]:
        return {g: list(v) for g, v in self.current.items()}

    def load(self, data: dict[str, Any]) -> None:
        self.current = {g: [int(v[0]), int(v[1]), str(v[2]), str(v[3]), float(v[4])]
                        for g, v in data.items()}  # fmt: skip
