"""`aura up`: NATS, PostgreSQL, the five services, Envoy and a demo source, in the
foreground. Ctrl-C or SIGTERM stops everything it started, in reverse order.

External servers are one setting each: with AURA_NATS_URL or AURA_DATABASE_URL set, that
server is used instead of a local one; AURA_ENVOY=off skips Envoy."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.cli.stack import Envoy, LocalServer, NatsServer, Postgres
from services.common.config import DEFAULT_PORTS

SERVICES = ("ingest", "tracker", "fusion", "analytics", "admin")


def _banner(lines: list[str]) -> None:
    width = max(len(s) for s in lines) + 4
    print("+" + "-" * width + "+")
    for s in lines:
        print(f"|  {s.ljust(width - 4)}  |")
    print("+" + "-" * width + "+", flush=True)


async def _healthy(target: str) -> bool:
    try:
        async with grpc.aio.insecure_channel(target) as ch:
            resp = await health_pb2_grpc.HealthStub(ch).Check(
                health_pb2.HealthCheckRequest(), timeout=1
            )
            return bool(resp.status == health_pb2.HealthCheckResponse.SERVING)
    except grpc.aio.AioRpcError:
        return False


async def _wait_healthy(name: str, target: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    for _ in range(300):
        if proc.poll() is not None:
            tail = log.read_text(errors="replace").splitlines()[-15:] if log.exists() else []
            raise RuntimeError(f"{name} exited with {proc.returncode}:\n" + "\n".join(tail))
        if await _healthy(target):
            return
        await asyncio.sleep(0.1)
    raise RuntimeError(f"{name} did not become SERVING on {target} within 30 s (see {log})")


def _port(name: str) -> int:
    return int(os.environ.get(f"AURA_{name.upper()}_PORT", DEFAULT_PORTS[name]))


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
    try:
        if "AURA_NATS_URL" not in env:
            nats = NatsServer(state, port=int(env.get("AURA_NATS_PORT", 4222)))
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
                    env=env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            procs.append((name, proc))
        for name, proc in procs:
            await _wait_healthy(
                name, f"127.0.0.1:{_port(name)}", proc, state / "logs" / f"{name}.log"
            )
        lines = [
            "AURA is up",
            f"NATS        {env['AURA_NATS_URL']}",
            f"PostgreSQL  {env['AURA_DATABASE_URL']}",
            *(f"{n:<11} grpc://127.0.0.1:{_port(n)}" for n in SERVICES),
        ]
        if envoy and env.get("AURA_ENVOY", "on") != "off":
            proxy = Envoy(
                state,
                port=int(env.get("AURA_ENVOY_PORT", 8080)),
                admin_port=int(env.get("AURA_ENVOY_ADMIN_PORT", 9901)),
                backends={n: ("127.0.0.1", _port(n)) for n in SERVICES},
            )
            servers.append(await proxy.astart())
            base = f"http://127.0.0.1:{proxy.port}"
            lines += [
                f"Envoy       {base}  (REST/JSON, gRPC-web, gRPC)",
                f"health      {base}/healthz",
                f"tracks      curl -N {base}/v1/tracks:stream",
                f"admin       http://127.0.0.1:{proxy.admin_port}",
            ]
        if source:
            from services.cli.main import pump

            pump_task = asyncio.create_task(pump(source, f"127.0.0.1:{_port('ingest')}"))
            lines.append(f"demo source {source}")
        lines += [f"logs        {state / 'logs'}", "Ctrl-C stops everything"]
        _banner(lines)
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
