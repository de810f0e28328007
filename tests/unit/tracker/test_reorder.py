"""ReorderBuffer: event-time reordering within a lateness bound; late items dropped."""

from __future__ import annotations

import pytest

from services.tracker.domain.reorder import ReorderBuffer


def test_zero_lateness_releases_immediately_and_drops_older() -> None:
    buf = ReorderBuffer(lateness_s=0.0, max_hold_s=1.0)
    assert buf.push(10.0, "a", now=0.0) == ["a"]
    assert buf.push(10.0, "b", now=0.0) == ["b"]  # same event time is in order
    assert buf.push(9.0, "late", now=0.0) == []
    assert buf.dropped == 1
    assert buf.push(11.0, "c", now=0.0) == ["c"]


def test_out_of_order_within_lateness_is_reordered() -> None:
    # Times are binary fractions so the comparisons are exact.
    buf = ReorderBuffer(lateness_s=0.5, max_hold_s=10.0)
    assert buf.push(1.0, "t1", now=0.0) == []
    assert buf.push(1.25, "t1.25", now=0.0) == []
    assert buf.push(1.125, "t1.125", now=0.0) == []  # arrives late but within 0.5 s
    # 1.5 >= 1.0 + 0.5 releases t1 only; 1.125 + 0.5 > 1.5.
    assert buf.push(1.5, "t1.5", now=0.0) == ["t1"]
    assert buf.push(2.0, "t2", now=0.0) == ["t1.125", "t1.25", "t1.5"]
    assert buf.dropped == 0
    assert len(buf) == 1


def test_too_late_is_dropped_and_counted() -> None:
    buf = ReorderBuffer(lateness_s=0.25, max_hold_s=10.0)
    buf.push(1.0, "a", now=0.0)
    assert buf.push(1.5, "b", now=0.0) == ["a"]
    assert buf.push(0.75, "old", now=0.0) == []  # older than the released 1.0
    assert buf.dropped == 1
    assert buf.push(1.375, "ok", now=0.0) == []  # after 1.0 and within 0.25 s of 1.5: held
    assert buf.push(1.125, "ok2", now=0.0) == ["ok2"]  # 1.125 + 0.25 <= 1.5: out at once
    assert buf.push(2.0, "c", now=0.0) == ["ok", "b"]
    assert buf.released_t == 1.5
    assert buf.dropped == 1


def test_max_hold_releases_by_wall_time() -> None:
    buf = ReorderBuffer(lateness_s=5.0, max_hold_s=0.25)
    buf.push(1.0, "a", now=100.0)
    buf.push(0.5, "b", now=100.125)
    buf.push(2.0, "c", now=100.1875)
    assert buf.poll(now=100.1875) == []
    # "a" was held 0.25 s: it goes with everything not later than it ("b"), in event order.
    assert buf.poll(now=100.25) == ["b", "a"]
    assert buf.poll(now=100.375) == []
    assert buf.poll(now=100.4375) == ["c"]
    assert len(buf) == 0


def test_push_also_releases_overdue_items() -> None:
    buf = ReorderBuffer(lateness_s=5.0, max_hold_s=1.0)
    buf.push(1.0, "a", now=0.0)
    assert buf.push(1.1, "b", now=2.0) == ["a"]


def test_equal_times_keep_arrival_order_and_flush() -> None:
    buf = ReorderBuffer(lateness_s=1.0, max_hold_s=10.0)
    for name in ("x", "y", "z"):
        buf.push(3.0, name, now=0.0)
    assert buf.flush() == ["x", "y", "z"]
    assert buf.released_t == 3.0


@pytest.mark.parametrize(("lateness", "hold"), [(-1.0, 1.0), (1.0, -0.1), (float("nan"), 1.0)])
def test_invalid_parameters(lateness: float, hold: float) -> None:
    with pytest.raises(ValueError, match="lateness_s|max_hold_s"):
        ReorderBuffer(lateness, hold)
