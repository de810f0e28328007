"""AdminService RPCs of the access part (see services/admin/servicer.py): API keys and the
audit log.

- Keys are stored in PostgreSQL (hash only, sql/002_access.sql) and written to the KV
  bucket AURA_KEYS that every service's interceptor watches (services/common/auth.py). A
  change is written to the bucket before its transaction commits, so a key the API reports
  revoked is refused everywhere.
- At start: the first admin key (AURA_ADMIN_KEY, else a new one logged once) when no admin
  key is active; the demo source's ingest key of `aura up` (AURA_ADMIN_PUMP_KEY); then the
  bucket is made to match the table.
- Audit entries arrive on `aura.audit.<service>` (stream AURA_AUDIT); a durable consumer
  appends them to audit_log and acks after the insert.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import replace

import asyncpg
import grpc
from google.protobuf.message import DecodeError
from nats.aio.msg import Msg
from nats.errors import Error as NatsError

from aura.admin.v1 import admin_pb2 as pb
from aura.common.v1 import auth_pb2
from services.admin.adapters import access_repo as repo
from services.admin.adapters.keys_kv import KeysKV
from services.admin.deps import AdminDeps
from services.admin.domain import access
from services.common import bus
from services.common.auth import (
    KEY_USE_SUBJECT,
    ParsedKey,
    caller_name,
    hash_key,
    new_key,
    parse_key,
)
from services.common.errors import DomainError, NotFoundError, UnavailableError
from services.common.status import rpc

log = logging.getLogger("aura.admin.access")

AUDIT_DURABLE = "admin-audit"


class AccessPart:
    """Mixed into AdminServicer; `self.deps` holds the shared dependencies."""

    deps: AdminDeps
    _keys_kv: KeysKV
    _audit_consumer: bus.DurableConsumer | None = None

    async def start_access(self) -> None:
        """Bootstrap keys, fill AURA_KEYS from the table, start storing audit entries."""
        js = self.deps.js
        self._keys_kv = KeysKV(js)
        await self._keys_kv.setup()
        await bus.ensure_streams(js, [bus.AUDIT])
        pool = await self.deps.db.connect()
        async with pool.acquire() as conn:
            async with conn.transaction():
                await repo.lock_bootstrap(conn)
                await self._bootstrap_admin(conn)
                await self._bootstrap_pump(conn)
                rows = await repo.all_keys(conn)
                await self._keys_kv.sync(repo.key_record(r) for r in rows)
        self._audit_consumer = bus.DurableConsumer(
            js, bus.AUDIT.name, AUDIT_DURABLE, "aura.audit.>", self._store_audit
        )
        await self._audit_consumer.start()

    async def stop_access(self) -> None:
        if self._audit_consumer is not None:
            await self._audit_consumer.stop()

    # ------------------------------------------------------------------ bootstrap
    async def _bootstrap_admin(self, conn: asyncpg.Connection) -> None:
        settings = self.deps.settings
        if await repo.active_admins(conn):
            return
        if settings.admin_key:
            key = parse_key(settings.admin_key)
            if await repo.get_key(conn, key.key_id) is not None:
                log.error(
                    "AURA_ADMIN_KEY names a key id that exists (revoked or expired); "
                    "no admin key is active: give a new AURA_ADMIN_KEY",
                    extra={"key_id": key.key_id},
                )
                return
            await self._insert_bootstrap(conn, key)
            log.warning("first admin key stored from AURA_ADMIN_KEY", extra={"key_id": key.key_id})
            return
        if not settings.auth:
            return  # nobody needs one now; it is made when auth is switched on
        key = new_key()
        await self._insert_bootstrap(conn, key)
        # The one time this secret is shown: only its hash is stored.
        log.warning(
            "FIRST ADMIN KEY (shown once, keep it): %s",
            key.text,
            extra={"key_id": key.key_id},
        )

    async def _insert_bootstrap(self, conn: asyncpg.Connection, key: ParsedKey) -> None:
        name = access.BOOTSTRAP_NAME
        if await repo.active_by_name(conn, name):
            name = f"{name}-{key.key_id}"
        await repo.insert_key(
            conn,
            key.key_id,
            name,
            auth_pb2.ROLE_ADMIN,
            hash_key(key.text),
            key.secret[:8],
            access.BOOTSTRAP,
        )

    async def _bootstrap_pump(self, conn: asyncpg.Connection) -> None:
        if not self.deps.settings.admin_pump_key:
            return
        key = parse_key(self.deps.settings.admin_pump_key)
        for row in await repo.active_by_name(conn, access.PUMP_NAME):
            if row["key_id"] == key.key_id and row["secret_sha256"] == hash_key(key.text):
                return
            await repo.revoke_key(conn, row["key_id"], access.BOOTSTRAP)
        if await repo.get_key(conn, key.key_id) is not None:
            log.error("AURA_ADMIN_PUMP_KEY names a key id in use", extra={"key_id": key.key_id})
            return
        await repo.insert_key(
            conn,
            key.key_id,
            access.PUMP_NAME,
            auth_pb2.ROLE_INGEST,
            hash_key(key.text),
            key.secret[:8],
            access.BOOTSTRAP,
        )

    # ---------------------------------------------------------------------- audit
    async def _store_audit(self, msgs: list[Msg]) -> None:
        rows = []
        good = []
        uses: dict[str, float] = {}
        for msg in msgs:
            if msg.subject.startswith(KEY_USE_SUBJECT + "."):
                try:
                    report = access.parse_key_use(msg.data)
                except ValueError as exc:
                    await bus.dead_letter(self.deps.js, "admin", msg, str(exc))
                    continue
                for key_id, at in report.items():
                    uses[key_id] = max(at, uses.get(key_id, 0.0))
                good.append(msg)
                continue
            try:
                entry = pb.AuditEntry.FromString(msg.data)
            except DecodeError as exc:
                await bus.dead_letter(self.deps.js, "admin", msg, f"not an AuditEntry: {exc}")
                continue
            service = msg.subject.rsplit(".", 1)[-1]
            msg_id = (msg.headers or {}).get("Nats-Msg-Id") or uuid.uuid4().hex
            rows.append(repo.audit_args(entry, service, msg_id))
            good.append(msg)
        if rows or uses:
            pool = await self.deps.db.connect()
            async with pool.acquire() as conn, conn.transaction():
                if rows:
                    await repo.insert_audit(conn, rows)
                if uses:
                    await repo.mark_keys_used(conn, uses)
        for msg in good:
            await msg.ack()

    async def _publish(self, row: asyncpg.Record) -> None:
        try:
            await self._keys_kv.put(repo.key_record(row))
        except (NatsError, OSError, TimeoutError) as exc:
            raise UnavailableError(f"cannot publish the key to AURA_KEYS: {exc}") from exc

    # ----------------------------------------------------------------------- RPCs
    @rpc
    async def CreateApiKey(
        self, request: pb.CreateApiKeyRequest, context: grpc.aio.ServicerContext
    ) -> pb.CreateApiKeyResponse:
        new = access.check_create(request, time.time())
        key = new_key()
        pool = await self.deps.db.connect()
        async with pool.acquire() as conn, conn.transaction():
            try:
                row = await repo.insert_key(
                    conn,
                    key.key_id,
                    new.name,
                    new.role,
                    hash_key(key.text),
                    key.secret[:8],
                    caller_name(),
                    new.expires_at_s,
                )
            except asyncpg.UniqueViolationError:
                await context.abort(
                    grpc.StatusCode.ALREADY_EXISTS,
                    f"name: a key named {new.name!r} exists and is not revoked",
                )
            await self._publish(row)
        return pb.CreateApiKeyResponse(api_key=repo.api_key(row), secret=key.text)

    @rpc
    async def ListApiKeys(
        self, request: pb.ListApiKeysRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListApiKeysResponse:
        after = access.keys_after(request.page_token)
        size = access.page_size(request.page_size)
        pool = await self.deps.db.connect()
        async with pool.acquire() as conn:
            rows = await repo.list_keys(conn, request.include_revoked, after, size + 1)
        resp = pb.ListApiKeysResponse(api_keys=[repo.api_key(r) for r in rows[:size]])
        if len(rows) > size:
            last = rows[size - 1]
            resp.next_page_token = access.encode_token(
                repo.micros(last["created_at"]), last["key_id"]
            )
        return resp

    @rpc
    async def RevokeApiKey(
        self, request: pb.RevokeApiKeyRequest, context: grpc.aio.ServicerContext
    ) -> pb.RevokeApiKeyResponse:
        key_id = access.check_key_id(request.key_id)
        pool = await self.deps.db.connect()
        async with pool.acquire() as conn, conn.transaction():
            await repo.lock_bootstrap(conn)
            row = await repo.get_key(conn, key_id)
            if row is None:
                raise NotFoundError(f"key_id: no API key {key_id!r}")
            if row["revoked_at"] is not None:
                return pb.RevokeApiKeyResponse(api_key=repo.api_key(row))
            if row["role"] == auth_pb2.ROLE_ADMIN and await repo.active_admins(conn) <= 1:
                raise DomainError(
                    f"key_id: {key_id} is the last active admin key; create another first"
                )
            revoked = await repo.revoke_key(conn, key_id, caller_name())
            assert revoked is not None
            await self._publish(revoked)
        return pb.RevokeApiKeyResponse(api_key=repo.api_key(revoked))

    @rpc
    async def ListAuditLog(
        self, request: pb.ListAuditLogRequest, context: grpc.aio.ServicerContext
    ) -> pb.ListAuditLogResponse:
        f = access.check_audit_query(request)
        pool = await self.deps.db.connect()
        async with pool.acquire() as conn:
            entries = await repo.list_audit(conn, _plus_one(f))
        resp = pb.ListAuditLogResponse(entries=entries[: f.limit])
        if len(entries) > f.limit:
            resp.next_page_token = access.encode_token(entries[f.limit - 1].entry_id)
        return resp


def _plus_one(f: access.AuditFilter) -> access.AuditFilter:
    """The same filter asking for one more entry (to know whether a next page exists)."""
    return replace(f, limit=f.limit + 1)
