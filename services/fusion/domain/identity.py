"""Global identities: ids "g-<n:06d>" from a counter that only grows (never reused, across
restarts too: it is part of the checkpoint), and the bindings of sensor tracks to them.

Hand-over: a fused track whose sensor tracks all ended keeps coasting (predicted forward,
its covariance growing) for up to FusionConfig.coast_s; a new sensor track of any sensor
(another camera, or a camera after a radar) that falls within its gate is bound to it by the
associator, so the object keeps its global id.
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
    """Which fused track (global id number) each sensor track contributes to."""

    def __init__(self) -> None:
        self._of: dict[tuple[str, str], int] = {}

    def __len__(self) -> int:
        return len(self._of)

    def get(self, key: tuple[str, str]) -> int:
        """The bound global id number, or -1."""
        return self._of.get(key, -1)

    def bind(self, key: tuple[str, str], num: int) -> None:
        self._of[key] = num

    def unbind(self, keys: Iterable[tuple[str, str]]) -> None:
        for k in keys:
            self._of.pop(k, None)

    def drop_fused(self, nums: Iterable[int]) -> None:
        """Forget every binding to these fused tracks (they were deleted)."""
        gone = set(nums)
        if gone:
            self._of = {k: v for k, v in self._of.items() if v not in gone}

    def to_list(self) -> list[list[Any]]:
        return [[s, t, n] for (s, t), n in self._of.items()]

    @classmethod
    def from_list(cls, rows: Iterable[list[Any]]) -> Bindings:
        b = cls()
        for s, t, n in rows:
            b.bind((str(s), str(t)), int(n))
        return b
