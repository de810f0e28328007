"""The read side's pure rules: ranges, steps and their bound, clamps, keys, page tokens,
step aggregation, range summaries and changes, per-class split, heatmap cells."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from aura.analytics.v1 import analytics_pb2 as pb
from services.analytics.domain import queries as q
from services.common.errors import ValidationError
from services.common.timeutil import to_timestamp

T0 = datetime(2026, 5, 1, 10, 0, tzinfo=UTC)


def field_of(exc: pytest.ExceptionInfo[ValidationError]) -> str:
    return exc.value.field


def test_time_range_defaults_and_order():
    rng = q.time_range(None, None, T0)
    assert (rng.start, rng.end) == (T0 - timedelta(hours=1), T0)
    rng = q.time_range(None, to_timestamp(T0 - timedelta(hours=2)), T0)
    assert rng.end == T0 - timedelta(hours=2) and rng.seconds == 3600
    assert q.time_range(to_timestamp(T0), to_timestamp(T0), T0).seconds == 0  # empty is fine
    with pytest.raises(ValidationError) as err:
        q.time_range(to_timestamp(T0), to_timestamp(T0 - timedelta(seconds=1)), T0)
    assert field_of(err) == "start_time"
    with pytest.raises(ValidationError) as err:
        q.required_range(to_timestamp(T0), None, "b_")
    assert field_of(err) == "b_end_time"
    with pytest.raises(ValidationError) as err:
        q.optional_range(to_timestamp(T0), to_timestamp(T0 - timedelta(1)), "filter.")
    assert field_of(err) == "filter.start_time"


def test_history_step_rules():
    hour = q.TimeRange(T0, T0 + timedelta(hours=1))
    assert q.history_step(0, 5, hour) == 5
    assert q.history_step(60, 5, hour) == 60
    with pytest.raises(ValidationError, match="multiple"):
        q.history_step(7, 5, hour)
    day = q.TimeRange(T0, T0 + timedelta(days=1))
    assert q.history_step(10, 5, day) == 10  # 8,640 points
    with pytest.raises(ValidationError, match="at least 10 s") as err:
        q.history_step(5, 5, day)  # 17,280 points
    assert field_of(err) == "step_seconds"
    # exactly the bound passes: 10,000 epoch-aligned steps
    edge = q.TimeRange(T0, T0 + timedelta(seconds=50_000))
    assert q.steps_in(edge, 5) == 10_000 and q.history_step(5, 5, edge) == 5
    # a range that is not aligned touches one more step
    off = q.TimeRange(T0 + timedelta(seconds=1), T0 + timedelta(seconds=11))
    assert q.steps_in(off, 5) == 3


def test_clamps_and_bounds():
    assert q.clamp(0, 200, 1, 5000) == 200
    assert q.clamp(9999, 200, 1, 5000) == 5000 and q.clamp(3, 200, 1, 5000) == 3
    assert q.at_most("window_minutes", 0, 5, 1440) == 5
    with pytest.raises(ValidationError) as err:
        q.at_most("window_minutes", 1441, 5, 1440)
    assert field_of(err) == "window_minutes"
    assert q.cell_size(0) == 5.0 and q.cell_size(0.5) == 0.5
    for bad in (0.49, 1000.1, math.nan, -1.0):
        with pytest.raises(ValidationError):
            q.cell_size(bad)
    for bad in (-0.1, 1.01, math.nan):
        with pytest.raises(ValidationError):
            q.confidence("min_confidence", bad)
    with pytest.raises(ValidationError):
        q.comment("x" * 1001)


def test_keys():
    assert q.key_of("cam_1", "") == q.Key(1, "cam_1")
    assert q.key_of("cam_1", "", "2") == q.Key(3, "cam_1", "", "2")
    assert q.key_of("", "gate") == q.Key(2, "", "gate")
    assert q.key_of("", "road", "lane_a") == q.Key(3, "", "lane_a", "lane_a")
    assert q.key_of("", "", required=False) is None
    for args, field in (
        (("a", "b"), "zone_id"),
        (("", ""), "sensor_id"),
        (("bad id", ""), "sensor_id"),
        (("", "bad:zone"), "zone_id"),
    ):
        with pytest.raises(ValidationError) as err:
            q.key_of(*args)
        assert field_of(err) == field
    with pytest.raises(ValidationError) as err:
        q.key_of("", "", "lane")
    assert field_of(err) == "lane_id"
    assert q.scopes_of(0) == [1, 2] and q.scopes_of(3) == [3]


def test_alert_page_tokens_round_trip_and_reject_garbage():
    at = T0 + timedelta(microseconds=123)
    token = q.encode_alert_token(at, "a-000042")
    assert q.decode_alert_token(token) == (at, "a-000042")
    assert q.decode_alert_token("") is None
    for bad in ("@@@", "bm8tYmFy", q.encode_alert_token(at, "")):
        with pytest.raises(ValidationError) as err:
            q.decode_alert_token(bad)
        assert field_of(err) == "page_token"


def test_step_point_aggregates_as_documented():
    rows = [
        q.WindowRow(T0, 10, {"car": 10}, 2, {"car": 2}, 10.0, 12.0, 1, 0.5, 2, 0.4, 1),
        q.WindowRow(
            T0 + timedelta(seconds=5),
            30,
            {"car": 20, "bus": 10},
            3,
            {"bus": 1},
            20.0,
            25.0,
            2,
            0.7,
            4,
            0.9,
            0,
        ),
        q.WindowRow(T0 + timedelta(seconds=10), 0, {}, 0, {}, 0.0, 0.0, 0, 0.0, 1, 0.0, 2),
    ]
    (step,) = q.sum_steps(rows, 15)
    p = q.step_point(q.Key(1, "s"), step, 15)
    assert p.detection_count == 40 and dict(p.counts_by_class) == {"car": 30, "bus": 10}
    assert p.unique_tracks == 5 and dict(p.unique_tracks_by_class) == {"car": 2, "bus": 1}
    assert p.mean_speed_mps == pytest.approx((10 * 10 + 20 * 30) / 40)  # weighted, no-speed out
    assert p.p85_speed_mps == pytest.approx((12 * 10 + 25 * 30) / 40)
    assert p.occupancy == pytest.approx(1.2 / 3) and p.congestion_score == pytest.approx(1.3 / 3)
    assert p.congestion_level == 4 and p.late_dropped == 3
    assert p.speed_source == pb.SPEED_SOURCE_MIXED
    assert p.window_end.ToDatetime(tzinfo=UTC) - p.window_start.ToDatetime(tzinfo=UTC) == (
        timedelta(seconds=15)
    )
    # track-only speeds with no detections are averaged unweighted
    only = q.sum_steps(
        [q.WindowRow(T0, 0, mean_speed_mps=4.0, p85_speed_mps=5.0, speed_source=2)], 5
    )
    assert q.step_point(q.Key(2, "", "z"), only[0], 5).mean_speed_mps == 4.0
    assert q.speed_source_of(0b0001) == pb.SPEED_SOURCE_UNSPECIFIED
    assert q.speed_source_of(0b0101) == pb.SPEED_SOURCE_TRACK


def test_split_by_class_sums_to_the_total():
    assert q.split_by_class(3, {"car": 2, "bus": 2}) in ({"car": 2, "bus": 1}, {"car": 1, "bus": 2})
    assert sum(q.split_by_class(7, {"a": 1, "b": 1, "c": 1}).values()) == 7
    assert q.split_by_class(0, {"a": 1}) == {} and q.split_by_class(5, {}) == {}
    assert q.split_by_class(10, {"car": 9, "bus": 1}) == {"car": 9, "bus": 1}


def test_range_summary_and_change():
    rng = q.TimeRange(T0, T0 + timedelta(hours=1))
    a = q.range_summary(
        rng,
        q.RangeSums(
            windows=4,
            detection_count=40,
            distinct_tracks=10,
            window_tracks_by_class={"car": 12},
            speed_weighted=400,
            p85_weighted=480,
            speed_weight=40,
            occupancy_sum=0.8,
            score_sum=1.2,
            peak_level=3,
            congested_windows=1,
            alert_count=2,
        ),
    )
    assert (a.mean_speed_mps, a.p85_speed_mps) == (10.0, 12.0)
    assert a.mean_occupancy == pytest.approx(0.2) and a.congested_fraction == 0.25
    assert dict(a.unique_tracks_by_class) == {"car": 10}
    b = q.range_summary(
        rng,
        q.RangeSums(
            windows=2,
            distinct_tracks=15,
            speed_weighted=50,
            speed_weight=10,
            occupancy_sum=1.0,
            score_sum=1.0,
        ),
    )
    ch = q.range_change(a, b)
    assert ch.unique_tracks_pct == pytest.approx(50.0) and ch.mean_speed_pct == pytest.approx(-50)
    assert ch.mean_occupancy_delta == pytest.approx(0.3) and ch.alert_count_delta == -2
    empty = q.range_summary(rng, q.RangeSums())
    assert empty.mean_occupancy == 0 and empty.congested_fraction == 0
    back = q.range_change(empty, a)
    assert not back.HasField("unique_tracks_pct") and not back.HasField("mean_speed_pct")


def test_heatmap_cells_and_helpers():
    rng = q.TimeRange(T0, T0 + timedelta(minutes=5))
    hm = q.heatmap("site", rng, 2.0, [(1, 1, 3), (-1, 0, 1), (0, 1, 5)])
    assert [(c.ix, c.iy) for c in hm.cells] == [(-1, 0), (0, 1), (1, 1)]
    assert hm.max_count == 5 and (hm.cells[0].x_m, hm.cells[0].y_m) == (-1.0, 1.0)
    assert q.centroid([(0, 0), (4, 0), (4, 2), (0, 2)]) == pytest.approx((2.0, 1.0))
    assert q.centroid([(0, 0), (2, 2)]) == (1.0, 1.0) and q.centroid([]) is None
    assert [q.level_for(s, *q.DEFAULT_LEVELS) for s in (0.1, 0.4, 0.6, 0.8)] == [1, 2, 3, 4]
