"""The real local servers of services.cli.stack start, serve and stop leaving no process."""

from __future__ import annotations

import asyncio
import json
import os
import pwd
import socket
import subprocess
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import grpc
import nats
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from services.cli.stack import (
    LOOPBACK,
    SERVICES,
    Envoy,
    LocalServer,
    NatsServer,
    Postgres,
    StackError,
    free_ports,
    http_get,
    process_tree,
    temp_state_dir,
)


@pytest.fixture
def state_dir() -> Iterator[Path]:
    with temp_state_dir() as path:
        yield path


def _gone(pids: list[int]) -> bool:
    """None of `pids` is a live (non-zombie) process any more."""
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            return False
    return True


def _tree(server: LocalServer) -> list[int]:
    assert server.pid is not None
    return process_tree(server.pid)


async def _get(url: str) -> tuple[int, bytes]:
    return await asyncio.to_thread(http_get, url)


async def _wait_status(url: str, status: int) -> None:
    """Poll `url` until it answers `status`; 10 s at most."""
    got = 0
    for _ in range(100):
        got = (await _get(url))[0]
        if got == status:
            return
        await asyncio.sleep(0.1)
    pytest.fail(f"{url} still answers {got}, not {status}")


# --------------------------------------------------------------------------- NATS


async def test_nats_jetstream_stores_streams_and_stops_cleanly(state_dir: Path) -> None:
    server = NatsServer(state_dir, port=0, monitor_port=0)
    async with server:
        assert server.start_seconds is not None and server.start_seconds < 10
        pids = _tree(server)
        nc = await nats.connect(server.url)
        try:
            js = nc.jetstream()
            await js.add_stream(name="STACK_TEST", subjects=["stack.test.>"])
            first = await js.publish("stack.test.a", b"one", headers={"Nats-Msg-Id": "a-1"})
            again = await js.publish("stack.test.a", b"one", headers={"Nats-Msg-Id": "a-1"})
            assert again.duplicate and again.seq == first.seq
        finally:
            await nc.close()
    assert not server.running and _gone(pids)
    assert not server.pid_path.exists()

    async with server:  # same store: the stream and its message survive a restart
        nc = await nats.connect(server.url)
        try:
            info = await nc.jetstream().stream_info("STACK_TEST")
            assert info.state.messages == 1
        finally:
            await nc.close()
    assert (state_dir / "nats" / "jetstream").is_dir()
    assert "aura starts" in server.log_path.read_text()


async def test_busy_port_is_reported(state_dir: Path) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind((LOOPBACK, 0))
        listener.listen()
        server = NatsServer(state_dir, port=listener.getsockname()[1], monitor_port=0)
        with pytest.raises(StackError, match="in use"):
            await server.astart()
    assert not server.running


async def test_a_server_that_exits_reports_its_log(state_dir: Path) -> None:
    server = NatsServer(state_dir, port=0, monitor_port=0, extra_args=["--no-such-flag"])
    with pytest.raises(StackError, match="exited with code"):
        await server.astart()
    assert not server.running and not server.pid_path.exists()


