"""Congestion score and level of a window from admin's thresholds (pure).

The score is the weighted mean of the terms that have data (aura.admin.v1.CongestionThresholds):

    (speed_weight * max(0, 1 - mean_speed / free_flow_speed)
     + occupancy_weight * occupancy
     + count_weight * min(1, unique_tracks / capacity_per_window))
    / (sum of the weights of the terms that have data)

The speed term has data only when the window has speed samples; occupancy and count always
have. The level is the highest whose threshold the score reaches (LOW below moderate).
"""

from __future__ import annotations

from dataclasses import dataclass

# aura.common.v1.CongestionLevel
UNSPECIFIED, LOW, MODERATE, HIGH, SEVERE = 0, 1, 2, 3, 4


@dataclass(frozen=True)
class CongestionRules:
    """One set of congestion thresholds (admin's CongestionThresholds)."""

    moderate_score: float = 0.4
    high_score: float = 0.6
    severe_score: float = 0.8
    free_flow_speed_mps: float = 13.9
    capacity_per_window: float = 50.0
    speed_weight: float = 1.0
    occupancy_weight: float = 1.0
    count_weight: float = 1.0

    def usable(self) -> bool:
        """Whether these thresholds make sense (admin validates them; this is a backstop
        against an unset message, which reads as all zeros)."""
        return (
            0 < self.moderate_score < self.high_score < self.severe_score <= 1
            and self.free_flow_speed_mps > 0
            and self.capacity_per_window > 0
            and min(self.speed_weight, self.occupancy_weight, self.count_weight) >= 0
            and (self.speed_weight + self.occupancy_weight + self.count_weight) > 0
        )


#: The seeded defaults admin starts with, used until admin has published thresholds.
DEFAULT_RULES = CongestionRules()


@dataclass(frozen=True)
class Congestion:
    score: float
    level: int


def score(
    rules: CongestionRules,
    *,
    mean_speed_mps: float,
    speed_samples: int,
    occupancy: float,
    unique_tracks: int,
) -> Congestion:
    """Score and level of one window."""
    num = 0.0
    den = 0.0
    if speed_samples > 0 and rules.speed_weight > 0:
        num += rules.speed_weight * max(0.0, 1.0 - mean_speed_mps / rules.free_flow_speed_mps)
        den += rules.speed_weight
    if rules.occupancy_weight > 0:
        num += rules.occupancy_weight * min(1.0, max(0.0, occupancy))
        den += rules.occupancy_weight
    if rules.count_weight > 0:
        num += rules.count_weight * min(1.0, unique_tracks / rules.capacity_per_window)
        den += rules.count_weight
    s = num / den if den > 0 else 0.0
    return Congestion(s, level_of(rules, s))


def level_of(rules: CongestionRules, s: float) -> int:
    if s >= rules.severe_score:
        return SEVERE
    if s >= rules.high_score:
        return HIGH
    if s >= rules.moderate_score:
        return MODERATE
    return LOW
