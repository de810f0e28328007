"""`aura up`: NATS, PostgreSQL, the five services, Envoy and a demo source, in the
foreground. Ctrl-C or SIGTERM stops everything it started, in reverse order.

External servers are one setting each: with AURA_NATS_URL or AURA_DATABASE_URL set, that
server is used instead of a local one; AURA_ENVOY=off skips Envoy.

Access control is on unless AURA_AUTH=off (then a loud banner says so). At the first start
admin stores the first admin key, printed once here: AURA_ADMIN_KEY, or one made now. The
demo source gets an ingest key of its own at every start (AURA_ADMIN_PUMP_KEY for admin).
With AURA_TLS_CERT and AURA_TLS_KEY the services and Envoy serve TLS (`aura certs DIR`
makes a pair for local use)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from aura.admin.v1 import admin_pb2, admin_pb2_grpc
from aura.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from services.cli.stack import Envoy, LocalServer, NatsServer, Postgres
from services.common.auth import new_key
from services.common.config import DEFAULT_PORTS, CommonSettings, SettingsError
from services.common.server import client_channel

SERVICES = ("ingest", "tracker", "fusion", "analytics", "admin")


def _banner(lines: list[str], edge: str = "-", corner: str = "+", side: str = "|") -> None:
    width = max(len(s) for s in lines) + 4
    print(corner + edge * width + corner)
    for s in lines:
        print(f"{side}  {s.ljust(width - 4)}  {side}")
    print(corner + edge * width + corner, flush=True)


AUTH_OFF_BANNER = [
    "AUTHENTICATION IS OFF (AURA_AUTH=off)",
    "Anyone who can reach a port may call every RPC of every service,",
    "including creating keys and changing the configuration.",
    "For local development only. Unset AURA_AUTH to switch it on.",
]


async def _healthy(target: str, tls_cert: str = "") -> bool:
    try:
        async with client_channel(target, tls_cert) as ch:
            resp = await health_pb2_grpc.HealthStub(ch).Check(
                health_pb2.HealthCheckRequest(), timeout=1
            )
            return bool(resp.status == health_pb2.HealthCheckResponse.SERVING)
    except grpc.aio.AioRpcError:
        return False


async def _wait_healthy(
    name: str, target: str, proc: subprocess.Popen[bytes], log: Path, tls_cert: str = ""
) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            tail = log.read_text(errors="replace").splitlines()[-15:] if log.exists() else []
            raise RuntimeError(f"{name} exited with {proc.returncode}:\n" + "\n".join(tail))
        if await _healthy(target, tls_cert):
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{name} did not become SERVING on {target} within 30 s (see {log})")


def _port(name: str) -> int:
    return int(os.environ.get(f"AURA_{name.upper()}_PORT", DEFAULT_PORTS[name]))


def _bearer(key: str) -> list[tuple[str, str]]:
    return [("authorization", f"Bearer {key}")]


async def _accepted(call: Any, request: Any, key: str, tries: int) -> bool:
    """Whether a service takes `key` (any answer but UNAUTHENTICATED); the key store of
    the service may need a moment to see a key admin has just written."""
    for attempt in range(tries):
        try:
            await call(request, metadata=_bearer(key), timeout=2)
            return True
        except grpc.aio.AioRpcError as exc:
            if exc.code() != grpc.StatusCode.UNAUTHENTICATED:
                return True
        if attempt + 1 < tries:
            await asyncio.sleep(0.2)
    return False


async def _admin_key_lines(target: str, tls_cert: str, key: str, generated: bool) -> list[str]:
    """Banner lines about the admin key. A key made here is accepted only when admin stored
    it, i.e. at the first start (no admin key yet): then, and only then, it is printed."""
    async with client_channel(target, tls_cert) as ch:
        stub = admin_pb2_grpc.AdminServiceStub(ch)
        ok = await _accepted(stub.ListApiKeys, admin_pb2.ListApiKeysRequest(page_size=1), key, 3)
    if generated and ok:
        return [
            f"admin key   {key}",
            "            ^ the first admin key, shown this once (only its hash is stored):",
            "              keep it, e.g. export AURA_API_KEY=...",
        ]
    if generated:
        return ["admin key   made at the first start (printed then); AURA_ADMIN_KEY sets one"]
    if ok:
        return ["admin key   AURA_ADMIN_KEY"]
    return ["admin key   AURA_ADMIN_KEY was not stored: an admin key exists already"]


async def _up(state: Path, source: str, envoy: bool) -> int:
    state = state.absolute()
    (state / "logs").mkdir(parents=True, exist_ok=True)
    servers: list[LocalServer] = []
    procs: list[tuple[str, subprocess.Popen[bytes]]] = []
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    env = dict(os.environ)
    pump_task: asyncio.Task[int] | None = None
    try:  # the settings every service reads: fail here, before anything starts
        common = CommonSettings.from_env(env)
    except SettingsError as exc:
        print(f"aura up: {exc}", file=sys.stderr)
        return 1
    auth, tls_cert, tls_key = common.auth, common.tls_cert, common.tls_key
    admin_key = env.get("AURA_ADMIN_KEY", "")
    generated = auth and not admin_key
    if generated:
        admin_key = new_key().text
    pump_key = new_key().text if auth and source else ""
    admin_env = {"AURA_ADMIN_KEY": admin_key, "AURA_ADMIN_PUMP_KEY": pump_key} if auth else {}
    scheme = "grpcs" if tls_cert else "grpc"
    if not auth:
        _banner(AUTH_OFF_BANNER, edge="!", corner="!", side="!")
    try:
        if "AURA_NATS_URL" not in env:
            nats = NatsServer(
                state,
                port=int(env.get("AURA_NATS_PORT", 4222)),
                monitor_port=int(env.get("AURA_NATS_MONITOR_PORT", 8222)),
            )
            servers.append(await nats.astart())
            env["AURA_NATS_URL"] = nats.url
        if "AURA_DATABASE_URL" not in env:
            pg = Postgres(state, port=int(env.get("AURA_POSTGRES_PORT", 5432)))
            servers.append(await pg.astart())
            env["AURA_DATABASE_URL"] = pg.dsn
        for name in SERVICES:
            log = state / "logs" / f"{name}.log"
            with open(log, "ab") as out:
                proc = subprocess.Popen(
                    [sys.executable, "-m", "services.cli.main", "serve", name],
                    env={**env, **admin_env} if name == "admin" else env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            procs.append((name, proc))
        for name, proc in procs:
            await _wait_healthy(
                name, f"127.0.0.1:{_port(name)}", proc, state / "logs" / f"{name}.log", tls_cert
            )
        lines = [
            "AURA is up",
            f"NATS        {env['AURA_NATS_URL']}",
            f"PostgreSQL  {env['AURA_DATABASE_URL']}",
            *(f"{n:<11} {scheme}://127.0.0.1:{_port(n)}" for n in SERVICES),
        ]
        if auth:
            lines.append("auth        on: send `authorization: Bearer KEY` or `x-api-key: KEY`")
            target = f"127.0.0.1:{_port('admin')}"
            lines += await _admin_key_lines(target, tls_cert, admin_key, generated)
        else:
            lines.append("auth        OFF (AURA_AUTH=off): every caller may do everything")
        if tls_cert:
            lines.append(f"TLS         on: clients trust {tls_cert}")
        if envoy and env.get("AURA_ENVOY", "on") != "off":
            proxy = Envoy(
                state,
                port=int(env.get("AURA_ENVOY_PORT", 8080)),
                admin_port=int(env.get("AURA_ENVOY_ADMIN_PORT", 9901)),
                backends={n: ("127.0.0.1", _port(n)) for n in SERVICES},
                tls_cert=tls_cert or None,
                tls_key=tls_key or None,
                backend_tls_ca=tls_cert or None,
            )
            servers.append(await proxy.astart())
            base = proxy.url
            curl = f"curl --cacert {tls_cert}" if tls_cert else "curl"
            header = ' -H "x-api-key: $AURA_API_KEY"' if auth else ""
            lines += [
                f"Envoy       {base}  (REST/JSON, gRPC-web, gRPC)",
                f"health      {base}/healthz",
                f"tracks      {curl} -N{header} {base}/v1/tracks:stream",
                f"admin       http://127.0.0.1:{proxy.admin_port}",
            ]
        if source:
            from services.cli.main import pump

            ingest_target = f"127.0.0.1:{_port('ingest')}"
            if pump_key:
                async with client_channel(ingest_target, tls_cert) as ch:
                    publish = ingest_pb2_grpc.IngestServiceStub(ch).PublishDetections
                    request = ingest_pb2.PublishDetectionsRequest()
                    if not await _accepted(publish, request, pump_key, 25):
                        raise RuntimeError("ingest does not accept the demo source's key")
            pump_task = asyncio.create_task(
                pump(source, ingest_target, key=pump_key or None, tls_cert=tls_cert)
            )
            lines.append(f"demo source {source}" + ("  (its own ingest key)" if pump_key else ""))
        lines += [f"logs        {state / 'logs'}", "Ctrl-C stops everything"]
        _banner(lines)
        if not auth:
            _banner(AUTH_OFF_BANNER, edge="!", corner="!", side="!")
        while not stop.is_set():
            for name, proc in procs:
                if proc.poll() is not None:
                    print(f"aura: {name} exited with {proc.returncode}; stopping", file=sys.stderr)
                    return 1
            if pump_task is not None and pump_task.done() and pump_task.exception():
                print(f"aura: demo source failed: {pump_task.exception()}", file=sys.stderr)
                pump_task = None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 0.5)
        return 0
    except Exception as exc:
        print(f"aura up: {exc}", file=sys.stderr)
        return 1
    finally:
        print("aura: stopping", file=sys.stderr, flush=True)
        if pump_task is not None:
            pump_task.cancel()
            with contextlib.suppress(BaseException):
                await pump_task
        for _, proc in reversed(procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for name, proc in reversed(procs):
            try:
                await asyncio.to_thread(proc.wait, 15)
            except subprocess.TimeoutExpired:
                print(f"aura: {name} did not stop in 15 s; killing", file=sys.stderr)
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for server in reversed(servers):
            await server.astop()


def run_up(state: Path, source: str, envoy: bool = True) -> int:
    return asyncio.run(_up(state, source, envoy))
