"""The authorisation matrix: every RPC of every service (read from the descriptors) against
no key and a key of each role, through gRPC and, for the RPCs with an HTTP annotation,
through Envoy's REST. Each is answered as its `required_role` declares: UNAUTHENTICATED
(HTTP 401) without a valid key, PERMISSION_DENIED (HTTP 403) with a key whose role is too
low, and anything else when allowed (the RPC may then say INVALID_ARGUMENT, NOT_FOUND,
UNIMPLEMENTED... to an empty request: that is fine).

This module runs its own mesh with auth on: its own NATS, its own database, its own Envoy.
Then the audit trail, revocation and the append-only audit table are checked on it."""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import grpc
import pytest
from google.protobuf import message_factory
from google.protobuf.descriptor import MethodDescriptor

from aura.admin.v1 import admin_pb2, admin_pb2_grpc
from aura.analytics.v1 import analytics_pb2
from aura.common.v1 import auth_pb2
from aura.fusion.v1 import fusion_pb2
from aura.ingest.v1 import ingest_pb2
from aura.tracker.v1 import tracker_pb2, tracker_pb2_grpc
from services.cli.stack import Envoy, NatsServer, Postgres
from services.common import auth
from services.common.server import RunningServer, start_server

SERVICES = {
    "ingest": ingest_pb2,
    "tracker": tracker_pb2,
    "fusion": fusion_pb2,
    "analytics": analytics_pb2,
    "admin": admin_pb2,
}
ROLES: dict[str, int | None] = {
    "nokey": None,
    "viewer": auth.VIEWER,
    "operator": auth.OPERATOR,
    "ingest": auth.INGEST,
    "admin": auth.ADMIN,
}
ADMIN_KEY = auth.new_key().text
STREAM_WAIT_S = 0.6
REFUSED = {grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED}


def _methods() -> Iterator[tuple[str, MethodDescriptor]]:
    for name, module in SERVICES.items():
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                yield name, method


METHODS = list(_methods())


def _required(method: MethodDescriptor) -> int:
    return int(method.GetOptions().Extensions[auth_pb2.required_role])


def _expected(method: MethodDescriptor, role: int | None) -> grpc.StatusCode | None:
    """The refusal the call must get, or None when it must be let through."""
    if role is None:
        return grpc.StatusCode.UNAUTHENTICATED
    if not auth.allows(role, _required(method)):
        return grpc.StatusCode.PERMISSION_DENIED
    return None


def _http_rule(method: MethodDescriptor) -> tuple[str, str, str | None] | None:
    """(verb, path template, body) of the primary google.api.http binding, if any."""
    for field, value in method.GetOptions().ListFields():
        if field.name != "http":
            continue
        for verb in ("get", "post", "put", "patch", "delete"):
            path = getattr(value, verb)
            if path:
                return verb.upper(), path, value.body or None
    return None


REST_METHODS = [(svc, m) for svc, m in METHODS if _http_rule(m) is not None]


@dataclass
class Secured:
    targets: dict[str, str]
    keys: dict[str, str]  # role name → key
    envoy_port: int
    db_dsn: str
    servers: list[RunningServer]


async def _own_database(postgres: Postgres) -> str:
    name = f"aura_authz_{uuid.uuid4().hex[:8]}"
    conn = await asyncpg.connect(postgres.dsn)
    try:
        await conn.execute(f'create database "{name}"')
    finally:
        await conn.close()
    return postgres.dsn.rsplit("/", 1)[0] + "/" + name


