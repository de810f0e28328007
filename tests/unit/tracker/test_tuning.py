"""A sensor's registry tuning as the tracker's config (services/tracker/adapters/tuning.py),
and SensorTracker.retune, which applies a new one to a live tracker."""

from __future__ import annotations

import math

import numpy as np
import pytest

from aura.admin.v1 import admin_pb2
from aura.common.v1 import common_pb2 as c
from services.common.errors import ValidationError
from services.tracker.adapters.tuning import measurement_kind, tuned
from services.tracker.domain.tracker import SensorTracker
from services.tracker.domain.types import (
    DetectionBatch,
    MeasurementKind,
    TrackerConfig,
    TrackStatus,
)

POINT = TrackerConfig(kind=MeasurementKind.POINT)
BOX = TrackerConfig(kind=MeasurementKind.BOX)


def sensor(
    kind: int = c.SENSOR_KIND_RADAR, noise: float = 0.0, **tuning: float
) -> admin_pb2.Sensor:
    return admin_pb2.Sensor(
        sensor_id="s1",
        kind=kind,
        default_noise=admin_pb2.MeasurementNoise(position_std_m=noise),
        tracking=admin_pb2.TrackerTuning(**tuning),
    )


def test_no_tuning_keeps_the_defaults() -> None:
    assert tuned(POINT, sensor()) is POINT
    assert tuned(BOX, sensor(c.SENSOR_KIND_CAMERA)) is BOX


def test_point_sensor_noise_and_overrides() -> None:
    cfg = tuned(POINT, sensor(noise=0.2, accel_noise=5.0, confirm_hits=3, confirm_scans=4))
    assert (cfg.meas_std, cfg.accel_noise, cfg.confirm_m, cfg.confirm_n) == (0.2, 5.0, 3, 4)
    assert cfg.box_accel_noise == BOX.box_accel_noise  # the box twin is untouched


def test_camera_overrides_go_to_the_box_fields() -> None:
    cam = sensor(
        c.SENSOR_KIND_CAMERA, noise=0.2, accel_noise=1.0, birth_score=0.9, box_meas_std=0.1
    )
    cfg = tuned(BOX, cam)
    assert (cfg.box_accel_noise, cfg.box_new_track_score, cfg.box_meas_std) == (1.0, 0.9, 0.1)
    assert cfg.accel_noise == POINT.accel_noise and cfg.new_track_score == POINT.new_track_score
    assert cfg.meas_std == POINT.meas_std  # position_std_m is for point sensors


def test_raised_high_score_lifts_the_default_birth_thresholds() -> None:
    cfg = tuned(POINT, sensor(high_score=0.85))
    assert cfg.high_score == 0.85
    assert cfg.new_track_score == 0.85 and cfg.box_new_track_score == 0.85


@pytest.mark.parametrize(
    ("s", "field", "words"),
    [
        (sensor(confirm_hits=5, confirm_scans=3), "sensor.tracking.confirm_hits", "confirm_scans"),
        (sensor(high_score=0.7, birth_score=0.65), "sensor.tracking.birth_score", "high_score"),
        (sensor(low_score=0.9), "sensor.tracking.low_score", "high_score"),
        (sensor(accel_noise=-1.0), "sensor.tracking.accel_noise", ">= 0"),
        (sensor(max_coast_s=math.nan), "sensor.tracking.max_coast_s", "max_coast_s"),
        (sensor(box_meas_std=0.1), "sensor.tracking.box_meas_std", "cameras only"),
        (sensor(noise=math.inf), "sensor.default_noise.position_std_m", "position_std_m"),
    ],
)
def test_bad_tuning_names_the_registry_field(s: admin_pb2.Sensor, field: str, words: str) -> None:
    base = TrackerConfig(kind=measurement_kind(s.kind))
    with pytest.raises(ValidationError) as err:
        tuned(base, s)
    assert err.value.field == field
    assert words in str(err.value)
    assert "confirm_m" not in str(err.value) and "new_track_score" not in str(err.value)


def _batch(t: float, xs: list[float]) -> DetectionBatch:
    return DetectionBatch(
        t=1_767_225_600.0 + t,
        frame_id=int(t * 10),
        z=np.array([[x, 0.0] for x in xs]).reshape(-1, 2),
        scores=np.full(len(xs), 0.9),
        labels=("",) * len(xs),
    )


def test_retune_keeps_tracks_and_ids_and_changes_what_follows() -> None:
    trk = SensorTracker("r", TrackerConfig(confirm_m=1, confirm_n=1))
    (first,) = trk.step(_batch(0.0, [10.0])).tracks
    assert first.status is TrackStatus.CONFIRMED
    trk.retune(TrackerConfig())  # confirm 2 of 3
    res = trk.step(_batch(0.1, [10.0, 200.0]))
    by_id = {v.id: v for v in res.tracks}
    assert by_id[first.id].status is TrackStatus.CONFIRMED
    assert res.new_ids == ["r-000002"] and by_id["r-000002"].status is TrackStatus.TENTATIVE


def test_retune_refuses_what_sizes_the_state() -> None:
    trk = SensorTracker("r", TrackerConfig())
    with pytest.raises(ValueError, match="dims"):
        trk.retune(TrackerConfig(dims=3))
    with pytest.raises(ValueError, match="kind"):
        trk.retune(TrackerConfig(kind=MeasurementKind.BOX))
