"""What GetSystemStatus checks, each part bounded by a timeout so that the answer comes
even when parts of the mesh are down: the services' gRPC health, NATS with JetStream,
PostgreSQL, Envoy's /healthz, the lag of every durable consumer, and each sensor's latest
frame at ingest (the last message on `aura.detections.<sensor>`)."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from nats.aio.client import Client as NATS
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, ConsumerInfo, DeliverPolicy
from nats.js.errors import NotFoundError

from aura.admin.v1 import admin_pb2 as pb
from services.admin.config import AdminSettings
from services.admin.domain.registry import SensorActivity
from services.common import bus
from services.common.db import Database
from services.common.server import client_channel
from services.common.timeutil import to_timestamp, ts_from_seconds

log = logging.getLogger("aura.admin.status")

SERVICES = ("ingest", "tracker", "fusion", "analytics")
#: Fusion's key-value bucket and the key where it counts, per sensor, the track updates it
#: kept out of fusion (no pose or homography).
FUSION_BUCKET, FUSION_REFUSED_KEY = "AURA_FUSION_STATE", "refused"
#: Window over which a sensor's frame rate is measured.
RATE_WINDOW_S = 60.0

Check = Callable[[], Awaitable[tuple["pb.HealthState.ValueType", str, str]]]


def _address(url: str) -> str:
    """host:port of a URL, without user or password."""
    parts = urlsplit(url)
    return f"{parts.hostname or ''}:{parts.port}" if parts.port else parts.hostname or ""


@dataclass(frozen=True)
class Target:
    name: str
    host: str
    port: int

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


class StatusProbe:
    def __init__(
        self,
        settings: AdminSettings,
        db: Database,
        nc: NATS,
        js: JetStreamContext,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings, self.db, self.nc, self.js, self.clock = settings, db, nc, js, clock
        self.timeout = settings.admin_status_timeout_s
        self.targets = [
            Target(n, getattr(settings, f"{n}_host"), getattr(settings, f"{n}_port"))
            for n in SERVICES
        ]

    # ------------------------------------------------------------------ components

    async def _timed(
        self, name: str, kind: pb.ComponentKind.ValueType, address: str, check: Check
    ) -> pb.ComponentStatus:
        started = time.perf_counter()
        try:
            state, detail, version = await asyncio.wait_for(check(), self.timeout)
        except TimeoutError:
            state, detail, version = (
                pb.HEALTH_STATE_DOWN,
                f"no answer within {self.timeout:g} s",
                "",
            )
        except Exception as exc:
            state, detail, version = pb.HEALTH_STATE_DOWN, f"{type(exc).__name__}: {exc}", ""
        return pb.ComponentStatus(
            name=name,
            kind=kind,
            state=state,
            detail=detail,
            address=address,
            latency_ms=(time.perf_counter() - started) * 1000.0,
            version=version,
            checked_at=ts_from_seconds(self.clock()),
        )

    def service(self, t: Target) -> Awaitable[pb.ComponentStatus]:
        async def check() -> tuple[pb.HealthState.ValueType, str, str]:
            try:
                async with client_channel(t.address, self.settings.tls_cert) as ch:
                    resp = await health_pb2_grpc.HealthStub(ch).Check(
                        health_pb2.HealthCheckRequest(), timeout=self.timeout
                    )
            except grpc.aio.AioRpcError as exc:
                return pb.HEALTH_STATE_DOWN, f"health check failed: {exc.code().name}", ""
            if resp.status == health_pb2.HealthCheckResponse.SERVING:
                return pb.HEALTH_STATE_OK, "", ""
            status = health_pb2.HealthCheckResponse.ServingStatus.Name(resp.status)
            return pb.HEALTH_STATE_DOWN, f"{status}: its readiness check fails", ""

        return self._timed(t.name, pb.COMPONENT_KIND_SERVICE, t.address, check)

    def admin(self) -> pb.ComponentStatus:
        """Admin itself: it is answering this call."""
        return pb.ComponentStatus(
            name="admin",
            kind=pb.COMPONENT_KIND_SERVICE,
            state=pb.HEALTH_STATE_OK,
            address=f"{self.settings.bind_host}:{self.settings.admin_port}",
            checked_at=ts_from_seconds(self.clock()),
        )

    def nats(self) -> Awaitable[pb.ComponentStatus]:
        async def check() -> tuple[pb.HealthState.ValueType, str, str]:
            if not self.nc.is_connected:
                why = "reconnecting" if self.nc.is_reconnecting else "not connected"
                return pb.HEALTH_STATE_DOWN, why, ""
            version = str(self.nc.connected_server_version)
            try:
                info = await self.js.account_info()
            except Exception as exc:
                return pb.HEALTH_STATE_DEGRADED, f"connected; JetStream: {exc}", version
            return (
                pb.HEALTH_STATE_OK,
                f"{info.streams} streams, {info.consumers} consumers",
                version,
            )

        return self._timed("nats", pb.COMPONENT_KIND_NATS, _address(self.settings.nats_url), check)

    def postgres(self) -> Awaitable[pb.ComponentStatus]:
        async def check() -> tuple[pb.HealthState.ValueType, str, str]:
            pool = await self.db.connect()
            async with pool.acquire() as conn:
                await conn.fetchval("select 1")
                v = conn.get_server_version()
            return pb.HEALTH_STATE_OK, "", f"{v.major}.{v.minor}"

        return self._timed(
            "postgres", pb.COMPONENT_KIND_DATABASE, _address(self.settings.database_url), check
        )

    def envoy(self) -> Awaitable[pb.ComponentStatus] | None:
        url = self.settings.admin_envoy_url
        if not url:
            return None
        parts = urlsplit(url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80

        async def check() -> tuple[pb.HealthState.ValueType, str, str]:
            reader, writer = await asyncio.open_connection(host, port)
            try:
                writer.write(
                    f"GET /healthz HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
                )
                await writer.drain()
                line = (await reader.readline()).decode("latin-1").split()
            finally:
                writer.close()
            code = int(line[1]) if len(line) > 1 and line[1].isdigit() else 0
            if code == 200:
                return pb.HEALTH_STATE_OK, "", ""
            if code == 503:
                return pb.HEALTH_STATE_DEGRADED, "/healthz 503: a backend is not serving", ""
            return pb.HEALTH_STATE_DOWN, f"/healthz answered {code or 'nothing'}", ""

        return self._timed("envoy", pb.COMPONENT_KIND_PROXY, f"{host}:{port}", check)

    async def components(self) -> list[pb.ComponentStatus]:
        checks = [self.service(t) for t in self.targets]
        checks += [self.nats(), self.postgres()]
        envoy = self.envoy()
        if envoy is not None:
            checks.append(envoy)
        done = await asyncio.gather(*checks)
        return [*done[: len(self.targets)], self.admin(), *done[len(self.targets) :]]

    # ------------------------------------------------------------------- consumers

    def _expected(self) -> list[tuple[str, str]]:
        out = []
        for item in self.settings.admin_expected_consumers.split(","):
            stream, _, durable = item.strip().partition("/")
            if stream and durable:
                out.append((stream, durable))
        return out

    def _lag(self, info: ConsumerInfo) -> pb.ConsumerLag:
        pending = int(info.num_pending or 0)
        lag = pb.ConsumerLag(
            stream=info.stream_name,
            consumer=info.config.durable_name or info.name,
            pending=pending,
            ack_pending=int(info.num_ack_pending or 0),
            redelivered=int(info.num_redelivered or 0),
            state=(
                pb.HEALTH_STATE_DEGRADED
                if pending > self.settings.admin_consumer_lag_limit
                else pb.HEALTH_STATE_OK
            ),
        )
        if info.delivered is not None and info.delivered.last_active is not None:
            lag.last_active.CopyFrom(to_timestamp(info.delivered.last_active))
        return lag

    async def _consumers(self) -> list[pb.ConsumerLag]:
        streams = [
            s.config.name
            for s in await self.js.streams_info()
            if s.config.name and not s.config.name.startswith(("KV_", "OBJ_"))
        ]
        infos = await asyncio.gather(*(self.js.consumers_info(name) for name in streams))
        out = [self._lag(i) for group in infos for i in group if i.config.durable_name]
        seen = {(c.stream, c.consumer) for c in out}
        for stream, durable in self._expected():
            if (stream, durable) not in seen:
                out.append(
                    pb.ConsumerLag(stream=stream, consumer=durable, state=pb.HEALTH_STATE_DOWN)
                )
        return sorted(out, key=lambda c: (c.stream, c.consumer))

    async def consumers(self) -> list[pb.ConsumerLag]:
        """Every durable consumer with its lag; [] when JetStream does not answer (the NATS
        component says why)."""
        if not self.nc.is_connected:
            return []
        try:
            return await asyncio.wait_for(self._consumers(), self.timeout)
        except Exception as exc:
            log.warning("consumer lag not checked", extra={"error": repr(exc)})
            return []

    # --------------------------------------------------------------------- sensors

    async def _activity(self, sensor_id: str, sem: asyncio.Semaphore) -> SensorActivity:
        subject = f"aura.detections.{bus.subject_token(sensor_id)}"
        async with sem:
            try:
                last = await self.js.get_last_msg(bus.DETECTIONS.name, subject)
            except NotFoundError:
                return SensorActivity(checked=True)
            if last.time is None:
                return SensorActivity(checked=True)
            seen = last.time.timestamp()
            now = self.clock()
            if now - seen > RATE_WINDOW_S:
                return SensorActivity(checked=True, last_seen=seen, rate_hz=0.0)
            # An ephemeral consumer from a minute ago counts the frames since then; the
            # server drops it once it has been idle for a couple of seconds.
            info = await self.js.add_consumer(
                bus.DETECTIONS.name,
                ConsumerConfig(
                    filter_subject=subject,
                    deliver_policy=DeliverPolicy.BY_START_TIME,
                    opt_start_time=datetime.fromtimestamp(now, UTC)
                    - timedelta(seconds=RATE_WINDOW_S),
                    ack_policy=AckPolicy.NONE,
                    inactive_threshold=2.0,
                    mem_storage=True,
                    num_replicas=1,
                ),
            )
            return SensorActivity(
                checked=True, last_seen=seen, rate_hz=int(info.num_pending or 0) / RATE_WINDOW_S
            )

    async def activity(self, sensor_ids: Sequence[str]) -> dict[str, SensorActivity]:
        """Each sensor's latest frame and rate; unchecked for those NATS did not answer for
        within the timeout."""
        unchecked = {sid: SensorActivity(checked=False) for sid in sensor_ids}
        if not sensor_ids or not self.nc.is_connected:
            return unchecked
        sem = asyncio.Semaphore(16)
        tasks = {sid: asyncio.ensure_future(self._activity(sid, sem)) for sid in sensor_ids}
        await asyncio.wait(tasks.values(), timeout=self.timeout)
        out = dict(unchecked)
        late = []
        for sid, task in tasks.items():
            if not task.done():
                task.cancel()
                late.append(task)
            elif task.exception() is None:
                out[sid] = task.result()
        await asyncio.gather(*late, return_exceptions=True)
        return out

    # ---------------------------------------------------------------------- fusion

    async def fusion_refused(self) -> dict[str, int]:
        """sensor_id -> track updates fusion kept out for want of a pose or homography; {}
        when fusion has written none or NATS does not answer within the timeout."""
        if not self.nc.is_connected:
            return {}

        async def read() -> dict[str, int]:
            kv = await self.js.key_value(FUSION_BUCKET)
            entry = await kv.get(FUSION_REFUSED_KEY)
            return {str(k): int(v) for k, v in json.loads(entry.value or b"{}").items()}

        try:
            return await asyncio.wait_for(read(), self.timeout)
        except Exception:
            return {}
