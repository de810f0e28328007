"""Access control shared by the five services: API keys, roles, one gRPC interceptor, and
the audit trail.

- **Keys** look like `aura_<key_id>_<secret>`: the key id names the key, the secret is 160
  random bits (40 hex digits). Only the SHA-256 of the whole string is stored; with that
  much entropy a fast hash is safe, and checking a key costs about a microsecond.
- **Roles** (`aura.common.v1.Role`): admin includes operator, which includes viewer; ingest
  stands apart and only admin includes it.
- **Rules** come from the contracts: every RPC carries `(aura.common.v1.required_role)` and,
  when it changes shared state, `(aura.common.v1.audited)`. An RPC without a role needs
  admin. Health and reflection stay open.
- **Key store**: admin writes one `ApiKeyRecord` per key to the JetStream key-value bucket
  `AURA_KEYS`; every service watches it, so a new or revoked key counts within a second.
- **Interceptor**: reads the key from `authorization: Bearer KEY` or `x-api-key` (what
  Envoy forwards from REST and gRPC-web too). Missing, malformed, unknown, revoked or
  expired: UNAUTHENTICATED. Known, role too low: PERMISSION_DENIED. Otherwise the caller's
  `Principal` is available to the servicer through `current_principal()`.
- **Audit**: each call of an audited RPC, allowed or refused, is published as an
  `aura.admin.v1.AuditEntry` on `aura.audit.<service>` (stream AURA_AUDIT); admin keeps
  them in an append-only table.

AURA_AUTH=off (local development only) lets every call through; audited calls are still
recorded, as `anonymous`.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import hashlib
import hmac
import json
import logging
import re
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import grpc
from google.protobuf import descriptor_pool
from google.protobuf.message import Message
from nats.js import JetStreamContext
from nats.js.errors import BucketNotFoundError
from opentelemetry import trace

from aura.admin.v1 import admin_pb2
from aura.common.v1 import auth_pb2
from services.common import bus
from services.common.config import CommonSettings
from services.common.server import Handler, wrap_handler
from services.common.timeutil import ts_from_seconds

log = logging.getLogger("aura.auth")

KEYS_BUCKET = "AURA_KEYS"
KEY_PREFIX = "aura_"
AUDIT_SUBJECT = "aura.audit"
#: Key use reports (JSON {key_id: epoch seconds}) on `aura.audit.keyuse.<service>`; admin
#: keeps api_keys.last_used_at from them.
KEY_USE_SUBJECT = "aura.audit.keyuse"
#: How often each service reports which keys it accepted (last_used_at is "updated at most
#: once a minute").
KEY_USE_INTERVAL_S = 60.0

Role = int  # an aura.common.v1.Role value
VIEWER: Role = auth_pb2.ROLE_VIEWER
OPERATOR: Role = auth_pb2.ROLE_OPERATOR
INGEST: Role = auth_pb2.ROLE_INGEST
ADMIN: Role = auth_pb2.ROLE_ADMIN

# What each role may do: the lattice admin ⊇ operator ⊇ viewer, with ingest apart.
_INCLUDES: dict[Role, frozenset[Role]] = {
    VIEWER: frozenset({VIEWER}),
    OPERATOR: frozenset({OPERATOR, VIEWER}),
    INGEST: frozenset({INGEST}),
    ADMIN: frozenset({ADMIN, OPERATOR, VIEWER, INGEST}),
}

_KEY_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
_SECRET = re.compile(r"^[A-Za-z0-9]{32,128}$")
_OPEN_PREFIXES = ("/grpc.health.", "/grpc.reflection.")


def allows(have: Role, need: Role) -> bool:
    """Whether a key with role `have` may call an RPC that needs `need` (UNSPECIFIED needs
    admin: a rule that was forgotten fails closed)."""
    return (need or ADMIN) in _INCLUDES.get(have, frozenset())


def role_name(role: Role) -> str:
    """`viewer`, `operator`, `ingest`, `admin` (or `unspecified`)."""
    return auth_pb2.Role.Name(role).removeprefix("ROLE_").lower()


def parse_role(text: str) -> Role:
    """`viewer` or `ROLE_VIEWER` (any case) → the Role value; ValueError otherwise."""
    name = text.strip().upper()
    name = name if name.startswith("ROLE_") else "ROLE_" + name
    try:
        role = int(auth_pb2.Role.Value(name))
    except ValueError:
        raise ValueError(
            f"unknown role {text!r}: expected viewer, operator, ingest or admin"
        ) from None
    if role == auth_pb2.ROLE_UNSPECIFIED:
        raise ValueError("the role must be given: viewer, operator, ingest or admin")
    return role


# ------------------------------------------------------------------------------- keys
@dataclass(frozen=True, slots=True)
class ParsedKey:
    """A key string split into its parts."""

    key_id: str
    secret: str
    text: str


def parse_key(text: str) -> ParsedKey:
    """Split `aura_<key_id>_<secret>`; ValueError naming the problem otherwise. The key id
    may hold '_' (the secret never does), so the secret is what follows the last '_'."""
    if not text.startswith(KEY_PREFIX):
        raise ValueError("an API key starts with 'aura_'")
    key_id, sep, secret = text[len(KEY_PREFIX) :].rpartition("_")
    if not sep or not _KEY_ID.match(key_id):
        raise ValueError("an API key looks like aura_<key_id>_<secret>")
    if not _SECRET.match(secret):
        raise ValueError("the secret of an API key is 32 to 128 letters and digits")
    return ParsedKey(key_id, secret, text)


def hash_key(text: str) -> str:
    """SHA-256 of the whole key string, as 64 hex digits: what is stored."""
    return hashlib.sha256(text.encode()).hexdigest()


def new_key() -> ParsedKey:
    """A fresh key: id `k_` + 12 hex digits, secret 40 hex digits (160 bits)."""
    key_id = "k_" + secrets.token_hex(6)
    secret = secrets.token_hex(20)
    return ParsedKey(key_id, secret, f"{KEY_PREFIX}{key_id}_{secret}")


def key_from_metadata(metadata: Iterable[tuple[str, Any]] | None) -> str | None:
    """The key of `authorization: Bearer KEY` or `x-api-key: KEY`, else None."""
    for item in metadata or ():
        name, value = item[0], item[1]
        if name == "authorization" and isinstance(value, str):
            scheme, _, rest = value.partition(" ")
            if scheme.lower() == "bearer":
                return rest.strip()
        elif name == "x-api-key" and isinstance(value, str):
            return value.strip()
    return None


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is calling: the key's id, its name (the "who" of audit entries and notes) and
    its role."""

    key_id: str
    name: str
    role: Role


