import pytest

from services.analytics.domain.congestion import (
    DEFAULT_RULES,
    HIGH,
    LOW,
    MODERATE,
    SEVERE,
    CongestionRules,
    level_of,
    score,
)


def test_free_flow_is_low() -> None:
    c = score(DEFAULT_RULES, mean_speed_mps=13.9, speed_samples=10, occupancy=0.0, unique_tracks=0)
    assert c.score == pytest.approx(0.0)
    assert c.level == LOW


def test_weighted_mean_of_the_three_terms() -> None:
    rules = CongestionRules(capacity_per_window=10, free_flow_speed_mps=10)
    c = score(rules, mean_speed_mps=5.0, speed_samples=3, occupancy=0.5, unique_tracks=20)
    # speed term 0.5, occupancy 0.5, count min(1, 2) = 1 -> 2/3
    assert c.score == pytest.approx(2 / 3)
    assert c.level == HIGH


def test_speed_term_left_out_without_speed_samples() -> None:
    rules = CongestionRules(capacity_per_window=10)
    c = score(rules, mean_speed_mps=0.0, speed_samples=0, occupancy=1.0, unique_tracks=10)
    assert c.score == pytest.approx(1.0)
    assert c.level == SEVERE
    # with a speed sample of 0 m/s the speed term is 1 as well
    c2 = score(rules, mean_speed_mps=0.0, speed_samples=1, occupancy=0.0, unique_tracks=0)
    assert c2.score == pytest.approx(1 / 3)


def test_weights_zero_drop_a_term() -> None:
    rules = CongestionRules(
        speed_weight=0, occupancy_weight=0, count_weight=2, capacity_per_window=4
    )
    c = score(rules, mean_speed_mps=0.0, speed_samples=5, occupancy=1.0, unique_tracks=2)
    assert c.score == pytest.approx(0.5)
    assert c.level == MODERATE


@pytest.mark.parametrize(
    ("s", "level"),
    [(0.0, LOW), (0.39, LOW), (0.4, MODERATE), (0.6, HIGH), (0.8, SEVERE), (1, SEVERE)],
)
def test_levels_at_thresholds(s: float, level: int) -> None:
    assert level_of(DEFAULT_RULES, s) == level


def test_unset_thresholds_are_not_usable() -> None:
    assert DEFAULT_RULES.usable()
    assert not CongestionRules(0, 0, 0, 0, 0, 0, 0, 0).usable()
    assert not CongestionRules(moderate_score=0.7, high_score=0.6).usable()
