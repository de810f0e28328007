"""The configuration admin owns, checked before it is stored: sensors, zones, thresholds,
update masks, page tokens and broadcasts; and the state of a sensor as GetSystemStatus
reports it. Pure: works on the proto messages as data, takes the time as an argument, and
raises ValidationError naming the field path (`zone.polygon.vertices`)."""

from __future__ import annotations

import base64
import binascii
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from google.protobuf import field_mask_pb2
from google.protobuf.message import Message

from aura.admin.v1 import admin_pb2 as pb
from aura.common.v1 import common_pb2 as c
from services.common.errors import ConflictError, DomainError, ValidationError
from services.common.geometry import GeometryError, check_homography
from services.common.timeutil import ts_from_seconds

# The tracker's own validation of a sensor's tuning (pure: no I/O), so both agree.
from services.tracker.adapters.tuning import measurement_kind, tuned
from services.tracker.domain.config import TrackerConfig

SENSOR_ID_RE = re.compile(r"^[A-Za-z0-9_.:\-]{1,64}$")
ZONE_ID_RE = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
LABEL_KEY_RE = re.compile(r"^[A-Za-z0-9_.:/\-]{1,64}$")
MAX_NAME = 256
MAX_LABEL_VALUE = 256
MAX_LABELS = 64
MAX_VERTICES = 1000
MAX_CLASS_LABELS = 64
MAX_WINDOWS = 10_000
MAX_BROADCAST_TEXT = 1000
DEFAULT_BROADCAST_TTL_S = 300
MAX_BROADCAST_TTL_S = 86_400
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

SENSOR_KINDS = frozenset(
    {c.SENSOR_KIND_CAMERA, c.SENSOR_KIND_RADAR, c.SENSOR_KIND_LIDAR, c.SENSOR_KIND_OTHER}
)
POLYGON_KINDS = frozenset({pb.ZONE_KIND_PROTECTED, pb.ZONE_KIND_MONITORING, pb.ZONE_KIND_LANE})
ZONE_KINDS = POLYGON_KINDS | {pb.ZONE_KIND_COUNTING_LINE}
CONGESTION_LEVELS = frozenset(c.CongestionLevel.values())
MAX_THREAT_LEVEL = 4

#: Fields a caller may set, per message (the others are the id and output-only fields).
SENSOR_WRITABLE = frozenset(
    {
        "kind",
        "site_id",
        "name",
        "enabled",
        "pose",
        "homography",
        "expected_rate_hz",
        "expected_delay_ms",
        "default_noise",
        "labels",
        "tracking",
    }
)
ZONE_WRITABLE = frozenset(
    {
        "name",
        "kind",
        "site_id",
        "polygon",
        "line",
        "anchor",
        "dwell_threshold_s",
        "class_labels",
        "enabled",
    }
)
_OUTPUT_ONLY = ("version", "created_at", "updated_at", "updated_by")

#: The thresholds in force until an operator changes them (the proto's seeded defaults).
DEFAULT_THRESHOLDS = pb.Thresholds(
    congestion=pb.CongestionThresholds(
        moderate_score=0.4,
        high_score=0.6,
        severe_score=0.8,
        free_flow_speed_mps=13.9,
        capacity_per_window=50,
        speed_weight=1.0,
        occupancy_weight=1.0,
        count_weight=1.0,
    ),
    alert_rules=pb.AlertRules(
        min_congestion_level=c.CONGESTION_LEVEL_HIGH,
        raise_after_windows=1,
        clear_after_windows=2,
        min_threat_level=3,
        threat_clear_after_s=10.0,
    ),
    threat_rules=pb.ThreatRules(
        protected_zone=pb.ZoneEntryRule(enabled=True, level=3),
        approach=pb.ApproachRule(
            enabled=True,
            level=2,
            min_speed_mps=0.5,
            max_time_to_closest_approach_s=10.0,
            max_closest_approach_m=5.0,
        ),
        loitering=pb.LoiteringRule(enabled=True, level=2, min_dwell_s=60.0),
        hold_s=5.0,
    ),
)


