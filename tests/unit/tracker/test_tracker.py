"""SensorTracker end to end: lifecycle, ByteTrack's two stages, time, state round trip."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pytest

from services.tracker.domain.associator import Assignment
from services.tracker.domain.config import TrackerConfig
from services.tracker.domain.hypothesiser import Hypotheses
from services.tracker.domain.parts import TrackerParts
from services.tracker.domain.tracker import SensorTracker, StaleBatchError
from services.tracker.domain.types import (
    DetectionBatch,
    MeasurementKind,
    StepResult,
    TrackStatus,
    TrackView,
)
from services.tracker.domain.views import TrackViews

T0 = 1_767_225_600.0  # 2026-01-01T00:00:00Z


def batch(
    t: float,
    z: Sequence[Sequence[float]] | np.ndarray,
    scores: Sequence[float] | np.ndarray | None = None,
    labels: Sequence[str] | None = None,
    **kw: Any,
) -> DetectionBatch:
    arr = np.asarray(z, dtype=float).reshape(len(z), -1) if len(z) else np.empty((0, 2))
    n = len(arr)
    return DetectionBatch(
        t=T0 + t,
        frame_id=int(round(t * 10)),
        z=arr,
        scores=np.asarray(scores if scores is not None else [0.9] * n, dtype=float),
        labels=tuple(labels if labels is not None else [""] * n),
        **kw,
    )


def point_cfg(**kw: Any) -> TrackerConfig:
    base: dict[str, Any] = {
        "confirm_m": 2,
        "confirm_n": 3,
        "coast_grace_scans": 0,
        "coast_grace_s": 0.0,
    }
    base.update(kw)
    return TrackerConfig(**base)


def only(res: StepResult) -> TrackView:
    assert len(res.tracks) == 1
    return res.tracks[0]


# --- lifecycle -------------------------------------------------------------------------


def test_tentative_then_confirmed_then_coasting() -> None:
    trk = SensorTracker("radar-1", point_cfg())
    r = trk.step(batch(0.0, [[10.0, 5.0]]))
    assert r.new_ids == ["radar-1-000001"]
    v = only(r)
    assert (v.id, v.status, v.hits) == ("radar-1-000001", TrackStatus.TENTATIVE, 1)
    assert v.position == (10.0, 5.0, 0.0)
    v = only(trk.step(batch(0.1, [[10.1, 5.0]])))
    assert (v.status, v.hits) == (TrackStatus.CONFIRMED, 2)
    v = only(trk.step(batch(0.2, [])))
    assert v.status is TrackStatus.COASTING
    assert v.updated_t == T0 + 0.1
    assert v.position[0] > 10.1  # predicted forward
    v = only(trk.step(batch(0.3, [[10.3, 5.0]])))
    assert v.status is TrackStatus.CONFIRMED and v.hits == 3


def test_coast_grace_keeps_a_single_miss_confirmed() -> None:
    trk = SensorTracker("r", point_cfg(coast_grace_scans=1))
    trk.step(batch(0.0, [[0.0, 0.0]]))
    trk.step(batch(0.1, [[0.1, 0.0]]))
    assert only(trk.step(batch(0.2, []))).status is TrackStatus.CONFIRMED
    assert only(trk.step(batch(0.3, []))).status is TrackStatus.COASTING


def test_coast_grace_in_seconds_does_not_depend_on_the_frame_rate() -> None:
    # 0.1 s of grace: three missed scans at 30 fps, one at 10 Hz; then COASTING.
    for period, kept in ((1 / 30, 3), (0.1, 1)):
        trk = SensorTracker("r", point_cfg(coast_grace_s=0.1))
        trk.step(batch(0.0, [[0.0, 0.0]]))
        trk.step(batch(period, [[0.0, 0.0]]))
        statuses = [only(trk.step(batch(period * k, []))).status for k in range(2, 2 + kept + 1)]
        assert statuses == [TrackStatus.CONFIRMED] * kept + [TrackStatus.COASTING], period


def test_tentative_track_that_misses_is_deleted_fast() -> None:
    trk = SensorTracker("r", point_cfg(confirm_m=2, confirm_n=2))
    trk.step(batch(0.0, [[0.0, 0.0]]))
    r = trk.step(batch(0.1, []))
    assert len(r.tracks) == 0
    assert [(d.id, d.status) for d in r.deleted] == [("r-000001", TrackStatus.DELETED)]


def test_deleted_after_max_coast_time_and_ids_never_reused() -> None:
    trk = SensorTracker("r", point_cfg(max_coast_s=0.5))
    trk.step(batch(0.0, [[0.0, 0.0]]))
    trk.step(batch(0.1, [[0.0, 0.0]]))
    assert only(trk.step(batch(0.6, []))).status is TrackStatus.COASTING  # 0.5 s: kept
    r = trk.step(batch(0.7, []))
    assert r.tracks == [] or len(r.tracks) == 0
    assert [d.id for d in r.deleted] == ["r-000001"]
    assert r.deleted[0].status is TrackStatus.DELETED
    r = trk.step(batch(0.8, [[0.0, 0.0]]))  # same place again: a new identity
    assert r.new_ids == ["r-000002"]
    assert trk.next_id == 3


def test_deleted_when_uncertainty_exceeds_limit() -> None:
    trk = SensorTracker("r", point_cfg(max_pos_std=3.0, max_coast_s=100.0, accel_noise=1.0))
    trk.step(batch(0.0, [[0.0, 0.0]]))
    trk.step(batch(0.1, [[0.0, 0.0]]))
    assert len(trk.step(batch(0.5, [])).tracks) == 1
    r = trk.step(batch(10.0, []))  # 10 s of coasting: position std far above 3 m
    assert len(r.tracks) == 0 and len(r.deleted) == 1


def test_ids_use_next_id_and_increase() -> None:
    trk = SensorTracker("cam-7", point_cfg(), next_id=41)
    r = trk.step(batch(0.0, [[0.0, 0.0], [100.0, 0.0], [0.0, 100.0]]))
    assert r.new_ids == ["cam-7-000041", "cam-7-000042", "cam-7-000043"]
    assert [v.id for v in r.tracks] == r.new_ids
    with pytest.raises(ValueError, match="next_id"):
        SensorTracker("x", point_cfg(), next_id=0)


# --- ByteTrack's two stages --------------------------------------------------------------


def test_low_score_detection_keeps_a_track_alive_but_never_starts_one() -> None:
    cfg = point_cfg(high_score=0.6, low_score=0.1, new_track_score=0.7)
    trk = SensorTracker("r", cfg)
    trk.step(batch(0.0, [[0.0, 0.0]], [0.9]))
    trk.step(batch(0.1, [[0.1, 0.0]], [0.9]))
    # A low-score detection on the track and one far away; one below low_score too.
    r = trk.step(batch(0.2, [[0.2, 0.0], [50.0, 50.0], [0.2, 0.1]], [0.3, 0.3, 0.05]))
    v = only(r)
    assert (v.status, v.hits, v.updated_t, v.confidence) == (
        TrackStatus.CONFIRMED, 3, T0 + 0.2, 0.3,
    )  # fmt: skip
    assert r.new_ids == []
    # High-score but below new_track_score: matches nothing and starts nothing either.
    r = trk.step(batch(0.3, [[80.0, 80.0]], [0.65]))
    assert r.new_ids == []


def test_high_score_detections_are_associated_first() -> None:
    trk = SensorTracker("r", point_cfg(high_score=0.6, low_score=0.1, new_track_score=0.6))
    trk.step(batch(0.0, [[0.0, 0.0]]))
    trk.step(batch(0.1, [[0.0, 0.0]]))
    # The low-score detection is closer, but the high-score one wins stage 1.
    v = only(trk.step(batch(0.2, [[0.0, 0.0], [0.4, 0.0]], [0.2, 0.95])))
    assert v.confidence == 0.95


def test_low_score_detections_do_not_confirm_tentative_tracks_when_switched_off() -> None:
    cfg = point_cfg(high_score=0.6, new_track_score=0.6, tentative_low_match=False)
    trk = SensorTracker("r", cfg)
    trk.step(batch(0.0, [[0.0, 0.0]]))
    v = only(trk.step(batch(0.1, [[0.0, 0.0]], [0.3])))
    assert v.status is TrackStatus.TENTATIVE and v.hits == 1


def test_low_score_detections_confirm_tentative_point_tracks_by_default() -> None:
    trk = SensorTracker("r", point_cfg(high_score=0.6, new_track_score=0.6))
    trk.step(batch(0.0, [[0.0, 0.0]]))
    v = only(trk.step(batch(0.1, [[0.0, 0.0]], [0.3])))
    assert v.status is TrackStatus.CONFIRMED and v.hits == 2 and v.confidence == 0.3
    # Still never a birth from a low-score detection.
    r = trk.step(batch(0.2, [[0.0, 0.0], [50.0, 50.0]], [0.9, 0.3]))
    assert r.new_ids == []


# --- time ------------------------------------------------------------------------------


def test_irregular_intervals_use_timestamps() -> None:
    trk = SensorTracker("r", point_cfg(meas_std=0.01, accel_noise=0.01))
    times = np.cumsum([0.0, 0.1, 0.35, 0.05, 0.6, 0.2, 0.01, 0.4, 0.3, 0.25])
    for t in times:
        v = only(trk.step(batch(float(t), [[3.0 * t, -2.0 * t]])))
    assert v.velocity[0] == pytest.approx(3.0, abs=0.05)
    assert v.velocity[1] == pytest.approx(-2.0, abs=0.05)
    assert trk.last_t == T0 + times[-1]


def test_older_batch_is_rejected() -> None:
    trk = SensorTracker("r", point_cfg())
    assert trk.last_t is None
    trk.step(batch(1.0, [[0.0, 0.0]]))
    with pytest.raises(StaleBatchError):
        trk.step(batch(0.5, [[0.0, 0.0]]))
    trk.step(batch(1.0, [[0.0, 0.0]]))  # the same time again is allowed (dt = 0)


# --- measurements ----------------------------------------------------------------------


def test_three_dimensional_points() -> None:
    trk = SensorTracker("lidar", point_cfg(dims=3, meas_std=0.05))
    for k in range(10):
        t = 0.1 * k
        v = only(trk.step(batch(t, [[1.0, 2.0, 0.5 + 4.0 * t]])))
    assert v.mean.shape == (6,) and v.cov.shape == (6, 6)
    assert v.position[2] == pytest.approx(0.5 + 4.0 * 0.9, abs=0.05)
    assert v.velocity[2] == pytest.approx(4.0, abs=0.3)
    assert v.speed_mps == pytest.approx(np.linalg.norm(v.velocity))


def test_per_detection_covariance_weights_the_update() -> None:
    def last_position(R: np.ndarray | None) -> float:
        trk = SensorTracker("r", point_cfg(meas_std=0.5))
        for k in range(5):
            trk.step(batch(0.1 * k, [[0.0, 0.0]]))
        return only(trk.step(batch(0.5, [[1.0, 0.0]], R=R))).position[0]

    default = last_position(None)
    precise = last_position(np.array([np.eye(2) * 1e-4]))
    vague = last_position(np.array([np.eye(2) * 0.6]))
    nan_row = last_position(np.full((1, 2, 2), np.nan))  # "use the default"
    assert precise == pytest.approx(1.0, abs=0.01)
    assert vague < default < precise
    assert nan_row == default


def test_measured_speed_is_reported_when_given() -> None:
    trk = SensorTracker("r", point_cfg(speed_window=3))
    seen = []
    for k, s in enumerate([10.0, 12.0, np.nan, 14.0, 16.0, 18.0]):
        seen.append(only(trk.step(batch(0.1 * k, [[0.0, 0.0]], speeds=np.array([s])))).speed_mps)
    # The mean over the last three matched detections that carried a speed (NaN skipped).
    assert seen == pytest.approx([10.0, 11.0, 11.0, 13.0, 15.0, 16.0])


def test_boxes() -> None:
    cfg = TrackerConfig(kind=MeasurementKind.BOX, confirm_m=2, confirm_n=3)
    trk = SensorTracker("cam", cfg)
    for k in range(8):
        t = k / 25
        v = only(trk.step(batch(t, [[100.0 + 50.0 * t, 80.0, 40.0, 100.0]], labels=["person"])))
    assert v.status is TrackStatus.CONFIRMED
    assert v.bbox is not None
    left, top, w, h = v.bbox
    assert left == pytest.approx(100.0 + 50.0 * 7 / 25, abs=1.0)
    assert (top, w, h) == pytest.approx((80.0, 40.0, 100.0), abs=0.5)
    assert v.position[:2] == pytest.approx((left + w / 2, top + h / 2))
    assert v.velocity[0] == pytest.approx(50.0, abs=15.0)
    assert v.label == "person"


def test_crossing_boxes_keep_their_ids() -> None:
    trk = SensorTracker("cam", TrackerConfig(kind=MeasurementKind.BOX))
    ids: dict[str, list[float]] = {}
    for k in range(60):
        t = k / 25
        a = [100.0 + 200.0 * t, 100.0, 40.0, 100.0]
        b = [580.0 - 200.0 * t, 110.0, 40.0, 100.0]
        for v in trk.step(batch(t, [a, b])).tracks:
            ids.setdefault(v.id, []).append(v.velocity[0])
    assert len(ids) == 2
    assert sorted(np.sign(np.median(vx)) for vx in ids.values()) == [-1.0, 1.0]


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"z": np.zeros((2, 3))}, "z"),
        ({"z": np.array([[np.nan, 0.0]])}, "z"),
        ({"scores": np.array([0.9, 0.9])}, "scores"),
        ({"labels": ("a", "b")}, "labels"),
        ({"speeds": np.array([1.0, 2.0])}, "speeds"),
        ({"R": np.array([[[1.0, 2.0], [2.0, 1.0]]])}, "R"),
        ({"R": np.array([[[1.0, 0.5], [0.0, 1.0]]])}, "R"),
        ({"R": np.eye(2)}, "R"),
    ],
)
def test_malformed_point_batch_names_the_field(kw: dict[str, Any], field: str) -> None:
    base: dict[str, Any] = {
        "t": T0, "frame_id": 1, "z": np.zeros((1, 2)), "scores": np.array([0.9]),
        "labels": ("",),
    }  # fmt: skip
    base.update(kw)
    with pytest.raises(ValueError, match=field):
        SensorTracker("r", point_cfg()).step(DetectionBatch(**base))


def test_malformed_box_batch() -> None:
    trk = SensorTracker("cam", TrackerConfig(kind=MeasurementKind.BOX))
    with pytest.raises(ValueError, match="z"):
        trk.step(batch(0.0, [[0.0, 0.0, 0.0, 10.0]]))
    with pytest.raises(ValueError, match="R"):
        trk.step(batch(0.0, [[0.0, 0.0, 5.0, 10.0]], R=np.ones((1, 4, 4))))
    assert trk.last_t is None  # nothing was applied


# --- output, history, state --------------------------------------------------------------


def test_views_are_a_snapshot_with_columns() -> None:
    trk = SensorTracker("r", point_cfg())
    trk.step(batch(0.0, [[0.0, 0.0], [100.0, 0.0]]))
    r1 = trk.step(batch(0.1, [[0.5, 0.0], [100.0, 0.5]]))
    first = [(v.id, v.status, v.hits, v.position) for v in r1.tracks]
    trk.step(batch(0.2, []))
    trk.step(batch(0.3, [[1.5, 0.0]]))
    assert [(v.id, v.status, v.hits, v.position) for v in r1.tracks] == first
    tv = r1.tracks
    assert isinstance(tv, TrackViews)
    assert tv.ids == ["r-000001", "r-000002"]
    want = np.array([v.position[:2] for v in r1.tracks])
    np.testing.assert_allclose(tv.positions[:, :2], want)
    with pytest.raises(ValueError):
        r1.tracks[0].mean[0] = 1.0  # read-only snapshot


def test_history_is_bounded_and_forgets_deleted_tracks() -> None:
    trk = SensorTracker("r", point_cfg(history_length=4, max_coast_s=0.25))
    for k in range(6):
        v = only(trk.step(batch(0.1 * k, [[float(k), 0.0]])))
    hist = trk.history("r-000001")
    assert [round(t - T0, 6) for t, _ in hist] == [0.2, 0.3, 0.4, 0.5]
    assert hist[-1][1] == v.position
    assert trk.history("r-000099") == [] and trk.history("other-000001") == []
    trk.step(batch(1.0, []))  # deleted (0.5 s > 0.25 s without a match)
    assert trk.history("r-000001") == []


def _scenario(seed: int, n: int = 30, scans: int = 40) -> list[DetectionBatch]:
    rng = np.random.default_rng(seed)
    pos = rng.uniform(0, 300, (n, 2))
    vel = rng.normal(0, 3, (n, 2))
    out = []
    t = 0.0
    for _ in range(scans):
        t += float(rng.uniform(0.05, 0.3))
        pos = pos + vel * 0.1
        seen = rng.random(n) < 0.85
        z = np.vstack(
            [pos[seen] + rng.normal(0, 0.3, (seen.sum(), 2)), rng.uniform(0, 300, (3, 2))]
        )
        scores = rng.uniform(0.05, 1.0, len(z))
        speeds = np.where(rng.random(len(z)) < 0.5, rng.uniform(0, 5, len(z)), np.nan)
        labels = tuple(rng.choice(["car", "person", ""], len(z)).tolist())
        out.append(batch(t, z, scores, labels, speeds=speeds))
    return out


def _fingerprint(r: StepResult) -> list[Any]:
    return [
        r.new_ids,
        [(v.id, v.status, v.mean.tolist(), v.cov.tolist(), v.hits, v.label, v.speed_mps,
          v.confidence, v.updated_t) for v in r.tracks],
        [(v.id, v.mean.tolist()) for v in r.deleted],
    ]  # fmt: skip


@pytest.mark.parametrize("kind", [MeasurementKind.POINT, MeasurementKind.BOX])
def test_state_round_trip_is_exact(kind: MeasurementKind) -> None:
    scans = _scenario(3)
    if kind is MeasurementKind.BOX:
        scans = [
            DetectionBatch(
                b.t, b.frame_id, np.hstack([b.z, np.full((len(b.z), 2), 20.0)]), b.scores, b.labels
            )  # fmt: skip
            for b in scans
        ]
    cfg = TrackerConfig(kind=kind, history_length=5)
    original = SensorTracker("s", cfg)
    for b in scans[:20]:
        original.step(b)
    state = json.loads(json.dumps(original.to_state(), allow_nan=False))
    restored = SensorTracker.from_state(state)
    assert restored.last_t == original.last_t and restored.next_id == original.next_id
    assert restored.config == cfg
    for b in scans[20:]:
        assert _fingerprint(restored.step(b)) == _fingerprint(original.step(b))
    ids = [v.id for v in original.step(scans[-1]).tracks]
    restored.step(scans[-1])
    for track_id in ids:
        assert restored.history(track_id) == original.history(track_id)


def test_from_state_rejects_unknown_version() -> None:
    state = SensorTracker("s", point_cfg()).to_state()
    state["version"] = 99
    with pytest.raises(ValueError, match="version"):
        SensorTracker.from_state(state)


def test_many_targets_all_tracked() -> None:
    rng = np.random.default_rng(0)
    n = 500
    pos = rng.uniform(0, 5000, (n, 2))
    vel = rng.normal(0, 5, (n, 2))
    trk = SensorTracker("r", TrackerConfig(meas_std=0.3))
    for k in range(10):
        z = pos + vel * 0.1 * k + rng.normal(0, 0.3, (n, 2))
        r = trk.step(batch(0.1 * k, z, [0.9] * n))
    assert len(r.tracks) == n
    assert trk.next_id == n + 1  # no track was lost and restarted
    assert isinstance(r.tracks, TrackViews)
    assert np.all(r.tracks.status == TrackStatus.CONFIRMED.value)


# --- composition -------------------------------------------------------------------------


@dataclass(frozen=True)
class _NeverMatch:
    """A fake associator: nothing is ever associated."""

    def associate(self, hyp: Hypotheses, n_tracks: int, n_dets: int) -> Assignment:
        none = np.empty(0, np.intp)
        return Assignment(none, none.copy(), np.arange(n_tracks), np.arange(n_dets))


@dataclass(frozen=True)
class _KeepAll:
    """A fake deleter: nothing is ever deleted."""

    def deleted(self, t: float, status: np.ndarray, *args: np.ndarray) -> np.ndarray:
        return np.zeros(len(status), dtype=bool)


def test_parts_are_injected() -> None:
    cfg = point_cfg()
    parts = replace(TrackerParts.from_config(cfg), associator=_NeverMatch(), deleter=_KeepAll())
    trk = SensorTracker("r", cfg, parts=parts)
    for k in range(3):
        r = trk.step(batch(0.1 * k, [[0.0, 0.0]]))
    # Every detection started a track and none ended: three tentative tracks, ids 1..3.
    assert [(v.id, v.status, v.hits) for v in r.tracks] == [
        (f"r-00000{i}", TrackStatus.TENTATIVE, 1) for i in (1, 2, 3)
    ]