ANONYMOUS = Principal("", "anonymous", ADMIN)
_PRINCIPAL: contextvars.ContextVar[Principal | None] = contextvars.ContextVar(
    "aura_principal", default=None
)


def current_principal() -> Principal | None:
    """The caller of the RPC being served, for servicers (e.g. a note's `created_by`). With
    auth off it is ANONYMOUS for audited RPCs and None for the others; None outside a call."""
    return _PRINCIPAL.get()


def caller_name() -> str:
    """The name of the calling key: the "who" of what a servicer records ("anonymous" when
    auth is off)."""
    p = _PRINCIPAL.get()
    return p.name if p is not None else ANONYMOUS.name


@dataclass(frozen=True, slots=True)
class _Known:
    digest: bytes
    principal: Principal
    revoked: bool
    expires_at_s: float  # 0: never


class KeyStore:
    """The services' view of AURA_KEYS: key id → hash, role and state, kept by a KV watch."""

    def __init__(self) -> None:
        self._keys: dict[str, _Known] = {}
        self._task: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()
        #: key id → the latest time (epoch s) it was accepted, since the last `take_usage`.
        self._used: dict[str, float] = {}

    def take_usage(self) -> dict[str, float]:
        """The keys accepted since the previous call, with their latest use; resets."""
        used, self._used = self._used, {}
        return used

    def restore_usage(self, used: dict[str, float]) -> None:
        """Put back uses a report could not send (the newest use of a key wins)."""
        for key_id, at in used.items():
            self._used[key_id] = max(at, self._used.get(key_id, 0.0))

    def __len__(self) -> int:
        return len(self._keys)

    def apply(self, key: str, value: bytes | None) -> None:
        """One KV entry: a put (value) or a delete (None)."""
        if value is None:
            self._keys.pop(key, None)
            return
        rec = auth_pb2.ApiKeyRecord.FromString(value)
        self.put(rec)

    def put(self, rec: auth_pb2.ApiKeyRecord) -> None:
        expires = rec.expires_at.seconds + rec.expires_at.nanos / 1e9
        self._keys[rec.key_id] = _Known(
            bytes.fromhex(rec.secret_sha256),
            Principal(rec.key_id, rec.name, int(rec.role)),
            rec.revoked,
            expires if rec.HasField("expires_at") else 0.0,
        )

    def verify(self, text: str | None, now: float | None = None) -> Principal | None:
        """The principal of a valid key; None for anything else (never an exception)."""
        if not text or not text.startswith(KEY_PREFIX):
            return None
        key_id = text[len(KEY_PREFIX) : text.rfind("_")]
        known = self._keys.get(key_id)
        if known is None or known.revoked:
            return None
        if not hmac.compare_digest(hashlib.sha256(text.encode()).digest(), known.digest):
            return None
        now = time.time() if now is None else now
        if known.expires_at_s and now >= known.expires_at_s:
            return None
        self._used[key_id] = now
        return known.principal

    async def start(self, js: JetStreamContext, wait_s: float = 5.0) -> None:
        """Watch AURA_KEYS (creating it when missing); returns once the keys stored so far
        are loaded, or after `wait_s` (the watch goes on)."""
        kv = await keys_bucket(js)
        watcher = await kv.watch(">")
        self._task = asyncio.create_task(self._run(watcher), name="aura-keys-watch")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.ready.wait(), wait_s)

    async def _run(self, watcher: Any) -> None:
        async for entry in watcher:
            if entry is None:  # the stored values are all delivered
                self.ready.set()
                continue
            try:
                deleted = entry.operation in ("DEL", "PURGE")
                self.apply(entry.key, None if deleted else entry.value)
            except Exception:
                log.exception("bad API key entry", extra={"key": entry.key})

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


