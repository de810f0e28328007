"""What every service knows of the API keys: one aura.common.v1.ApiKeyRecord per key in the
JetStream key-value bucket AURA_KEYS (see services/common/auth.py), written by admin."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from typing import Any

from nats.js import JetStreamContext
from nats.js.errors import NoKeysError

from aura.common.v1 import auth_pb2
from services.common.auth import keys_bucket


class KeysKV:
    def __init__(self, js: JetStreamContext) -> None:
        self.js = js
        self._kv: Any = None

    async def setup(self) -> None:
        self._kv = await keys_bucket(self.js)

    async def put(self, rec: auth_pb2.ApiKeyRecord) -> None:
        await self._kv.put(rec.key_id, rec.SerializeToString())

    async def sync(self, records: Iterable[auth_pb2.ApiKeyRecord]) -> None:
        """Make the bucket hold exactly the keys that are not revoked: PostgreSQL is the
        source of truth (a key left in the bucket by a lost database must not work)."""
        want = {r.key_id: r for r in records if not r.revoked}
        stored: list[str] = []
        with contextlib.suppress(NoKeysError):
            stored = list(await self._kv.keys())
        for key in stored:
            if key not in want:
                await self._kv.delete(key)
        for rec in want.values():
            await self.put(rec)