@pytest.fixture(scope="module")
async def secured(postgres: Postgres, state_dir: Path) -> AsyncIterator[Secured]:
    from services.admin.config import AdminSettings
    from services.admin.main import build as build_admin
    from services.analytics.config import AnalyticsSettings
    from services.analytics.main import build as build_analytics
    from services.fusion.config import FusionSettings
    from services.fusion.main import build as build_fusion
    from services.ingest.config import IngestSettings
    from services.ingest.main import build as build_ingest
    from services.tracker.config import TrackerSettings
    from services.tracker.main import build as build_tracker

    nats = NatsServer(state_dir / f"nats-authz-{uuid.uuid4().hex[:6]}", port=0, monitor_port=0)
    await nats.astart()
    dsn = await _own_database(postgres)
    common: dict[str, Any] = {"nats_url": nats.url, "database_url": dsn, "auth": True}
    apps = {
        "admin": await build_admin(AdminSettings.from_env({}, admin_key=ADMIN_KEY, **common)),
        "ingest": await build_ingest(
            IngestSettings.from_env({}, ingest_track_timeout_s=1.0, **common)
        ),
        "tracker": await build_tracker(TrackerSettings.from_env({}, **common)),
        "fusion": await build_fusion(FusionSettings.from_env({}, **common)),
        "analytics": await build_analytics(AnalyticsSettings.from_env({}, **common)),
    }
    running = {name: await start_server(app, "127.0.0.1", 0) for name, app in apps.items()}
    targets = {name: f"127.0.0.1:{server.port}" for name, server in running.items()}
    keys = {"admin": ADMIN_KEY}
    async with grpc.aio.insecure_channel(targets["admin"]) as ch:
        stub = admin_pb2_grpc.AdminServiceStub(ch)
        for name in ("viewer", "operator", "ingest"):
            resp = await stub.CreateApiKey(
                admin_pb2.CreateApiKeyRequest(name=f"matrix-{name}", role=auth.parse_role(name)),
                metadata=[("authorization", f"Bearer {ADMIN_KEY}")],
            )
            keys[name] = resp.secret
    await _wait_keys_everywhere(targets, keys)
    proxy = Envoy(
        state_dir / f"envoy-authz-{uuid.uuid4().hex[:6]}",
        port=0,
        admin_port=0,
        backends={name: ("127.0.0.1", server.port) for name, server in running.items()},
    )
    await proxy.astart()
    for _ in range(100):  # until every backend passed its first health check
        if (await asyncio.to_thread(_http, proxy.port, "GET", "/healthz", None, {}))[0] == 200:
            break
        await asyncio.sleep(0.1)
    yield Secured(targets, keys, proxy.port, dsn, list(running.values()))
    await proxy.astop()
    for server in running.values():
        await server.stop(1)
    await nats.astop()


async def _wait_keys_everywhere(targets: dict[str, str], keys: dict[str, str]) -> None:
    """A new key reaches every service through the KV watch within a second."""
    deadline = time.monotonic() + 5
    async with grpc.aio.insecure_channel(targets["tracker"]) as ch:
        stub = tracker_pb2_grpc.TrackerServiceStub(ch)
        for key in keys.values():
            while True:
                try:
                    await stub.ListTracks(
                        tracker_pb2.ListTracksRequest(), metadata=_md(key), timeout=2
                    )
                    break
                except grpc.aio.AioRpcError as exc:
                    if exc.code() != grpc.StatusCode.UNAUTHENTICATED:
                        break
                    assert time.monotonic() < deadline, "a new key was not seen in time"
                    await asyncio.sleep(0.05)


def _md(key: str | None, header: str = "authorization") -> list[tuple[str, str]]:
    if key is None:
        return []
    return [("authorization", f"Bearer {key}")] if header == "authorization" else [(header, key)]


# -------------------------------------------------------------------------------- gRPC
async def _grpc_call(target: str, method: MethodDescriptor, key: str | None) -> grpc.StatusCode:
    path = f"/{method.containing_service.full_name}/{method.name}"
    req_cls = message_factory.GetMessageClass(method.input_type)
    resp_cls = message_factory.GetMessageClass(method.output_type)
    ser, de = req_cls.SerializeToString, resp_cls.FromString
    md = _md(key)
    async with grpc.aio.insecure_channel(target) as ch:
        try:
            if method.client_streaming and method.server_streaming:
                call = ch.stream_stream(path, ser, de)(iter(()), metadata=md, timeout=5)
                async for _ in call:
                    break
            elif method.client_streaming:
                await ch.stream_unary(path, ser, de)(iter(()), metadata=md, timeout=5)
            elif method.server_streaming:
                # An allowed stream may stay quiet: the deadline then ends it. A refusal
                # comes at once, before any message.
                call = ch.unary_stream(path, ser, de)(req_cls(), metadata=md, timeout=STREAM_WAIT_S)
                async for _ in call:
                    break
                call.cancel()
            else:
                await ch.unary_unary(path, ser, de)(req_cls(), metadata=md, timeout=5)
        except grpc.aio.AioRpcError as exc:
            return exc.code()
    return grpc.StatusCode.OK


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize(("service", "method"), METHODS, ids=[f"{s}.{m.name}" for s, m in METHODS])
async def test_grpc(secured: Secured, service: str, method: MethodDescriptor, role: str) -> None:
    key = secured.keys.get(role)
    code = await _grpc_call(secured.targets[service], method, key)
    expected = _expected(method, ROLES[role])
    if expected is None:
        assert code not in REFUSED, f"{method.full_name} refused {role}: {code.name}"
    else:
        assert code == expected, f"{method.full_name} with {role}: {code.name}"


