"""When alerts are raised, repeated and cleared (pure).

Congestion: a key (sensor, zone or lane) raises an alert once `raise_after_windows`
consecutive windows reach `min_congestion_level`; while the alert is active every window at
or above the level is one more occurrence (severity the highest reached); it clears once
`clear_after_windows` consecutive windows are below the level. Windows are slots of the
window length: a slot without a window (no data) counts as below the level.

Threat: a fused track whose threat level reaches `min_threat_level` raises an alert (one per
global id while it lasts); every further threat update at or above the level is an
occurrence; it clears once the track has stayed below the level (or gone) for
`threat_clear_after_s` of event time. Event time is the latest time seen on the threat and
fused-track inputs (threats are sent on change only, fused frames keep the clock going).

Alert ids are derived from the condition and the event time it began, so that processing
the same messages again finds the same alert instead of raising a second one.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from enum import Enum

from services.analytics.domain.congestion import HIGH, MODERATE, SEVERE

# aura.analytics.v1 enums
KIND_CONGESTION, KIND_THREAT = 1, 2
SEV_INFO, SEV_WARNING, SEV_HIGH, SEV_CRITICAL = 1, 2, 3, 4
STATE_ACTIVE, STATE_CLEARED = 1, 2


@dataclass(frozen=True)
class AlertRules:
    """admin's AlertRules with its seeded defaults (HIGH / 1 / 2 / 3 / 10 s)."""

    min_congestion_level: int = HIGH
    raise_after_windows: int = 1
    clear_after_windows: int = 2
    min_threat_level: int = 3
    threat_clear_after_s: float = 10.0

    @classmethod
    def of(
        cls,
        min_congestion_level: int,
        raise_after_windows: int,
        clear_after_windows: int,
        min_threat_level: int,
        threat_clear_after_s: float,
    ) -> AlertRules:
        """As admin publishes them: 0 windows is taken as 1; a negative time as 0."""
        return cls(
            min_congestion_level=min_congestion_level,
            raise_after_windows=max(1, raise_after_windows),
            clear_after_windows=max(1, clear_after_windows),
            min_threat_level=min_threat_level,
            threat_clear_after_s=max(0.0, threat_clear_after_s),
        )

    @property
    def history_windows(self) -> int:
        """How many recent slots a congestion decision looks at."""
        return max(self.raise_after_windows, self.clear_after_windows)


def congestion_severity(level: int) -> int:
    if level >= SEVERE:
        return SEV_CRITICAL
    if level >= HIGH:
        return SEV_HIGH
    if level >= MODERATE:
        return SEV_WARNING
    return SEV_INFO


def threat_severity(level: int) -> int:
    if level >= 4:
        return SEV_CRITICAL
    if level >= 3:
        return SEV_HIGH
    return SEV_WARNING


def alert_id(condition_key: str, began_at_us: int) -> str:
    """Deterministic id of the alert of `condition_key` that began at `began_at_us`."""
    digest = hashlib.sha256(f"{condition_key}@{began_at_us}".encode()).hexdigest()
    return "a-" + digest[:16]


def congestion_condition(scope: int, sensor_id: str, zone_id: str, lane_id: str) -> str:
    return f"congestion:{scope}:{sensor_id}:{zone_id}:{lane_id}"


def threat_condition(global_id: str) -> str:
    return f"threat:{global_id}"


class Action(Enum):
    NONE = "none"
    RAISE = "raise"
    REPEAT = "repeat"
    CLEAR = "clear"


@dataclass(frozen=True)
class CongestionDecision:
    action: Action
    #: RAISE: index in `levels` of the first window of the run that raised it.
    #: CLEAR: index of the first window below the level (when the condition ended).
    since_index: int = -1


def decide_congestion(levels: list[int], active: bool, rules: AlertRules) -> CongestionDecision:
    """`levels` are the congestion levels of the latest consecutive window slots, oldest
    first, the last being the window just closed (0 for a slot without a window);
    `active` says whether the key has an active alert."""
    if not levels:
        return CongestionDecision(Action.NONE)
    floor = rules.min_congestion_level
    if floor <= 0:  # congestion alerts are off: an active one ends as its windows go below
        floor = SEVERE + 1
    current = levels[-1]
    if active:
        if current >= floor:
            return CongestionDecision(Action.REPEAT)
        n = rules.clear_after_windows
        tail = levels[-n:]
        if len(tail) == n and all(lv < floor for lv in tail):
            return CongestionDecision(Action.CLEAR, len(levels) - n)
        return CongestionDecision(Action.NONE)
    n = rules.raise_after_windows
    tail = levels[-n:]
    if len(tail) == n and all(lv >= floor for lv in tail):
        return CongestionDecision(Action.RAISE, len(levels) - n)
    return CongestionDecision(Action.NONE)


# ------------------------------------------------------------------- threats


@dataclass
class ThreatState:
    """What is known of one track's active threat alert."""

    alert_id: str
    last_seen_s: float
    #: Event time the track went below the level (or vanished); None while at or above.
    below_since_s: float | None = None


@dataclass(frozen=True)
class ThreatAction:
    action: Action
    global_id: str
    alert_id: str
    at_s: float
    level: int = 0


@dataclass
class ThreatAlerts:
    """Threat alert lifecycle per global id, fed with threat updates and fused frames."""

    rules: AlertRules = field(default_factory=AlertRules)
    active: dict[str, ThreatState] = field(default_factory=dict)
    clock_s: float = 0.0

    def restore(self, global_id: str, alert_id: str, last_seen_s: float) -> None:
        self.active[global_id] = ThreatState(alert_id, last_seen_s)

    def on_threat(self, global_id: str, level: int, at_s: float) -> list[ThreatAction]:
        """A threat update (level change) of a fused track at event time `at_s`."""
        out: list[ThreatAction] = []
        floor = self.rules.min_threat_level
        state = self.active.get(global_id)
        if floor > 0 and level >= floor:
            if state is None:
                aid = alert_id(threat_condition(global_id), round(at_s * 1e6))
                self.active[global_id] = ThreatState(aid, at_s)
                out.append(ThreatAction(Action.RAISE, global_id, aid, at_s, level))
            elif at_s > state.last_seen_s:
                state.last_seen_s = at_s
                state.below_since_s = None
                out.append(ThreatAction(Action.REPEAT, global_id, state.alert_id, at_s, level))
        elif state is not None and state.below_since_s is None and at_s >= state.last_seen_s:
            state.below_since_s = at_s
        out.extend(self.advance(at_s))
        return out

    def on_frame(self, levels: dict[str, int], at_s: float) -> list[ThreatAction]:
        """A fused frame at `at_s` with the threat level of every live track: keeps active
        alerts seen (without counting occurrences) and notices tracks gone or below."""
        floor = self.rules.min_threat_level
        for gid, state in self.active.items():
            level = levels.get(gid)
            if level is not None and floor > 0 and level >= floor:
                if at_s > state.last_seen_s:
                    state.last_seen_s = at_s
                state.below_since_s = None
            elif state.below_since_s is None and at_s >= state.last_seen_s:
                state.below_since_s = at_s
        return self.advance(at_s)

    def advance(self, at_s: float) -> list[ThreatAction]:
        """Move the event-time clock; clear alerts below the level for long enough."""
        self.clock_s = max(self.clock_s, at_s)
        out = []
        for gid, state in list(self.active.items()):
            since = state.below_since_s
            if since is not None and self.clock_s - since >= self.rules.threat_clear_after_s:
                del self.active[gid]
                out.append(ThreatAction(Action.CLEAR, gid, state.alert_id, since))
        return out
