import math

import pytest

from services.analytics.domain.windows import (
    CONFIRMED,
    FUSED_GROUP,
    REASON_CLOSED,
    REASON_LATE,
    SCOPE_LANE,
    SCOPE_SENSOR,
    SCOPE_ZONE,
    SPEED_MEASURED,
    SPEED_MIXED,
    SPEED_NONE,
    SPEED_TRACK,
    TENTATIVE,
    ZONE_LANE,
    ZONE_LINE,
    ZONE_MONITORING,
    Det,
    FusedObs,
    Trk,
    WindowKey,
    Windows,
    join_frame,
    occupancy,
    percentile,
    sensor_group,
)


def det(label: str = "car", speed: float | None = None, pos=(0.0, 0.0), lane: str = "") -> Det:
    return Det(label, speed, pos, lane)


def trk(tid: str, speed: float, pos=(0.0, 0.0), status: int = CONFIRMED, updated: bool = True):
    return Trk(tid, status, "car", speed, pos, updated)


def test_percentile_matches_numpy_linear() -> None:
    assert percentile([], 85) == 0.0
    assert percentile([3.0], 85) == 3.0
    # numpy.percentile([1, 2, 3, 4, 5], 85) == 4.4
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 85) == pytest.approx(4.4)


def test_occupancy_union_with_hold() -> None:
    assert occupancy([], 0, 5, 1.0) == 0.0
    # samples every 0.5 s for the whole window: fully covered
    assert occupancy([i * 0.5 for i in range(10)], 0, 5, 1.0) == pytest.approx(1.0)
    # one sample covers at most hold seconds
    assert occupancy([1.0], 0, 5, 1.0) == pytest.approx(0.2)
    # samples outside the window are ignored; duplicates count once
    assert occupancy([1.0, 1.0, 7.0], 0, 5, 1.0) == pytest.approx(0.2)


def test_join_pairs_nearest_updated_tracks() -> None:
    dets = [det(pos=(0, 0)), det(pos=(10, 0)), det(speed=3.0, pos=(5, 5))]
    tracks = [trk("a", 7.0, (9, 0)), trk("b", 2.0, (1, 0)), trk("c", 1.0, (5, 5), updated=False)]
    joined = join_frame(dets, tracks)
    assert [j.track_id if j else None for j in joined] == ["b", "a", None]


def test_out_of_order_events_within_lateness_are_counted() -> None:
    w = Windows(size_s=5, lateness_s=2, idle_s=100, expect_tracks=False)
    g = sensor_group("s1")
    assert w.admit(g, "det:s1", 4.0, now=0).accepted
    w.add_detections("s1", 1, 4.0, [det()], "h1")
    assert w.admit(g, "det:s1", 6.0, now=0).accepted
    w.add_detections("s1", 2, 6.0, [det()], "h2")
    # 3.0 is 3 s behind the watermark 6.0, beyond the 2 s lateness: late
    late = w.admit(g, "det:s1", 3.9, now=0)
    assert not late.accepted and late.reason == REASON_LATE and late.slot_start == 0.0
    # 4.5 is only 1.5 s behind: accepted, out of order
    assert w.admit(g, "det:s1", 4.5, now=0).accepted
    w.add_detections("s1", 3, 4.5, [det("bus")], "h3")
    assert w.due(now=0) == []  # watermark 6 - 2 = 4 < 5
    assert w.admit(g, "det:s1", 7.0, now=0).accepted
    w.add_detections("s1", 4, 7.0, [det()], "h4")
    [slot] = w.due(now=0)
    assert (slot.start, slot.end) == (0.0, 5.0)
    assert sorted(slot.holds) == ["h1", "h3"]
    [res] = slot.close(1.0)
    assert res.key == WindowKey(SCOPE_SENSOR, "s1")
    assert res.detection_count == 2
    assert res.counts_by_class == {"bus": 1, "car": 1}
    # after the close, an event of that slot is dropped as late by its own watermark
    assert w.admit(g, "det:s1", 4.9, now=0).reason == REASON_LATE


