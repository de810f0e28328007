"""Fusion's checkpoint (one engine state for all sensors) in a JetStream key-value bucket,
as compressed JSON split into chunks under the bucket's value size limit.

A checkpoint is written as chunks `g<generation>.<i>`, then the key `head` naming that
generation and its chunk count; only then are the previous generation's chunks deleted. A
crash at any point leaves `head` naming a complete checkpoint."""

from __future__ import annotations

import asyncio
import json
import zlib
from collections.abc import Iterator
from typing import Any

from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, NotFoundError
from nats.js.kv import KeyValue

from aura.fusion.v1 import fusion_pb2 as fpb

HEAD = "head"
#: Key of the per-sensor count of track updates kept out of fusion (admin's status reads it).
REFUSED = "refused"
#: Bytes per chunk: under NATS's default 1 MiB max payload with room for headers.
CHUNK = 512 * 1024


#: Items of a long list encoded by one json.dumps call (see encode).
LIST_CHUNK = 256


def encode(state: dict[str, Any]) -> bytes:
    """A checkpoint as stored: compact JSON, zlib level 1 (the same bytes as
    zlib.compress(json.dumps(state, separators=(",", ":")).encode(), 1)).

    The JSON is made piece by piece, long lists LIST_CHUNK items at a time: one json.dumps
    call holds the GIL until it returns, so when this runs in a worker thread the event
    loop gets the GIL back between pieces (every few ms) instead of after the whole
    checkpoint. zlib releases the GIL while it compresses."""
    return zlib.compress("".join(_pieces(state)).encode(), 1)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, separators=(",", ":"))


def _pieces(obj: Any) -> Iterator[str]:
    if isinstance(obj, dict) and all(isinstance(k, str) for k in obj):
        yield "{"
        for i, (k, v) in enumerate(obj.items()):
            yield f",{_dumps(k)}:" if i else f"{_dumps(k)}:"
            yield from _pieces(v)
        yield "}"
    elif isinstance(obj, list) and len(obj) > LIST_CHUNK:
        yield "["
        for i in range(0, len(obj), LIST_CHUNK):
            piece = _dumps(obj[i : i + LIST_CHUNK])[1:-1]
            yield f",{piece}" if i else piece
        yield "]"
    else:
        yield _dumps(obj)


class CheckpointStore:
    def __init__(self, js: JetStreamContext, bucket: str, chunk: int = CHUNK) -> None:
        self.js, self.bucket, self.chunk = js, bucket, chunk
        self.kv: KeyValue | None = None
        self._head: dict[str, int] = {"generation": 0, "chunks": 0}

    async def setup(self) -> None:
        try:
            self.kv = await self.js.key_value(self.bucket)
        except BucketNotFoundError:
            self.kv = await self.js.create_key_value(bucket=self.bucket, history=1)

    async def save(self, state: dict[str, Any]) -> int:
        """Write a checkpoint; returns its size in bytes (compressed)."""
        assert self.kv is not None
        blob = await asyncio.to_thread(encode, state)
        old = dict(self._head)
        gen = old["generation"] + 1
        parts = [blob[i : i + self.chunk] for i in range(0, len(blob), self.chunk)] or [b""]
        for i, part in enumerate(parts):
            await self.kv.put(f"g{gen}.{i}", part)
        self._head = {"generation": gen, "chunks": len(parts)}
        await self.kv.put(HEAD, json.dumps(self._head).encode())
        for i in range(old["chunks"]):
            try:
                await self.kv.delete(f"g{old['generation']}.{i}")
            except KeyNotFoundError:
                pass
        return len(blob)

    async def save_refused(self, counts: dict[str, int]) -> None:
        """sensor_id -> track updates kept out of fusion (no pose or homography), as JSON."""
        assert self.kv is not None
        await self.kv.put(REFUSED, json.dumps(counts, sort_keys=True).encode())

    async def load(self) -> dict[str, Any] | None:
        """The latest complete checkpoint, or None when there is none."""
        assert self.kv is not None
        try:
            head_entry = await self.kv.get(HEAD)
        except KeyNotFoundError:
            return None
        if not head_entry.value:
            return None
        head = json.loads(head_entry.value)
        parts = []
        for i in range(int(head["chunks"])):
            entry = await self.kv.get(f"g{head['generation']}.{i}")
            parts.append(entry.value or b"")
        self._head = {"generation": int(head["generation"]), "chunks": int(head["chunks"])}
        state: dict[str, Any] = json.loads(zlib.decompress(b"".join(parts)))
        return state


async def last_published_sequence(js: JetStreamContext, stream: str, subject: str) -> int:
    """The sequence of the last FusedTrackFrame in the stream (0 when there is none). After a
    crash the checkpoint may be behind what was published; fusion continues after this one,
    so a cycle's message id `fused:<sequence>` is never reused for other content."""
    try:
        msg = await js.get_last_msg(stream, subject)
    except NotFoundError:
        return 0
    try:
        return int(fpb.FusedTrackFrame.FromString(msg.data or b"").sequence)
    except Exception:
        return 0
