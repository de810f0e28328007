"""TrackTable: all tracks of one sensor as parallel numpy arrays (one row per track).

Units: times in seconds since the epoch; x/P in the measurement model's units (metres or
pixels, per second for rates); positions in history are (n, 3) like TrackView.position.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from services.tracker.domain.initiator import CONFIRMED, TENTATIVE
from services.tracker.domain.types import TrackStatus

COASTING = np.int8(TrackStatus.COASTING.value)
# hit bits keep the latest 62 scans, so the int64 never overflows into its sign bit.
_BITS_MASK = np.int64((1 << 62) - 1)


@dataclass
class TrackTable:
    """TrackTable holds every live track of a sensor, row-aligned.

    Attributes:
        num: (n,) int64 id numbers (the n in "<sensor>-<n:06d>").
        status: (n,) int8 TrackStatus values.
        x: (n, d) state means.
        P: (n, d, d) state covariances.
        hits: (n,) int64 matched detections so far.
        bits: (n,) int64 one bit per scan since birth, bit 0 = latest, 1 = matched.
        age: (n,) int64 scans since birth, counting the birth scan.
        created_t: (n,) time of the first detection, seconds.
        updated_t: (n,) time of the latest match, seconds.
        confidence: (n,) score of the latest matched detection.
        label: (n,) object array of str, latest non-empty label.
        speeds: (n, W) recent measured speeds in m/s, NaN where none (ring buffer).
        hist_t: (n, H) times of recent positions (ring buffer).
        hist_p: (n, H, 3) recent positions.
        hist_count: (n,) int64 samples written so far; the next goes to hist_count % H.
    """

    num: np.ndarray
    status: np.ndarray
    x: np.ndarray
    P: np.ndarray
    hits: np.ndarray
    bits: np.ndarray
    age: np.ndarray
    created_t: np.ndarray
    updated_t: np.ndarray
    confidence: np.ndarray
    label: np.ndarray
    speeds: np.ndarray
    hist_t: np.ndarray
    hist_p: np.ndarray
    hist_count: np.ndarray

    @classmethod
    def empty(cls, d: int, history: int, speed_window: int) -> TrackTable:
        """A table with no tracks, state dimension d."""
        return cls.new(
            np.empty(0, np.int64),
            np.empty((0, d)),
            np.empty((0, d, d)),
            0.0,
            np.empty(0),
            np.empty(0, dtype=object),
            np.empty(0),
            np.empty((0, 3)),
            history,
            speed_window,
        )

    @classmethod
    def new(
        cls,
        num: np.ndarray,
        x: np.ndarray,
        P: np.ndarray,
        t: float,
        scores: np.ndarray,
        labels: np.ndarray,
        speeds: np.ndarray,
        pos: np.ndarray,
        history: int,
        speed_window: int,
    ) -> TrackTable:
        """Rows for tracks born at time t from one detection each (status TENTATIVE)."""
        n = len(num)
        sp = np.full((n, speed_window), np.nan)
        sp[:, 0] = speeds
        ht = np.zeros((n, history))
        ht[:, 0] = t
        hp = np.zeros((n, history, 3))
        hp[:, 0] = pos
        ones = np.ones(n, np.int64)
        return cls(
            num=num.astype(np.int64),
            status=np.full(n, TENTATIVE, np.int8),
            x=x,
            P=P,
            hits=ones.copy(),
            bits=ones.copy(),
            age=ones.copy(),
            created_t=np.full(n, float(t)),
            updated_t=np.full(n, float(t)),
            confidence=scores.astype(np.float64),
            label=labels.astype(object),
            speeds=sp,
            hist_t=ht,
            hist_p=hp,
            hist_count=ones.copy(),
        )

    def __len__(self) -> int:
        return len(self.num)

    def take(self, idx: np.ndarray) -> TrackTable:
        """Rows idx (an index or boolean mask) as a new table."""
        return TrackTable(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    def extend(self, other: TrackTable) -> TrackTable:
        """This table followed by other's rows."""
        return TrackTable(
            **{
                f.name: np.concatenate([getattr(self, f.name), getattr(other, f.name)])
                for f in fields(self)
            }
        )

    def record(
        self,
        t: float,
        tracks: np.ndarray,
        scores: np.ndarray,
        labels: np.ndarray,
        speeds: np.ndarray,
        pos: np.ndarray,
    ) -> None:
        """Book one scan: every track ages; tracks[i] was matched to a detection with
        scores[i], labels[i], speeds[i] (NaN if none) and posterior position pos[i]."""
        self.age += 1
        self.bits = (self.bits << 1) & _BITS_MASK
        self.bits[tracks] |= 1
        self.hits[tracks] += 1
        self.updated_t[tracks] = t
        self.confidence[tracks] = scores
        named = labels != ""
        self.label[tracks[named]] = labels[named]
        self.speeds[tracks, (self.hits[tracks] - 1) % self.speeds.shape[1]] = speeds
        slot = self.hist_count[tracks] % self.hist_t.shape[1]
        self.hist_t[tracks, slot] = t
        self.hist_p[tracks, slot] = pos
        self.hist_count[tracks] += 1
        matched = np.zeros(len(self), dtype=bool)
        matched[tracks] = True
        live = self.status != TENTATIVE
        self.status[live & matched] = CONFIRMED
        self.status[live & ~matched] = COASTING

    def history(self, row: int) -> list[tuple[float, tuple[float, float, float]]]:
        """Recent (t, position) samples of one row, oldest first."""
        size = self.hist_t.shape[1]
        count = int(self.hist_count[row])
        order = np.arange(max(count - size, 0), count) % size
        times = self.hist_t[row, order].tolist()
        pts = self.hist_p[row, order].tolist()
        return [(tt, (p[0], p[1], p[2])) for tt, p in zip(times, pts, strict=True)]

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable arrays (NaN as null); exact for float64 via JSON's repr."""
        out: dict[str, Any] = {}
        for f in fields(self):
            arr = getattr(self, f.name)
            if arr.dtype == object:
                out[f.name] = {"dtype": "str", "shape": list(arr.shape), "data": arr.tolist()}
                continue
            flat = arr.ravel()
            data: list[Any] = flat.tolist()
            if arr.dtype.kind == "f":
                data = [None if v != v else v for v in data]
            out[f.name] = {"dtype": arr.dtype.str, "shape": list(arr.shape), "data": data}
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrackTable:
        """Inverse of to_dict."""
        values: dict[str, np.ndarray] = {}
        for f in fields(cls):
            item = data[f.name]
            shape = tuple(item["shape"])
            if item["dtype"] == "str":
                arr = np.empty(shape, dtype=object)
                arr[...] = [str(v) for v in item["data"]] if shape else item["data"]
            else:
                raw = [np.nan if v is None else v for v in item["data"]]
                arr = np.array(raw, dtype=np.dtype(item["dtype"])).reshape(shape)
            values[f.name] = arr
        return cls(**values)