class AlreadyExistsError(DomainError):
    """The id is taken: ALREADY_EXISTS."""


# ------------------------------------------------------------------ numbers and ids


def _finite(field: str, value: float) -> float:
    if not math.isfinite(value):
        raise ValidationError(field, f"must be a finite number, got {value}")
    return value


def _at_least(field: str, value: float, low: float, strict: bool = False) -> None:
    _finite(field, value)
    if value < low or (strict and value == low):
        raise ValidationError(field, f"must be {'>' if strict else '>='} {low:g}, got {value:g}")


def _no_traversal(field: str, value: str) -> None:
    if "/" in value or "\\" in value or ".." in value:
        raise ValidationError(field, f"{value!r} must not hold '/', '\\' or '..'")


def check_sensor_id(field: str, value: str) -> None:
    """1-64 letters, digits, '_', '-', '.', ':'; no '..', and no '.' at either end (it is
    part of a key-value key, whose tokens are separated by dots)."""
    if not value:
        raise ValidationError(field, "is required")
    _no_traversal(field, value)
    if not SENSOR_ID_RE.match(value) or value.startswith(".") or value.endswith("."):
        raise ValidationError(
            field,
            f"{value!r} must be 1-64 characters of letters, digits, '_', '-', '.', ':' "
            "(not starting or ending with '.')",
        )


def check_zone_id(field: str, value: str) -> None:
    """1-64 letters, digits, '_', '-' (a zone id is one NATS subject token)."""
    if not value:
        raise ValidationError(field, "is required")
    _no_traversal(field, value)
    if not ZONE_ID_RE.match(value):
        raise ValidationError(
            field, f"{value!r} must be 1-64 characters of letters, digits, '_' or '-'"
        )


def _check_site_id(field: str, value: str) -> None:
    if value:
        check_sensor_id(field, value)


def _check_name(field: str, value: str) -> None:
    if len(value) > MAX_NAME:
        raise ValidationError(field, f"is {len(value)} characters; at most {MAX_NAME}")


def _check_vector(field: str, v: c.Vector3) -> None:
    for axis in ("x", "y", "z"):
        _finite(f"{field}.{axis}", getattr(v, axis))


# ------------------------------------------------------------------------- sensors


def validate_sensor(s: pb.Sensor, prefix: str = "sensor") -> None:
    """Everything CreateSensor and UpdateSensor check about a sensor's writable fields."""
    check_sensor_id(f"{prefix}.sensor_id", s.sensor_id)
    if s.kind not in SENSOR_KINDS:
        names = ", ".join(c.SensorKind.Name(k) for k in sorted(SENSOR_KINDS))
        raise ValidationError(f"{prefix}.kind", f"must be one of {names}, got {s.kind}")
    _check_site_id(f"{prefix}.site_id", s.site_id)
    _check_name(f"{prefix}.name", s.name)
    if s.HasField("pose"):
        _check_vector(f"{prefix}.pose.position", s.pose.position)
        heading = _finite(f"{prefix}.pose.heading_deg", s.pose.heading_deg)
        if not 0.0 <= heading <= 360.0:
            raise ValidationError(
                f"{prefix}.pose.heading_deg", f"must be within 0..360 degrees, got {heading:g}"
            )
    if s.HasField("homography"):
        if s.kind != c.SENSOR_KIND_CAMERA:
            raise ValidationError(
                f"{prefix}.homography", "only a camera has a homography; use pose instead"
            )
        try:
            check_homography(list(s.homography.values))
        except GeometryError as exc:
            raise ValidationError(f"{prefix}.homography.values", str(exc)) from exc
    _at_least(f"{prefix}.expected_rate_hz", s.expected_rate_hz, 0.0)
    _at_least(f"{prefix}.expected_delay_ms", s.expected_delay_ms, 0.0)
    _at_least(f"{prefix}.default_noise.position_std_m", s.default_noise.position_std_m, 0.0)
    _at_least(f"{prefix}.default_noise.pixel_std_px", s.default_noise.pixel_std_px, 0.0)
    # The tracker's own rules, so a tuning it would refuse is refused here.
    tuned(TrackerConfig(kind=measurement_kind(s.kind)), s, prefix)
    if len(s.labels) > MAX_LABELS:
        raise ValidationError(f"{prefix}.labels", f"at most {MAX_LABELS} labels")
    for key, value in s.labels.items():
        if not LABEL_KEY_RE.match(key):
            raise ValidationError(
                f"{prefix}.labels", f"key {key!r} must be 1-64 letters, digits or '_.:/-'"
            )
        if len(value) > MAX_LABEL_VALUE:
            raise ValidationError(f"{prefix}.labels[{key}]", f"at most {MAX_LABEL_VALUE} chars")


