"""The deployment files: Dockerfile, docker-compose.yml and deploy/.

There is no Docker engine or Kubernetes here, so these are parsed and cross-checked, not run.
The Envoy configs are the exception: they must equal what deploy/render_envoy.py renders now,
and Envoy itself validates them.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from services.cli.stack import SERVICES, validate_envoy_config
from services.common.config import DEFAULT_PORTS

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
K8S = DEPLOY / "k8s"
BASE = K8S / "base"
KUSTOMIZATIONS = sorted(p.parent for p in K8S.rglob("kustomization.yaml"))
YAML_FILES = sorted([*DEPLOY.rglob("*.yaml"), *DEPLOY.rglob("*.yml"), REPO / "docker-compose.yml"])
DATABASE_USERS = {"analytics", "admin"}


def _load_render_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("render_envoy", DEPLOY / "render_envoy.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


RENDER = _load_render_module()


def load_all(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc is not None]


def by_kind_and_name(path: Path) -> dict[tuple[str, str], dict[str, Any]]:
    return {(d["kind"], d["metadata"]["name"]): d for d in load_all(path)}


def compose_services() -> dict[str, Any]:
    return yaml.safe_load((REPO / "docker-compose.yml").read_text())["services"]


def workloads() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{path.relative_to(K8S)}:{doc['metadata']['name']}", doc)
        for path in sorted(K8S.rglob("*.yaml"))
        for doc in load_all(path)
        if doc.get("kind") in ("Deployment", "StatefulSet")
    ]


def rel(path: Path) -> str:
    return str(path.relative_to(REPO))


# ---------------------------------------------------------------------------- every file


@pytest.mark.parametrize("path", YAML_FILES, ids=rel)
def test_yaml_parses(path: Path) -> None:
    docs = load_all(path)
    assert docs, f"{rel(path)} is empty"
    assert all(isinstance(doc, dict) for doc in docs)


def test_dockerfile_one_image_for_all_services() -> None:
    text = (REPO / "Dockerfile").read_text()
    assert len(re.findall(r"^FROM ", text, re.M)) >= 2, "multi-stage build"
    assert re.search(r'^ENTRYPOINT \["aura"\]$', text, re.M)
    assert re.search(r'^CMD \["serve", "ingest"\]$', text, re.M)
    users = re.findall(r"^USER (\S+)$", text, re.M)
    assert users and users[-1].split(":")[0] not in ("0", "root")
    # Everything COPY takes from the build context is let in by the .dockerignore allow-list.
    allowed = {
        line[1:].rstrip("/")
        for line in (REPO / ".dockerignore").read_text().splitlines()
        if line.startswith("!")
    }
    for sources in re.findall(r"^COPY (?!--from)(.+) \S+$", text, re.M):
        for source in sources.split():
            assert source.split("/")[0] in allowed, f"{source} is excluded by .dockerignore"


# ---------------------------------------------------------------------------- compose


@pytest.mark.parametrize("svc", SERVICES)
def test_compose_runs_service(svc: str) -> None:
    service = compose_services()[svc]
    assert service["build"] == "."
    assert service["command"] == ["serve", svc]
    env = service["environment"]
    assert env["AURA_BIND_HOST"] == "0.0.0.0"
    assert env["AURA_NATS_URL"] == "nats://nats:4222"
    assert env[f"AURA_{svc.upper()}_PORT"] == str(DEFAULT_PORTS[svc])
    assert "nats" in service["depends_on"]
    if svc in DATABASE_USERS:
        assert env["AURA_DATABASE_URL"].startswith("postgresql://")
        assert "postgres" in service["depends_on"]


def test_compose_infrastructure() -> None:
    services = compose_services()
    nats = services["nats"]
    assert "-js" in nats["command"]
    store = nats["command"][nats["command"].index("-sd") + 1]
    assert any(volume.endswith(f":{store}") for volume in nats["volumes"])
    assert services["postgres"]["image"] == "postgres:15"
    assert any(v.endswith(":/var/lib/postgresql/data") for v in services["postgres"]["volumes"])
    envoy = services["envoy"]
    assert envoy["image"].startswith("envoyproxy/envoy:v")
    assert "./deploy/compose/envoy.yaml:/etc/envoy/envoy.yaml:ro" in envoy["volumes"]
    assert f"./gen/descriptor.binpb:{RENDER.DESCRIPTOR}:ro" in envoy["volumes"]
    assert "8080:8080" in envoy["ports"]


# ---------------------------------------------------------------------------- kubernetes


@pytest.mark.parametrize("svc", SERVICES)
def test_k8s_manifest_per_service(svc: str) -> None:
    docs = by_kind_and_name(BASE / f"{svc}.yaml")
    assert set(docs) == {("ServiceAccount", svc), ("Deployment", svc), ("Service", svc)}
    port = DEFAULT_PORTS[svc]
    template = docs["Deployment", svc]["spec"]["template"]
    pod = template["spec"]
    assert pod["serviceAccountName"] == svc
    (container,) = pod["containers"]
    assert container["image"] == "aura"
    assert container["args"] == ["serve", svc]
    assert {"name": "grpc", "containerPort": port} in container["ports"]
    assert container["readinessProbe"]["grpc"] == {"port": port}
    assert container["livenessProbe"]["grpc"] == {"port": port}
    assert container["envFrom"] == [{"configMapRef": {"name": "aura-config"}}]
    env = {item["name"]: item for item in container["env"]}
    assert env[f"AURA_{svc.upper()}_PORT"]["value"] == str(port)
    if svc in DATABASE_USERS:
        ref = env["AURA_DATABASE_URL"]["valueFrom"]["secretKeyRef"]
        assert ref == {"name": "aura-db", "key": "AURA_DATABASE_URL"}
    service = docs["Service", svc]["spec"]
    assert service["selector"].items() <= template["metadata"]["labels"].items()
    assert [p["port"] for p in service["ports"]] == [port]


def test_k8s_config_map_and_namespace() -> None:
    data = by_kind_and_name(BASE / "configmap.yaml")["ConfigMap", "aura-config"]["data"]
    assert data["AURA_BIND_HOST"] == "0.0.0.0"
    assert data["AURA_NATS_URL"] == f"nats://nats.{RENDER.NAMESPACE}.svc.cluster.local:4222"
    assert ("Namespace", RENDER.NAMESPACE) in by_kind_and_name(BASE / "namespace.yaml")
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    assert kustomization["namespace"] == RENDER.NAMESPACE


def test_k8s_nats_runs_jetstream_on_a_volume() -> None:
    docs = by_kind_and_name(BASE / "nats.yaml")
    conf = docs["ConfigMap", "nats-config"]["data"]["nats.conf"]
    store = re.search(r"jetstream\s*{[^}]*store_dir:\s*(\S+)", conf)
    assert store is not None
    nats = docs["StatefulSet", "nats"]["spec"]
    (container,) = nats["template"]["spec"]["containers"]
    mounts = {m["name"]: m["mountPath"] for m in container["volumeMounts"]}
    claims = [claim["metadata"]["name"] for claim in nats["volumeClaimTemplates"]]
    assert [name for name, path in mounts.items() if path == store.group(1)] == claims


@pytest.mark.parametrize("name, workload", workloads(), ids=[name for name, _ in workloads()])
def test_k8s_workload_is_hardened(name: str, workload: dict[str, Any]) -> None:
    pod = workload["spec"]["template"]["spec"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    for container in [*pod.get("initContainers", []), *pod["containers"]]:
        security = container["securityContext"]
        assert security["allowPrivilegeEscalation"] is False
        assert security["readOnlyRootFilesystem"] is True
        assert security["capabilities"]["drop"] == ["ALL"]
        for bound in ("requests", "limits"):
            assert set(container["resources"][bound]) == {"cpu", "memory"}
        image = container["image"]
        # "aura" gets its tag from the overlay; everything else names an exact release.
        assert image == "aura" or re.fullmatch(r"[\w./-]+:v?\d+(\.\d+)*(-[a-z]+)?", image)


def test_k8s_tracker_never_runs_twice() -> None:
    deployment = by_kind_and_name(BASE / "tracker.yaml")["Deployment", "tracker"]["spec"]
    assert deployment["replicas"] == 1
    assert deployment["strategy"] == {"type": "Recreate"}
    for directory in KUSTOMIZATIONS:
        kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
        counts = [r["count"] for r in kustomization.get("replicas", []) if r["name"] == "tracker"]
        assert counts in ([], [1]), f"{rel(directory)} scales the tracker"


@pytest.mark.parametrize("directory", KUSTOMIZATIONS, ids=rel)
def test_kustomization_lists_its_files(directory: Path) -> None:
    kustomization = yaml.safe_load((directory / "kustomization.yaml").read_text())
    resources = kustomization.get("resources", [])
    for resource in resources:
        assert (directory / resource).exists(), resource
    sources = {
        item.split("=", 1)[-1]
        for generator in kustomization.get("configMapGenerator", [])
        for item in generator.get("files", [])
    }
    for source in sources:
        assert (directory / source).is_file(), source
    here = {p.name for p in directory.glob("*.yaml")} - {"kustomization.yaml"} - sources
    assert here <= set(resources), f"not in {rel(directory)}/kustomization.yaml"


@pytest.mark.skipif(shutil.which("kubectl") is None, reason="kubectl (kustomize) not installed")
@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_kustomize_builds_overlay(overlay: str) -> None:
    built = subprocess.run(
        ["kubectl", "kustomize", str(K8S / "overlays" / overlay)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    docs = [doc for doc in yaml.safe_load_all(built.stdout) if doc is not None]
    namespaces = {doc["metadata"].get("namespace") for doc in docs if doc["kind"] != "Namespace"}
    assert namespaces == {RENDER.NAMESPACE}
    kinds = {(doc["kind"], doc["metadata"]["name"]): doc for doc in docs}
    for svc in SERVICES:
        assert ("Deployment", svc) in kinds
    assert kinds["Deployment", "tracker"]["spec"]["replicas"] == 1
    for doc in docs:
        if doc["kind"] in ("Deployment", "StatefulSet"):
            pod = doc["spec"]["template"]["spec"]
            for container in [*pod.get("initContainers", []), *pod["containers"]]:
                assert container["image"] != "aura", "the overlay must give the aura image a tag"


def test_k8s_envoy_gets_config_and_descriptor() -> None:
    docs = by_kind_and_name(BASE / "envoy.yaml")
    pod = docs["Deployment", "envoy"]["spec"]["template"]["spec"]
    volumes = {v["name"]: v for v in pod["volumes"]}
    kustomization = yaml.safe_load((BASE / "kustomization.yaml").read_text())
    (generator,) = kustomization["configMapGenerator"]
    assert generator["files"] == ["envoy.yaml=envoy-config.yaml"]
    assert volumes["config"]["configMap"]["name"] == generator["name"]
    (init,) = pod["initContainers"]
    assert init["image"] == "aura"
    source, target = init["command"][-2:]
    assert target == RENDER.DESCRIPTOR
    assert f"COPY gen/descriptor.binpb {source}" in (REPO / "Dockerfile").read_text()
    (envoy,) = pod["containers"]
    mounts = {m["name"]: m["mountPath"] for m in envoy["volumeMounts"]}
    assert mounts == {"config": "/etc/envoy", "descriptor": str(Path(RENDER.DESCRIPTOR).parent)}
    assert envoy["args"][:2] == ["-c", "/etc/envoy/envoy.yaml"]


# ---------------------------------------------------------------------------- envoy


@pytest.mark.parametrize("target", sorted(RENDER.TARGETS))
def test_envoy_config_is_current(target: str) -> None:
    path, _ = RENDER.TARGETS[target]
    assert path.read_text() == RENDER.render(target), (
        f"{rel(path)} is stale: run .venv/bin/python deploy/render_envoy.py"
    )


@pytest.mark.parametrize("target", sorted(RENDER.TARGETS))
def test_envoy_config_routes_to_every_service(target: str) -> None:
    path, host = RENDER.TARGETS[target]
    config = yaml.safe_load(path.read_text())
    clusters = {c["name"]: c for c in config["static_resources"]["clusters"]}
    for svc in SERVICES:
        cluster = clusters[svc]
        assert cluster["type"] == "STRICT_DNS"
        (group,) = cluster["load_assignment"]["endpoints"]
        (endpoint,) = group["lb_endpoints"]
        address = endpoint["endpoint"]["address"]["socket_address"]
        assert address == {"address": host(svc), "port_value": DEFAULT_PORTS[svc]}
    (listener,) = config["static_resources"]["listeners"]
    assert listener["address"]["socket_address"]["address"] == "0.0.0.0"


@pytest.mark.parametrize("target", sorted(RENDER.TARGETS))
def test_envoy_accepts_config(target: str, tmp_path: Path) -> None:
    path, _ = RENDER.TARGETS[target]
    inside, here = json.dumps(RENDER.DESCRIPTOR), json.dumps(str(REPO / "gen" / "descriptor.binpb"))
    text = path.read_text()
    assert text.count(inside) == 1
    copy = tmp_path / "envoy.yaml"
    copy.write_text(text.replace(inside, here))
    venv_envoy = REPO / ".venv" / "bin" / "envoy"
    validate_envoy_config(copy, venv_envoy if venv_envoy.exists() else None)
