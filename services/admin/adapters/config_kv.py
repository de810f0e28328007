"""The configuration as tracker, fusion and analytics see it: the JetStream key-value bucket
AURA_CONFIG, keys `sensors.<sensor key>` (services.common.registry.sensor_key), `zones.<id>`
and `thresholds`, each holding the stored proto (with its version). A deletion deletes the
key. `sync` makes the bucket match PostgreSQL, the source of truth."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Sequence
from typing import TypeVar

from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.errors import (
    BadRequestError,
    BucketNotFoundError,
    KeyDeletedError,
    KeyNotFoundError,
    NoKeysError,
)
from nats.js.errors import NotFoundError as JsNotFoundError
from nats.js.kv import KeyValue

from aura.admin.v1 import admin_pb2 as pb
from services.common.errors import UnavailableError
from services.common.registry import CONFIG_BUCKET, sensor_key

log = logging.getLogger("aura.admin.config_kv")

#: Same history as services.common.registry creates the bucket with: either may come first.
HISTORY = 5
THRESHOLDS_KEY = "thresholds"
SENSORS_PREFIX = "sensors."
ZONES_PREFIX = "zones."

T = TypeVar("T")


def zone_key(zone_id: str) -> str:
    return ZONES_PREFIX + zone_id


class ConfigKV:
    """Writes to AURA_CONFIG; each call gives up after `timeout_s` with UnavailableError."""

    def __init__(self, js: JetStreamContext, timeout_s: float = 2.0) -> None:
        self.js = js
        self.timeout_s = timeout_s
        self._kv: KeyValue | None = None

    async def _call(self, what: str, aw: Awaitable[T]) -> T:
        try:
            return await asyncio.wait_for(aw, self.timeout_s)
        except (JsNotFoundError, NoKeysError):
            raise
        except (TimeoutError, NatsTimeoutError, NatsError, OSError) as exc:
            raise UnavailableError(
                f"NATS did not take the change ({what}: {type(exc).__name__}); nothing was "
                "changed, retry when NATS is back"
            ) from exc

    async def bucket(self) -> KeyValue:
        if self._kv is None:
            try:
                self._kv = await self.js.key_value(CONFIG_BUCKET)
            except BucketNotFoundError:
                try:
                    self._kv = await self.js.create_key_value(bucket=CONFIG_BUCKET, history=HISTORY)
                except BadRequestError:  # made meanwhile by another service
                    self._kv = await self.js.key_value(CONFIG_BUCKET)
        return self._kv

    async def _put(self, key: str, value: bytes) -> None:
        kv = await self._call("open bucket", self.bucket())
        await self._call(f"put {key}", kv.put(key, value))

    async def _delete(self, key: str) -> None:
        kv = await self._call("open bucket", self.bucket())
        await self._call(f"delete {key}", kv.delete(key))

    async def put_sensor(self, s: pb.Sensor) -> None:
        await self._put(sensor_key(s.sensor_id), s.SerializeToString())

    async def delete_sensor(self, sensor_id: str) -> None:
        await self._delete(sensor_key(sensor_id))

    async def put_zone(self, z: pb.Zone) -> None:
        await self._put(zone_key(z.zone_id), z.SerializeToString())

    async def delete_zone(self, zone_id: str) -> None:
        await self._delete(zone_key(zone_id))

    async def put_thresholds(self, t: pb.Thresholds) -> None:
        await self._put(THRESHOLDS_KEY, t.SerializeToString())

    async def sensors(self) -> list[pb.Sensor]:
        """The sensors as the bucket holds them (GetSystemStatus's fallback without SQL)."""
        kv = await self._call("open bucket", self.bucket())
        out = []
        for key in await self._keys(kv):
            if key.startswith(SENSORS_PREFIX):
                value = await self._get(kv, key)
                if value is not None:
                    out.append(pb.Sensor.FromString(value))
        return out

    async def _keys(self, kv: KeyValue) -> list[str]:
        try:
            return list(await self._call("list keys", kv.keys()))
        except NoKeysError:
            return []

    async def _get(self, kv: KeyValue, key: str) -> bytes | None:
        try:
            entry = await self._call(f"get {key}", kv.get(key))
        except (KeyNotFoundError, KeyDeletedError):
            return None
        return entry.value or None

    async def sync(
        self, sensors: Sequence[pb.Sensor], zones: Sequence[pb.Zone], thresholds: pb.Thresholds
    ) -> tuple[int, int]:
        """Make the bucket's sensors, zones and thresholds those given: put what differs,
        delete sensor and zone keys that are not given (other keys are left alone).
        Returns (keys written, keys deleted)."""
        kv = await self._call("open bucket", self.bucket())
        want: dict[str, bytes] = {sensor_key(s.sensor_id): s.SerializeToString() for s in sensors}
        want.update({zone_key(z.zone_id): z.SerializeToString() for z in zones})
        want[THRESHOLDS_KEY] = thresholds.SerializeToString()
        stale = [
            k
            for k in await self._keys(kv)
            if k.startswith((SENSORS_PREFIX, ZONES_PREFIX)) and k not in want
        ]
        sem = asyncio.Semaphore(32)

        async def put_if_changed(key: str, value: bytes) -> int:
            async with sem:
                if await self._get(kv, key) == value:
                    return 0
                await self._call(f"put {key}", kv.put(key, value))
                return 1

        async def delete(key: str) -> None:
            async with sem:
                await self._call(f"delete {key}", kv.delete(key))

        written = await asyncio.gather(*(put_if_changed(k, v) for k, v in want.items()))
        await asyncio.gather(*(delete(k) for k in stale))
        log.info("configuration published", extra={"written": sum(written), "deleted": len(stale)})
        return sum(written), len(stale)