def is_fusable(s: pb.Sensor) -> bool:
    """True when fusion can bring the sensor's tracks into the world frame: a camera needs a
    usable homography, any other kind a pose."""
    if s.kind == c.SENSOR_KIND_CAMERA:
        if len(s.homography.values) != 9:
            return False
        try:
            check_homography(list(s.homography.values))
        except GeometryError:
            return False
        return True
    return bool(s.HasField("pose"))


# --------------------------------------------------------------------------- zones


def polygon_self_intersection(pts: np.ndarray) -> tuple[int, int] | None:
    """The first pair of edges (i, j) of a closed polygon that cross, touch, or overlap;
    edge i runs from vertex i to vertex i + 1. None for a simple polygon. O(n^2), one numpy
    pass per edge."""
    pts = np.asarray(pts, dtype=float)
    n = len(pts)
    a = pts
    b = np.roll(pts, -1, axis=0)
    d = b - a
    scale = float(np.max(np.abs(pts))) or 1.0
    eps = 1e-12 * scale * scale  # tolerance for cross products (area units)
    tol = 1e-9 * scale  # tolerance for coordinates

    def cross(u: np.ndarray, v: np.ndarray) -> np.ndarray:
        return np.asarray(u[..., 0] * v[..., 1] - u[..., 1] * v[..., 0])

    def sign(x: np.ndarray) -> np.ndarray:
        return np.where(x > eps, 1, np.where(x < -eps, -1, 0))

    def on_segment(p: np.ndarray, s: np.ndarray, e: np.ndarray) -> np.ndarray:
        lo, hi = np.minimum(s, e) - tol, np.maximum(s, e) + tol
        return np.asarray(np.all((p >= lo) & (p <= hi), axis=-1))

    for i in range(n - 1):
        j = np.arange(i + 1, n)
        ai, bi, di = a[i], b[i], d[i]
        aj, bj, dj = a[j], b[j], d[j]
        adjacent = (j == i + 1) | ((i == 0) & (j == n - 1))
        s1, s2 = sign(cross(di, aj - ai)), sign(cross(di, bj - ai))
        s3, s4 = sign(cross(dj, ai - aj)), sign(cross(dj, bi - aj))
        proper = (s1 * s2 < 0) & (s3 * s4 < 0)
        touch = (
            ((s1 == 0) & on_segment(aj, ai, bi))
            | ((s2 == 0) & on_segment(bj, ai, bi))
            | ((s3 == 0) & on_segment(ai, aj, bj))
            | ((s4 == 0) & on_segment(bi, aj, bj))
        )
        # Neighbours share a vertex; they only go wrong when one folds back onto the other.
        folds = (np.abs(cross(di, dj)) <= eps) & ((dj @ di) < 0)
        bad = np.where(adjacent, folds, proper | touch)
        if bad.any():
            return i, int(j[np.argmax(bad)])
    return None