def _orphan(server: NatsServer, owner: int | None) -> subprocess.Popen[bytes]:
    """What an earlier `aura up` leaves: a nats-server on the state folder, and its pid file."""
    server._prepare()
    orphan = subprocess.Popen(
        [*server._command()[:-2], "-n", "orphan"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    server.pid_path.parent.mkdir(parents=True, exist_ok=True)
    server.pid_path.write_text(f"{orphan.pid} {owner or ''}\n")
    return orphan


async def test_a_server_left_by_a_crashed_run_is_stopped(state_dir: Path) -> None:
    server = NatsServer(state_dir, port=0, monitor_port=0)
    orphan = _orphan(server, owner=None)
    try:
        await _wait_status(f"{server.monitor_url}/healthz", 200)
        async with server:
            assert orphan.wait(timeout=5) is not None
            assert server.pid != orphan.pid
    finally:
        if orphan.poll() is None:
            orphan.kill()
        orphan.wait()


async def test_a_server_of_a_live_run_is_left_alone(state_dir: Path) -> None:
    server = NatsServer(state_dir, port=0, monitor_port=0)
    owner = subprocess.Popen(["sleep", "30"])
    orphan = _orphan(server, owner=owner.pid)
    try:
        await _wait_status(f"{server.monitor_url}/healthz", 200)
        with pytest.raises(StackError, match="already runs"):
            await server.astart()
        assert orphan.poll() is None
    finally:
        for proc in (orphan, owner):
            proc.kill()
            proc.wait()


# --------------------------------------------------------------------------- PostgreSQL


async def test_postgres_serves_the_aura_database_and_stops_cleanly(state_dir: Path) -> None:
    server = Postgres(state_dir, port=0, durable=False)
    async with server:
        pids = _tree(server)
        assert len(pids) > 1  # postmaster and its helpers
        conn = await asyncpg.connect(server.dsn)
        try:
            assert await conn.fetchval("SELECT 1") == 1
            assert await conn.fetchval("SELECT current_database()") == "aura"
            await conn.execute("CREATE TABLE kept (x int); INSERT INTO kept VALUES (7)")
        finally:
            await conn.close()
    assert not server.running and _gone(pids)
    assert not (server.data_dir / "postmaster.pid").exists()
    if os.geteuid() == 0:
        assert server.data_dir.stat().st_uid == pwd.getpwnam("postgres").pw_uid

    async with server:  # no second initdb; the data is still there
        conn = await asyncpg.connect(server.dsn)
        try:
            assert await conn.fetchval("SELECT x FROM kept") == 7
        finally:
            await conn.close()
    assert server.log_path.read_text().count("initdb") == 1


# --------------------------------------------------------------------------- Envoy


def _backends() -> dict[str, tuple[str, int]]:
    return dict(
        zip(SERVICES, ((LOOPBACK, port) for port in free_ports(len(SERVICES))), strict=True)
    )


async def test_envoy_is_ready_and_answers_unknown_paths_with_404(state_dir: Path) -> None:
    envoy = Envoy(state_dir, port=0, admin_port=0, backends=_backends())
    await asyncio.to_thread(envoy.validate)
    async with envoy:
        pids = _tree(envoy)
        assert await _get(f"{envoy.admin_url}/ready") == (200, b"LIVE\n")
        status, body = await _get(f"{envoy.url}/no/such/path?x=1")
        assert status == 404
        assert json.loads(body) == {"code": 5, "message": "no AURA route for this path"}
        assert (await _get(f"{envoy.url}/healthz"))[0] == 503  # no backend runs
        status, body = await _get(f"{envoy.url}/v1/tracks?unknown_parameter=1")
        assert status == 503  # transcoded and routed to tracker, which is down
        assert json.loads(body) == {"code": 14, "message": "backend tracker unavailable"}
        status, body = await _get(f"{envoy.admin_url}/config_dump")
        dump = json.loads(body)
    assert not envoy.running and _gone(pids)
    text = json.dumps(dump)
    for service in SERVICES.values():
        assert f'"{service}"' in text


async def _health_backend(port: int) -> tuple[grpc.aio.Server, health.aio.HealthServicer]:
    server = grpc.aio.server()
    servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    server.add_insecure_port(f"{LOOPBACK}:{port}")
    await server.start()
    await servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    return server, servicer


@pytest.fixture
async def health_backends() -> AsyncIterator[
    tuple[dict[str, tuple[str, int]], dict[str, health.aio.HealthServicer]]
]:
    backends = _backends()
    started = {name: await _health_backend(port) for name, (_, port) in backends.items()}
    try:
        yield backends, {name: servicer for name, (_, servicer) in started.items()}
    finally:
        for server, _ in started.values():
            await server.stop(None)


async def test_envoy_healthz_follows_backend_health_and_carries_grpc(
    state_dir: Path,
    health_backends: tuple[dict[str, tuple[str, int]], dict[str, health.aio.HealthServicer]],
) -> None:
    backends, servicers = health_backends
    async with Envoy(state_dir, port=0, admin_port=0, backends=backends) as envoy:
        await _wait_status(f"{envoy.url}/healthz", 200)
        await servicers["fusion"].set("", health_pb2.HealthCheckResponse.NOT_SERVING)
        await _wait_status(f"{envoy.url}/healthz", 503)
        await servicers["fusion"].set("", health_pb2.HealthCheckResponse.SERVING)
        await _wait_status(f"{envoy.url}/healthz", 200)

        async with grpc.aio.insecure_channel(f"{LOOPBACK}:{envoy.port}") as channel:
            unknown = channel.unary_unary("/aura.tracker.v1.TrackerService/NoSuchMethod")
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await unknown(b"", timeout=5)
            assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED  # from the backend
            nowhere = channel.unary_unary("/no.such.v1.Service/Method")
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await nowhere(b"", timeout=5)
            assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED  # from Envoy's 404


async def test_two_envoys_run_side_by_side(state_dir: Path) -> None:
    first = Envoy(state_dir / "a", port=0, admin_port=0, backends=_backends())
    second = Envoy(state_dir / "b", port=0, admin_port=0, backends=_backends())
    async with first, second:
        assert first.base_id != second.base_id
        for envoy in (first, second):
            assert (await _get(f"{envoy.url}/nope"))[0] == 404


async def test_one_state_folder_runs_one_server_of_a_kind(state_dir: Path) -> None:
    async with NatsServer(state_dir, port=0, monitor_port=0) as first:
        with pytest.raises(StackError, match="already runs .* started by this process"):
            await NatsServer(state_dir, port=0, monitor_port=0).astart()
        assert first.running
