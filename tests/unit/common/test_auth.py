"""services.common.auth without servers: the role lattice, key parsing and hashing, the key
store, the rules read from the contracts, and audit targets."""

from __future__ import annotations

import hashlib
import time
import timeit

import pytest

from aura.admin.v1 import admin_pb2
from aura.analytics.v1 import analytics_pb2
from aura.common.v1 import auth_pb2
from aura.fusion.v1 import fusion_pb2
from aura.ingest.v1 import ingest_pb2
from aura.tracker.v1 import tracker_pb2
from services.common import auth
from services.common.timeutil import ts_from_seconds

VIEW, OPER, ING, ADM = auth.VIEWER, auth.OPERATOR, auth.INGEST, auth.ADMIN
FILES = (ingest_pb2, tracker_pb2, fusion_pb2, analytics_pb2, admin_pb2)


@pytest.mark.parametrize(
    ("have", "allowed"),
    [
        (VIEW, {VIEW}),
        (OPER, {VIEW, OPER}),
        (ING, {ING}),
        (ADM, {VIEW, OPER, ING, ADM}),
        (auth_pb2.ROLE_UNSPECIFIED, set()),
    ],
)
def test_role_lattice(have, allowed):
    for need in (VIEW, OPER, ING, ADM):
        assert auth.allows(have, need) is (need in allowed), (have, need)


def test_a_missing_rule_needs_admin():
    assert auth.allows(ADM, auth_pb2.ROLE_UNSPECIFIED)
    assert not auth.allows(OPER, auth_pb2.ROLE_UNSPECIFIED)


def test_role_names_round_trip():
    for role in (VIEW, OPER, ING, ADM):
        assert auth.parse_role(auth.role_name(role)) == role
        assert auth.parse_role(auth_pb2.Role.Name(role)) == role
    for bad in ("", "root", "unspecified"):
        with pytest.raises(ValueError):
            auth.parse_role(bad)


def test_new_keys_parse_and_differ():
    a, b = auth.new_key(), auth.new_key()
    assert a.text != b.text and a.key_id != b.key_id
    parsed = auth.parse_key(a.text)
    assert parsed == a
    assert a.text == f"aura_{a.key_id}_{a.secret}"
    assert len(a.secret) == 40  # 160 bits


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Bearer aura_k_1_" + "a" * 40,
        "aura_" + "a" * 40,  # no key id
        "aura__" + "a" * 40,  # empty key id
        "aura_k_1_short",
        "aura_k/1_" + "a" * 40,
        "aura_k_1_" + "a" * 39 + "!",
    ],
)
def test_malformed_keys_are_refused(text):
    with pytest.raises(ValueError):
        auth.parse_key(text)


def test_key_ids_may_hold_underscores():
    key = auth.parse_key("aura_k_7f3a_" + "b" * 32)
    assert (key.key_id, key.secret) == ("k_7f3a", "b" * 32)


def test_the_stored_hash_is_sha256_of_the_whole_key():
    key = auth.new_key()
    assert auth.hash_key(key.text) == hashlib.sha256(key.text.encode()).hexdigest()
    assert key.secret not in auth.hash_key(key.text)


@pytest.mark.parametrize(
    ("metadata", "expected"),
    [
        ((("authorization", "Bearer aura_x_y"),), "aura_x_y"),
        ((("authorization", "bearer  aura_x_y "),), "aura_x_y"),
        ((("x-api-key", "aura_x_y"),), "aura_x_y"),
        ((("authorization", "Basic abc"),), None),
        ((("user-agent", "grpc"),), None),
        ((), None),
        (None, None),
    ],
)
def test_key_from_metadata(metadata, expected):
    assert auth.key_from_metadata(metadata) == expected


def _store(*records: auth_pb2.ApiKeyRecord) -> auth.KeyStore:
    store = auth.KeyStore()
    for rec in records:
        store.apply(rec.key_id, rec.SerializeToString())
    return store


def _record(key: auth.ParsedKey, role: int, **kw: object) -> auth_pb2.ApiKeyRecord:
    return auth_pb2.ApiKeyRecord(
        key_id=key.key_id, name="n", role=role, secret_sha256=auth.hash_key(key.text), **kw
    )


