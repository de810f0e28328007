"""The output edge: an immutable snapshot of track rows that builds TrackView objects lazily.

Building a Python object per track costs microseconds each, more than the whole vectorised
scan at 1,000 tracks, so a step returns TrackViews: a Sequence[TrackView] that snapshots the
columns (cheap array copies) and converts them to TrackView objects only when iterated or
indexed (column-wise, once). Consumers that want arrays use the column properties.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from itertools import repeat
from typing import overload

import numpy as np

from services.tracker.domain.model import positions, velocities
from services.tracker.domain.state import TrackTable
from services.tracker.domain.types import MeasurementKind, TrackStatus, TrackView

_STATUS = {s.value: s for s in TrackStatus}


def track_id(sensor_id: str, num: int) -> str:
    """The public id of track number num of a sensor."""
    return f"{sensor_id}-{num:06d}"


def _frozen(a: np.ndarray) -> np.ndarray:
    v = a.view()
    v.flags.writeable = False
    return v


class TrackViews(Sequence[TrackView]):
    """TrackViews is a read-only snapshot of tracks after one scan, in id order.

    Index or iterate it for TrackView objects (built on first use, then cached), or read the
    columns as arrays: nums, status, means, covs, positions, velocities, bboxes, speeds.
    """

    __slots__ = (
        "kind", "sensor_id", "frame_id", "nums", "status", "means", "covs", "labels",
        "confidences", "created_t", "updated_t", "hits", "_speeds", "_cache",
    )  # fmt: skip

    def __init__(
        self,
        kind: MeasurementKind,
        sensor_id: str,
        frame_id: int,
        tab: TrackTable,
        status: TrackStatus | None = None,
    ) -> None:
        """Snapshot tab (the table may change afterwards; this does not). status, when
        given, overrides every row's status (e.g. DELETED)."""
        self.kind = kind
        self.sensor_id = sensor_id
        self.frame_id = frame_id
        n = len(tab)
        st = tab.status.copy() if status is None else np.full(n, status.value, np.int8)
        # x and P are never written in place after a step (the predictor returns new arrays);
        # the bookkeeping columns are, so they are copied.
        self.nums = _frozen(tab.num)
        self.status = _frozen(st)
        self.means = _frozen(tab.x)
        self.covs = _frozen(tab.P)
        self.labels = _frozen(tab.label.copy())
        self.confidences = _frozen(tab.confidence.copy())
        self.created_t = _frozen(tab.created_t)
        self.updated_t = _frozen(tab.updated_t.copy())
        self.hits = _frozen(tab.hits.copy())
        self._speeds = tab.speeds.copy()
        self._cache: list[TrackView] | None = None

    def __len__(self) -> int:
        return len(self.nums)

    @overload
    def __getitem__(self, index: int) -> TrackView: ...

    @overload
    def __getitem__(self, index: slice) -> list[TrackView]: ...

    def __getitem__(self, index: int | slice) -> TrackView | list[TrackView]:
        return self._views()[index]

    def __iter__(self) -> Iterator[TrackView]:
        return iter(self._views())

    def __repr__(self) -> str:
        return f"TrackViews({self.sensor_id!r}, frame_id={self.frame_id}, n={len(self)})"

    @property
    def ids(self) -> list[str]:
        """Track ids, row-aligned."""
        return [f"{self.sensor_id}-{k:06d}" for k in self.nums.tolist()]

    @property
    def positions(self) -> np.ndarray:
        """(n, 3) positions as in TrackView.position."""
        return positions(self.kind, self.means)

    @property
    def velocities(self) -> np.ndarray:
        """(n, 3) velocities per second as in TrackView.velocity."""
        return velocities(self.kind, self.means)

    @property
    def bboxes(self) -> np.ndarray | None:
        """(n, 4) left, top, width, height in pixels for BOX tracks; None for POINT."""
        if self.kind is not MeasurementKind.BOX:
            return None
        ltwh = self.means[:, :4].copy()
        ltwh[:, :2] -= ltwh[:, 2:] / 2
        return ltwh

    @property
    def speeds(self) -> np.ndarray:
        """(n,) TrackView.speed_mps: mean of recent measured speeds, else |velocity|."""
        sp = self._speeds
        valid = ~np.isnan(sp)
        count = valid.sum(axis=1)
        total = np.where(valid, sp, 0.0).sum(axis=1)
        norm = np.linalg.norm(self.velocities, axis=1)
        out: np.ndarray = np.where(count > 0, total / np.maximum(count, 1), norm)
        return out

    def _views(self) -> list[TrackView]:
        if self._cache is None:
            self._cache = self._build()
        return self._cache

    def _build(self) -> list[TrackView]:
        n = len(self)
        if n == 0:
            return []
        boxes = self.bboxes
        box_l: list[tuple[float, ...] | None]
        box_l = [None] * n if boxes is None else list(map(tuple, boxes.tolist()))
        return list(
            map(
                TrackView,
                self.ids,
                [_STATUS[s] for s in self.status.tolist()],
                self.means,
                self.covs,
                list(map(tuple, self.positions.tolist())),
                list(map(tuple, self.velocities.tolist())),
                box_l,
                self.labels.tolist(),
                self.confidences.tolist(),
                self.created_t.tolist(),
                self.updated_t.tolist(),
                self.hits.tolist(),
                repeat(self.frame_id),
                self.speeds.tolist(),
            )
        )
