"""Proto ↔ tracker domain conversions (the service's edge)."""

from __future__ import annotations

import math

import numpy as np

from aura.common.v1 import common_pb2 as c
from services.common.timeutil import ts_from_seconds, ts_seconds
from services.tracker.domain.types import DetectionBatch, MeasurementKind, TrackView


def measurement_kind(frame: c.DetectionFrame) -> MeasurementKind:
    if frame.sensor_kind == c.SENSOR_KIND_CAMERA:
        return MeasurementKind.BOX
    return MeasurementKind.POINT


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


def _cov(cov: np.ndarray) -> c.Covariance:
    return c.Covariance(dim=int(cov.shape[0]), values=cov.ravel().tolist())


def to_track(
    v: TrackView, sensor_id: str, sensor_kind: int, kind: MeasurementKind, status: int | None = None
) -> c.Track:
    """A TrackView as the proto Track. Speeds are in m/s only for point tracks (metres);
    camera tracks get a ground speed once their sensor has a homography."""
    px, py, pz = v.position
    vx, vy, vz = v.velocity
    t = c.Track(
        id=v.id,
        sensor_id=sensor_id,
        sensor_kind=sensor_kind,  # type: ignore[arg-type]
        status=status if status is not None else v.status.value,  # type: ignore[arg-type]
        position=c.Vector3(x=px, y=py, z=pz),
        velocity=c.Velocity(vx=vx, vy=vy, vz=vz),
        covariance=_cov(v.cov),
        class_label=v.label,
        confidence=v.confidence,
        created_at=ts_from_seconds(v.created_t),
        updated_at=ts_from_seconds(v.updated_t),
        hits=v.hits,
        frame_id=v.frame_id,
    )
    if kind is MeasurementKind.BOX and v.bbox is not None:
        bx, by, bw, bh = v.bbox
        t.bbox.CopyFrom(c.BoundingBox(x=bx, y=by, width=bw, height=bh))
    elif math.isfinite(v.speed_mps):
        t.speed_mps = v.speed_mps
        t.speed_kmh = v.speed_mps * 3.6
    return t
