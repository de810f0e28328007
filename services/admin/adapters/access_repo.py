"""API keys and audit entries in PostgreSQL (tables of sql/002_access.sql). Each function
takes a connection; the caller owns the transaction. Secrets never reach this module: only
their SHA-256."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from aura.admin.v1 import admin_pb2 as pb
from aura.common.v1 import auth_pb2
from services.admin.domain.access import AuditFilter
from services.common.timeutil import to_timestamp

_KEY_COLUMNS = """key_id, name, role, secret_sha256, secret_prefix, created_at, created_by,
    expires_at, last_used_at, revoked_at, revoked_by"""

KEY_GET = f"select {_KEY_COLUMNS} from api_keys where key_id = $1"
KEY_INSERT = f"""
    insert into api_keys (key_id, name, role, secret_sha256, secret_prefix, created_by,
                          expires_at)
    values ($1, $2, $3, $4, $5, $6, $7)
    returning {_KEY_COLUMNS}"""
KEY_LIST = f"""
    select {_KEY_COLUMNS} from api_keys
    where ($1::boolean or revoked_at is null)
      and ($2::timestamptz is null or (created_at, key_id) < ($2, $3::text))
    order by created_at desc, key_id desc
    limit $4"""
KEY_ALL = f"select {_KEY_COLUMNS} from api_keys"
KEY_REVOKE = f"""
    update api_keys set revoked_at = now(), revoked_by = $2
    where key_id = $1 and revoked_at is null
    returning {_KEY_COLUMNS}"""
KEY_ACTIVE_BY_NAME = f"""
    select {_KEY_COLUMNS} from api_keys where name = $1 and revoked_at is null"""
ACTIVE_ADMINS = """
    select count(*) from api_keys
    where role = $1 and revoked_at is null and (expires_at is null or expires_at > now())"""
BOOTSTRAP_LOCK = "select pg_advisory_xact_lock(hashtext('aura-api-keys-bootstrap'))"

AUDIT_INSERT = """
    insert into audit_log (time, service, key_id, key_name, role, rpc, target, outcome,
                           status_code, detail, peer, trace_id, msg_id)
    values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
    on conflict (msg_id) do nothing"""
AUDIT_LIST = """
    select entry_id, time, key_id, key_name, role, rpc, target, outcome, status_code, detail,
           peer, trace_id
    from audit_log
    where ($1::timestamptz is null or time >= $1)
      and ($2::timestamptz is null or time < $2)
      and ($3::text = '' or key_id = $3)
      and ($4::smallint = 0 or role = $4)
      and ($5::text = '' or rpc = $5 or right(rpc, length($5) + 1) = '/' || $5)
      and ($6::text = '' or left(target, length($6)) = $6)
      and ($7::smallint = 0 or outcome = $7)
      and ($8::bigint = 0 or entry_id < $8)
    order by entry_id desc
    limit $9"""


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _dt(seconds: float | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def micros(dt: datetime) -> int:
    """Exact microseconds since the epoch (page tokens must not round)."""
    return (dt - EPOCH) // timedelta(microseconds=1)


def api_key(row: asyncpg.Record) -> pb.ApiKey:
    """The row as the API shows it: no hash, no secret."""
    key = pb.ApiKey(
        key_id=row["key_id"],
        name=row["name"],
        role=row["role"],
        secret_prefix=row["secret_prefix"],
        created_by=row["created_by"],
        revoked=row["revoked_at"] is not None,
        revoked_by=row["revoked_by"] or "",
    )
    key.created_at.CopyFrom(to_timestamp(row["created_at"]))
    for name in ("expires_at", "last_used_at", "revoked_at"):
        if row[name] is not None:
            getattr(key, name).CopyFrom(to_timestamp(row[name]))
    return key


def key_record(row: asyncpg.Record) -> auth_pb2.ApiKeyRecord:
    """The row as every service sees it in AURA_KEYS."""
    rec = auth_pb2.ApiKeyRecord(
        key_id=row["key_id"],
        name=row["name"],
        role=row["role"],
        secret_sha256=row["secret_sha256"],
        revoked=row["revoked_at"] is not None,
    )
    if row["expires_at"] is not None:
        rec.expires_at.CopyFrom(to_timestamp(row["expires_at"]))
    return rec


async def get_key(conn: asyncpg.Connection, key_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow(KEY_GET, key_id)


async def insert_key(
    conn: asyncpg.Connection,
    key_id: str,
    name: str,
    role: int,
    secret_sha256: str,
    secret_prefix: str,
    created_by: str,
    expires_at_s: float | None = None,
) -> asyncpg.Record:
    """The stored row; asyncpg.UniqueViolationError when the id or the active name is taken."""
    row = await conn.fetchrow(
        KEY_INSERT,
        key_id,
        name,
        role,
        secret_sha256,
        secret_prefix,
        created_by,
        _dt(expires_at_s),
    )
    assert row is not None
    return row


async def list_keys(
    conn: asyncpg.Connection,
    include_revoked: bool,
    after: tuple[int, str] | None,
    limit: int,
) -> list[asyncpg.Record]:
    created = EPOCH + timedelta(microseconds=after[0]) if after else None
    return list(
        await conn.fetch(KEY_LIST, include_revoked, created, after[1] if after else "", limit)
    )


async def all_keys(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    return list(await conn.fetch(KEY_ALL))


async def revoke_key(conn: asyncpg.Connection, key_id: str, by: str) -> asyncpg.Record | None:
    """The revoked row; None when the key is missing or already revoked."""
    return await conn.fetchrow(KEY_REVOKE, key_id, by)


async def active_by_name(conn: asyncpg.Connection, name: str) -> list[asyncpg.Record]:
    return list(await conn.fetch(KEY_ACTIVE_BY_NAME, name))


async def active_admins(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval(ACTIVE_ADMINS, auth_pb2.ROLE_ADMIN))


async def lock_bootstrap(conn: asyncpg.Connection) -> None:
    """Serialise the first-key logic of admin replicas starting at once (in a transaction)."""
    await conn.execute(BOOTSTRAP_LOCK)


def audit_args(entry: pb.AuditEntry, service: str, msg_id: str) -> Sequence[Any]:
    when = entry.time.seconds + entry.time.nanos / 1e9
    return (
        datetime.fromtimestamp(when, UTC),
        service,
        entry.key_id,
        entry.key_name,
        int(entry.role),
        entry.rpc,
        entry.target,
        int(entry.outcome),
        entry.status_code,
        entry.detail,
        entry.peer,
        entry.trace_id,
        msg_id,
    )


async def mark_keys_used(conn: asyncpg.Connection, uses: dict[str, float]) -> None:
    """Move last_used_at forward (never back: reports from services may arrive out of order)."""
    await conn.executemany(
        """update api_keys set last_used_at = $2
           where key_id = $1 and (last_used_at is null or last_used_at < $2)""",
        [(key_id, datetime.fromtimestamp(at, UTC)) for key_id, at in sorted(uses.items())],
    )


async def insert_audit(conn: asyncpg.Connection, rows: Sequence[Sequence[Any]]) -> None:
    """Append entries (audit_args each); an entry already stored (same message id, a
    redelivery) is skipped."""
    await conn.executemany(AUDIT_INSERT, rows)


async def list_audit(conn: asyncpg.Connection, f: AuditFilter) -> list[pb.AuditEntry]:
    rows = await conn.fetch(
        AUDIT_LIST,
        _dt(f.start_s),
        _dt(f.end_s),
        f.key_id,
        f.role,
        f.rpc,
        f.target,
        f.outcome,
        f.before_entry,
        f.limit,
    )
    out = []
    for r in rows:
        entry = pb.AuditEntry(
            entry_id=r["entry_id"],
            key_id=r["key_id"],
            key_name=r["key_name"],
            role=r["role"],
            rpc=r["rpc"],
            target=r["target"],
            outcome=r["outcome"],
            status_code=r["status_code"],
            detail=r["detail"],
            peer=r["peer"],
            trace_id=r["trace_id"],
        )
        entry.time.CopyFrom(to_timestamp(r["time"]))
        out.append(entry)
    return out
