"""TrackTable (all tracks of one sensor as parallel arrays) and HistoryStore (their recent
positions, in slots that stay put when tracks are added or removed).

Units: times in seconds since the epoch; x/P in the measurement model's units (metres or
pixels, per second for rates); history positions are (3,) like TrackView.position.
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
# Times are float seconds since the epoch (ulp ~0.2 µs today): a grace of 0.1 s must cover
# three 30 fps periods whose timestamps were rounded to the microsecond.
_TIME_EPS = 1e-5


@dataclass
class TrackTable:
    """TrackTable holds every live track of a sensor, one row per track.

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
        slot: (n,) int64 row of the track in the HistoryStore.
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
    slot: np.ndarray

    @classmethod
    def empty(cls, d: int, speed_window: int) -> TrackTable:
        """A table with no tracks, state dimension d."""
        none = np.empty(0, np.int64)
        return cls.new(
            none, np.empty((0, d)), np.empty((0, d, d)), 0.0, np.empty(0),
            np.empty(0, dtype=object), np.empty(0), none, speed_window,
        )  # fmt: skip

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
        slot: np.ndarray,
        speed_window: int,
    ) -> TrackTable:
        """Rows for tracks born at time t from one detection each (status TENTATIVE)."""
        n = len(num)
        sp = np.full((n, speed_window), np.nan)
        sp[:, 0] = speeds
        ones = np.ones(n, np.int64)
        return cls(
            num=num.astype(np.int64),
            status=np.full(n, TENTATIVE, np.int8),
            x=x,
            P=P,
            hits=ones,
            bits=ones.copy(),
            age=ones.copy(),
            created_t=np.full(n, float(t)),
            updated_t=np.full(n, float(t)),
            confidence=scores.astype(np.float64),
            label=labels.astype(object),
            speeds=sp,
            slot=slot.astype(np.int64),
        )

    def __len__(self) -> int:
        return len(self.num)

    def take(self, idx: np.ndarray) -> TrackTable:
        """Rows idx (an index or boolean mask) as a new table."""
        return TrackTable(**{f.name: getattr(self, f.name)[idx] for f in fields(self)})

    def extend(self, other: TrackTable) -> TrackTable:
        """This table followed by other's rows, as a new table."""
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
        grace_scans: int = 0,
        grace_s: float = 0.0,
    ) -> None:
        """Book one scan in place: every track ages; tracks[i] was matched at time t to a
        detection with scores[i], labels[i] and speeds[i] (NaN if none). Confirmed tracks
        are CONFIRMED while they missed at most grace_scans scans in a row, or their last
        match is at most grace_s seconds old; else COASTING."""
        self.age += 1
        self.bits = (self.bits << 1) & _BITS_MASK
        self.bits[tracks] |= 1
        self.hits[tracks] += 1
        self.updated_t[tracks] = t
        self.confidence[tracks] = scores
        named = labels != ""
        self.label[tracks[named]] = labels[named]
        self.speeds[tracks, (self.hits[tracks] - 1) % self.speeds.shape[1]] = speeds
        live = self.status != TENTATIVE
        fresh = miss_streak(self.bits) <= grace_scans
        if grace_s > 0.0:
            fresh |= t - self.updated_t <= grace_s + _TIME_EPS
        self.status[live & fresh] = CONFIRMED
        self.status[live & ~fresh] = COASTING

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable arrays (slot omitted: the history is saved row-aligned)."""
        return {f.name: _encode(getattr(self, f.name)) for f in fields(self) if f.name != "slot"}

    @classmethod
    def from_dict(cls, data: dict[str, Any], slot: np.ndarray) -> TrackTable:
        """Inverse of to_dict, with the given history slots."""
        values = {f.name: _decode(data[f.name]) for f in fields(cls) if f.name != "slot"}
        return cls(**values, slot=slot)


def miss_streak(bits: np.ndarray) -> np.ndarray:
    """Scans missed in a row up to the latest (trailing zero bits; 62 when all are zero)."""
    lowest = bits & -bits
    out: np.ndarray = np.where(bits == 0, 62, np.bitwise_count(lowest - 1))
    return out


class HistoryStore:
    """Recent (t, position) samples per track, in ring buffers addressed by slot.

    Slots are allocated at birth and released at deletion, so adding or deleting tracks
    never copies the buffers (they only grow, by doubling).
    """

    def __init__(self, length: int, capacity: int = 64) -> None:
        """Args: length: samples kept per track. capacity: initial number of slots."""
        self.length = length
        self.t = np.zeros((capacity, length))
        self.p = np.zeros((capacity, length, 3))
        self.count = np.zeros(capacity, np.int64)
        self._free = np.arange(capacity - 1, -1, -1, dtype=np.int64)

    def alloc(self, k: int) -> np.ndarray:
        """k free slots, emptied."""
        if k > len(self._free):
            self._grow(k)
        slots = self._free[len(self._free) - k :][::-1].copy()
        self._free = self._free[: len(self._free) - k]
        self.count[slots] = 0
        return slots

    def release(self, slots: np.ndarray) -> None:
        """Give slots back."""
        if len(slots):
            self._free = np.concatenate([self._free, slots[::-1]])

    def write(self, slots: np.ndarray, t: float, pos: np.ndarray) -> None:
        """Append (t, pos[i]) to the ring of slots[i]."""
        head = self.count[slots] % self.length
        self.t[slots, head] = t
        self.p[slots, head] = pos
        self.count[slots] += 1

    def read(self, slot: int) -> list[tuple[float, tuple[float, float, float]]]:
        """The samples of one slot, oldest first."""
        count = int(self.count[slot])
        order = np.arange(max(count - self.length, 0), count) % self.length
        times = self.t[slot, order].tolist()
        pts = self.p[slot, order].tolist()
        return [(tt, (q[0], q[1], q[2])) for tt, q in zip(times, pts, strict=True)]

    def to_dict(self, slots: np.ndarray) -> dict[str, Any]:
        """JSON-serialisable history of slots, row-aligned with them."""
        return {
            "t": _encode(self.t[slots]),
            "p": _encode(self.p[slots]),
            "count": _encode(self.count[slots]),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], length: int) -> tuple[HistoryStore, np.ndarray]:
        """A store holding data's rows in slots 0..n-1, and those slots."""
        t, p, count = _decode(data["t"]), _decode(data["p"]), _decode(data["count"])
        n = len(count)
        store = cls(length, max(64, 2 * n))
        slots = store.alloc(n)
        store.t[slots], store.p[slots], store.count[slots] = t, p, count
        return store, slots

    def _grow(self, k: int) -> None:
        old = len(self.count)
        new = max(2 * old, old + k - len(self._free))
        self.t = np.concatenate([self.t, np.zeros((new - old, self.length))])
        self.p = np.concatenate([self.p, np.zeros((new - old, self.length, 3))])
        self.count = np.concatenate([self.count, np.zeros(new - old, np.int64)])
        self._free = np.concatenate([np.arange(new - 1, old - 1, -1, dtype=np.int64), self._free])


def _encode(arr: np.ndarray) -> dict[str, Any]:
    """An array as {dtype, shape, data}; float NaN becomes null, object arrays hold str."""
    if arr.dtype == object:
        return {"dtype": "str", "shape": list(arr.shape), "data": [str(v) for v in arr.tolist()]}
    data: list[Any] = arr.ravel().tolist()
    if arr.dtype.kind == "f":
        data = [None if v != v else v for v in data]
    return {"dtype": arr.dtype.str, "shape": list(arr.shape), "data": data}


def _decode(item: dict[str, Any]) -> np.ndarray:
    shape = tuple(int(v) for v in item["shape"])
    if item["dtype"] == "str":
        arr = np.empty(len(item["data"]), dtype=object)
        arr[:] = [str(v) for v in item["data"]]
        return arr.reshape(shape)
    raw = [np.nan if v is None else v for v in item["data"]]
    return np.array(raw, dtype=np.dtype(item["dtype"])).reshape(shape)
