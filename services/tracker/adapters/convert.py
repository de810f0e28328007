"""Proto ↔ tracker domain conversions (the service's edge)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from google.protobuf.timestamp_pb2 import Timestamp

from aura.common.v1 import common_pb2 as c
from services.common.geometry import box_bottom_centre
from services.common.registry import SensorGeometry
from services.common.timeutil import ts_seconds
from services.tracker.adapters import tuning
from services.tracker.domain.types import DetectionBatch, MeasurementKind, TrackView


def measurement_kind(frame: c.DetectionFrame) -> MeasurementKind:
    """What the frame's sensor measures (the registry's rule: cameras report boxes)."""
    return tuning.measurement_kind(frame.sensor_kind)


def to_batch(frame: c.DetectionFrame, kind: MeasurementKind, dims: int) -> DetectionBatch:
    """A DetectionFrame as arrays; raises ValueError when a detection does not fit `kind`."""
    dets = frame.detections
    n = len(dets)
    m = 4 if kind is MeasurementKind.BOX else dims
    z = np.empty((n, m))
    scores = np.empty(n)
    speeds = np.full(n, np.nan)
    R: np.ndarray | None = None
    for i, d in enumerate(dets):
        which = d.WhichOneof("measurement")
        if kind is MeasurementKind.BOX:
            if which != "bbox":
                raise ValueError(f"detections[{i}]: a box sensor sent a {which}")
            b = d.bbox
            z[i] = (b.x, b.y, b.width, b.height)
        else:
            if which != "position":
                raise ValueError(f"detections[{i}]: a point sensor sent a {which}")
            p = d.position
            z[i] = (p.x, p.y, p.z)[:m]
            if d.HasField("covariance") and d.covariance.dim >= m:
                if R is None:
                    R = np.full((n, m, m), np.nan)
                k = d.covariance.dim
                R[i] = np.asarray(d.covariance.values).reshape(k, k)[:m, :m]
        scores[i] = d.confidence
        if d.HasField("speed_mps"):
            speeds[i] = d.speed_mps
    if not np.all(np.isfinite(z)):
        raise ValueError("detections: non-finite measurement")
    return DetectionBatch(
        t=ts_seconds(frame.timestamp),
        frame_id=frame.frame_id,
        z=z,
        scores=scores,
        labels=tuple(d.class_label for d in dets),
        R=R,
        speeds=speeds if n and not np.all(np.isnan(speeds)) else None,
    )


def _set_time(ts: Timestamp, t: float) -> None:
    sec = math.floor(t)
    ts.seconds = sec
    ts.nanos = min(int(round((t - sec) * 1e9)), 999_999_999)


def world_of(
    views: Sequence[TrackView], kind: MeasurementKind, geo: SensorGeometry | None
) -> tuple[np.ndarray | None, np.ndarray | None]:
    """World positions (n, 3) and ground speeds (n,) in m/s of a frame's tracks, when the
    sensor's registry entry allows: a pose for point sensors, a homography for cameras
    (the bottom centre of the box is where the object stands; its velocity is carried by
    the homography's Jacobian there). (None, None) otherwise."""
    if geo is None or not views:
        return None, None
    if kind is MeasurementKind.BOX:
        if geo.homography is None:
            return None, None
        boxes = np.array([v.bbox for v in views], dtype=float)
        feet = box_bottom_centre(boxes)
        ground = geo.homography.to_ground(feet)
        J = geo.homography.jacobian(feet)
        vel = np.array([v.velocity[:2] for v in views], dtype=float)
        speeds = np.linalg.norm(np.einsum("nij,nj->ni", J, vel), axis=1)
        return np.c_[ground, np.zeros(len(views))], speeds
    if geo.pose is None:
        return None, None
    return geo.pose.to_world(np.array([v.position for v in views], dtype=float)), None


def to_track(
    v: TrackView,
    sensor_id: str,
    sensor_kind: int,
    kind: MeasurementKind,
    status: int | None = None,
    world: np.ndarray | None = None,
    ground_speed: float | None = None,
) -> c.Track:
    """A TrackView as the proto Track. Speeds are in m/s for point tracks (metres) and for
    camera tracks whose sensor has a homography (`ground_speed`)."""
    # Field-by-field assignment is about twice as fast as nested constructors (hot path).
    t = c.Track(
        id=v.id,
        sensor_id=sensor_id,
        sensor_kind=sensor_kind,  # type: ignore[arg-type]
        status=status if status is not None else v.status.value,  # type: ignore[arg-type]
        class_label=v.label,
        confidence=v.confidence,
        hits=v.hits,
        frame_id=v.frame_id,
    )
    p = t.position
    p.x, p.y, p.z = v.position
    vel = t.velocity
    vel.vx, vel.vy, vel.vz = v.velocity
    cov = t.covariance
    cov.dim = int(v.cov.shape[0])
    cov.values.extend(v.cov.ravel().tolist())
    _set_time(t.created_at, v.created_t)
    _set_time(t.updated_at, v.updated_t)
    if world is not None:
        t.world_position.CopyFrom(c.Vector3(x=world[0], y=world[1], z=world[2]))
    speed = ground_speed
    if kind is MeasurementKind.BOX and v.bbox is not None:
        bx, by, bw, bh = v.bbox
        t.bbox.CopyFrom(c.BoundingBox(x=bx, y=by, width=bw, height=bh))
    elif math.isfinite(v.speed_mps):
        speed = v.speed_mps
    if speed is not None and math.isfinite(speed):
        t.speed_mps = speed
        t.speed_kmh = speed * 3.6
    return t
