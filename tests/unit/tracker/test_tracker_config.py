"""TrackerConfig validation: a bad value raises ValueError naming the field (norfair style).

(Named test_tracker_config.py, not test_config.py: test modules are not packages, so their
basenames must be unique across tests/.)
"""

from __future__ import annotations

from typing import Any

import pytest

from services.tracker.domain.config import TrackerConfig
from services.tracker.domain.types import MeasurementKind


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("kind", "box"),
        ("dims", 4),
        ("dims", 1),
        ("high_score", 1.5),
        ("low_score", -0.1),
        ("new_track_score", float("nan")),
        ("box_new_track_score", 1.1),
        ("tentative_low_match", 1),
        ("box_tentative_low_match", "no"),
        ("confirm_m", 0),
        ("confirm_n", 2.5),
        ("confirm_n", 63),
        ("coast_grace_scans", -1),
        ("coast_grace_s", -0.1),
        ("max_coast_s", -1.0),
        ("history_length", 0),
        ("speed_window", 0),
        ("accel_noise", -1.0),
        ("meas_std", 0.0),
        ("init_speed_std", float("inf")),
        ("gate_prob", 1.0),
        ("max_pos_std", 0.0),
        ("box_accel_noise", -0.1),
        ("box_pos_noise", "x"),
        ("box_meas_std", 0.0),
        ("box_init_speed_std", -1.0),
        ("iou_threshold", 0.0),
        ("iou_threshold_low", 1.0),
        ("box_max_pos_std", -2.0),
        ("box_max_centre_dist", 0.0),
        ("box_max_size_ratio", 0.5),
        ("box_max_size_ratio", float("inf")),
    ],
)
def test_bad_value_names_the_field(field: str, value: Any) -> None:
    with pytest.raises(ValueError, match=field):
        TrackerConfig(**{field: value})


def test_relations_between_fields() -> None:
    with pytest.raises(ValueError, match="low_score"):
        TrackerConfig(high_score=0.3, low_score=0.4, new_track_score=0.5)
    with pytest.raises(ValueError, match="new_track_score"):
        TrackerConfig(high_score=0.6, new_track_score=0.5)
    with pytest.raises(ValueError, match="box_new_track_score"):
        TrackerConfig(high_score=0.85, new_track_score=0.9)
    with pytest.raises(ValueError, match="confirm_m"):
        TrackerConfig(confirm_m=4, confirm_n=3)


def test_defaults_are_valid_and_round_trip() -> None:
    for kind in MeasurementKind:
        cfg = TrackerConfig(kind=kind)
        assert TrackerConfig.from_dict(cfg.to_dict()) == cfg
    assert TrackerConfig(kind=MeasurementKind.BOX).meas_dims == 4
    assert TrackerConfig(dims=3).meas_dims == 3


def test_from_dict_rejects_unknown_fields() -> None:
    with pytest.raises(ValueError, match="colour"):
        TrackerConfig.from_dict({"colour": 1})
