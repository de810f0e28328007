"""ApiKey.last_used_at: each service reports the keys it accepted on
`aura.audit.keyuse.<service>`, admin stores the latest use and never moves it back."""

from __future__ import annotations

import asyncio
import time
import uuid

import grpc
import nats

from aura.admin.v1 import admin_pb2 as pb
from aura.admin.v1 import admin_pb2_grpc as pb_grpc
from aura.common.v1 import auth_pb2
from services.common.auth import AuditTrail, Auth, KeyStore

VIEWER = auth_pb2.ROLE_VIEWER


async def _last_used(stub: pb_grpc.AdminServiceStub, key_id: str) -> float | None:
    keys = (await stub.ListApiKeys(pb.ListApiKeysRequest(page_size=1000))).api_keys
    (key,) = [k for k in keys if k.key_id == key_id]
    if not key.HasField("last_used_at"):
        return None
    return key.last_used_at.seconds + key.last_used_at.nanos / 1e9


async def _wait_last_used(stub, key_id: str, want: float, deadline_s: float = 10.0) -> float:
    end = time.monotonic() + deadline_s
    while True:
        got = await _last_used(stub, key_id)
        if got is not None and abs(got - want) < 1e-3:
            return got
        if time.monotonic() > end:
            raise AssertionError(f"last_used_at of {key_id} is {got}, expected {want}")
        await asyncio.sleep(0.05)


async def test_an_accepted_key_gets_last_used_at_and_an_older_report_does_not_move_it_back(
    full_mesh, nats_server
):
    async with grpc.aio.insecure_channel(full_mesh["admin_target"]) as ch:
        stub = pb_grpc.AdminServiceStub(ch)
        created, marker = [
            await stub.CreateApiKey(
                pb.CreateApiKeyRequest(
                    name=f"{n}-{uuid.uuid4().hex[:6]}", role=auth_pb2.ROLE_VIEWER
                )
            )
            for n in ("dash", "marker")
        ]
        key_id = created.api_key.key_id
        assert not created.api_key.HasField("last_used_at")

        nc = await nats.connect(nats_server.url)
        keys = KeyStore()
        await keys.start(nc.jetstream())
        try:
            for _ in range(100):  # the new key reaches the watch
                if keys.verify(marker.secret) and keys.verify(created.secret, now=1_800_000_000.0):
                    break
                await asyncio.sleep(0.05)
            auth = Auth(keys, AuditTrail(None, "probe"), True, nc.jetstream(), "probe")
            assert await auth.report_usage() == 2
            assert await auth.report_usage() == 0  # nothing new since
            await _wait_last_used(stub, key_id, 1_800_000_000.0)

            # A report of an older use (a slower service), then one of the marker key: once
            # the marker's use is stored, the older report was handled before it (one
            # consumer, in order), and it did not move last_used_at back.
            assert keys.verify(created.secret, now=1_700_000_000.0) is not None
            assert await auth.report_usage() == 1
            assert keys.verify(marker.secret, now=1_800_000_123.0) is not None
            assert await auth.report_usage() == 1
            await _wait_last_used(stub, marker.api_key.key_id, 1_800_000_123.0)
            assert await _last_used(stub, key_id) == 1_800_000_000.0
        finally:
            await keys.stop()
            await nc.close()


async def test_a_rejected_key_is_not_reported():
    keys = KeyStore()
    assert keys.verify("aura_nothing_here") is None
    assert keys.take_usage() == {}
