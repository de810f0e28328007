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
from services.cli.stack import (
    DashboardServer,
    Envoy,
    LocalServer,
    NatsServer,
    Postgres,
    StackError,
    port_setting,
)
from services.common.auth import new_key
from services.common.config import CommonSettings, SettingsError
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
    return port_setting(os.environ, name.upper())


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


def _demo_registry() -> tuple[list[admin_pb2.Sensor], list[admin_pb2.Zone]]:
    """The demo source's sensors as the registry needs them (its radar and lidar report in
    site coordinates: identity pose; its camera maps x, y to u = 12.8 x, v = 720 - 12 y),
    and three zones on its 100 m x 60 m site, so the map and fusion have them."""
    from aura.common.v1 import common_pb2 as c

    identity = admin_pb2.SensorPose(position=c.Vector3(), heading_deg=90.0)
    h = admin_pb2.Homography(
        values=[1 / 12.8, 0, 0, 0, -1 / 12.0, 60.0, 0, 0, 1],
        image_width_px=1280,
        image_height_px=720,
    )
    sensors = [
        admin_pb2.Sensor(sensor_id="radar_1", kind=c.SENSOR_KIND_RADAR, pose=identity),
        admin_pb2.Sensor(sensor_id="lidar_1", kind=c.SENSOR_KIND_LIDAR, pose=identity),
        admin_pb2.Sensor(sensor_id="camera_1", kind=c.SENSOR_KIND_CAMERA, homography=h),
    ]
    for s in sensors:
        s.site_id, s.name, s.expected_rate_hz = "demo", f"demo {s.sensor_id}", 2.0

    def poly(*pts: tuple[float, float]) -> admin_pb2.Polygon:
        return admin_pb2.Polygon(vertices=[c.Vector3(x=x, y=y) for x, y in pts])

    line = admin_pb2.LineSegment(start=c.Vector3(x=60, y=0), end=c.Vector3(x=60, y=60))
    zones = [
        admin_pb2.Zone(
            zone_id="demo-gate",
            name="Gate (protected)",
            kind=admin_pb2.ZONE_KIND_PROTECTED,
            polygon=poly((80, 40), (95, 40), (95, 55), (80, 55)),
        ),
        admin_pb2.Zone(
            zone_id="demo-plaza",
            name="Plaza",
            kind=admin_pb2.ZONE_KIND_MONITORING,
            polygon=poly((15, 15), (50, 15), (50, 40), (15, 40)),
            dwell_threshold_s=30,
        ),
        admin_pb2.Zone(
            zone_id="demo-line",
            name="Line x=60",
            kind=admin_pb2.ZONE_KIND_COUNTING_LINE,
            line=line,
        ),
    ]
    for z in zones:
        z.site_id = "demo"
    return sensors, zones


async def _seed_demo_registry(target: str, tls_cert: str, key: str) -> str:
    """Register the demo's sensors and zones unless they exist (a banner line says what)."""
    sensors, zones = _demo_registry()
    meta = _bearer(key) if key else None
    made = 0
    try:
        async with client_channel(target, tls_cert) as ch:
            stub = admin_pb2_grpc.AdminServiceStub(ch)
            for sensor in sensors:
                with contextlib.suppress(grpc.aio.AioRpcError):
                    await stub.GetSensor(
                        admin_pb2.GetSensorRequest(sensor_id=sensor.sensor_id),
                        metadata=meta,
                        timeout=2,
                    )
                    continue
                await stub.CreateSensor(
                    admin_pb2.CreateSensorRequest(sensor=sensor), metadata=meta, timeout=2
                )
                made += 1
            for zone in zones:
                with contextlib.suppress(grpc.aio.AioRpcError):
                    await stub.GetZone(
                        admin_pb2.GetZoneRequest(zone_id=zone.zone_id), metadata=meta, timeout=2
                    )
                    continue
                await stub.CreateZone(
                    admin_pb2.CreateZoneRequest(zone=zone), metadata=meta, timeout=2
                )
                made += 1
    except grpc.aio.AioRpcError as exc:
        if exc.code() == grpc.StatusCode.UNAUTHENTICATED:
            return "demo site   not checked: set AURA_ADMIN_KEY to register its sensors and zones"
        return f"demo site   not registered ({exc.code().name}: {exc.details()})"
    return f"demo site   sensors and zones registered ({made} new)"


def _start_dashboard(envoy_url: str, port: int) -> DashboardServer:
    """The dashboard beside Envoy (web/dist); on a taken port, any free one."""
    try:
        return DashboardServer(envoy_url, port=port).start()
    except StackError:
        return DashboardServer(envoy_url, port=0).start()


def _dashboard_lines(dashboard: DashboardServer, auth: bool) -> list[str]:
    if dashboard.built:
        hint = "enter an API key on the page" if auth else "no key needed: auth is off"
        return [f"dashboard   {dashboard.url}  ({hint})"]
    return [
        f"dashboard   {dashboard.url}  not built: `make web` builds it (Node.js 20.19+, npm)",
    ]


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
    dashboard: DashboardServer | None = None
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
    if "AURA_ADMIN_ENVOY_URL" not in env:  # the Envoy that status reports: ours, or none
        with_envoy = envoy and env.get("AURA_ENVOY", "on") != "off"
        edge = f"{'https' if tls_cert else 'http'}://127.0.0.1:{port_setting(env, 'ENVOY')}"
        admin_env["AURA_ADMIN_ENVOY_URL"] = edge if with_envoy else ""
    scheme = "grpcs" if tls_cert else "grpc"
    if not auth:
        _banner(AUTH_OFF_BANNER, edge="!", corner="!", side="!")
    try:
        if "AURA_NATS_URL" not in env:
            nats = NatsServer(
                state,
                port=port_setting(env, "NATS"),
                monitor_port=port_setting(env, "NATS_MONITOR"),
            )
            servers.append(await nats.astart())
            env["AURA_NATS_URL"] = nats.url
        if "AURA_DATABASE_URL" not in env:
            pg = Postgres(state, port=port_setting(env, "POSTGRES"))
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
                port=port_setting(env, "ENVOY"),
                admin_port=port_setting(env, "ENVOY_ADMIN"),
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
            dashboard = _start_dashboard(base, port_setting(env, "WEB"))
            lines += _dashboard_lines(dashboard, auth)
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
            if source.startswith("demo:"):
                admin_target = f"127.0.0.1:{_port('admin')}"
                lines.append(await _seed_demo_registry(admin_target, tls_cert, admin_key))
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
        if dashboard is not None:
            await dashboard.astop()
        for server in reversed(servers):
            await server.astop()


def run_up(state: Path, source: str, envoy: bool = True) -> int:
    return asyncio.run(_up(state, source, envoy))