async def keys_bucket(js: JetStreamContext) -> Any:
    """The AURA_KEYS key-value bucket, created when missing."""
    try:
        return await js.key_value(KEYS_BUCKET)
    except BucketNotFoundError:
        return await js.create_key_value(bucket=KEYS_BUCKET, history=5)


# ------------------------------------------------------------------------------ rules
@dataclass(frozen=True, slots=True)
class Rule:
    """What an RPC needs, read from its method options."""

    role: Role
    audited: bool


OPEN = Rule(0, False)


def rule_for(method: str) -> Rule:
    """The rule of a full method name `/pkg.Service/Method`: from its descriptor's options;
    OPEN for health and reflection; admin for a method the descriptor pool does not know."""
    if method.startswith(_OPEN_PREFIXES):
        return OPEN
    service, _, name = method.lstrip("/").partition("/")
    try:
        desc = descriptor_pool.Default().FindMethodByName(f"{service}.{name}")
    except KeyError:
        return Rule(ADMIN, False)
    opts = desc.GetOptions()
    return Rule(
        int(opts.Extensions[auth_pb2.required_role]) or ADMIN,
        bool(opts.Extensions[auth_pb2.audited]),
    )


def target_of(message: Message | None) -> str:
    """The object a call acts on, as `<things>/<id>` (`zones/gate-north`): the first set
    field named `*_id` (or `id`) of the request, or of a message it holds (CreateZone's
    zone), else ""."""
    if message is None:
        return ""
    nested: list[Message] = []
    for field, value in message.ListFields():
        if field.name == "id" or field.name.endswith("_id"):
            if isinstance(value, str | int) and value not in ("", 0):
                stem = field.name[:-3] if field.name != "id" else message.DESCRIPTOR.name.lower()
                return f"{stem}s/{value}"
        elif field.message_type is not None and isinstance(value, Message):
            nested.append(value)
    for inner in nested:
        found = target_of(inner)
        if found and "/" in found:
            return found
    return ""


# ------------------------------------------------------------------------------ audit
class AuditTrail:
    """Publishes audit entries on `aura.audit.<service>` without holding up the call."""

    def __init__(self, js: JetStreamContext | None, service: str) -> None:
        self.js, self.subject = js, f"{AUDIT_SUBJECT}.{bus.subject_token(service)}"
        self._pending: set[asyncio.Task[None]] = set()

    def record(self, entry: admin_pb2.AuditEntry) -> None:
        if self.js is None:
            return
        task = asyncio.create_task(self._publish(entry.SerializeToString()))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _publish(self, payload: bytes) -> None:
        assert self.js is not None
        for attempt in range(5):
            try:
                await bus.publish(self.js, self.subject, payload, msg_id=uuid.uuid4().hex)
                return
            except Exception as exc:  # NATS away for a moment: retry, then give up loudly
                if attempt == 4:
                    log.error("audit entry lost", extra={"error": str(exc)})
                    return
                await asyncio.sleep(0.2 * (attempt + 1))

    async def flush(self, timeout_s: float = 5.0) -> None:
        if self._pending:
            await asyncio.wait(list(self._pending), timeout=timeout_s)