def test_slot_waits_for_every_active_input() -> None:
    w = Windows(size_s=5, lateness_s=0, idle_s=10)
    g = sensor_group("s1")
    w.admit(g, "det:s1", 1.0, now=0)
    w.add_detections("s1", 1, 1.0, [det()], "d1")
    w.admit(g, "trk:s1", 1.0, now=0)
    w.add_tracks("s1", 1, 1.0, [trk("t1", 5.0)], "t1")
    w.admit(g, "det:s1", 6.0, now=0)
    assert w.due(now=1) == []  # tracks still at 1.0
    w.admit(g, "trk:s1", 6.0, now=2)
    [slot] = w.due(now=2)
    [res] = slot.close(1.0)
    assert res.unique_tracks == 1 and res.track_ids == ["t1"]
    assert res.speed_source == SPEED_TRACK and res.mean_speed_mps == 5.0


def test_idle_input_no_longer_holds_windows_and_is_dropped_later() -> None:
    w = Windows(size_s=5, lateness_s=0, idle_s=10)
    g = sensor_group("s1")
    w.admit(g, "trk:s1", 1.0, now=0)  # the tracker then falls silent
    w.admit(g, "det:s1", 1.0, now=0)
    w.add_detections("s1", 1, 1.0, [det()], "d1")
    w.admit(g, "det:s1", 6.0, now=11)
    [slot] = w.due(now=11)  # trk idle for 11 s > 10: only det counts
    assert slot.start == 0.0
    # the tracker comes back with the closed slot's frame: not late by its own watermark,
    # but the window is gone
    assert w.admit(g, "trk:s1", 2.0, now=12).reason == REASON_CLOSED


def test_first_window_waits_for_the_tracks_it_expects() -> None:
    w = Windows(size_s=5, lateness_s=0, idle_s=10)
    g = sensor_group("s1")
    w.admit(g, "det:s1", 1.0, now=0)
    w.add_detections("s1", 1, 1.0, [det()], "d1")
    w.admit(g, "det:s1", 9.0, now=1)
    assert w.due(now=1) == []  # no TrackFrame yet: the tracker may be a little behind
    w.admit(g, "trk:s1", 1.0, now=2)
    w.add_tracks("s1", 1, 1.0, [trk("t1", 2.0)], "t1")
    assert w.due(now=2) == []
    w.admit(g, "trk:s1", 9.0, now=3)
    [slot] = w.due(now=3)
    assert slot.close(1.0)[0].unique_tracks == 1


def test_all_inputs_idle_close_everything() -> None:
    w = Windows(size_s=5, lateness_s=2, idle_s=10)
    g = sensor_group("s1")
    w.admit(g, "det:s1", 1.0, now=0)
    w.add_detections("s1", 1, 1.0, [det()], "d1")
    assert w.due(now=5) == []
    assert [s.start for s in w.due(now=10.5)] == [0.0]
    assert w.held() == 0


def test_speed_fallback_and_sources() -> None:
    w = Windows(size_s=5, lateness_s=0, idle_s=100)
    w.add_detections("s1", 1, 1.0, [det(speed=10.0), det(pos=(1, 1))], "d")
    w.add_tracks(
        "s1", 1, 1.0, [trk("t1", 4.0, (1, 1)), trk("t2", 9.0, (50, 50), updated=False)], "t"
    )
    slot = w.slots[(sensor_group("s1"), 0.0)]
    [res] = slot.close(1.0)
    assert res.speed_source == SPEED_MIXED
    assert res.speed_samples == 2
    assert res.mean_speed_mps == pytest.approx(7.0)
    assert res.p85_speed_mps == pytest.approx(4.0 + 0.85 * 6.0)
    assert res.unique_tracks == 2  # both CONFIRMED tracks of the frame
    only_measured = Windows(size_s=5, lateness_s=0, idle_s=100)
    only_measured.add_detections("s2", 1, 1.0, [det(speed=3.0)], "d")
    [r2] = only_measured.slots[(sensor_group("s2"), 0.0)].close(1.0)
    assert r2.speed_source == SPEED_MEASURED
    none = Windows(size_s=5, lateness_s=0, idle_s=100)
    none.add_detections("s3", 1, 1.0, [det()], "d")
    [r3] = none.slots[(sensor_group("s3"), 0.0)].close(1.0)
    assert r3.speed_source == SPEED_NONE and r3.mean_speed_mps == 0.0