def test_key_store_verifies_known_keys_only():
    good, other = auth.new_key(), auth.new_key()
    store = _store(_record(good, OPER))
    assert store.verify(good.text) == auth.Principal(good.key_id, "n", OPER)
    assert store.verify(other.text) is None  # unknown id
    forged = f"aura_{good.key_id}_{other.secret}"
    assert store.verify(forged) is None  # known id, wrong secret
    assert store.verify(None) is None and store.verify("") is None
    assert store.verify("garbage") is None


def test_revoked_deleted_and_expired_keys_are_refused():
    k1, k2, k3 = auth.new_key(), auth.new_key(), auth.new_key()
    now = time.time()
    store = _store(
        _record(k1, ADM, revoked=True),
        _record(k2, ADM),
        _record(k3, ADM, expires_at=ts_from_seconds(now + 60)),
    )
    assert store.verify(k1.text) is None
    assert store.verify(k2.text) is not None
    store.apply(k2.key_id, None)  # deleted from the bucket
    assert store.verify(k2.text) is None
    assert store.verify(k3.text, now=now) is not None
    assert store.verify(k3.text, now=now + 61) is None


def test_verification_is_cheap():
    key = auth.new_key()
    store = _store(*(_record(auth.new_key(), VIEW) for _ in range(1000)), _record(key, VIEW))
    n = 20_000
    per_call = timeit.timeit(lambda: store.verify(key.text), number=n) / n
    assert per_call < 50e-6, f"{per_call * 1e6:.1f} µs per verification"


def test_every_rpc_of_every_service_declares_a_role():
    for module in FILES:
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                role = method.GetOptions().Extensions[auth_pb2.required_role]
                assert role != auth_pb2.ROLE_UNSPECIFIED, method.full_name


def test_rules_are_read_from_the_contracts():
    assert auth.rule_for("/aura.ingest.v1.IngestService/PublishDetections") == auth.Rule(ING, False)
    assert auth.rule_for("/aura.tracker.v1.TrackerService/StreamTracks") == auth.Rule(VIEW, False)
    assert auth.rule_for("/aura.admin.v1.AdminService/CreateZone") == auth.Rule(ADM, True)
    assert auth.rule_for("/aura.analytics.v1.AnalyticsService/AcknowledgeAlert") == auth.Rule(
        OPER, True
    )
    assert auth.rule_for("/grpc.health.v1.Health/Check") is auth.OPEN
    assert (
        auth.rule_for("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo") is auth.OPEN
    )
    assert auth.rule_for("/no.such.Service/Method") == auth.Rule(ADM, False)


def test_only_data_intake_is_open_to_ingest_keys():
    ingest_rpcs = set()
    for module in FILES:
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                rule = auth.rule_for(f"/{service.full_name}/{method.name}")
                if auth.allows(ING, rule.role):
                    ingest_rpcs.add(method.name)
    assert ingest_rpcs == {"PublishDetections", "StreamDetections", "Track", "PublishTelemetry"}


def test_audited_rpcs_are_the_mutating_ones():
    for module in FILES:
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                rule = auth.rule_for(f"/{service.full_name}/{method.name}")
                http = method.GetOptions().ListFields()
                verbs = {
                    f.name for d, value in http if d.name == "http" for f, _ in value.ListFields()
                }
                writes = bool(verbs & {"post", "put", "patch", "delete"})
                intake = service.name == "IngestService"
                assert rule.audited == (writes and not intake), method.full_name


@pytest.mark.parametrize(
    ("message", "target"),
    [
        (admin_pb2.UpdateZoneRequest(zone_id="gate-north"), "zones/gate-north"),
        (admin_pb2.CreateSensorRequest(sensor=admin_pb2.Sensor(sensor_id="r1")), "sensors/r1"),
        (admin_pb2.RevokeApiKeyRequest(key_id="k_1"), "keys/k_1"),
        (analytics_pb2.AcknowledgeAlertRequest(alert_id="a-000123"), "alerts/a-000123"),
        (admin_pb2.CreateApiKeyRequest(name="x"), ""),
        (
            admin_pb2.CreateApiKeyResponse(api_key=admin_pb2.ApiKey(key_id="k_2")),
            "keys/k_2",
        ),
        (None, ""),
    ],
)
def test_audit_target(message, target):
    assert auth.target_of(message) == target
