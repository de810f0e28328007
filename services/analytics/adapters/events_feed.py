"""StreamEvents' live feed, and the periodic heatmap publisher.

- `EventsFeed` subscribes with core NATS (live, no replay) to `aura.events.>` (what the
  write side publishes, see EVENTS.md), `aura.broadcast`, `aura.zones.>` and
  `aura.threats`, turns each message into a StreamEventsResponse
  (domain/events.event_from_message) and fans it out through services/common/hub.py. Each
  subscriber's filter is applied when an event is offered, so its bounded buffer only holds
  (and its missed count only counts) events it asked for.
- Messages carrying a `Nats-Msg-Id` already seen recently are dropped: JetStream stores a
  re-published event once, but core subscribers see every publish (two replicas' heatmaps of
  one 10 s bucket, a write side replaying after a crash).
- `HeatmapPublisher` computes, at each 10 s boundary, the heatmap of the 5 minutes before
  it at the default cell size and publishes it on `aura.events.heatmap` with the message id
  `heatmap:<bucket start in µs>` (EVENTS.md): every replica does it, JetStream keeps one,
  and the feed's id check gives subscribers one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import TypeAlias

from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription as NatsSubscription
from nats.js import JetStreamContext

from aura.analytics.v1 import analytics_pb2 as pb
from services.analytics.domain.events import (
    BadEvent,
    EventFilter,
    event_from_message,
    heatmap_msg_id,
    matches,
)
from services.analytics.domain.queries import to_timestamp
from services.common import bus
from services.common.hub import Hub, Subscription

log = logging.getLogger("aura.analytics.events")

SUBJECTS = ("aura.events.>", "aura.broadcast", "aura.zones.>", "aura.threats")
HEATMAP_SUBJECT = "aura.events.heatmap"
Event: TypeAlias = pb.StreamEventsResponse


class FilteredSubscription(Subscription[Event]):
    """A hub subscription that only takes the events its filter keeps, numbers them as they
    are offered, and so knows exactly where events were dropped: `get` returns each event
    with the number dropped just before it, so the MISSED_EVENTS notice comes in order."""

    def __init__(self, hub: Hub[Event], maxsize: int, f: EventFilter) -> None:
        super().__init__(hub, maxsize)
        self.filter = f
        self._items: asyncio.Queue[tuple[int, Event]] = asyncio.Queue(maxsize)
        #: Matching events offered so far, and the offer number of the last one handed out
        #: or reported missed.
        self.offered = 0
        self.accounted = 0
        #: When the first event not yet reported missed was dropped (epoch seconds).
        self.first_missed_at: float | None = None

    def offer(self, item: Event) -> None:
        if not matches(self.filter, item):
            return
        self.offered += 1
        try:
            self._items.put_nowait((self.offered, item))
        except asyncio.QueueFull:
            self.missed += 1
            if self.first_missed_at is None:
                self.first_missed_at = time.time()

    async def get(self) -> tuple[Event | None, int]:
        """(event, n): the next event, n events having been dropped just before it;
        (None, n): nothing is queued and the last n events offered were dropped."""
        if self._items.empty() and self.offered > self.accounted:
            n, self.accounted = self.offered - self.accounted, self.offered
            return None, n
        number, item = await self._items.get()
        gap, self.accounted = number - self.accounted - 1, number
        return item, gap

    def take_first_missed_at(self) -> float:
        at, self.first_missed_at = self.first_missed_at, None
        return at if at is not None else time.time()


class EventHub(Hub[Event]):
    def subscribe_filtered(self, f: EventFilter) -> FilteredSubscription:
        sub = FilteredSubscription(self, self.maxsize, f)
        self._subs.add(sub)
        return sub


class RecentIds:
    """The last `size` message ids, to drop a re-published event."""

    def __init__(self, size: int = 8192) -> None:
        self.size = size
        self._ids: OrderedDict[str, None] = OrderedDict()

    def seen(self, msg_id: str) -> bool:
        if msg_id in self._ids:
            return True
        self._ids[msg_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return False


class EventsFeed:
    def __init__(self, nc: NATS, hub: EventHub) -> None:
        self.nc, self.hub = nc, hub
        self.recent = RecentIds()
        self.received = 0
        self.bad = 0
        self._subs: list[NatsSubscription] = []

    async def start(self) -> None:
        for subject in SUBJECTS:
            self._subs.append(await self.nc.subscribe(subject, cb=self._on_msg))
        await self.nc.flush()

    async def _on_msg(self, msg: Msg) -> None:
        msg_id = (msg.headers or {}).get("Nats-Msg-Id")
        if msg_id and self.recent.seen(msg_id):
            return
        try:
            event = event_from_message(msg.subject, msg.data)
        except BadEvent as exc:
            self.bad += 1
            log.warning("not an event; skipped", extra={"error": str(exc)})
            return
        self.received += 1
        self.hub.publish(event)

    async def stop(self) -> None:
        for sub in self._subs:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        self._subs.clear()


HeatmapFn = Callable[[datetime], Awaitable[pb.Heatmap]]


class HeatmapPublisher:
    """Every `interval_s`, at the interval's boundaries (epoch-aligned), publishes the
    heatmap that `compute(boundary)` gives."""

    def __init__(self, js: JetStreamContext, compute: HeatmapFn, interval_s: float = 10.0) -> None:
        self.js, self.compute, self.interval_s = js, compute, interval_s
        self.published = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="analytics-heatmap")

    async def publish_once(self, boundary_s: float) -> None:
        end = datetime.fromtimestamp(boundary_s, UTC)
        heatmap = await self.compute(end)
        event = pb.StreamEventsResponse(
            timestamp=to_timestamp(end),
            type=pb.EVENT_TYPE_HEATMAP_UPDATE,
            heatmap_update=heatmap,
        )
        msg_id = heatmap_msg_id(round(boundary_s * 1_000_000))
        await bus.publish(self.js, HEATMAP_SUBJECT, event.SerializeToString(), msg_id)
        self.published += 1

    async def _run(self) -> None:
        while True:
            now = time.time()
            boundary = (now // self.interval_s + 1) * self.interval_s
            await asyncio.sleep(boundary - now)
            try:
                await self.publish_once(boundary)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database or NATS away: try at the next boundary
                log.warning("heatmap update not published", extra={"error": str(exc)})

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
