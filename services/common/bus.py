"""NATS JetStream helpers: connection, idempotent stream declarations, publishing with a
message id and trace context, and a durable pull consumer that acks only after the work."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

import nats
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy, StreamConfig
from nats.js.errors import NotFoundError

from services.common.observability import inject_headers

log = logging.getLogger("aura.bus")


@dataclass(frozen=True)
class StreamSpec:
    """A JetStream stream the mesh uses; declared by every service that touches it."""

    name: str
    subjects: tuple[str, ...]
    max_age_s: float = 24 * 3600.0
    duplicate_window_s: float = 120.0


DETECTIONS = StreamSpec("AURA_DETECTIONS", ("aura.detections.>",))
TRACKS = StreamSpec("AURA_TRACKS", ("aura.tracks.>",))
TELEMETRY = StreamSpec("AURA_TELEMETRY", ("aura.telemetry.>",))
FUSED = StreamSpec("AURA_FUSED", ("aura.fused", "aura.fused.>"))
THREATS = StreamSpec("AURA_THREATS", ("aura.threats", "aura.threats.>"))
ZONES = StreamSpec("AURA_ZONES", ("aura.zones.>",))
EVENTS = StreamSpec("AURA_EVENTS", ("aura.events.>", "aura.broadcast"))
DEAD_LETTER = StreamSpec("AURA_DLQ", ("aura.dlq.>",), max_age_s=7 * 24 * 3600.0)
# Audit entries of every service (aura.audit.<service>), until admin has stored them.
AUDIT = StreamSpec("AURA_AUDIT", ("aura.audit.>",), max_age_s=7 * 24 * 3600.0)
ALL_STREAMS = (DETECTIONS, TRACKS, TELEMETRY, FUSED, THREATS, ZONES, EVENTS, DEAD_LETTER, AUDIT)


def subject_token(value: str) -> str:
    """Make `value` safe as one NATS subject token (ids are validated, this is a backstop)."""
    return "".join(c if c.isalnum() or c in "-_:" else "_" for c in value) or "_"


async def connect(url: str, name: str) -> NATS:
    """Connect with endless reconnects, so a restarted NATS server is picked up again."""
    return await nats.connect(
        url,
        name=f"aura-{name}",
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=2,
        allow_reconnect=True,
    )


async def ensure_streams(js: JetStreamContext, specs: Sequence[StreamSpec]) -> None:
    """Create or update the streams; safe to call from every service at every start."""
    for spec in specs:
        cfg = StreamConfig(
            name=spec.name,
            subjects=list(spec.subjects),
            max_age=spec.max_age_s,
            duplicate_window=spec.duplicate_window_s,
        )
        try:
            await js.stream_info(spec.name)
            await js.update_stream(cfg)
        except NotFoundError:
            await js.add_stream(cfg)


async def publish(
    js: JetStreamContext,
    subject: str,
    payload: bytes,
    msg_id: str | None = None,
    ack_timeout_s: float = 5.0,
) -> tuple[int, bool]:
    """Publish with a `Nats-Msg-Id` (dedupe) and the trace context; returns
    (stream sequence, duplicate)."""
    headers = inject_headers()
    if msg_id:
        headers["Nats-Msg-Id"] = msg_id
    ack = await js.publish(subject, payload, headers=headers, timeout=ack_timeout_s)
    return ack.seq, bool(ack.duplicate)


Handler = Callable[[list[Msg]], Awaitable[None]]


class DurableConsumer:
    """A durable pull consumer: fetches batches and hands them to `handler`, which acks
    each message after its work is done (or leaves it for redelivery)."""

    def __init__(
        self,
        js: JetStreamContext,
        stream: str,
        durable: str,
        subject: str,
        handler: Handler,
        batch: int = 256,
        ack_wait_s: float = 30.0,
        max_ack_pending: int = 20000,
    ) -> None:
        self.js, self.stream, self.durable, self.subject = js, stream, durable, subject
        self.handler, self.batch = handler, batch
        self.config = ConsumerConfig(
            durable_name=durable,
            ack_policy=AckPolicy.EXPLICIT,
            deliver_policy=DeliverPolicy.ALL,
            ack_wait=ack_wait_s,
            max_ack_pending=max_ack_pending,
            max_deliver=-1,
            filter_subject=subject,
        )
        self._task: asyncio.Task[None] | None = None
        self.healthy = False

    async def rewind_to_ack_floor(self) -> int:
        """Re-create the durable consumer so that every message after its ack floor is
        delivered again, in stream order, now: what a crashed process had received but not
        acked would otherwise only come back after ack_wait, behind newer messages.
        Returns the stream sequence delivery restarts from."""
        try:
            info = await self.js.consumer_info(self.stream, self.durable)
        except NotFoundError:
            return 1
        start = int(info.ack_floor.stream_seq or 0) + 1 if info.ack_floor else 1
        await self.js.delete_consumer(self.stream, self.durable)
        if start > 1:
            self.config.deliver_policy = DeliverPolicy.BY_START_SEQUENCE
            self.config.opt_start_seq = start
        return start

    async def start(self) -> None:
        self._sub = await self.js.pull_subscribe(
            self.subject, durable=self.durable, stream=self.stream, config=self.config
        )
        self.healthy = True  # the durable consumer exists and is bound
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.durable}")

    async def _run(self) -> None:
        while True:
            try:
                msgs = await self._sub.fetch(self.batch, timeout=0.5)
            except (TimeoutError, NatsTimeoutError):
                self.healthy = True
                continue
            except asyncio.CancelledError:
                raise
            except Exception:
                self.healthy = False
                log.warning("fetch failed; retrying", exc_info=True)
                await asyncio.sleep(0.5)
                continue
            self.healthy = True
            try:
                await self.handler(msgs)
            except asyncio.CancelledError:
                raise
            except Exception:
                # Not acked: JetStream redelivers after ack_wait. The handler is expected to
                # dead-letter poison messages itself, so this is for transient faults.
                log.exception("handler failed; batch left for redelivery")
                await asyncio.sleep(0.5)

    async def stop(self) -> None:
        if self._task:
            # nats-py's fetch() can turn a cancellation into a timeout, which the loop takes
            # as "no messages": cancel again until the task has really ended.
            while not self._task.done():
                self._task.cancel()
                await asyncio.wait({self._task}, timeout=0.5)
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        with contextlib.suppress(Exception):
            await self._sub.unsubscribe()

    async def lag(self) -> int:
        """Messages not yet delivered plus delivered but not acked."""
        info = await self.js.consumer_info(self.stream, self.durable)
        return int(info.num_pending or 0) + int(info.num_ack_pending or 0)


DLQ_REASON = "Aura-Dlq-Reason"  # header of a dead-lettered message: why it was parked


async def dead_letter(js: JetStreamContext, service: str, msg: Msg, reason: str) -> None:
    """Park a message that can never be processed on `aura.dlq.<service>`, then ack it."""
    headers = dict(msg.headers or {})
    headers[DLQ_REASON] = reason[:512]
    headers["Aura-Dlq-Subject"] = msg.subject
    headers.pop("Nats-Msg-Id", None)
    await js.publish(f"aura.dlq.{service}", msg.data, headers=headers)
    await msg.ack()
