"""Zone engine: point in polygon, enter/exit/dwell events, counting-line directions."""

from __future__ import annotations

import numpy as np
import pytest

from services.fusion.domain.zones import (
    Direction,
    Zone,
    ZoneEngine,
    ZoneEventType,
    ZoneKind,
    points_in_polygon,
    segment_crossings,
)

SQUARE = np.array([[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]])
L_SHAPE = np.array([[0, 0], [10, 0], [10, 4], [4, 4], [4, 10], [0, 10]], float)


def test_points_in_polygon_concave() -> None:
    pts = np.array([[2, 2], [8, 2], [8, 8], [2, 8], [-1, 5], [11, 1], [5, 5]], float)
    assert points_in_polygon(pts, L_SHAPE).tolist() == [True, True, False, True, False, False,
                                                        False]  # fmt: skip
    assert points_in_polygon(np.zeros((0, 2)), SQUARE).shape == (0,)


def run(engine: ZoneEngine, path: list[tuple[float, float]], gid: str = "g-000001",
        label: str = "person") -> list:  # fmt: skip
    events = []
    for k, (x, y) in enumerate(path):
        events += engine.update(float(k), [gid], np.array([[x, y]]), np.array([[1.0, 0.0]]),
                                np.array([label], object), [("cam-1",)])  # fmt: skip
    return events


def test_enter_dwell_exit() -> None:
    z = Zone("z1", ZoneKind.MONITORING, polygon=SQUARE, name="yard", dwell_threshold_s=3.0)
    eng = ZoneEngine()
    eng.set_zones([z])
    path = [(-2, 5), (1, 5), (2, 5), (3, 5), (4, 5), (5, 5), (12, 5), (13, 5)]
    ev = run(eng, path)
    assert [e.type for e in ev] == [ZoneEventType.ENTER, ZoneEventType.DWELL, ZoneEventType.EXIT]
    assert ev[0].t == 1.0 and ev[1].t == 4.0 and ev[1].dwell_s == 3.0
    assert ev[2].t == 6.0 and ev[2].dwell_s == 5.0
    assert ev[0].event_id == "z1:g-000001:ENTER:1000000"
    assert ev[0].sensor_ids == ("cam-1",) and ev[0].zone_name == "yard"


def test_class_filter_and_disabled_zone() -> None:
    eng = ZoneEngine()
    eng.set_zones(
        [
            Zone("cars", ZoneKind.LANE, polygon=SQUARE, class_labels=("car",)),
            Zone("off", ZoneKind.MONITORING, polygon=SQUARE, enabled=False),
        ]
    )
    assert run(eng, [(-1, 5), (5, 5)], label="person") == []
    assert [e.zone_id for e in run(eng, [(-1, 5), (5, 5)], "g-000002", "car")] == ["cars"]


def test_deleted_track_exits() -> None:
    eng = ZoneEngine()
    eng.set_zones([Zone("z1", ZoneKind.PROTECTED, polygon=SQUARE)])
    run(eng, [(5, 5), (6, 5)])
    [e] = eng.remove(9.0, ["g-000001"], np.array([[6.0, 5.0]]), ["person"], [()])
    assert e.type is ZoneEventType.EXIT and e.dwell_s == 9.0
    assert eng.remove(10.0, ["g-000001"], np.array([[6.0, 5.0]]), ["person"], [()]) == []


@pytest.mark.parametrize(
    ("start", "end", "direction"),
    [
        ((-5.0, 5.0), (5.0, 5.0), Direction.LEFT_TO_RIGHT),  # line points north: west is left
        ((5.0, 5.0), (-5.0, 5.0), Direction.RIGHT_TO_LEFT),
    ],
)
def test_line_crossing_direction(start: tuple, end: tuple, direction: Direction) -> None:
    line = np.array([[0.0, 0.0], [0.0, 10.0]])
    eng = ZoneEngine()
    eng.set_zones([Zone("gate", ZoneKind.COUNTING_LINE, line=line)])
    [e] = run(eng, [start, end])
    assert e.type is ZoneEventType.LINE_CROSSING and e.direction is direction
    assert e.position == pytest.approx((0.0, 5.0)) and e.t == pytest.approx(0.5)


def test_segment_crossings_misses_beyond_the_ends_and_on_line_start() -> None:
    a, b = np.array([0.0, 0.0]), np.array([0.0, 10.0])
    p0 = np.array([[-1.0, 12.0], [0.0, 5.0], [-1.0, 5.0], [-1.0, 1.0]])
    p1 = np.array([[1.0, 12.0], [1.0, 5.0], [-0.5, 5.0], [1.0, 3.0]])
    hit, s, d = segment_crossings(p0, p1, a, b)
    assert hit.tolist() == [False, False, False, True]
    assert d.tolist() == [0, 0, 0, 1] and s[3] == pytest.approx(0.5)


def test_invalid_zone_shapes() -> None:
    with pytest.raises(ValueError, match="line"):
        Zone("l", ZoneKind.COUNTING_LINE, polygon=SQUARE)
    with pytest.raises(ValueError, match="3 vertices"):
        Zone("p", ZoneKind.PROTECTED, polygon=SQUARE[:2])
    assert Zone("p", ZoneKind.PROTECTED, polygon=SQUARE).anchor_point.tolist() == [5.0, 5.0]
