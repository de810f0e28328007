"""Bring sensor tracks that arrive at different rates, with delays and out of order, to one
fusion time T.

TrackBuffer keeps a few recent world states of every sensor track, in time order, whatever
order they arrived in. At fusion time T (the engine uses T = now - lateness) it takes each
track's latest state at or before T and predicts it to T with the constant-velocity model;
a state newer than T waits for a later cycle, so a state that arrives late (within the
lateness) is still fused at the right time.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from services.fusion.domain.types import WorldTrack
from services.tracker.domain.predictor import ConstantVelocityPredictor


@dataclass(frozen=True)
class CvPredictor:
    """Constant velocity in the site frame, white-noise acceleration.

    Attributes:
        accel_noise: spectral density of the acceleration, m²/s³ (about 1 for pedestrians,
            4 for vehicles).
    """

    accel_noise: float = 1.0

    def predict(
        self, x: np.ndarray, P: np.ndarray, dt: float | np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(n, 4) states and (n, 4, 4) covariances moved forward by dt >= 0 seconds
        (a scalar or (n,)); new arrays."""
        cv = ConstantVelocityPredictor(self.accel_noise)
        return cv.predict(x, P, dt, np.ones((len(x), 2)))


@dataclass(frozen=True)
class Snapshot:
    """The sensor tracks usable at one fusion time, as arrays (row i is keys[i]).

    Attributes:
        keys: (sensor_id, track_id) of each row.
        tracks: the WorldTrack each row came from (its own time t).
        x: (m, 4) states predicted to the fusion time.
        P: (m, 4, 4) their covariances.
    """

    keys: list[tuple[str, str]]
    tracks: list[WorldTrack]
    x: np.ndarray
    P: np.ndarray


class TrackBuffer:
    """Recent world states of every live sensor track, ordered by their own time."""

    def __init__(self, depth: int = 8) -> None:
        """Args: depth: states kept per track (older ones are dropped)."""
        self.depth = depth
        self._states: dict[tuple[str, str], list[WorldTrack]] = {}

    def __len__(self) -> int:
        return len(self._states)

    def keys(self) -> list[tuple[str, str]]:
        return list(self._states)

    def add(self, track: WorldTrack) -> None:
        """Insert a state in time order (a state with the same t replaces the older one)."""
        lst = self._states.setdefault(track.key, [])
        if not lst or track.t > lst[-1].t:  # the usual case: in order
            lst.append(track)
            if len(lst) > self.depth:
                del lst[0]
            return
        times = [s.t for s in lst]
        i = bisect.bisect_left(times, track.t)
        if i < len(lst) and lst[i].t == track.t:
            lst[i] = track
        else:
            lst.insert(i, track)
        if len(lst) > self.depth:
            del lst[: len(lst) - self.depth]

    def remove(self, keys: Iterable[tuple[str, str]]) -> None:
        for k in keys:
            self._states.pop(k, None)

    def at(
        self, T: float, predictor: CvPredictor, stale_s: float, full_frames: bool = False
    ) -> tuple[Snapshot, list[tuple[str, str]]]:
        """The latest state at or before T of every track, predicted to T; and the keys of
        the tracks that left, which are removed: those whose latest such state is older
        than T - stale_s and, with full_frames (every frame of a sensor lists all its live
        tracks, as a TrackFrame does), those missing from their sensor's latest frame at or
        before T."""
        keys: list[tuple[str, str]] = []
        picked: list[WorldTrack] = []
        stale: list[tuple[str, str]] = []
        latest: dict[str, float] = {}
        for key, lst in self._states.items():
            i = len(lst)
            while i and lst[i - 1].t > T:
                i -= 1
            if i == 0:
                continue  # every state is newer than T: fused in a later cycle
            s = lst[i - 1]
            if T - s.t > stale_s:
                stale.append(key)
                continue
            if i > 1:
                del lst[: i - 1]  # keep the one in use and the newer ones
            keys.append(key)
            picked.append(s)
            latest[s.sensor_id] = max(latest.get(s.sensor_id, s.t), s.t)
        if full_frames and picked:
            gone = [s.t < latest[s.sensor_id] for s in picked]
            stale += [k for k, g in zip(keys, gone, strict=True) if g]
            keys = [k for k, g in zip(keys, gone, strict=True) if not g]
            picked = [s for s, g in zip(picked, gone, strict=True) if not g]
        self.remove(stale)
        if not picked:
            return Snapshot([], [], np.zeros((0, 4)), np.zeros((0, 4, 4))), stale
        x = np.stack([s.x for s in picked])
        P = np.stack([s.P for s in picked])
        dt = T - np.array([s.t for s in picked])
        x, P = predictor.predict(x, P, dt)
        return Snapshot(keys, picked, x, P), stale

    def to_list(self) -> list[WorldTrack]:
        return [s for lst in self._states.values() for s in lst]
