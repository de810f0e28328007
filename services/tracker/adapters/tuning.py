"""A sensor's registry entry (admin.v1.Sensor) as the tracker configuration it asks for.

The registry carries a point sensor's measurement noise (`default_noise.position_std_m`) and
optional overrides in `tracking` (admin.v1.TrackerTuning). `tuned` applies them to a base
TrackerConfig; admin calls it too, so a sensor whose tuning the tracker would refuse is
refused when it is written, with the message naming the registry field.
"""

from __future__ import annotations

import dataclasses

from aura.admin.v1 import admin_pb2
from aura.common.v1 import common_pb2 as c
from services.common.errors import ValidationError
from services.tracker.domain.config import TrackerConfig
from services.tracker.domain.enums import MeasurementKind

# TrackerTuning field -> TrackerConfig field, per measurement kind.
_POINT = {
    "accel_noise": "accel_noise",
    "high_score": "high_score",
    "low_score": "low_score",
    "birth_score": "new_track_score",
    "confirm_hits": "confirm_m",
    "confirm_scans": "confirm_n",
    "coast_grace_s": "coast_grace_s",
    "max_coast_s": "max_coast_s",
}
_BOX = {
    **_POINT,
    "accel_noise": "box_accel_noise",
    "birth_score": "box_new_track_score",
    "box_meas_std": "box_meas_std",
}


def measurement_kind(sensor_kind: int) -> MeasurementKind:
    """Cameras report boxes; every other kind reports points."""
    return MeasurementKind.BOX if sensor_kind == c.SENSOR_KIND_CAMERA else MeasurementKind.POINT


def tuned(base: TrackerConfig, sensor: admin_pb2.Sensor, prefix: str = "sensor") -> TrackerConfig:
    """`base` with the sensor's registry overrides; ValidationError naming the field (under
    `prefix`) when one is out of range or the combination is inconsistent."""
    box = base.kind is MeasurementKind.BOX
    names = _BOX if box else _POINT
    changes: dict[str, object] = {}
    source: dict[str, str] = {}  # TrackerConfig field -> registry field path
    noise = sensor.default_noise.position_std_m
    if not box and noise > 0:
        changes["meas_std"] = noise
        source["meas_std"] = f"{prefix}.default_noise.position_std_m"
    t = sensor.tracking
    for desc in t.DESCRIPTOR.fields:
        if not t.HasField(desc.name):
            continue
        path = f"{prefix}.tracking.{desc.name}"
        if desc.name not in names:
            raise ValidationError(path, "applies to cameras only")
        changes[names[desc.name]] = getattr(t, desc.name)
        source[names[desc.name]] = path
    if not changes:
        return base
    # A raised high_score lifts the default birth thresholds with it (they may not be lower).
    if "high_score" in changes:
        for birth in ("new_track_score", "box_new_track_score"):
            if birth not in changes and getattr(base, birth) < float(changes["high_score"]):  # type: ignore[arg-type]
                changes[birth] = changes["high_score"]
    try:
        return dataclasses.replace(base, **changes)  # type: ignore[arg-type]
    except ValueError as exc:
        message = str(exc)
        # Longest names first, so "box_new_track_score" is not read as "new_track_score".
        public = sorted(
            ((name, path.rsplit(".", 1)[-1]) for name, path in source.items()),
            key=lambda item: -len(item[0]),
        )
        field = next(
            (source[name] for name, _ in public if message.startswith(name)), f"{prefix}.tracking"
        )
        for name, short in public:
            message = message.replace(name, short)
        raise ValidationError(field, message) from exc
