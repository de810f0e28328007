"""Validation and framing of detection batches. Pure: works on the proto messages as data,
raises ValidationError naming the field path (`detections[3].confidence`)."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from aura.common.v1 import common_pb2 as c
from aura.ingest.v1 import ingest_pb2 as pb
from services.common.errors import ValidationError
from services.common.timeutil import ts_micros

SENSOR_ID_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
CHANNEL_RE = re.compile(r"^[A-Za-z0-9_.\-/]{1,128}$")
MAX_LABEL_LEN = 64
# Timestamps must fall in 1970..2200: anything else is a unit error (ms sent as s, ...).
MIN_TS, MAX_TS = 0, 7258118400

POINT_KINDS = {c.SENSOR_KIND_RADAR, c.SENSOR_KIND_LIDAR, c.SENSOR_KIND_OTHER}


@dataclass(frozen=True)
class Limits:
    """Bounds on a batch; the defaults suit a sensor sending up to a few thousand objects."""

    max_detections: int = 10_000
    max_request_bytes: int = 4 * 1024 * 1024


def _finite(field: str, *values: float) -> None:
    for v in values:
        if not math.isfinite(v):
            raise ValidationError(field, f"must be a finite number, got {v}")


def check_sensor_id(field: str, value: str) -> None:
    if not value:
        raise ValidationError(field, "is required")
    if not SENSOR_ID_RE.match(value):
        raise ValidationError(
            field, f"{value!r} must be 1-64 characters of letters, digits, '_', '-', '.', ':'"
        )


def check_timestamp(field: str, msg: c.Detection | pb.TelemetrySample) -> None:
    if not msg.HasField("timestamp"):
        raise ValidationError(field, "is required (UTC)")
    s = msg.timestamp.seconds
    if s <= MIN_TS or s >= MAX_TS:
        raise ValidationError(field, f"{s} s since the epoch is outside 1970..2200")


def check_covariance(field: str, cov: c.Covariance, dims: Sequence[int]) -> None:
    n = cov.dim
    if n not in dims:
        raise ValidationError(f"{field}.dim", f"must be one of {list(dims)}, got {n}")
    if len(cov.values) != n * n:
        raise ValidationError(f"{field}.values", f"needs {n * n} values for dim {n}")
    m = np.asarray(cov.values, dtype=float).reshape(n, n)
    if not np.all(np.isfinite(m)):
        raise ValidationError(f"{field}.values", "must be finite")
    if not np.allclose(m, m.T, rtol=1e-9, atol=1e-12):
        raise ValidationError(f"{field}.values", "must be symmetric")
    try:
        np.linalg.cholesky(m)
    except np.linalg.LinAlgError as exc:
        raise ValidationError(f"{field}.values", "must be positive definite") from exc


def resolve_kind(d: c.Detection) -> int:
    """The sensor kind a detection declares, or the one its measurement implies."""
    if d.sensor_kind != c.SENSOR_KIND_UNSPECIFIED:
        return d.sensor_kind
    return c.SENSOR_KIND_CAMERA if d.WhichOneof("measurement") == "bbox" else c.SENSOR_KIND_OTHER


def check_detection(d: c.Detection, field: str) -> None:
    """Raise ValidationError for the first problem of one detection."""
    check_sensor_id(f"{field}.sensor_id", d.sensor_id)
    check_timestamp(f"{field}.timestamp", d)
    _finite(f"{field}.confidence", d.confidence)
    if not 0.0 <= d.confidence <= 1.0:
        raise ValidationError(f"{field}.confidence", f"must be within 0..1, got {d.confidence}")
    if len(d.class_label) > MAX_LABEL_LEN:
        raise ValidationError(f"{field}.class_label", f"longer than {MAX_LABEL_LEN} characters")
    if d.sensor_kind not in c.SensorKind.values():
        raise ValidationError(f"{field}.sensor_kind", f"unknown sensor kind {d.sensor_kind}")
    which = d.WhichOneof("measurement")
    if which is None:
        raise ValidationError(f"{field}.position", "a position or a bbox is required")
    kind = resolve_kind(d)
    if which == "position":
        p = d.position
        _finite(f"{field}.position", p.x, p.y, p.z)
        if kind == c.SENSOR_KIND_CAMERA:
            raise ValidationError(
                f"{field}.position", "a camera reports a bbox, not a position (sensor_kind)"
            )
        if d.HasField("covariance"):
            check_covariance(f"{field}.covariance", d.covariance, (2, 3))
    else:
        b = d.bbox
        _finite(f"{field}.bbox", b.x, b.y, b.width, b.height)
        if b.width <= 0 or b.height <= 0:
            raise ValidationError(
                f"{field}.bbox", f"width and height must be > 0, got {b.width} x {b.height}"
            )
        if kind in POINT_KINDS:
            raise ValidationError(
                f"{field}.bbox", "a radar, lidar or point sensor reports a position, not a bbox"
            )
        if d.HasField("covariance"):
            raise ValidationError(f"{field}.covariance", "is for position detections only")
    if d.HasField("speed_mps"):
        _finite(f"{field}.speed_mps", d.speed_mps)
        if d.speed_mps < 0:
            raise ValidationError(f"{field}.speed_mps", "must be >= 0")


def frame_key(d: c.Detection) -> tuple[str, int]:
    """(sensor_id, frame_id); frame 0 means "derive it from the timestamp (µs)"."""
    return d.sensor_id, d.frame_id or ts_micros(d.timestamp)


def build_frames(
    detections: Sequence[c.Detection], limits: Limits, prefix: str = "detections"
) -> list[c.DetectionFrame]:
    """Validate a whole batch and group it into per-sensor frames; all or nothing."""
    if len(detections) > limits.max_detections:
        raise ValidationError(
            prefix, f"{len(detections)} detections exceed the limit of {limits.max_detections}"
        )
    groups: dict[tuple[str, int], list[c.Detection]] = {}
    kinds: dict[str, tuple[int, str]] = {}
    for i, d in enumerate(detections):
        field = f"{prefix}[{i}]"
        check_detection(d, field)
        kind = resolve_kind(d)
        seen = kinds.setdefault(d.sensor_id, (kind, field))
        if seen[0] != kind:
            raise ValidationError(
                f"{field}.sensor_kind",
                f"sensor {d.sensor_id!r} is {c.SensorKind.Name(seen[0])} at {seen[1]} "
                f"but {c.SensorKind.Name(kind)} here",
            )
        groups.setdefault(frame_key(d), []).append(d)
    frames = []
    for (sensor, frame_id), dets in groups.items():
        latest = max(dets, key=lambda d: (d.timestamp.seconds, d.timestamp.nanos))
        frames.append(
            c.DetectionFrame(
                sensor_id=sensor,
                sensor_kind=kinds[sensor][0],
                frame_id=frame_id,
                timestamp=latest.timestamp,
                detections=dets,
            )
        )
    frames.sort(key=lambda f: (f.sensor_id, f.frame_id))
    return frames


def check_request_size(size: int, limits: Limits, field: str = "request") -> None:
    if size > limits.max_request_bytes:
        raise ValidationError(
            field, f"{size} bytes exceed the limit of {limits.max_request_bytes} bytes"
        )


def check_telemetry(samples: Sequence[pb.TelemetrySample], limits: Limits) -> None:
    if len(samples) > limits.max_detections:
        raise ValidationError(
            "samples", f"{len(samples)} samples exceed the limit of {limits.max_detections}"
        )
    for i, s in enumerate(samples):
        field = f"samples[{i}]"
        check_sensor_id(f"{field}.source_id", s.source_id)
        if not CHANNEL_RE.match(s.channel):
            raise ValidationError(
                f"{field}.channel", "must be 1-128 characters of letters, digits, '_.-/'"
            )
        _finite(f"{field}.value", s.value)
        check_timestamp(f"{field}.timestamp", s)