def test_lanes_from_detection_attribute() -> None:
    w = Windows(size_s=5, lateness_s=0, idle_s=100)
    w.add_detections(
        "s1",
        1,
        1.0,
        [det(lane="1", pos=(0, 0)), det(lane="2", pos=(10, 0), label="bus"), det(pos=(20, 0))],
        "d",
    )
    w.add_tracks(
        "s1",
        1,
        1.0,
        [trk("a", 5.0, (0, 0)), trk("b", 6.0, (10, 0), status=TENTATIVE), trk("c", 1, (20, 0))],
        "t",
    )
    res = w.slots[(sensor_group("s1"), 0.0)].close(1.0)
    by_key = {r.key: r for r in res}
    lane1 = by_key[WindowKey(SCOPE_LANE, "s1", "", "1")]
    lane2 = by_key[WindowKey(SCOPE_LANE, "s1", "", "2")]
    assert lane1.detection_count == 1 and lane1.track_ids == ["a"]
    assert lane2.counts_by_class == {"bus": 1} and lane2.unique_tracks == 0  # tentative
    assert lane2.mean_speed_mps == 6.0
    assert by_key[WindowKey(SCOPE_SENSOR, "s1")].detection_count == 3


def test_redelivered_frame_counts_once() -> None:
    w = Windows(size_s=5, lateness_s=0, idle_s=100)
    w.add_detections("s1", 1, 1.0, [det()], "first")
    w.add_detections("s1", 1, 1.0, [det()], "again")
    [res] = w.slots[(sensor_group("s1"), 0.0)].close(1.0)
    assert res.detection_count == 1
    assert w.slots[(sensor_group("s1"), 0.0)].holds == ["first", "again"]


def test_fused_zones_lanes_and_empty_registered_zones() -> None:
    w = Windows(size_s=5, lateness_s=0, idle_s=100)
    obs = [
        FusedObs("g1", CONFIRMED, "car", 4.0, ("z1", "L1")),
        FusedObs("g2", CONFIRMED, "person", 1.0, ("z1",)),
        FusedObs("g3", TENTATIVE, "car", 9.0, ("z1",)),
    ]
    w.add_fused("1", 1.0, obs, "f1")
    w.add_fused("2", 1.5, obs[:1], "f2")
    zones = {"z1": ZONE_MONITORING, "L1": ZONE_LANE, "quiet": ZONE_MONITORING, "line": ZONE_LINE}
    res = {r.key: r for r in w.slots[(FUSED_GROUP, 0.0)].close(1.0, zones)}
    z1 = res[WindowKey(SCOPE_ZONE, "", "z1", "")]
    assert z1.unique_tracks == 2 and z1.unique_tracks_by_class == {"car": 1, "person": 1}
    assert z1.detection_count == 3  # observations: g1 twice, g2 once
    assert z1.speed_source == SPEED_TRACK
    assert z1.occupancy == pytest.approx(1.5 / 5)  # 1.0-1.5, then 1.5-2.5
    lane = res[WindowKey(SCOPE_LANE, "", "L1", "L1")]
    assert lane.track_ids == ["g1"]
    quiet = res[WindowKey(SCOPE_ZONE, "", "quiet", "")]
    assert quiet.detection_count == 0 and quiet.occupancy == 0.0
    assert not any(k.zone_id == "line" for k in res)


def test_bad_parameters() -> None:
    with pytest.raises(ValueError):
        Windows(size_s=0)
    with pytest.raises(ValueError):
        Windows(lateness_s=-1)


def test_slot_start_is_floor() -> None:
    w = Windows(size_s=5)
    assert w.slot_start(4.999) == 0.0
    assert w.slot_start(5.0) == 5.0
    assert w.slot_start(-0.1) == -5.0
    assert math.isinf(Windows().closed_upto.get("x", -math.inf))
