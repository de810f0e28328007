"""Global identities: ids "g-<n:06d>" from a counter that only grows (never reused, across
restarts too: it is part of the checkpoint), and the bindings of sensor tracks to them.

Hand-over: a fused track whose sensor tracks all ended keeps coasting (predicted forward,
its covariance growing) for up to FusionConfig.coast_s; a new sensor track of any sensor
(another camera, or a camera after a radar) that falls within its gate is bound to it by the
associator, so the object keeps its global id.

Hysteresis (FusionEngine, FusionConfig.hold_s and consensus_gate_prob): a bound sensor
track that leaves its fused track's gate for a moment keeps its binding (strained) instead
of starting a new global id, and of the sensor tracks bound to one fused track the one that
disagrees with the others (or, between two, the one of the sensor more prone to identity
swaps) is the one that loses its binding, so one sensor's swap does not carry the id.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def global_id(n: int) -> str:
    """The public form of global id number n."""
    return f"g-{n:06d}"


def global_num(gid: str) -> int:
    """Inverse of global_id; ValueError for a malformed id."""
    if not gid.startswith("g-") or not gid[2:].isdigit():
        raise ValueError(f"not a global id: {gid!r}")
    return int(gid[2:])


class IdAllocator:
    """Hands out global id numbers 1, 2, 3, ...; never the same twice."""

    def __init__(self, next_num: int = 1) -> None:
        if next_num < 1:
            raise ValueError(f"next_num must be >= 1, got {next_num}")
        self._next = next_num

    @property
    def next_num(self) -> int:
        return self._next

    def take(self, k: int = 1) -> list[int]:
        """k fresh numbers."""
        out = list(range(self._next, self._next + k))
        self._next += k
        return out


class Bindings:
    """Which fused track (global id number) each sensor track contributes to, and since when
    a binding has been strained (its sensor track out of its fused track's gate, kept bound
    instead of starting a new fused track; see FusionConfig.hold_s)."""

    def __init__(self) -> None:
        self._of: dict[tuple[str, str], int] = {}
        self._since: dict[tuple[str, str], float] = {}

    def __len__(self) -> int:
        return len(self._of)

    def get(self, key: tuple[str, str]) -> int:
        """The bound global id number, or -1."""
        return self._of.get(key, -1)

    def bind(self, key: tuple[str, str], num: int) -> None:
        """Bind key to fused track num; a strained binding counts as relaxed again."""
        self._of[key] = num
        self._since.pop(key, None)

    def unbind(self, keys: Iterable[tuple[str, str]]) -> None:
        for k in keys:
            self._of.pop(k, None)
            self._since.pop(k, None)

    def strain(self, key: tuple[str, str], t: float) -> float:
        """Mark the binding of key strained at time t (if not already) and return the time
        it has been strained since."""
        return self._since.setdefault(key, float(t))

    def strained_since(self, key: tuple[str, str]) -> float | None:
        """When the binding of key became strained, or None if it is not."""
        return self._since.get(key)

    def drop_fused(self, nums: Iterable[int]) -> None:
        """Forget every binding to these fused tracks (they were deleted)."""
        gone = set(nums)
        if gone:
            self._of = {k: v for k, v in self._of.items() if v not in gone}
            self._since = {k: v for k, v in self._since.items() if k in self._of}

    def to_list(self) -> list[list[Any]]:
        """[sensor_id, track_id, num] rows, with a 4th element (strained since) when the
        binding is strained."""
        return [
            [s, t, n] if (s, t) not in self._since else [s, t, n, self._since[(s, t)]]
            for (s, t), n in self._of.items()
        ]

    @classmethod
    def from_list(cls, rows: Iterable[list[Any]]) -> Bindings:
        b = cls()
        for s, t, n, *since in rows:
            b.bind((str(s), str(t)), int(n))
            if since:
                b.strain((str(s), str(t)), float(since[0]))
        return b
