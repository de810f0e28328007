"""The sensor registry as the other services see it: admin writes each sensor to the
JetStream key-value bucket AURA_CONFIG under `sensors.<key>`; a watcher keeps a local copy,
so a change takes effect within a second without a call per message."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError

from aura.admin.v1 import admin_pb2
from aura.common.v1 import common_pb2 as c
from services.common.geometry import GeometryError, ImageToGround, Pose

log = logging.getLogger("aura.registry")

CONFIG_BUCKET = "AURA_CONFIG"


def sensor_key(sensor_id: str) -> str:
    """KV key of a sensor (KV keys allow [-/_=.a-zA-Z0-9]; ids may hold ':', never '=')."""
    return "sensors." + sensor_id.replace(":", "=")


@dataclass(frozen=True)
class SensorGeometry:
    """What it takes to bring a sensor's tracks into the world frame."""

    sensor: admin_pb2.Sensor
    pose: Pose | None
    homography: ImageToGround | None

    @property
    def enabled(self) -> bool:
        return not self.sensor.HasField("enabled") or self.sensor.enabled

    @classmethod
    def of(cls, sensor: admin_pb2.Sensor) -> SensorGeometry:
        pose = None
        if sensor.HasField("pose"):
            p = sensor.pose
            pose = Pose(p.position.x, p.position.y, p.position.z, p.heading_deg)
        homography = None
        if sensor.kind == c.SENSOR_KIND_CAMERA and len(sensor.homography.values) == 9:
            try:
                homography = ImageToGround.from_values(list(sensor.homography.values))
            except GeometryError as exc:  # admin rejects these; a backstop
                log.warning(
                    "unusable homography", extra={"sensor": sensor.sensor_id, "error": str(exc)}
                )
        return cls(sensor, pose, homography)


#: What changed in the configuration: "sensors", "zones", "sessions" or "thresholds".
ConfigPart = str
Listener = Callable[[ConfigPart], None]


class Registry:
    """Local copy of AURA_CONFIG kept current by a KV watch: the sensors (`sensors.<key>`),
    the zones (`zones.<id>`), the active recording sessions (`sessions.<id>`) and the
    thresholds (`thresholds`). Listeners added with
    `on_change` are called after every change with the part that changed, so a service can
    re-read its rules at once rather than per message."""

    def __init__(self) -> None:
        self.sensors: dict[str, SensorGeometry] = {}
        self.zones: dict[str, admin_pb2.Zone] = {}
        self.thresholds: admin_pb2.Thresholds | None = None
        #: Active recording sessions by id (admin removes a session's entry when it ends).
        self.sessions: dict[str, admin_pb2.Session] = {}
        self._session_of: dict[str, str] = {}
        self._listeners: list[Listener] = []
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    def get(self, sensor_id: str) -> SensorGeometry | None:
        return self.sensors.get(sensor_id)

    def session_for(self, sensor_id: str) -> str:
        """The active recording session the sensor's data is attributed to, or ""."""
        return self._session_of.get(sensor_id, "")

    def on_change(self, listener: Listener) -> None:
        self._listeners.append(listener)

    def _changed(self, part: ConfigPart) -> None:
        for listener in self._listeners:
            try:
                listener(part)
            except Exception:
                log.exception("configuration listener failed", extra={"part": part})

    def apply(self, key: str, value: bytes | None) -> None:
        """One KV entry: a put (value) or a delete (None)."""
        if key.startswith("sensors."):
            if value is None:
                self.sensors.pop(key[len("sensors.") :].replace("=", ":"), None)
            else:
                sensor = admin_pb2.Sensor.FromString(value)
                self.sensors[sensor.sensor_id] = SensorGeometry.of(sensor)
            self._changed("sensors")
        elif key.startswith("zones."):
            if value is None:
                self.zones.pop(key[len("zones.") :], None)
            else:
                zone = admin_pb2.Zone.FromString(value)
                self.zones[zone.zone_id] = zone
            self._changed("zones")
        elif key.startswith("sessions."):
            if value is None:
                self.sessions.pop(key[len("sessions.") :], None)
            else:
                session = admin_pb2.Session.FromString(value)
                self.sessions[session.session_id] = session
            # Admin keeps a sensor in at most one active session.
            self._session_of = {
                sensor: sid for sid, sess in self.sessions.items() for sensor in sess.sensor_ids
            }
            self._changed("sessions")
        elif key == "thresholds":
            self.thresholds = None if value is None else admin_pb2.Thresholds.FromString(value)
            self._changed("thresholds")

    async def start(self, js: JetStreamContext) -> None:
        try:
            kv = await js.key_value(CONFIG_BUCKET)
        except BucketNotFoundError:
            kv = await js.create_key_value(bucket=CONFIG_BUCKET, history=5)
        watcher = await kv.watch(">")
        self._task = asyncio.create_task(self._run(watcher))

    async def _run(self, watcher: object) -> None:
        async for entry in watcher:  # type: ignore[attr-defined]
            if entry is None:  # the initial values are all delivered
                self.ready.set()
                continue
            try:
                deleted = entry.operation in ("DEL", "PURGE")
                self.apply(entry.key, None if deleted else entry.value)
            except Exception:
                log.exception("bad registry entry", extra={"key": entry.key})

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