def check_polygon(field: str, vertices: Sequence[c.Vector3]) -> None:
    """At least 3 finite vertices, the first not repeated at the end, no repeated neighbours,
    a non-zero area, and no edges crossing (z is ignored)."""
    n = len(vertices)
    if n < 3:
        raise ValidationError(field, f"a polygon needs at least 3 vertices, got {n}")
    if n > MAX_VERTICES:
        raise ValidationError(field, f"at most {MAX_VERTICES} vertices, got {n}")
    for k, v in enumerate(vertices):
        _check_vector(f"{field}[{k}]", v)
    pts = np.array([(v.x, v.y) for v in vertices], dtype=float)
    scale = float(np.max(np.abs(pts))) or 1.0
    steps = np.linalg.norm(np.roll(pts, -1, axis=0) - pts, axis=1)
    if np.any(steps <= 1e-9 * scale):
        k = int(np.argmax(steps <= 1e-9 * scale))
        which = "the last repeats the first" if k == n - 1 else f"{k} and {k + 1} coincide"
        raise ValidationError(field, f"vertices {which}; give each corner once")
    spread = np.linalg.svd(pts - pts.mean(axis=0), compute_uv=False)
    if spread[-1] <= 1e-9 * scale:
        raise ValidationError(field, "the polygon has no area (its vertices are collinear)")
    crossing = polygon_self_intersection(pts)
    if crossing is not None:
        i, j = crossing
        raise ValidationError(
            field, f"edges {i} and {j} cross: the polygon intersects itself (a bow-tie?)"
        )


def validate_zone(z: pb.Zone, prefix: str = "zone") -> None:
    """Everything CreateZone and UpdateZone check about a zone's writable fields."""
    check_zone_id(f"{prefix}.zone_id", z.zone_id)
    if z.kind not in ZONE_KINDS:
        names = ", ".join(pb.ZoneKind.Name(k) for k in sorted(ZONE_KINDS))
        raise ValidationError(f"{prefix}.kind", f"must be one of {names}, got {z.kind}")
    _check_name(f"{prefix}.name", z.name)
    _check_site_id(f"{prefix}.site_id", z.site_id)
    geometry = z.WhichOneof("geometry")
    kind = pb.ZoneKind.Name(z.kind)
    if z.kind in POLYGON_KINDS:
        if geometry != "polygon":
            raise ValidationError(f"{prefix}.polygon", f"a {kind} zone needs a polygon")
        check_polygon(f"{prefix}.polygon.vertices", z.polygon.vertices)
    else:
        if geometry != "line":
            raise ValidationError(f"{prefix}.line", f"a {kind} zone needs a line")
        _check_vector(f"{prefix}.line.start", z.line.start)
        _check_vector(f"{prefix}.line.end", z.line.end)
        length = math.hypot(z.line.end.x - z.line.start.x, z.line.end.y - z.line.start.y)
        if length <= 1e-9:
            raise ValidationError(f"{prefix}.line", "the line has zero length on the ground")
    if z.HasField("anchor"):
        if z.kind != pb.ZONE_KIND_PROTECTED:
            raise ValidationError(f"{prefix}.anchor", "only a PROTECTED zone has an anchor")
        _check_vector(f"{prefix}.anchor", z.anchor)
    _at_least(f"{prefix}.dwell_threshold_s", z.dwell_threshold_s, 0.0)
    _check_class_labels(f"{prefix}.class_labels", z.class_labels)


def _check_class_labels(field: str, labels: Sequence[str]) -> None:
    if len(labels) > MAX_CLASS_LABELS:
        raise ValidationError(field, f"at most {MAX_CLASS_LABELS} labels")
    for k, label in enumerate(labels):
        if not label or len(label) > 64:
            raise ValidationError(f"{field}[{k}]", "must be 1-64 characters")


# ---------------------------------------------------------------------- thresholds


def _check_congestion(field: str, t: pb.CongestionThresholds) -> None:
    for name in ("moderate_score", "high_score", "severe_score"):
        _finite(f"{field}.{name}", getattr(t, name))
    if t.moderate_score <= 0:
        raise ValidationError(f"{field}.moderate_score", f"must be > 0, got {t.moderate_score:g}")
    if t.high_score <= t.moderate_score:
        raise ValidationError(
            f"{field}.high_score",
            f"levels out of order: high_score {t.high_score:g} must be above "
            f"moderate_score {t.moderate_score:g}",
        )
    if t.severe_score <= t.high_score:
        raise ValidationError(
            f"{field}.severe_score",
            f"levels out of order: severe_score {t.severe_score:g} must be above "
            f"high_score {t.high_score:g}",
        )
    if t.severe_score > 1:
        raise ValidationError(f"{field}.severe_score", f"must be <= 1, got {t.severe_score:g}")
    _at_least(f"{field}.free_flow_speed_mps", t.free_flow_speed_mps, 0.0, strict=True)
    _at_least(f"{field}.capacity_per_window", t.capacity_per_window, 0.0, strict=True)
    weights = ("speed_weight", "occupancy_weight", "count_weight")
    for name in weights:
        _at_least(f"{field}.{name}", getattr(t, name), 0.0)
    if all(getattr(t, name) == 0 for name in weights):
        raise ValidationError(f"{field}.speed_weight", "the three weights must not all be 0")