def _outcome(code: grpc.StatusCode) -> int:
    if code == grpc.StatusCode.OK:
        return int(admin_pb2.AUDIT_OUTCOME_SUCCESS)
    if code in (grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED):
        return int(admin_pb2.AUDIT_OUTCOME_DENIED)
    return int(admin_pb2.AUDIT_OUTCOME_FAILED)


# ------------------------------------------------------------------------ interceptor
Behaviour = Callable[..., Any]


class AuthInterceptor(grpc.aio.ServerInterceptor):
    """Enforces each RPC's required role and records audited calls (see module doc)."""

    def __init__(self, keys: KeyStore, audit: AuditTrail, enabled: bool = True) -> None:
        self.keys, self.audit, self.enabled = keys, audit, enabled
        self._rules: dict[str, Rule] = {}

    def _rule(self, method: str) -> Rule:
        rule = self._rules.get(method)
        if rule is None:
            rule = self._rules[method] = rule_for(method)
        return rule

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[Handler | None]],
        details: grpc.HandlerCallDetails,
    ) -> Handler | None:
        method = details.method
        rule = self._rule(method)
        if rule is OPEN or (not self.enabled and not rule.audited):
            return await continuation(details)
        handler = await continuation(details)
        if handler is None:
            return None
        metadata = details.invocation_metadata
        if not self.enabled:
            return self._allow(handler, method, rule, ANONYMOUS, metadata)
        text = key_from_metadata(metadata)
        principal = self.keys.verify(text)
        if principal is None:
            why = "missing API key" if not text else "unknown, revoked or expired API key"
            return self._refuse(
                handler,
                method,
                rule,
                None,
                metadata,
                grpc.StatusCode.UNAUTHENTICATED,
                f"{why}: send `authorization: Bearer <key>` or `x-api-key: <key>`",
            )
        if not allows(principal.role, rule.role):
            return self._refuse(
                handler,
                method,
                rule,
                principal,
                metadata,
                grpc.StatusCode.PERMISSION_DENIED,
                f"{method.rsplit('/', 1)[-1]} needs the {role_name(rule.role)} role; "
                f"key {principal.key_id} has {role_name(principal.role)}",
            )
        return self._allow(handler, method, rule, principal, metadata)

    def _allow(
        self, handler: Handler, method: str, rule: Rule, who: Principal, metadata: Any
    ) -> Handler:
        audited = rule.audited
        record = self._record

        def around(fn: Behaviour, req_s: bool, resp_s: bool) -> Behaviour:
            if resp_s:

                async def gen(request: Any, context: Any) -> Any:
                    _PRINCIPAL.set(who)
                    if not audited:
                        async for item in fn(request, context):
                            yield item
                        return
                    t0 = time.time()
                    try:
                        async for item in fn(request, context):
                            yield item
                    except BaseException as exc:
                        record(t0, method, who, metadata, request, None, context, exc, req_s)
                        raise
                    record(t0, method, who, metadata, request, None, context, None, req_s)

                return gen

            async def unary(request: Any, context: Any) -> Any:
                _PRINCIPAL.set(who)
                if not audited:
                    return await fn(request, context)
                t0 = time.time()
                try:
                    response = await fn(request, context)
                except BaseException as exc:
                    record(t0, method, who, metadata, request, None, context, exc, req_s)
                    raise
                record(t0, method, who, metadata, request, response, context, None, req_s)
                return response

            return unary

        return wrap_handler(handler, around)

    def _refuse(
        self,
        handler: Handler,
        method: str,
        rule: Rule,
        who: Principal | None,
        metadata: Any,
        code: grpc.StatusCode,
        message: str,
    ) -> Handler:
        audited = rule.audited
        record = self._record_refusal

        def around(_fn: Behaviour, req_s: bool, resp_s: bool) -> Behaviour:
            if resp_s:

                async def gen(request: Any, context: Any) -> Any:
                    if audited:
                        record(method, who, metadata, request, context, code, message, req_s)
                    await context.abort(code, message)
                    yield  # pragma: no cover - makes this an async generator

                return gen

            async def unary(request: Any, context: Any) -> Any:
                if audited:
                    record(method, who, metadata, request, context, code, message, req_s)
                await context.abort(code, message)

            return unary

        return wrap_handler(handler, around)

    # -- audit entries
    def _entry(
        self,
        started: float,
        method: str,
        who: Principal | None,
        metadata: Any,
        request: Any,
        response: Any,
        context: Any,
        code: grpc.StatusCode,
        detail: str,
        req_s: bool,
    ) -> admin_pb2.AuditEntry:
        target = ""
        if not req_s:
            target = target_of(request) or target_of(response)
        peer = ""
        for item in metadata or ():
            if item[0] == "x-forwarded-for":
                peer = str(item[1])
                break
        if not peer:
            with contextlib.suppress(Exception):
                peer = context.peer() or ""
        span = trace.get_current_span().get_span_context()
        return admin_pb2.AuditEntry(
            time=ts_from_seconds(started),
            key_id=who.key_id if who else "",
            key_name=who.name if who else "",
            role=who.role if who and who.key_id else auth_pb2.ROLE_UNSPECIFIED,
            rpc=method,
            target=target,
            outcome=_outcome(code),
            status_code=code.name,
            detail=detail[:512],
            peer=peer,
            trace_id=format(span.trace_id, "032x") if span.is_valid else "",
        )

    def _record(
        self,
        started: float,
        method: str,
        who: Principal,
        metadata: Any,
        request: Any,
        response: Any,
        context: Any,
        exc: BaseException | None,
        req_s: bool,
    ) -> None:
        code = _code_of(context, exc)
        detail = ""
        if code != grpc.StatusCode.OK:
            with contextlib.suppress(Exception):
                detail = context.details() or ""
            detail = detail or (str(exc) if exc else "")
        self.audit.record(
            self._entry(
                started, method, who, metadata, request, response, context, code, detail, req_s
            )
        )

    def _record_refusal(
        self,
        method: str,
        who: Principal | None,
        metadata: Any,
        request: Any,
        context: Any,
        code: grpc.StatusCode,
        message: str,
        req_s: bool,
    ) -> None:
        self.audit.record(
            self._entry(
                time.time(), method, who, metadata, request, None, context, code, message, req_s
            )
        )


