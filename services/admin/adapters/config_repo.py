"""Sensors, zones and thresholds in PostgreSQL (tables of sql/001_config.sql).

Each function takes a connection; the caller owns the transaction. The writable fields are
kept as proto3 JSON in `spec`; version, timestamps and updated_by are columns, put back on
the message when it is read."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar, cast

import asyncpg
from google.protobuf import json_format
from google.protobuf.message import Message

from aura.admin.v1 import admin_pb2 as pb
from services.common.timeutil import to_timestamp

M = TypeVar("M", bound=Message)

_OUTPUT = ("version", "created_at", "updated_at", "updated_by")


def _spec(msg: Message) -> str:
    out = type(msg)()
    out.CopyFrom(msg)
    for name in _OUTPUT:
        if name in out.DESCRIPTOR.fields_by_name:
            out.ClearField(name)
    return json.dumps(json_format.MessageToDict(out, preserving_proto_field_name=True))


def _message(cls: type[M], row: asyncpg.Record) -> M:
    spec = row["spec"]
    msg: Any = cls()
    json_format.ParseDict(
        json.loads(spec) if isinstance(spec, str) else spec, msg, ignore_unknown_fields=True
    )
    msg.version = row["version"]
    msg.updated_by = row["updated_by"]
    msg.updated_at.CopyFrom(to_timestamp(row["updated_at"]))
    if "created_at" in row.keys():
        created: datetime = row["created_at"]
        msg.created_at.CopyFrom(to_timestamp(created))
    return cast(M, msg)


_COLUMNS = "spec, version, created_at, updated_at, updated_by"

# ------------------------------------------------------------------------- sensors

SENSOR_GET = f"select {_COLUMNS} from sensors where sensor_id = $1"
SENSOR_LIST = f"""
    select {_COLUMNS} from sensors
    where ($1::integer = 0 or kind = $1)
      and ($2::text = '' or site_id = $2)
      and (not $3::boolean or enabled)
      and sensor_id > $4
    order by sensor_id
    limit $5"""
SENSOR_INSERT = f"""
    insert into sensors (sensor_id, kind, site_id, enabled, spec, updated_by)
    values ($1, $2, $3, $4, $5::jsonb, $6)
    on conflict (sensor_id) do nothing
    returning {_COLUMNS}"""
SENSOR_UPDATE = f"""
    update sensors
    set kind = $2, site_id = $3, enabled = $4, spec = $5::jsonb, updated_by = $6,
        version = version + 1, updated_at = now()
    where sensor_id = $1
    returning {_COLUMNS}"""
SENSOR_DELETE = "delete from sensors where sensor_id = $1"


async def get_sensor(
    conn: asyncpg.Connection, sensor_id: str, for_update: bool = False
) -> pb.Sensor | None:
    row = await conn.fetchrow(SENSOR_GET + (" for update" if for_update else ""), sensor_id)
    return None if row is None else _message(pb.Sensor, row)


async def list_sensors(
    conn: asyncpg.Connection,
    kind: int = 0,
    site_id: str = "",
    enabled_only: bool = False,
    after: str = "",
    limit: int = 100_000,
) -> list[pb.Sensor]:
    rows = await conn.fetch(SENSOR_LIST, kind, site_id, enabled_only, after, limit)
    return [_message(pb.Sensor, r) for r in rows]


def _sensor_args(s: pb.Sensor, by: str) -> Sequence[Any]:
    enabled = not s.HasField("enabled") or s.enabled
    return (s.sensor_id, int(s.kind), s.site_id, enabled, _spec(s), by)


async def insert_sensor(conn: asyncpg.Connection, s: pb.Sensor, by: str) -> pb.Sensor | None:
    """The stored sensor, version 1; None when the id is taken."""
    row = await conn.fetchrow(SENSOR_INSERT, *_sensor_args(s, by))
    return None if row is None else _message(pb.Sensor, row)


async def update_sensor(conn: asyncpg.Connection, s: pb.Sensor, by: str) -> pb.Sensor:
    row = await conn.fetchrow(SENSOR_UPDATE, *_sensor_args(s, by))
    return _message(pb.Sensor, row)


async def delete_sensor(conn: asyncpg.Connection, sensor_id: str) -> None:
    await conn.execute(SENSOR_DELETE, sensor_id)


# --------------------------------------------------------------------------- zones

ZONE_GET = f"select {_COLUMNS} from zones where zone_id = $1"
ZONE_LIST = f"""
    select {_COLUMNS} from zones
    where ($1::integer = 0 or kind = $1)
      and ($2::text = '' or site_id = $2)
      and zone_id > $3
    order by zone_id
    limit $4"""
ZONE_INSERT = f"""
    insert into zones (zone_id, kind, site_id, enabled, spec, updated_by)
    values ($1, $2, $3, $4, $5::jsonb, $6)
    on conflict (zone_id) do nothing
    returning {_COLUMNS}"""
ZONE_UPDATE = f"""
    update zones
    set kind = $2, site_id = $3, enabled = $4, spec = $5::jsonb, updated_by = $6,
        version = version + 1, updated_at = now()
    where zone_id = $1
    returning {_COLUMNS}"""
ZONE_DELETE = "delete from zones where zone_id = $1"


async def get_zone(
    conn: asyncpg.Connection, zone_id: str, for_update: bool = False
) -> pb.Zone | None:
    row = await conn.fetchrow(ZONE_GET + (" for update" if for_update else ""), zone_id)
    return None if row is None else _message(pb.Zone, row)


async def list_zones(
    conn: asyncpg.Connection,
    kind: int = 0,
    site_id: str = "",
    after: str = "",
    limit: int = 100_000,
) -> list[pb.Zone]:
    rows = await conn.fetch(ZONE_LIST, kind, site_id, after, limit)
    return [_message(pb.Zone, r) for r in rows]


def _zone_args(z: pb.Zone, by: str) -> Sequence[Any]:
    enabled = not z.HasField("enabled") or z.enabled
    return (z.zone_id, int(z.kind), z.site_id, enabled, _spec(z), by)


async def insert_zone(conn: asyncpg.Connection, z: pb.Zone, by: str) -> pb.Zone | None:
    """The stored zone, version 1; None when the id is taken."""
    row = await conn.fetchrow(ZONE_INSERT, *_zone_args(z, by))
    return None if row is None else _message(pb.Zone, row)


async def update_zone(conn: asyncpg.Connection, z: pb.Zone, by: str) -> pb.Zone:
    row = await conn.fetchrow(ZONE_UPDATE, *_zone_args(z, by))
    return _message(pb.Zone, row)


async def delete_zone(conn: asyncpg.Connection, zone_id: str) -> None:
    await conn.execute(ZONE_DELETE, zone_id)


# ---------------------------------------------------------------------- thresholds

THRESHOLDS_GET = "select spec, version, updated_at, updated_by from thresholds where id = 1"
THRESHOLDS_SEED = """
    insert into thresholds (id, spec, updated_by) values (1, $1::jsonb, $2)
    on conflict (id) do nothing"""
THRESHOLDS_UPDATE = """
    update thresholds
    set spec = $1::jsonb, updated_by = $2, version = version + 1, updated_at = now()
    where id = 1
    returning spec, version, updated_at, updated_by"""


async def get_thresholds(
    conn: asyncpg.Connection, for_update: bool = False
) -> pb.Thresholds | None:
    row = await conn.fetchrow(THRESHOLDS_GET + (" for update" if for_update else ""))
    return None if row is None else _message(pb.Thresholds, row)


async def seed_thresholds(conn: asyncpg.Connection, t: pb.Thresholds, by: str) -> None:
    """Store `t` as version 1 unless thresholds are stored already."""
    await conn.execute(THRESHOLDS_SEED, _spec(t), by)


async def update_thresholds(conn: asyncpg.Connection, t: pb.Thresholds, by: str) -> pb.Thresholds:
    row = await conn.fetchrow(THRESHOLDS_UPDATE, _spec(t), by)
    return _message(pb.Thresholds, row)


# ------------------------------------------------------------------------ snapshot


async def lock_for_snapshot(conn: asyncpg.Connection) -> None:
    """Hold off writers (until the transaction ends) while a consistent copy is published."""
    await conn.execute("lock table sensors, zones, thresholds in share mode")
