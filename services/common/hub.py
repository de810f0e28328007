"""In-process fan-out for server-streaming RPCs: every subscriber has a bounded queue, so a
slow subscriber never stalls the others; it is told how many events it missed instead."""

from __future__ import annotations

import asyncio
from typing import Generic, TypeVar

T = TypeVar("T")


class Subscription(Generic[T]):
    def __init__(self, hub: Hub[T], maxsize: int) -> None:
        self._hub = hub
        self._queue: asyncio.Queue[T] = asyncio.Queue(maxsize)
        self.missed = 0

    def offer(self, item: T) -> None:
        try:
            self._queue.put_nowait(item)
        except asyncio.QueueFull:
            self.missed += 1

    async def get(self) -> tuple[T | None, int]:
        """Next item; once the queued items are delivered, (None, n) if n events were dropped
        for this subscriber meanwhile, so the caller can tell its client and go on."""
        if self._queue.empty() and self.missed:
            n, self.missed = self.missed, 0
            return None, n
        return await self._queue.get(), 0

    def close(self) -> None:
        self._hub._subs.discard(self)

    def __enter__(self) -> Subscription[T]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class Hub(Generic[T]):
    def __init__(self, maxsize: int = 4096) -> None:
        self.maxsize = maxsize
        self._subs: set[Subscription[T]] = set()

    def subscribe(self) -> Subscription[T]:
        sub: Subscription[T] = Subscription(self, self.maxsize)
        self._subs.add(sub)
        return sub

    def publish(self, item: T) -> None:
        for sub in tuple(self._subs):
            sub.offer(item)

    @property
    def subscribers(self) -> int:
        return len(self._subs)
