"""TLS: `aura certs` makes a self-signed pair; a service started with AURA_TLS_CERT and
AURA_TLS_KEY serves gRPC over TLS only; Envoy serves HTTPS and speaks TLS to it."""

from __future__ import annotations

import asyncio
import http.client
import json
import ssl
import uuid
from datetime import UTC, datetime
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from services.cli.certs import CertError, make_self_signed
from services.cli.main import main as aura
from services.cli.stack import Envoy, NatsServer
from services.common.config import SettingsError
from services.common.server import client_channel, start_server
from services.ingest.config import IngestSettings
from services.ingest.main import build as build_ingest


def test_aura_certs_writes_a_pair_and_keeps_it(tmp_path: Path, capsys) -> None:
    aura(["certs", str(tmp_path / "tls")])
    out = capsys.readouterr().out
    cert, key = tmp_path / "tls" / "cert.pem", tmp_path / "tls" / "key.pem"
    assert f"AURA_TLS_CERT={cert}" in out and f"AURA_TLS_KEY={key}" in out
    assert cert.read_text().startswith("-----BEGIN CERTIFICATE-----")
    assert key.stat().st_mode & 0o777 == 0o600
    with pytest.raises(CertError, match="exists"):
        make_self_signed(tmp_path / "tls")
    make_self_signed(tmp_path / "tls", overwrite=True)


def test_tls_settings_go_together(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="together"):
        IngestSettings.from_env({"AURA_TLS_CERT": str(tmp_path / "c.pem")})
    with pytest.raises(SettingsError, match="no such file"):
        IngestSettings.from_env(
            {"AURA_TLS_CERT": str(tmp_path / "c.pem"), "AURA_TLS_KEY": str(tmp_path / "k.pem")}
        )


def _https(port: int, cafile: Path, method: str, path: str, body: bytes | None) -> int:
    ctx = ssl.create_default_context(cafile=str(cafile))
    conn = http.client.HTTPSConnection("127.0.0.1", port, timeout=10, context=ctx)
    try:
        conn.request(method, path, body=body, headers={"content-type": "application/json"})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


async def test_grpc_and_envoy_over_tls(
    nats_server: NatsServer, state_dir: Path, tmp_path: Path
) -> None:
    cert, key = make_self_signed(tmp_path / "tls")
    settings = IngestSettings.from_env(
        {}, nats_url=nats_server.url, auth=False, tls_cert=str(cert), tls_key=str(key)
    )
    ingest = await start_server(await build_ingest(settings), "127.0.0.1", 0)
    target = f"127.0.0.1:{ingest.port}"
    proxy = None
    try:
        async with client_channel(target, str(cert)) as ch:
            resp = await health_pb2_grpc.HealthStub(ch).Check(
                health_pb2.HealthCheckRequest(), timeout=5
            )
            assert resp.status == health_pb2.HealthCheckResponse.SERVING
        async with grpc.aio.insecure_channel(target) as ch:
            with pytest.raises(grpc.aio.AioRpcError) as err:
                await health_pb2_grpc.HealthStub(ch).Check(
                    health_pb2.HealthCheckRequest(), timeout=2
                )
            assert err.value.code() == grpc.StatusCode.UNAVAILABLE

        proxy = Envoy(
            state_dir / f"envoy-tls-{uuid.uuid4().hex[:6]}",
            port=0,
            admin_port=0,
            backends={"ingest": ("127.0.0.1", ingest.port)},
            tls_cert=cert,
            tls_key=key,
            backend_tls_ca=cert,
        )
        await proxy.astart()
        assert proxy.url.startswith("https://")
        det = {
            "sensor_id": f"tls_{uuid.uuid4().hex[:6]}",
            "sensor_kind": "SENSOR_KIND_RADAR",
            "timestamp": datetime.now(UTC).isoformat().replace("+00:00", "Z"),
            "confidence": 0.9,
            "position": {"x": 1.0, "y": 2.0},
        }
        body = json.dumps({"detections": [det]}).encode()
        status = 0
        for _ in range(50):  # until Envoy's first health check of ingest passed (over TLS)
            status = await asyncio.to_thread(
                _https, proxy.port, cert, "POST", "/v1/detections:publish", body
            )
            if status == 200:
                break
            await asyncio.sleep(0.1)
        assert status == 200
    finally:
        if proxy is not None:
            await proxy.astop()
        await ingest.stop(1)
