"""AdminService RPCs of the registry part (see services/admin/servicer.py): sensors, zones,
thresholds, broadcast and system status.

Every change is one PostgreSQL transaction (the row locked, version + 1, updated_at,
updated_by) that also writes the new value to the AURA_CONFIG key-value bucket before it
commits: when NATS does not take the value, the transaction rolls back and the caller gets
UNAVAILABLE with nothing changed; and two writers of one object reach the bucket in the
order they reach the table. At start the bucket is made to match the tables."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, TypeVar

import asyncpg
import grpc

from aura.admin.v1 import admin_pb2 as pb
from services.admin.adapters import config_repo as repo
from services.admin.adapters.config_kv import ConfigKV
from services.admin.adapters.status_probe import StatusProbe
from services.admin.deps import AdminDeps
from services.admin.domain import registry as dom
from services.common import bus
from services.common.auth import current_principal
from services.common.errors import NotFoundError, UnavailableError
from services.common.status import rpc
from services.common.timeutil import ts_from_seconds

log = logging.getLogger("aura.admin.registry")

R = TypeVar("R")

BROADCAST_SUBJECT = "aura.broadcast"


def registry_rpc(fn: Callable[..., Awaitable[R]]) -> Callable[..., Awaitable[R]]:
    """`rpc` (DomainError → its status code), plus ALREADY_EXISTS for a taken id."""

    @functools.wraps(fn)
    async def taken(self: Any, request: Any, context: grpc.aio.ServicerContext) -> R:
        try:
            return await fn(self, request, context)
        except dom.AlreadyExistsError as exc:
            await context.abort(grpc.StatusCode.ALREADY_EXISTS, str(exc))
            raise  # unreachable: abort raises

    return rpc(taken)


def caller() -> str:
    """The name of the caller's API key ("anonymous" when auth is off)."""
    who = current_principal()
    return who.name if who is not None and who.name else "anonymous"


