"""ReorderBuffer: puts one sensor's frames back into event-time order within a lateness bound.

Pure: the caller passes the wall-clock ``now`` (seconds); event times ``t`` are the frames'
own timestamps (seconds since epoch).
"""

from __future__ import annotations

import heapq
import itertools
import math
from typing import Any


class ReorderBuffer:
    """Hold items until they can no longer be overtaken, then release them in t order.

    An item with event time t is released once an item with event time >= t + lateness_s
    has arrived, or once it has been held max_hold_s of wall time (then every held item
    with event time <= t goes too). An item older than the last released event time is
    dropped and counted in ``dropped``: it is never applied backwards. Items with equal t
    keep their arrival order. With lateness_s == 0 every in-order item is released at once.
    """

    def __init__(self, lateness_s: float, max_hold_s: float) -> None:
        """Args: lateness_s: event-time slack, seconds (>= 0). max_hold_s: longest wall
        time an item may wait, seconds (>= 0)."""
        if not (math.isfinite(lateness_s) and lateness_s >= 0):
            raise ValueError(f"lateness_s must be finite and >= 0, got {lateness_s!r}")
        if not (math.isfinite(max_hold_s) and max_hold_s >= 0):
            raise ValueError(f"max_hold_s must be finite and >= 0, got {max_hold_s!r}")
        self.lateness_s = float(lateness_s)
        self.max_hold_s = float(max_hold_s)
        self.dropped = 0
        self._heap: list[tuple[float, int, float, Any]] = []
        self._seq = itertools.count()
        self._max_t = -math.inf
        self._released_t = -math.inf

    def __len__(self) -> int:
        """Number of items held."""
        return len(self._heap)

    @property
    def released_t(self) -> float:
        """Event time of the latest released item (-inf before the first)."""
        return self._released_t

    def push(self, t: float, item: Any, now: float) -> list[Any]:
        """Add an item with event time t; return the items released, in event-time order."""
        if not math.isfinite(t):
            raise ValueError(f"t must be finite, got {t!r}")
        if t < self._released_t:
            self.dropped += 1
            return self.poll(now)
        heapq.heappush(self._heap, (float(t), next(self._seq), float(now), item))
        self._max_t = max(self._max_t, float(t))
        return self.poll(now)

    def poll(self, now: float) -> list[Any]:
        """Release items held >= max_hold_s (and all held items not later than them) and
        items already overtaken by lateness_s; in event-time order."""
        if not self._heap:
            return []
        overdue = [e[0] for e in self._heap if now - e[2] >= self.max_hold_s]
        cutoff = max(overdue, default=-math.inf)
        ready = self._max_t - self.lateness_s
        out: list[Any] = []
        while self._heap and (self._heap[0][0] <= ready or self._heap[0][0] <= cutoff):
            t, _, _, item = heapq.heappop(self._heap)
            self._released_t = t
            out.append(item)
        return out

    def flush(self) -> list[Any]:
        """Release everything held, in event-time order (e.g. at shutdown)."""
        out: list[Any] = []
        while self._heap:
            t, _, _, item = heapq.heappop(self._heap)
            self._released_t = t
            out.append(item)
        return out