def _check_level(field: str, level: int, enabled: bool) -> None:
    low = 1 if enabled else 0
    if not low <= level <= MAX_THREAT_LEVEL:
        raise ValidationError(field, f"must be within {low}..{MAX_THREAT_LEVEL}, got {level}")


def validate_thresholds(t: pb.Thresholds, prefix: str = "thresholds") -> None:
    """Levels ordered, numbers finite and in range; overrides keyed by a sensor or zone id."""
    if not t.HasField("congestion"):
        raise ValidationError(f"{prefix}.congestion", "is required")
    _check_congestion(f"{prefix}.congestion", t.congestion)
    for key in sorted(t.congestion_overrides):
        field = f"{prefix}.congestion_overrides[{key}]"
        check_sensor_id(field, key)
        _check_congestion(field, t.congestion_overrides[key])
    ar, field = t.alert_rules, f"{prefix}.alert_rules"
    if ar.min_congestion_level not in CONGESTION_LEVELS:
        raise ValidationError(f"{field}.min_congestion_level", "unknown congestion level")
    for name in ("raise_after_windows", "clear_after_windows"):
        if getattr(ar, name) > MAX_WINDOWS:
            raise ValidationError(f"{field}.{name}", f"at most {MAX_WINDOWS}")
    _check_level(f"{field}.min_threat_level", ar.min_threat_level, enabled=False)
    _at_least(f"{field}.threat_clear_after_s", ar.threat_clear_after_s, 0.0)
    tr, field = t.threat_rules, f"{prefix}.threat_rules"
    pz = tr.protected_zone
    _check_level(f"{field}.protected_zone.level", pz.level, pz.enabled)
    ap = tr.approach
    _check_level(f"{field}.approach.level", ap.level, ap.enabled)
    _at_least(f"{field}.approach.min_speed_mps", ap.min_speed_mps, 0.0)
    for name in ("max_time_to_closest_approach_s", "max_closest_approach_m"):
        _at_least(f"{field}.approach.{name}", getattr(ap, name), 0.0, strict=ap.enabled)
    lo = tr.loitering
    _check_level(f"{field}.loitering.level", lo.level, lo.enabled)
    _at_least(f"{field}.loitering.min_dwell_s", lo.min_dwell_s, 0.0, strict=lo.enabled)
    _check_class_labels(f"{field}.ignored_class_labels", tr.ignored_class_labels)
    _at_least(f"{field}.hold_s", tr.hold_s, 0.0)


# ------------------------------------------------------------ versions and masks


def require_version(expected_version: int, field: str = "expected_version") -> None:
    if expected_version == 0:
        raise ValidationError(field, "is required: send the version you read")


def check_version(what: str, stored: int, expected: int) -> None:
    """ConflictError (ABORTED) when `expected` (non-zero) is not the stored version."""
    if expected and expected != stored:
        raise ConflictError(
            f"{what} is at version {stored}, not {expected}: read it again and retry"
        )


