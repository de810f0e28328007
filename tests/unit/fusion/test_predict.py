"""TrackBuffer: different rates, delays and out-of-order arrivals brought to one time T."""

from __future__ import annotations

import numpy as np

from services.fusion.domain.predict import CvPredictor, TrackBuffer
from services.fusion.domain.types import MeasurementKind, WorldTrack


def wt(sensor: str, tid: str, t: float, x: float, vx: float = 1.0) -> WorldTrack:
    return WorldTrack(sensor, tid, t, MeasurementKind.POINT, np.array([x, 0.0, vx, 0.0]),
                      np.eye(4) * 0.1)  # fmt: skip


def test_latest_state_at_or_before_t_predicted_to_t_in_any_arrival_order() -> None:
    buf = TrackBuffer()
    for t in (0.3, 0.1, 0.2, 0.5):  # out of order; 0.5 is newer than T
        buf.add(wt("a", "a-1", t, 10.0 * t))
    snap, gone = buf.at(0.4, CvPredictor(1.0), stale_s=1.0)
    assert gone == [] and snap.keys == [("a", "a-1")]
    assert snap.tracks[0].t == 0.3
    np.testing.assert_allclose(snap.x[0], [3.1, 0.0, 1.0, 0.0])  # 3.0 + 0.1 s at 1 m/s
    assert snap.P[0, 0, 0] > 0.1  # process noise added


def test_a_state_newer_than_t_waits_and_a_stale_one_leaves() -> None:
    buf = TrackBuffer()
    buf.add(wt("a", "a-1", 2.0, 0.0))
    buf.add(wt("b", "b-1", 0.5, 0.0))
    snap, gone = buf.at(1.8, CvPredictor(), stale_s=1.0)
    assert snap.keys == [] and gone == [("b", "b-1")]
    assert buf.keys() == [("a", "a-1")]


def test_full_frames_drop_tracks_missing_from_the_latest_frame() -> None:
    buf = TrackBuffer()
    buf.add(wt("a", "a-1", 1.0, 0.0))
    buf.add(wt("a", "a-2", 1.0, 5.0))
    buf.add(wt("a", "a-2", 1.1, 5.1))  # the frame at 1.1 no longer lists a-1
    snap, gone = buf.at(1.2, CvPredictor(), stale_s=1.0, full_frames=True)
    assert snap.keys == [("a", "a-2")] and gone == [("a", "a-1")]


def test_depth_limits_kept_states() -> None:
    buf = TrackBuffer(depth=3)
    for k in range(10):
        buf.add(wt("a", "a-1", float(k), 0.0))
    assert [s.t for s in buf.to_list()] == [7.0, 8.0, 9.0]