# -------------------------------------------------------------------------------- REST
def _http(
    port: int, verb: str, path: str, body: bytes | None, headers: dict[str, str]
) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=STREAM_WAIT_S + 1)
    try:
        conn.request(verb, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read(200) if resp.status >= 400 else b""
    except TimeoutError:
        return 0, b""  # an allowed stream that stays quiet: no headers before the first item
    finally:
        conn.close()


def _rest_path(method: MethodDescriptor, template: str) -> str:
    """The path with each {field} filled with a value of the field's type."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1).split("=")[0]
        field = method.input_type.fields_by_name[name.split(".")[0]]
        return "1" if field.cpp_type in (1, 2, 3, 4) else "x"  # int32/64, uint32/64

    return re.sub(r"\{([^}]+)\}", value, template)


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize(
    ("service", "method"), REST_METHODS, ids=[f"{s}.{m.name}" for s, m in REST_METHODS]
)
async def test_rest(secured: Secured, service: str, method: MethodDescriptor, role: str) -> None:
    rule = _http_rule(method)
    assert rule is not None
    verb, template, body = rule
    headers = {"content-type": "application/json"}
    key = secured.keys.get(role)
    if key is not None:
        headers["x-api-key"] = key  # gRPC above uses `authorization: Bearer`
    status, raw = await asyncio.to_thread(
        _http,
        secured.envoy_port,
        verb,
        _rest_path(method, template),
        b"{}" if body else None,
        headers,
    )
    expected = _expected(method, ROLES[role])
    if expected is None:
        assert status not in (401, 403), f"{verb} {template} refused {role}: {status} {raw!r}"
    else:
        want = 401 if expected == grpc.StatusCode.UNAUTHENTICATED else 403
        assert status == want, f"{verb} {template} with {role}: {status} {raw!r}"
        assert json.loads(raw)["code"] == expected.value[0]


async def test_rest_takes_bearer_keys_too(secured: Secured) -> None:
    headers = {"authorization": f"Bearer {secured.keys['viewer']}"}
    status, _ = await asyncio.to_thread(
        _http, secured.envoy_port, "GET", "/v1/tracks", None, headers
    )
    assert status == 200
    status, _ = await asyncio.to_thread(
        _http, secured.envoy_port, "GET", "/v1/tracks", None, {"authorization": "Bearer nope"}
    )
    assert status == 401


async def test_health_and_reflection_stay_open(secured: Secured) -> None:
    from grpc_health.v1 import health_pb2, health_pb2_grpc
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    for target in secured.targets.values():
        async with grpc.aio.insecure_channel(target) as ch:
            resp = await health_pb2_grpc.HealthStub(ch).Check(health_pb2.HealthCheckRequest())
            assert resp.status == health_pb2.HealthCheckResponse.SERVING
            stream = reflection_pb2_grpc.ServerReflectionStub(ch).ServerReflectionInfo(
                iter([reflection_pb2.ServerReflectionRequest(list_services="")])
            )
            async for answer in stream:
                assert answer.list_services_response.service
                break


def test_the_matrix_covers_every_rpc() -> None:
    assert len(METHODS) == 62 and len(REST_METHODS) == 61
    assert {m.containing_service.name for _, m in METHODS} == {
        "IngestService",
        "TrackerService",
        "FusionService",
        "AnalyticsService",
        "AdminService",
    }


# ------------------------------------------------------------------- keys and audit
async def test_a_revoked_key_is_refused_everywhere_within_a_second(secured: Secured) -> None:
    admin_md = _md(ADMIN_KEY)
    async with grpc.aio.insecure_channel(secured.targets["admin"]) as ach:
        admin = admin_pb2_grpc.AdminServiceStub(ach)
        made = await admin.CreateApiKey(
            admin_pb2.CreateApiKeyRequest(name="short-lived", role=auth.VIEWER), metadata=admin_md
        )
        assert made.secret.startswith(f"aura_{made.api_key.key_id}_")
        assert made.api_key.secret_prefix == auth.parse_key(made.secret).secret[:8]
        listed = await admin.ListApiKeys(admin_pb2.ListApiKeysRequest(), metadata=admin_md)
        assert made.secret not in str(listed)
        assert made.api_key.key_id in {k.key_id for k in listed.api_keys}
        await _wait_keys_everywhere(secured.targets, {"new": made.secret})
        await admin.RevokeApiKey(
            admin_pb2.RevokeApiKeyRequest(key_id=made.api_key.key_id), metadata=admin_md
        )
        started = time.monotonic()
        async with grpc.aio.insecure_channel(secured.targets["tracker"]) as tch:
            tracker = tracker_pb2_grpc.TrackerServiceStub(tch)
            while True:
                try:
                    await tracker.ListTracks(
                        tracker_pb2.ListTracksRequest(), metadata=_md(made.secret), timeout=2
                    )
                except grpc.aio.AioRpcError as exc:
                    assert exc.code() == grpc.StatusCode.UNAUTHENTICATED
                    break
                assert time.monotonic() - started < 1.0, "revoked key still accepted after 1 s"
                await asyncio.sleep(0.02)
        again = await admin.RevokeApiKey(
            admin_pb2.RevokeApiKeyRequest(key_id=made.api_key.key_id), metadata=admin_md
        )
        assert again.api_key.revoked and again.api_key.revoked_by == "bootstrap-admin"


async def test_key_rules(secured: Secured) -> None:
    admin_md = _md(ADMIN_KEY)
    async with grpc.aio.insecure_channel(secured.targets["admin"]) as ch:
        admin = admin_pb2_grpc.AdminServiceStub(ch)
        bad = [
            (admin_pb2.CreateApiKeyRequest(name="", role=auth.VIEWER), "name"),
            (admin_pb2.CreateApiKeyRequest(name="x", role=0), "role"),
            (admin_pb2.CreateApiKeyRequest(name="../x", role=auth.VIEWER), "name"),
        ]
        for req, field in bad:
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await admin.CreateApiKey(req, metadata=admin_md)
            assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
            assert err.value.details().startswith(field)
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await admin.CreateApiKey(
                admin_pb2.CreateApiKeyRequest(name="matrix-viewer", role=auth.VIEWER),
                metadata=admin_md,
            )
        assert err.value.code() == grpc.StatusCode.ALREADY_EXISTS
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await admin.RevokeApiKey(
                admin_pb2.RevokeApiKeyRequest(key_id="k_nope"), metadata=admin_md
            )
        assert err.value.code() == grpc.StatusCode.NOT_FOUND
        bootstrap = auth.parse_key(ADMIN_KEY).key_id
        with pytest.raises(grpc.aio.AioRpcError) as err:  # the last admin key stays
            await admin.RevokeApiKey(
                admin_pb2.RevokeApiKeyRequest(key_id=bootstrap), metadata=admin_md
            )
        assert err.value.code() == grpc.StatusCode.FAILED_PRECONDITION
        page = await admin.ListApiKeys(admin_pb2.ListApiKeysRequest(page_size=1), metadata=admin_md)
        assert len(page.api_keys) == 1 and page.next_page_token
        rest = await admin.ListApiKeys(
            admin_pb2.ListApiKeysRequest(page_size=1000, page_token=page.next_page_token),
            metadata=admin_md,
        )
        assert page.api_keys[0].key_id not in {k.key_id for k in rest.api_keys}


async def _audit(admin: Any, **filters: Any) -> list[admin_pb2.AuditEntry]:
    resp = await admin.ListAuditLog(
        admin_pb2.ListAuditLogRequest(**filters), metadata=_md(ADMIN_KEY)
    )
    return list(resp.entries)


async def test_mutating_calls_are_audited_allowed_or_not(secured: Secured) -> None:
    viewer = auth.parse_key(secured.keys["viewer"]).key_id
    zone = f"z-{uuid.uuid4().hex[:6]}"
    async with grpc.aio.insecure_channel(secured.targets["admin"]) as ch:
        admin = admin_pb2_grpc.AdminServiceStub(ch)
        for md in (_md(secured.keys["viewer"]), [], _md(ADMIN_KEY)):
            with contextlib.suppress(grpc.aio.AioRpcError):
                await admin.DeleteZone(admin_pb2.DeleteZoneRequest(zone_id=zone), metadata=md)
        made = await admin.CreateApiKey(
            admin_pb2.CreateApiKeyRequest(name=f"audited-{zone}", role=auth.VIEWER),
            metadata=_md(ADMIN_KEY),
        )
        await admin.ListApiKeys(admin_pb2.ListApiKeysRequest(), metadata=_md(ADMIN_KEY))
        deadline = time.monotonic() + 5
        while True:
            entries = await _audit(admin, target=f"zones/{zone}")
            if len(entries) == 3 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
        assert [e.rpc for e in entries] == ["/aura.admin.v1.AdminService/DeleteZone"] * 3
        allowed, anonymous, denied = entries  # newest first
        assert denied.key_id == viewer and denied.key_name == "matrix-viewer"
        assert denied.role == auth.VIEWER
        assert denied.outcome == admin_pb2.AUDIT_OUTCOME_DENIED
        assert denied.status_code == "PERMISSION_DENIED"
        assert anonymous.key_id == "" and anonymous.status_code == "UNAUTHENTICATED"
        assert allowed.key_name == "bootstrap-admin" and allowed.role == auth.ADMIN
        assert allowed.outcome != admin_pb2.AUDIT_OUTCOME_DENIED
        assert all(e.peer and e.time.seconds for e in entries)
        while True:
            created = await _audit(admin, rpc="CreateApiKey", target="keys/")
            mine = [e for e in created if e.target == f"keys/{made.api_key.key_id}"]
            if mine or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.1)
        assert mine and mine[0].outcome == admin_pb2.AUDIT_OUTCOME_SUCCESS
        assert mine[0].status_code == "OK"
        # Reads are not audited; filters and paging work.
        assert not await _audit(admin, rpc="ListApiKeys")
        denied_only = await _audit(admin, outcome=admin_pb2.AUDIT_OUTCOME_DENIED, key_id=viewer)
        assert denied_only and all(e.key_id == viewer for e in denied_only)
        first = await admin.ListAuditLog(
            admin_pb2.ListAuditLogRequest(page_size=1), metadata=_md(ADMIN_KEY)
        )
        second = await admin.ListAuditLog(
            admin_pb2.ListAuditLogRequest(page_size=1, page_token=first.next_page_token),
            metadata=_md(ADMIN_KEY),
        )
        assert second.entries[0].entry_id < first.entries[0].entry_id
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await admin.ListAuditLog(
                admin_pb2.ListAuditLogRequest(page_token="!!"), metadata=_md(ADMIN_KEY)
            )
        assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


async def test_the_audit_table_is_append_only(secured: Secured) -> None:
    conn = await asyncpg.connect(secured.db_dsn)
    try:
        assert await conn.fetchval("select count(*) from audit_log") > 0
        for sql in (
            "update audit_log set detail = 'x'",
            "delete from audit_log",
            "truncate audit_log",
        ):
            with pytest.raises(asyncpg.PostgresError, match="append-only"):
                await conn.execute(sql)
        # Only hashes are stored.
        for row in await conn.fetch("select secret_sha256 from api_keys"):
            assert re.fullmatch(r"[0-9a-f]{64}", row["secret_sha256"])
        assert auth.hash_key(ADMIN_KEY) in {
            r["secret_sha256"] for r in await conn.fetch("select secret_sha256 from api_keys")
        }
    finally:
        await conn.close()
