"""Per-sensor tracker checkpoints in a JetStream key-value bucket (compressed JSON)."""

from __future__ import annotations

import json
import zlib
from typing import Any

from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, NoKeysError
from nats.js.kv import KeyValue


def _key(sensor_id: str) -> str:
    # KV keys allow [-/_=.a-zA-Z0-9]; sensor ids may hold ':' but never '='.
    return sensor_id.replace(":", "=")


def _sensor(key: str) -> str:
    return key.replace("=", ":")


class CheckpointStore:
    def __init__(self, js: JetStreamContext, bucket: str) -> None:
        self.js, self.bucket = js, bucket
        self.kv: KeyValue | None = None

    async def setup(self) -> None:
        try:
            self.kv = await self.js.key_value(self.bucket)
        except BucketNotFoundError:
            self.kv = await self.js.create_key_value(bucket=self.bucket, history=1)

    async def save(self, sensor_id: str, state: dict[str, Any]) -> None:
        assert self.kv is not None
        blob = zlib.compress(json.dumps(state, separators=(",", ":")).encode(), 1)
        await self.kv.put(_key(sensor_id), blob)

    async def load_all(self) -> dict[str, dict[str, Any]]:
        assert self.kv is not None
        try:
            keys = await self.kv.keys()
        except NoKeysError:
            return {}
        out: dict[str, dict[str, Any]] = {}
        for key in keys:
            try:
                entry = await self.kv.get(key)
            except KeyNotFoundError:
                continue
            if entry.value:
                out[_sensor(key)] = json.loads(zlib.decompress(entry.value))
        return out