def _code_of(context: Any, exc: BaseException | None) -> grpc.StatusCode:
    code = None
    with contextlib.suppress(Exception):
        code = context.code()
    if isinstance(code, grpc.StatusCode):
        return code
    if isinstance(code, int):
        for known in grpc.StatusCode:
            if known.value[0] == code:
                return known
    if exc is None:
        return grpc.StatusCode.OK
    if isinstance(exc, asyncio.CancelledError):
        return grpc.StatusCode.CANCELLED
    return grpc.StatusCode.UNKNOWN


# --------------------------------------------------------------------------- assembly
class Auth:
    """What a service's composition root needs: `interceptor` for ServiceApp, `stop()`
    for its shutdown. Build it with `await Auth.start(settings, js, service)`."""

    def __init__(
        self,
        keys: KeyStore,
        audit: AuditTrail,
        enabled: bool,
        js: JetStreamContext | None = None,
        service: str = "",
    ) -> None:
        self.keys, self.audit, self.enabled = keys, audit, enabled
        self.interceptor = AuthInterceptor(keys, audit, enabled)
        self.js, self.service = js, service
        self._usage_task: asyncio.Task[None] | None = None

    async def report_usage(self) -> int:
        """Publish the keys accepted since the last report (admin stores last_used_at);
        returns how many. On failure the uses are kept for the next report."""
        used = self.keys.take_usage()
        if not used or self.js is None:
            return 0
        subject = f"{KEY_USE_SUBJECT}.{bus.subject_token(self.service or 'service')}"
        try:
            await bus.publish(self.js, subject, json.dumps(used).encode(), uuid.uuid4().hex)
        except Exception as exc:
            self.keys.restore_usage(used)
            log.warning("key use report not sent", extra={"error": str(exc)})
            return 0
        return len(used)

    async def _report_forever(self, interval_s: float) -> None:
        while True:
            await asyncio.sleep(interval_s)
            await self.report_usage()

    @classmethod
    async def start(cls, settings: CommonSettings, js: JetStreamContext, service: str) -> Auth:
        await bus.ensure_streams(js, [bus.AUDIT])
        keys = KeyStore()
        if settings.auth:
            await keys.start(js)
        else:
            log.warning(
                "AUTHENTICATION IS OFF (AURA_AUTH=off): every caller may call every RPC; "
                "for local development only",
                extra={"service": service},
            )
        auth = cls(keys, AuditTrail(js, service), settings.auth, js, service)
        if settings.auth:
            auth._usage_task = asyncio.create_task(
                auth._report_forever(KEY_USE_INTERVAL_S), name="aura-key-use"
            )
        return auth

    async def stop(self) -> None:
        if self._usage_task is not None:
            self._usage_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._usage_task
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.report_usage(), 2.0)
        await self.keys.stop()
        await self.audit.flush()
