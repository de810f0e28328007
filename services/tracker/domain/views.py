"""The output edge: TrackTable rows -> TrackView objects, built column-wise (no per-track
numpy work: every column is converted to a Python list once, then zipped)."""

from __future__ import annotations

from itertools import repeat

import numpy as np

from services.tracker.domain.model import positions, velocities
from services.tracker.domain.state import TrackTable
from services.tracker.domain.types import MeasurementKind, TrackStatus, TrackView

_STATUS = {s.value: s for s in TrackStatus}


def track_id(sensor_id: str, num: int) -> str:
    """The public id of track number num of a sensor."""
    return f"{sensor_id}-{num:06d}"


def build_views(
    kind: MeasurementKind,
    sensor_id: str,
    tab: TrackTable,
    frame_id: int,
    status: TrackStatus | None = None,
) -> list[TrackView]:
    """One TrackView per row of tab (status overrides every row's status when given)."""
    n = len(tab)
    if n == 0:
        return []
    ids = [f"{sensor_id}-{k:06d}" for k in tab.num.tolist()]
    stat = [_STATUS[s] for s in tab.status.tolist()] if status is None else repeat(status)
    xs, Ps = tab.x.copy(), tab.P.copy()
    vel = velocities(kind, xs)
    pos_l = list(map(tuple, positions(kind, xs).tolist()))
    vel_l = list(map(tuple, vel.tolist()))
    if kind is MeasurementKind.BOX:
        ltwh = xs[:, :4].copy()
        ltwh[:, :2] -= ltwh[:, 2:] / 2
        boxes: list[tuple[float, ...] | None] = list(map(tuple, ltwh.tolist()))
    else:
        boxes = [None] * n
    sp = tab.speeds
    valid = ~np.isnan(sp)
    count = valid.sum(axis=1)
    total = np.where(valid, sp, 0.0).sum(axis=1)
    speed = np.where(count > 0, total / np.maximum(count, 1), np.linalg.norm(vel, axis=1))
    return list(
        map(
            TrackView,
            ids,
            stat,
            xs,
            Ps,
            pos_l,
            vel_l,
            boxes,
            tab.label.tolist(),
            tab.confidence.tolist(),
            tab.created_t.tolist(),
            tab.updated_t.tolist(),
            tab.hits.tolist(),
            repeat(frame_id),
            speed.tolist(),
        )
    )
