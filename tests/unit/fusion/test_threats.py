"""Threat rules: each rule, the highest level wins, changes are emitted only on change,
hold, ignored classes, deletion back to 0."""

from __future__ import annotations

import numpy as np
import pytest

from services.fusion.domain.threats import (
    ApproachRule,
    LoiteringRule,
    ThreatBook,
    ThreatKind,
    ThreatRules,
    ZoneEntryRule,
    assess,
)
from services.fusion.domain.zones import Zone, ZoneKind

SQUARE = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]])
GATE = Zone("gate", ZoneKind.PROTECTED, polygon=SQUARE, name="gate-north")
YARD = Zone("yard", ZoneKind.MONITORING, polygon=SQUARE + 20.0)


def verdict(rules: ThreatRules, pos: tuple, vel: tuple, zone_in: dict | None = None,
            dwell: dict | None = None, label: str = "person"):  # fmt: skip
    inside = {k: np.array([v]) for k, v in (zone_in or {}).items()}
    dw = {k: np.array([v]) for k, v in (dwell or {}).items()}
    [a] = assess(rules, [GATE, YARD], np.array([pos], float), np.array([vel], float),
                 np.array([label], object), inside, dw)  # fmt: skip
    return a


def test_inside_protected_zone() -> None:
    a = verdict(ThreatRules(), (5, 5), (0, 0), {"gate": True}, {"gate": 2.0})
    assert (a.level, a.kind, a.zone_id) == (3, ThreatKind.PROTECTED_ZONE, "gate")
    assert a.reason == "inside protected zone gate-north" and a.dwell_s == 2.0


def test_approach_speed_and_time_to_closest_approach() -> None:
    rules = ThreatRules(approach=ApproachRule(level=2, min_speed_mps=1.0, max_tca_s=10.0,
                                              max_closest_m=3.0))  # fmt: skip
    a = verdict(rules, (5, -20), (0, 3.0))  # 25 m from the anchor (5, 5) at 3 m/s: 8.3 s
    assert (a.level, a.kind) == (2, ThreatKind.APPROACH)
    assert a.tca_s == pytest.approx(25 / 3) and a.closest_m == pytest.approx(0.0)
    assert "approaching gate-north at 3.0 m/s" in a.reason
    assert verdict(rules, (5, -40), (0, 3.0)).level == 0  # closest approach in 15 s
    assert verdict(rules, (5, -20), (0, 0.5)).level == 0  # too slow
    assert verdict(rules, (5, -20), (0, -3.0)).level == 0  # moving away
    assert verdict(rules, (15, -20), (0, 3.0)).level == 0  # passes 10 m away


def test_loitering_and_highest_level_wins() -> None:
    rules = ThreatRules(loitering=LoiteringRule(level=2, min_dwell_s=30.0))
    a = verdict(rules, (25, 25), (0, 0), {"yard": True}, {"yard": 31.0})
    assert (a.level, a.kind, a.zone_id) == (2, ThreatKind.LOITERING, "yard")
    assert verdict(rules, (25, 25), (0, 0), {"yard": True}, {"yard": 29.0}).level == 0
    both = ThreatRules(protected_zone=ZoneEntryRule(level=3),
                       loitering=LoiteringRule(level=4, min_dwell_s=5.0))  # fmt: skip
    a = verdict(both, (5, 5), (0, 0), {"gate": True}, {"gate": 6.0})
    assert (a.level, a.kind) == (4, ThreatKind.LOITERING)


def test_ignored_class_and_disabled_rules() -> None:
    rules = ThreatRules(ignored_class_labels=("bird",))
    assert verdict(rules, (5, 5), (0, 0), {"gate": True}, label="bird").level == 0
    off = ThreatRules(protected_zone=ZoneEntryRule(enabled=False))
    assert verdict(off, (5, 5), (0, 0), {"gate": True}).level == 0


def test_book_emits_only_on_change_with_hold() -> None:
    book = ThreatBook()
    rules = ThreatRules(hold_s=2.0)
    pos, vel = np.array([[5.0, 5.0]]), np.zeros((1, 2))
    inside = verdict(rules, (5, 5), (0, 0), {"gate": True})
    outside = verdict(rules, (50, 50), (0, 0))
    levels = []
    for t, a in [(0, outside), (1, inside), (2, inside), (3, outside), (4, outside),
                 (5, outside), (6, inside)]:  # fmt: skip
        ch = book.update(float(t), rules.hold_s, ["g-1"], [a], pos, vel, ["person"])
        levels += [(t, c.previous_level, c.level) for c in ch]
    # up at 1; held until 2 s after it last applied (t=2), so down at 4; up again at 6
    assert levels == [(1, 0, 3), (4, 3, 0), (6, 0, 3)]
    [gone] = book.remove(7.0, ["g-1"], pos, ["person"])
    assert (gone.previous_level, gone.level) == (3, 0)
    assert book.remove(8.0, ["g-1"], pos, ["person"]) == []


def test_rule_validation() -> None:
    with pytest.raises(ValueError, match="level"):
        ZoneEntryRule(level=5)
    with pytest.raises(ValueError, match="hold_s"):
        ThreatRules(hold_s=-1.0)
