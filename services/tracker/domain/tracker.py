"""SensorTracker: one sensor's multi-target tracker, composed from the parts in parts.py.

Each scan: predict every track to the scan time -> stage 1 (high-score detections, all
tracks) -> stage 2 (low-score detections, confirmed tracks still unmatched, as in ByteTrack;
for points also tentative ones, see TrackerConfig.tentative_low_match) ->
Kalman update -> book hits and misses (confirm, coast) -> delete -> start tracks from the
unmatched high-score detections.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from services.tracker.domain.config import TrackerConfig
from services.tracker.domain.initiator import TENTATIVE
from services.tracker.domain.model import positions
from services.tracker.domain.parts import TrackerParts
from services.tracker.domain.state import HistoryStore, TrackTable
from services.tracker.domain.types import DetectionBatch, StepResult, TrackStatus
from services.tracker.domain.views import TrackViews, track_id

_STATE_VERSION = 1


class StaleBatchError(ValueError):
    """A batch older than the tracker's last scan: it is never applied backwards."""


class SensorTracker:
    """Tracks of one sensor; ids are "<sensor_id>-<n:06d>" with n strictly increasing."""

    def __init__(
        self,
        sensor_id: str,
        config: TrackerConfig,
        next_id: int = 1,
        *,
        parts: TrackerParts | None = None,
    ) -> None:
        if next_id < 1:
            raise ValueError(f"next_id must be >= 1, got {next_id}")
        self.sensor_id = sensor_id
        self.config = config
        self.parts = parts or TrackerParts.from_config(config)
        self._next_id = next_id
        self._last_t: float | None = None
        d = 2 * config.meas_dims
        self._tab = TrackTable.empty(d, config.speed_window)
        self._history = HistoryStore(config.history_length)

    def retune(self, config: TrackerConfig) -> None:
        """Use `config` from the next scan on, keeping every track and the id counter.
        Only tuning may change: kind, dims, history_length and speed_window size the
        state, so a config that changes them raises ValueError."""
        for name in ("kind", "dims", "history_length", "speed_window"):
            if getattr(config, name) != getattr(self.config, name):
                raise ValueError(f"{name} cannot change on a live tracker")
        if config != self.config:
            self.config = config
            self.parts = TrackerParts.from_config(config)

    @property
    def last_t(self) -> float | None:
        """Time of the latest scan applied (s since epoch), None before the first."""
        return self._last_t

    @property
    def next_id(self) -> int:
        """The number the next new track will get."""
        return self._next_id

    def step(self, batch: DetectionBatch) -> StepResult:
        """Apply one scan; raises ValueError (naming the field) on malformed input and
        StaleBatchError when batch.t is older than last_t."""
        p, cfg, kind = self.parts, self.config, self.config.kind
        z, R = p.model.measure(batch)
        scores, labels, speeds = _extras(batch, len(z))
        if self._last_t is not None and batch.t < self._last_t:
            raise StaleBatchError(f"t {batch.t} is older than the last scan {self._last_t}")
        dt = 0.0 if self._last_t is None else batch.t - self._last_t
        tab = self._tab
        tab.x, tab.P = p.predictor.predict(tab.x, tab.P, dt, p.model.noise_scale(tab.x))
        # Gated pairs with every usable detection, once; stage 1 takes the high-score ones.
        use = np.flatnonzero(scores >= cfg.low_score)
        h = p.hypothesiser.hypothesise(tab.x, tab.P, z[use], R[use])
        high = scores[use] >= cfg.high_score
        hi_ids, lo_ids = use[high], use[~high]
        all_tracks = np.arange(len(tab))
        h1 = h.select(all_tracks, _index_of(np.flatnonzero(high), len(use)))
        a1 = p.associator.associate(h1, len(tab), len(hi_ids))
        # Stage 2 (ByteTrack): low-score detections, confirmed tracks left unmatched (and
        # tentative ones too when the config says so).
        rest = a1.unmatched_tracks
        if not cfg.low_match_tentative:
            rest = rest[tab.status[rest] != TENTATIVE]
        h2 = h.select(
            _index_of(rest, len(tab)), _index_of(np.flatnonzero(~high), len(use)), p.low_cost_limit
        )
        a2 = p.associator.associate(h2, len(rest), len(lo_ids))
        ti = np.concatenate([a1.tracks, rest[a2.tracks]])
        dj = np.concatenate([hi_ids[a1.dets], lo_ids[a2.dets]])
        tab.x[ti], tab.P[ti] = p.updater.update(tab.x[ti], tab.P[ti], z[dj], R[dj])
        grace = (cfg.coast_grace_scans, cfg.coast_grace_s)
        tab.record(batch.t, ti, scores[dj], labels[dj], speeds[dj], *grace)
        self._history.write(tab.slot[ti], batch.t, positions(kind, tab.x[ti]))
        tab.status = p.initiator.confirm(tab.status, tab.bits)
        pos_std = p.model.pos_std(tab.x, tab.P)
        gone = p.deleter.deleted(batch.t, tab.status, tab.updated_t, tab.bits, tab.age, pos_std)
        dead = tab.take(gone)
        born = p.initiator.births(hi_ids[a1.unmatched_dets], scores)
        nums = np.arange(self._next_id, self._next_id + len(born), dtype=np.int64)
        if len(dead):
            self._history.release(dead.slot)
            tab = tab.take(~gone)
        if len(born):
            x0, P0 = p.model.initial(z[born], R[born])
            slots = self._history.alloc(len(born))
            self._history.write(slots, batch.t, positions(kind, x0))
            new = TrackTable.new(
                nums, x0, P0, batch.t, scores[born], labels[born], speeds[born], slots,
                cfg.speed_window,
            )  # fmt: skip
            new.status = p.initiator.confirm(new.status, new.bits)
            tab = tab.extend(new)
        self._next_id += len(born)
        self._tab = tab
        self._last_t = float(batch.t)
        return StepResult(
            tracks=TrackViews(kind, self.sensor_id, batch.frame_id, tab),
            new_ids=[track_id(self.sensor_id, k) for k in nums.tolist()],
            deleted=TrackViews(kind, self.sensor_id, batch.frame_id, dead, TrackStatus.DELETED),
        )

    def history(self, track_id: str) -> list[tuple[float, tuple[float, float, float]]]:
        """Recent (t, position) of a live track, oldest first, at most history_length;
        [] for an unknown or deleted id. Positions as in TrackView.position."""
        prefix = f"{self.sensor_id}-"
        if not track_id.startswith(prefix) or not track_id[len(prefix) :].isdigit():
            return []
        rows = np.flatnonzero(self._tab.num == int(track_id[len(prefix) :]))
        return self._history.read(int(self._tab.slot[rows[0]])) if len(rows) else []

    def to_state(self) -> dict[str, Any]:
        """Full JSON-serialisable state (config, counters, last time, every track array)."""
        return {
            "version": _STATE_VERSION,
            "sensor_id": self.sensor_id,
            "config": self.config.to_dict(),
            "next_id": self._next_id,
            "last_t": self._last_t,
            "tracks": self._tab.to_dict(),
            "history": self._history.to_dict(self._tab.slot),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> SensorTracker:
        """Rebuild a tracker from to_state(); stepping it gives identical results."""
        if state.get("version") != _STATE_VERSION:
            raise ValueError(f"version: unsupported tracker state {state.get('version')!r}")
        config = TrackerConfig.from_dict(state["config"])
        tracker = cls(str(state["sensor_id"]), config, int(state["next_id"]))
        last_t = state["last_t"]
        tracker._last_t = None if last_t is None else float(last_t)
        tracker._history, slots = HistoryStore.from_dict(state["history"], config.history_length)
        tracker._tab = TrackTable.from_dict(state["tracks"], slots)
        return tracker


def _extras(batch: DetectionBatch, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Validated scores (n,), labels (n,) object array and speeds (n,) (NaN if absent)."""
    scores = np.asarray(batch.scores, dtype=np.float64).reshape(-1)
    if scores.shape != (n,) or not np.isfinite(scores).all():
        raise ValueError(f"scores must be {n} finite values, got shape {scores.shape}")
    if len(batch.labels) != n:
        raise ValueError(f"labels must have {n} entries, got {len(batch.labels)}")
    labels = np.empty(n, dtype=object)
    labels[:] = batch.labels
    if batch.speeds is None:
        return scores, labels, np.full(n, np.nan)
    speeds = np.asarray(batch.speeds, dtype=np.float64).reshape(-1)
    if speeds.shape != (n,):
        raise ValueError(f"speeds must have {n} entries, got shape {speeds.shape}")
    return scores, labels, speeds


def _index_of(members: np.ndarray, n: int) -> np.ndarray:
    """Map 0..n-1 to the position in members (-1 if absent)."""
    out = np.full(n, -1, dtype=np.intp)
    out[members] = np.arange(len(members))
    return out
