from services.analytics.domain.alerts import (
    Action,
    AlertRules,
    ThreatAlerts,
    alert_id,
    congestion_severity,
    decide_congestion,
    threat_severity,
)
from services.analytics.domain.congestion import HIGH, LOW, MODERATE, SEVERE

RULES = AlertRules()  # HIGH / raise after 1 / clear after 2 / threat 3 / 10 s


def test_seeded_defaults() -> None:
    assert (RULES.min_congestion_level, RULES.raise_after_windows) == (HIGH, 1)
    assert (RULES.clear_after_windows, RULES.min_threat_level) == (2, 3)
    assert RULES.threat_clear_after_s == 10.0
    assert AlertRules.of(HIGH, 0, 0, 3, -1).raise_after_windows == 1
    assert AlertRules.of(HIGH, 0, 0, 3, -1).clear_after_windows == 1


def test_raise_after_consecutive_windows() -> None:
    rules = AlertRules(raise_after_windows=3, clear_after_windows=2)
    assert decide_congestion([HIGH, LOW, HIGH], False, rules).action is Action.NONE
    assert decide_congestion([0, HIGH, HIGH], False, rules).action is Action.NONE
    d = decide_congestion([HIGH, SEVERE, HIGH], False, rules)
    assert d.action is Action.RAISE and d.since_index == 0


def test_repeat_while_active_and_clear_after_windows_below() -> None:
    assert decide_congestion([LOW, SEVERE], True, RULES).action is Action.REPEAT
    assert decide_congestion([HIGH, MODERATE], True, RULES).action is Action.NONE
    d = decide_congestion([MODERATE, LOW], True, RULES)
    assert d.action is Action.CLEAR and d.since_index == 0
    # a slot without a window (0) counts as below the level
    assert decide_congestion([0, LOW], True, RULES).action is Action.CLEAR


def test_congestion_alerts_off() -> None:
    off = AlertRules(min_congestion_level=0)
    assert decide_congestion([SEVERE, SEVERE], False, off).action is Action.NONE
    assert decide_congestion([SEVERE, SEVERE], True, off).action is Action.CLEAR


def test_severities() -> None:
    assert [congestion_severity(lv) for lv in (MODERATE, HIGH, SEVERE)] == [2, 3, 4]
    assert [threat_severity(lv) for lv in (1, 2, 3, 4)] == [2, 2, 3, 4]


def test_alert_id_is_deterministic() -> None:
    assert alert_id("threat:g1", 5) == alert_id("threat:g1", 5)
    assert alert_id("threat:g1", 5) != alert_id("threat:g1", 6)
    assert alert_id("threat:g1", 5).startswith("a-")


def test_threat_lifecycle() -> None:
    t = ThreatAlerts(RULES)
    assert t.on_threat("g1", 2, 100.0) == []
    [raised] = t.on_threat("g1", 3, 101.0)
    assert raised.action is Action.RAISE and raised.at_s == 101.0
    [rep] = t.on_threat("g1", 4, 102.0)
    assert rep.action is Action.REPEAT and rep.alert_id == raised.alert_id
    assert t.on_threat("g1", 1, 103.0) == []  # below since 103
    assert t.on_frame({"g1": 1}, 112.9) == []
    [cleared] = t.on_frame({}, 113.0)
    assert cleared.action is Action.CLEAR and cleared.at_s == 103.0
    # a new episode gets a new id
    [again] = t.on_threat("g1", 3, 120.0)
    assert again.action is Action.RAISE and again.alert_id != raised.alert_id


def test_threat_back_above_cancels_the_clear() -> None:
    t = ThreatAlerts(RULES)
    t.on_threat("g1", 3, 0.0)
    t.on_threat("g1", 0, 1.0)
    assert t.on_frame({"g1": 3}, 5.0) == []  # above again: below_since forgotten
    assert t.on_frame({"g1": 3}, 20.0) == []
    assert "g1" in t.active


def test_threat_replayed_update_is_not_an_occurrence() -> None:
    t = ThreatAlerts(RULES)
    t.on_threat("g1", 3, 10.0)
    assert t.on_threat("g1", 3, 10.0) == []
    assert t.on_threat("g1", 3, 9.0) == []


def test_threat_alerts_off() -> None:
    t = ThreatAlerts(AlertRules(min_threat_level=0))
    assert t.on_threat("g1", 4, 1.0) == []
