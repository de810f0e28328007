"""Session fixtures: the real NATS (JetStream), PostgreSQL and Envoy, started once on free
loopback ports with their data under a temporary state folder; and the services in-process
on port 0. No mocks of the servers."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from services.cli.stack import Envoy, NatsServer, Postgres, http_get, temp_state_dir


@pytest.fixture(scope="session")
def state_dir() -> Iterator[Path]:
    # temp_state_dir is reachable by the `postgres` user when the tests run as root.
    with temp_state_dir("aura-test-") as path:
        yield path


@pytest.fixture(scope="session")
def nats_server(state_dir: Path) -> Iterator[NatsServer]:
    server = NatsServer(state_dir / "nats-main", port=0, monitor_port=0)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres(state_dir: Path) -> Iterator[Postgres]:
    server = Postgres(state_dir / "pg-main", port=0, durable=False)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def mesh(nats_server: NatsServer) -> AsyncIterator[dict[str, object]]:
    """Ingest and tracker in-process against the real NATS, on free ports."""
    from services.common.server import start_server
    from services.ingest.config import IngestSettings
    from services.ingest.main import build as build_ingest
    from services.tracker.config import TrackerSettings
    from services.tracker.main import build as build_tracker

    # Auth is off here on purpose: these fixtures serve the data-path tests. The
    # authorisation matrix (tests/service/test_auth_matrix.py) runs its own mesh with auth on.
    env: dict[str, str] = {}
    common = {"nats_url": nats_server.url, "auth": False}
    ingest_app = await build_ingest(
        IngestSettings.from_env(env, ingest_track_timeout_s=5.0, **common)
    )
    tracker_app = await build_tracker(TrackerSettings.from_env(env, **common))
    ingest = await start_server(ingest_app, "127.0.0.1", 0)
    tracker = await start_server(tracker_app, "127.0.0.1", 0)
    for server in (ingest, tracker):
        for _ in range(100):
            if await server.probe_once():
                break
            await asyncio.sleep(0.1)
    yield {
        "ingest": ingest,
        "tracker": tracker,
        "ingest_target": f"127.0.0.1:{ingest.port}",
        "tracker_target": f"127.0.0.1:{tracker.port}",
        "pipeline": tracker_app.pipeline,  # type: ignore[attr-defined]
    }
    await ingest.stop(1)
    await tracker.stop(1)


@pytest.fixture(scope="session")
async def full_mesh(
    mesh, nats_server: NatsServer, postgres: Postgres
) -> AsyncIterator[dict[str, object]]:
    """All five services in-process (fusion, analytics and admin beside ingest and tracker)."""
    from services.admin.config import AdminSettings
    from services.admin.main import build as build_admin
    from services.analytics.config import AnalyticsSettings
    from services.analytics.main import build as build_analytics
    from services.common.server import start_server
    from services.fusion.config import FusionSettings
    from services.fusion.main import build as build_fusion

    common = {"nats_url": nats_server.url, "database_url": postgres.dsn, "auth": False}
    apps = {
        "fusion": await build_fusion(FusionSettings.from_env({}, **common)),
        # Retention is tested on its own database (tests/service/test_analytics_retention.py);
        # here it would sweep other tests' fixture rows that are dated in the past.
        "analytics": await build_analytics(
            AnalyticsSettings.from_env({}, analytics_retention_interval_s=86_400.0, **common)
        ),
        "admin": await build_admin(AdminSettings.from_env({}, **common)),
    }
    running = {name: await start_server(app, "127.0.0.1", 0) for name, app in apps.items()}
    out = dict(mesh)
    for name, server in running.items():
        out[name] = server
        out[f"{name}_target"] = f"127.0.0.1:{server.port}"
    yield out
    for server in running.values():
        await server.stop(1)


@pytest.fixture(scope="session")
async def envoy(full_mesh, state_dir: Path) -> AsyncIterator[Envoy]:
    """Envoy in front of the five in-process services, on free ports."""
    backends = {
        name: ("127.0.0.1", full_mesh[name].port)  # type: ignore[attr-defined]
        for name in ("ingest", "tracker", "fusion", "analytics", "admin")
    }
    proxy = Envoy(state_dir / "envoy-main", port=0, admin_port=0, backends=backends)
    await proxy.astart()
    # Envoy's own active health checks decide /healthz; tests start once every backend has
    # passed one, so that they see the mesh as a user of `aura up` does after its banner.
    deadline = asyncio.get_running_loop().time() + 15.0
    while (await asyncio.to_thread(http_get, f"{proxy.url}/healthz"))[0] != 200:
        if asyncio.get_running_loop().time() > deadline:
            raise RuntimeError("Envoy's /healthz did not reach 200 within 15 s")
        await asyncio.sleep(0.05)
    yield proxy
    await proxy.astop()