def _snake(path: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", lambda m: "_" + m.group(1).lower(), path)


def mask_paths(
    mask: field_mask_pb2.FieldMask,
    message: type[Message],
    writable: frozenset[str],
    field: str = "update_mask",
) -> list[str]:
    """The mask's paths in snake_case, each naming a writable field (or a sub-field of one)."""
    paths = [_snake(p.strip()) for p in mask.paths if p.strip()]
    for p in paths:
        if p.split(".", 1)[0] not in writable:
            allowed = ", ".join(sorted(writable))
            raise ValidationError(field, f"{p!r} cannot be changed; writable fields: {allowed}")
    if paths and not field_mask_pb2.FieldMask(paths=paths).IsValidForDescriptor(message.DESCRIPTOR):
        raise ValidationError(field, f"{','.join(paths)!r} names a field that does not exist")
    return paths


def _clear_output(msg: Message) -> None:
    for name in _OUTPUT_ONLY:
        if name in msg.DESCRIPTOR.fields_by_name:
            msg.ClearField(name)


def _merge(current: Message, patch: Message, paths: list[str], writable: Iterable[str]) -> None:
    """Apply `patch` to `current` in place: the masked paths, or every writable field."""
    if not paths:
        for name in writable:
            current.ClearField(name)
        paths = [f.name for f in patch.DESCRIPTOR.fields if f.name in writable]
    field_mask_pb2.FieldMask(paths=paths).MergeMessage(
        patch, current, replace_message_field=True, replace_repeated_field=True
    )


def new_sensor(s: pb.Sensor) -> pb.Sensor:
    """A sensor as CreateSensor stores it: output-only fields dropped, enabled defaulted."""
    out = pb.Sensor()
    out.CopyFrom(s)
    _clear_output(out)
    if not out.HasField("enabled"):
        out.enabled = True
    return out


def merge_sensor(current: pb.Sensor, patch: pb.Sensor, paths: list[str]) -> pb.Sensor:
    """The sensor after UpdateSensor: `paths` of `patch` over `current` (all writable fields
    when empty); unset enabled means true."""
    out = pb.Sensor()
    out.CopyFrom(current)
    _merge(out, patch, paths, SENSOR_WRITABLE)
    _clear_output(out)
    if not patch.HasField("enabled") and (not paths or "enabled" in paths):
        out.enabled = True
    return out


def new_zone(z: pb.Zone, zone_id: str) -> pb.Zone:
    out = pb.Zone()
    out.CopyFrom(z)
    _clear_output(out)
    out.zone_id = zone_id
    if not out.HasField("enabled"):
        out.enabled = True
    return out


def merge_zone(current: pb.Zone, patch: pb.Zone, paths: list[str]) -> pb.Zone:
    out = pb.Zone()
    out.CopyFrom(current)
    _merge(out, patch, paths, ZONE_WRITABLE)
    _clear_output(out)
    if not patch.HasField("enabled") and (not paths or "enabled" in paths):
        out.enabled = True
    return out


def new_thresholds(t: pb.Thresholds) -> pb.Thresholds:
    out = pb.Thresholds()
    out.CopyFrom(t)
    _clear_output(out)
    return out


def same_id(field: str, path_id: str, body_id: str) -> str:
    """The id of an update: from the path, or the body when the path has none; both must
    agree when both are given."""
    if path_id and body_id and path_id != body_id:
        raise ValidationError(field, f"{body_id!r} differs from {path_id!r} in the path")
    return path_id or body_id


# --------------------------------------------------------------------------- paging


def page_size(requested: int) -> int:
    if requested == 0:
        return DEFAULT_PAGE_SIZE
    return min(requested, MAX_PAGE_SIZE)


def encode_page_token(last_id: str) -> str:
    return base64.urlsafe_b64encode(last_id.encode()).decode().rstrip("=")


def decode_page_token(token: str, check_id: Callable[[str, str], None] = check_sensor_id) -> str:
    """The id after which the next page starts ('' for the first page)."""
    if not token:
        return ""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise ValidationError("page_token", "is not a token this service made") from exc
    try:
        check_id("page_token", raw)
    except ValidationError as exc:
        raise ValidationError("page_token", "is not a token this service made") from exc
    return raw


# ------------------------------------------------------------------------ broadcast


def broadcast_message(
    req: pb.BroadcastRequest, broadcast_id: str, sender: str, now: float
) -> pb.BroadcastMessage:
    text = req.text.strip()
    if not text:
        raise ValidationError("text", "is required")
    if len(text) > MAX_BROADCAST_TEXT:
        raise ValidationError("text", f"is {len(text)} characters; at most {MAX_BROADCAST_TEXT}")
    if req.severity not in pb.BroadcastSeverity.values():
        raise ValidationError("severity", f"unknown severity {req.severity}")
    ttl = req.ttl_seconds or DEFAULT_BROADCAST_TTL_S
    if ttl > MAX_BROADCAST_TTL_S:
        raise ValidationError("ttl_seconds", f"at most {MAX_BROADCAST_TTL_S}, got {ttl}")
    return pb.BroadcastMessage(
        broadcast_id=broadcast_id,
        text=text,
        severity=req.severity or pb.BROADCAST_SEVERITY_INFO,
        sender=sender,
        sent_at=ts_from_seconds(now),
        expires_at=ts_from_seconds(now + ttl),
    )


# --------------------------------------------------------------------------- status

_RANK = {
    pb.HEALTH_STATE_OK: 0,
    pb.HEALTH_STATE_UNSPECIFIED: 1,
    pb.HEALTH_STATE_DEGRADED: 2,
    pb.HEALTH_STATE_DOWN: 3,
}


def worst(states: Iterable[pb.HealthState.ValueType]) -> pb.HealthState.ValueType:
    """The worst of the states (OK when there are none); an unchecked part counts as
    DEGRADED."""
    out = pb.HEALTH_STATE_OK
    for s in states:
        if _RANK[s] > _RANK[out]:
            out = s
    return pb.HEALTH_STATE_DEGRADED if out == pb.HEALTH_STATE_UNSPECIFIED else out


@dataclass(frozen=True)
class SensorActivity:
    """What ingest's stream says of a sensor; `checked` is False when NATS did not answer."""

    checked: bool
    last_seen: float | None = None  # seconds since the epoch of its latest frame
    rate_hz: float | None = None  # frames per second over the last minute


#: A sensor with no frame for this long (or 3 of its expected periods, if longer) is silent.
SILENT_AFTER_S = 10.0


def sensor_status(s: pb.Sensor, activity: SensorActivity, now: float) -> pb.SensorStatus:
    """OK when enabled, fusable and reporting at its expected rate; DEGRADED when slow or not
    fusable; DOWN when disabled or silent. The detail names every reason."""
    fusable = is_fusable(s)
    out = pb.SensorStatus(
        sensor_id=s.sensor_id, fusable=fusable, expected_rate_hz=s.expected_rate_hz
    )
    reasons: list[tuple[pb.HealthState.ValueType, str]] = []
    if s.HasField("enabled") and not s.enabled:
        reasons.append((pb.HEALTH_STATE_DOWN, "disabled: kept out of tracking and fusion"))
    if not fusable:
        missing = "homography" if s.kind == c.SENSOR_KIND_CAMERA else "pose"
        reasons.append(
            (pb.HEALTH_STATE_DEGRADED, f"no {missing} (pose or homography): kept out of fusion")
        )
    if activity.last_seen is not None:
        out.last_seen_at.CopyFrom(ts_from_seconds(activity.last_seen))
    if activity.rate_hz is not None:
        out.rate_hz = activity.rate_hz
    if not activity.checked:
        reasons.append((pb.HEALTH_STATE_UNSPECIFIED, "frames not checked: NATS did not answer"))
    elif activity.last_seen is None:
        reasons.append((pb.HEALTH_STATE_DOWN, "silent: no frame at ingest yet"))
    else:
        limit = max(SILENT_AFTER_S, 3.0 / s.expected_rate_hz if s.expected_rate_hz else 0.0)
        age = now - activity.last_seen
        if age > limit:
            reasons.append((pb.HEALTH_STATE_DOWN, f"silent for {age:.0f} s"))
        elif (
            s.expected_rate_hz
            and activity.rate_hz is not None
            and activity.rate_hz < s.expected_rate_hz / 2
        ):
            reasons.append(
                (
                    pb.HEALTH_STATE_DEGRADED,
                    f"slow: {activity.rate_hz:.2g} Hz, expected {s.expected_rate_hz:g} Hz",
                )
            )
    out.state = worst(state for state, _ in reasons)
    out.detail = "; ".join(text for _, text in reasons)
    return out