class RegistryPart:
    """Mixed into AdminServicer; `self.deps` holds the shared dependencies."""

    deps: AdminDeps
    _config_kv: ConfigKV | None = None
    _status_probe: StatusProbe | None = None

    # ----------------------------------------------------------------- plumbing

    @property
    def config_kv(self) -> ConfigKV:
        if self._config_kv is None:
            self._config_kv = ConfigKV(self.deps.js)
        return self._config_kv

    def _tx(self) -> AbstractAsyncContextManager[asyncpg.Connection]:
        """A connection in a transaction; UNAVAILABLE when PostgreSQL cannot be reached."""
        return self.deps.db.connection(transaction=True)

    async def start_registry(self) -> None:
        """Seed the thresholds, then publish every sensor, zone and the thresholds, so the
        bucket matches PostgreSQL (writers wait meanwhile)."""
        async with self._tx() as conn:
            await repo.seed_thresholds(conn, dom.DEFAULT_THRESHOLDS, "seed")
            await repo.lock_for_snapshot(conn)
            sensors = await repo.list_sensors(conn)
            zones = await repo.list_zones(conn)
            thresholds = await repo.get_thresholds(conn)
            assert thresholds is not None  # seeded above
            await self.config_kv.sync(sensors, zones, thresholds)

    async def stop_registry(self) -> None:
        return None

    # ------------------------------------------------------------------ sensors

    @registry_rpc
    async def ListSensors(
        self, request: pb.ListSensorsRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListSensorsResponse:
        after = dom.decode_page_token(request.page_token, dom.check_sensor_id)
        size = dom.page_size(request.page_size)
        async with self._tx() as conn:
            rows = await repo.list_sensors(
                conn, request.kind, request.site_id, request.enabled_only, after, size + 1
            )
        more = len(rows) > size
        token = dom.encode_page_token(rows[size - 1].sensor_id) if more else ""
        return pb.ListSensorsResponse(sensors=rows[:size], next_page_token=token)

    @registry_rpc
    async def GetSensor(
        self, request: pb.GetSensorRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetSensorResponse:
        dom.check_sensor_id("sensor_id", request.sensor_id)
        async with self._tx() as conn:
            sensor = await self._sensor(conn, request.sensor_id)
        return pb.GetSensorResponse(sensor=sensor)

    @registry_rpc
    async def CreateSensor(
        self, request: pb.CreateSensorRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateSensorResponse:
        sensor = dom.new_sensor(request.sensor)
        dom.validate_sensor(sensor)
        async with self._tx() as conn:
            stored = await repo.insert_sensor(conn, sensor, caller())
            if stored is None:
                raise dom.AlreadyExistsError(f"sensor {sensor.sensor_id!r} is registered already")
            await self.config_kv.put_sensor(stored)
        return pb.CreateSensorResponse(sensor=stored)

    @registry_rpc
    async def UpdateSensor(
        self, request: pb.UpdateSensorRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateSensorResponse:
        sensor_id = dom.same_id("sensor.sensor_id", request.sensor_id, request.sensor.sensor_id)
        dom.check_sensor_id("sensor_id", sensor_id)
        paths = dom.mask_paths(request.update_mask, pb.Sensor, dom.SENSOR_WRITABLE)
        dom.require_version(request.expected_version)
        async with self._tx() as conn:
            current = await self._sensor(conn, sensor_id, for_update=True)
            dom.check_version(f"sensor {sensor_id!r}", current.version, request.expected_version)
            merged = dom.merge_sensor(current, request.sensor, paths)
            dom.validate_sensor(merged)
            stored = await repo.update_sensor(conn, merged, caller())
            await self.config_kv.put_sensor(stored)
        return pb.UpdateSensorResponse(sensor=stored)

    @registry_rpc
    async def DeleteSensor(
        self, request: pb.DeleteSensorRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteSensorResponse:
        dom.check_sensor_id("sensor_id", request.sensor_id)
        async with self._tx() as conn:
            current = await self._sensor(conn, request.sensor_id, for_update=True)
            what = f"sensor {request.sensor_id!r}"
            dom.check_version(what, current.version, request.expected_version)
            await repo.delete_sensor(conn, request.sensor_id)
            await self.config_kv.delete_sensor(request.sensor_id)
        return pb.DeleteSensorResponse(sensor=current)

    async def _sensor(
        self, conn: asyncpg.Connection, sensor_id: str, for_update: bool = False
    ) -> pb.Sensor:
        sensor = await repo.get_sensor(conn, sensor_id, for_update)
        if sensor is None:
            raise NotFoundError(f"sensor {sensor_id!r} is not registered")
        return sensor

    # -------------------------------------------------------------------- zones

    @registry_rpc
    async def ListZones(
        self, request: pb.ListZonesRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListZonesResponse:
        after = dom.decode_page_token(request.page_token, dom.check_zone_id)
        size = dom.page_size(request.page_size)
        async with self._tx() as conn:
            rows = await repo.list_zones(conn, request.kind, request.site_id, after, size + 1)
        more = len(rows) > size
        token = dom.encode_page_token(rows[size - 1].zone_id) if more else ""
        return pb.ListZonesResponse(zones=rows[:size], next_page_token=token)

    @registry_rpc
    async def GetZone(
        self, request: pb.GetZoneRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetZoneResponse:
        dom.check_zone_id("zone_id", request.zone_id)
        async with self._tx() as conn:
            zone = await self._zone(conn, request.zone_id)
        return pb.GetZoneResponse(zone=zone)

    @registry_rpc
    async def CreateZone(
        self, request: pb.CreateZoneRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateZoneResponse:
        zone = dom.new_zone(request.zone, request.zone.zone_id or f"z-{uuid.uuid4().hex[:12]}")
        dom.validate_zone(zone)
        async with self._tx() as conn:
            stored = await repo.insert_zone(conn, zone, caller())
            if stored is None:
                raise dom.AlreadyExistsError(f"zone {zone.zone_id!r} exists already")
            await self.config_kv.put_zone(stored)
        return pb.CreateZoneResponse(zone=stored)

    @registry_rpc
    async def UpdateZone(
        self, request: pb.UpdateZoneRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateZoneResponse:
        zone_id = dom.same_id("zone.zone_id", request.zone_id, request.zone.zone_id)
        dom.check_zone_id("zone_id", zone_id)
        paths = dom.mask_paths(request.update_mask, pb.Zone, dom.ZONE_WRITABLE)
        dom.require_version(request.expected_version)
        async with self._tx() as conn:
            current = await self._zone(conn, zone_id, for_update=True)
            dom.check_version(f"zone {zone_id!r}", current.version, request.expected_version)
            merged = dom.merge_zone(current, request.zone, paths)
            dom.validate_zone(merged)
            stored = await repo.update_zone(conn, merged, caller())
            await self.config_kv.put_zone(stored)
        return pb.UpdateZoneResponse(zone=stored)

    @registry_rpc
    async def DeleteZone(
        self, request: pb.DeleteZoneRequest, context: grpc.aio.ServicerContext
    ) -> pb.DeleteZoneResponse:
        dom.check_zone_id("zone_id", request.zone_id)
        async with self._tx() as conn:
            current = await self._zone(conn, request.zone_id, for_update=True)
            what = f"zone {request.zone_id!r}"
            dom.check_version(what, current.version, request.expected_version)
            await repo.delete_zone(conn, request.zone_id)
            await self.config_kv.delete_zone(request.zone_id)
        return pb.DeleteZoneResponse(zone=current)

    async def _zone(
        self, conn: asyncpg.Connection, zone_id: str, for_update: bool = False
    ) -> pb.Zone:
        zone = await repo.get_zone(conn, zone_id, for_update)
        if zone is None:
            raise NotFoundError(f"zone {zone_id!r} does not exist")
        return zone

    # --------------------------------------------------------------- thresholds

    @registry_rpc
    async def GetThresholds(
        self, request: pb.GetThresholdsRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetThresholdsResponse:
        async with self._tx() as conn:
            thresholds = await repo.get_thresholds(conn)
        if thresholds is None:  # only before the first start has seeded them
            raise NotFoundError("no thresholds are stored yet")
        return pb.GetThresholdsResponse(thresholds=thresholds)

    @registry_rpc
    async def UpdateThresholds(
        self, request: pb.UpdateThresholdsRequest, context: grpc.aio.ServicerContext
    ) -> pb.UpdateThresholdsResponse:
        thresholds = dom.new_thresholds(request.thresholds)
        dom.validate_thresholds(thresholds)
        dom.require_version(request.expected_version)
        async with self._tx() as conn:
            current = await repo.get_thresholds(conn, for_update=True)
            if current is None:
                raise NotFoundError("no thresholds are stored yet")
            dom.check_version("thresholds", current.version, request.expected_version)
            stored = await repo.update_thresholds(conn, thresholds, caller())
            await self.config_kv.put_thresholds(stored)
        return pb.UpdateThresholdsResponse(thresholds=stored)

    # ---------------------------------------------------------------- broadcast

    @registry_rpc
    async def Broadcast(
        self, request: pb.BroadcastRequest, context: grpc.aio.ServicerContext
    ) -> pb.BroadcastResponse:
        msg = dom.broadcast_message(request, f"b-{uuid.uuid4().hex}", caller(), time.time())
        try:
            await bus.publish(
                self.deps.js, BROADCAST_SUBJECT, msg.SerializeToString(), msg.broadcast_id, 2.0
            )
        except Exception as exc:
            raise UnavailableError(f"NATS did not take the broadcast: {exc!r}") from exc
        return pb.BroadcastResponse(broadcast=msg)

    # ------------------------------------------------------------------- status

    @property
    def status_probe(self) -> StatusProbe:
        if self._status_probe is None:
            d = self.deps
            self._status_probe = StatusProbe(d.settings, d.db, d.nc, d.js)
        return self._status_probe

    async def _status_sensors(self) -> list[pb.Sensor]:
        """The registered sensors: from PostgreSQL, or from the bucket when it is away."""
        timeout = self.deps.settings.admin_status_timeout_s

        async def from_db() -> list[pb.Sensor]:
            async with self._tx() as conn:
                return await repo.list_sensors(conn)

        try:
            return await asyncio.wait_for(from_db(), timeout)
        except Exception as exc:
            log.warning("status: sensors read from the bucket", extra={"error": repr(exc)})
        try:
            return await asyncio.wait_for(self.config_kv.sensors(), timeout)
        except Exception as exc:
            log.warning("status: sensors not read", extra={"error": repr(exc)})
            return []

    async def _sensor_statuses(self) -> list[pb.SensorStatus]:
        sensors = await self._status_sensors()
        activity, refused = await asyncio.gather(
            self.status_probe.activity([s.sensor_id for s in sensors]),
            self.status_probe.fusion_refused(),
        )
        now = time.time()
        out = [dom.sensor_status(s, activity[s.sensor_id], now) for s in sensors]
        for st in out:  # what fusion counted of a sensor it cannot place
            if not st.fusable and refused.get(st.sensor_id):
                st.detail += f"; fusion refused {refused[st.sensor_id]} track updates"
        return out

    @registry_rpc
    async def GetSystemStatus(
        self, request: pb.GetSystemStatusRequest, context: grpc.aio.ServicerContext
    ) -> pb.GetSystemStatusResponse:
        probe, settings = self.status_probe, self.deps.settings
        components, consumers, sensors = await asyncio.gather(
            probe.components(), probe.consumers(), self._sensor_statuses()
        )
        overall = dom.worst(c.state for c in components if c.kind != pb.COMPONENT_KIND_PROXY)
        return pb.GetSystemStatusResponse(
            overall=overall,
            components=components,
            consumers=consumers,
            sensors=sensors,
            auth_enabled=settings.auth,
            tls_enabled=bool(settings.tls_cert),
            checked_at=ts_from_seconds(time.time()),
        )
