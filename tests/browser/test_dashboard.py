"""The dashboard as a person uses it: `aura up` with the demo source (what `make run` runs,
auth on), the built page from web/dist, and headless Debian Chromium driven by
playwright-core (tests/browser/drive.mjs) with its executable path set.

Checks: tracks appear and move within 5 s of loading the page; the status panel lists every
service, NATS and PostgreSQL; the role badge follows the key; an alert can be acknowledged
with an operator key and not with a viewer key. Screenshots go to tests/browser/artifacts/.

The clients' examples (examples/python, examples/typescript) run as written against the
same mesh. Browser checks skip only when Node.js or Chromium is missing (the reason says
which); the TypeScript example only without Node.js. When web/ has no node_modules or no
build, a fixture runs `npm ci` / `npm run build` itself.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.cli.stack import free_up_ports, http_get, port_env, temp_state_dir
from services.common.auth import new_key

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
DRIVER = Path(__file__).with_name("drive.mjs")
ARTIFACTS = Path(__file__).with_name("artifacts")
CHROMIUM = os.environ.get("AURA_CHROMIUM", "/usr/bin/chromium")
NODE = shutil.which("node")


def _node_version() -> tuple[int, ...]:
    if NODE is None:
        return ()
    out = subprocess.run([NODE, "-p", "process.versions.node"], capture_output=True, text=True)
    return tuple(int(x) for x in out.stdout.strip().split(".")[:2] if x.isdigit())


# Vite 8 needs Node.js 20.19 or newer.
NODE_OK = _node_version() >= (20, 19)
EVERY_PART = {"ingest", "tracker", "fusion", "analytics", "admin", "nats", "postgres"}

pytestmark = pytest.mark.slow
needs_node = pytest.mark.skipif(
    not NODE_OK, reason=f"Node.js 20.19+ is not installed (found {NODE or 'none'})"
)
needs_browser = [
    needs_node,
    pytest.mark.skipif(
        not os.access(CHROMIUM, os.X_OK),
        reason=f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)",
    ),
]


def browser_test(fn: Any) -> Any:
    for mark in needs_browser:
        fn = mark(fn)
    return fn


_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _call(base: str, method: str, path: str, key: str, body: Any = None) -> tuple[int, Any]:
    """REST through Envoy; (status, parsed JSON body)."""
    req = urllib.request.Request(
        base + path,
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"x-api-key": key, "content-type": "application/json"},
    )
    try:
        with _NO_PROXY.open(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as err:
        with err:
            return err.code, json.loads(err.read() or b"null")


def _npm(*args: str) -> None:
    npm = shutil.which("npm")
    assert npm, "npm is missing beside node"
    done = subprocess.run([npm, *args], cwd=WEB, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, f"npm {' '.join(args)} failed:\n{done.stdout}\n{done.stderr}"


@pytest.fixture(scope="module")
def built_page() -> Path:
    """web/dist, built here when it is missing (the dashboard server reads it per request)."""
    if not (WEB / "node_modules" / "playwright-core").is_dir():
        _npm("ci", "--no-audit", "--no-fund")
    if not (WEB / "dist" / "index.html").is_file():
        _npm("run", "build")
    ARTIFACTS.mkdir(exist_ok=True)
    return WEB / "dist"


@pytest.fixture(scope="module")
def mesh() -> Iterator[dict[str, Any]]:
    ports = free_up_ports()
    admin_key = new_key().text
    env = dict(os.environ, AURA_LOG_LEVEL="WARNING", AURA_ADMIN_KEY=admin_key)
    env.pop("AURA_AUTH", None)
    env.update(port_env(ports))
    base = f"http://127.0.0.1:{ports['ENVOY']}"
    with temp_state_dir("aura-browser-") as state:
        log = state / "up.log"
        out = open(log, "wb")  # noqa: SIM115 - closed in finally
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "services.cli.main",
                "up",
                "--state",
                str(state),
                "--source",
                "demo://?fps=4&targets=8&seed=3",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 120
            while http_get(f"{base}/healthz")[0] != 200 or "Ctrl-C" not in log.read_text():
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the mesh did not come up:\n" + log.read_text()
                time.sleep(0.3)
            keys = {"admin": admin_key}
            for role in ("operator", "viewer"):
                status, body = _call(
                    base,
                    "POST",
                    "/v1/admin/api-keys",
                    admin_key,
                    {"name": f"browser-{role}", "role": f"ROLE_{role.upper()}"},
                )
                assert status == 200, body
                keys[role] = body["secret"]
            yield {
                "ports": ports,
                "base": base,
                "url": f"http://127.0.0.1:{ports['WEB']}/",
                "keys": keys,
                "log": log,
                "banner": log.read_text(),
            }
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            out.close()
            ARTIFACTS.mkdir(exist_ok=True)
            shutil.copy(log, ARTIFACTS / "aura-up.log")


def _drive(mesh: dict[str, Any], step: str, key: str, **extra: Any) -> dict[str, Any]:
    args = {
        "step": step,
        "url": mesh["url"],
        "key": key,
        "web": str(WEB),
        "chromium": CHROMIUM,
        "artifacts": str(ARTIFACTS),
        **extra,
    }
    assert NODE is not None
    done = subprocess.run(
        [NODE, str(DRIVER), json.dumps(args)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    assert "error" not in result, result["error"]
    return result


def test_banner_prints_the_dashboard_url(mesh: dict[str, Any]) -> None:
    assert f"dashboard   {mesh['url']}" in mesh["banner"]
    status, body = http_get(mesh["url"] + "config.json")
    assert status == 200
    assert json.loads(body) == {"envoyUrl": mesh["base"]}


@browser_test
def test_tracks_appear_and_move_and_status_shows_every_part(
    built_page: Path, mesh: dict[str, Any]
) -> None:
    seen = _drive(mesh, "tracks", mesh["keys"]["viewer"], within_ms=5000)
    assert seen["role"] == "viewer"
    assert seen["tracks_appeared"], seen
    assert seen["moved"], seen
    assert seen["selected"] is not None, seen
    assert EVERY_PART <= set(seen["status"]), seen["status"]
    assert seen["status"]["admin"] == "ok"
    assert seen["status"]["tracker"] == "ok"
    assert seen["streams"]["stream-tracks"]["state"] == "live", seen["streams"]
    assert seen["console"] == [], seen["console"]


@browser_test
def test_operator_key_is_seen_as_operator(built_page: Path, mesh: dict[str, Any]) -> None:
    seen = _drive(mesh, "role", mesh["keys"]["operator"])
    assert seen["role"] == "operator"


def _lower_congestion_thresholds(mesh: dict[str, Any]) -> None:
    """Every window of a sensor with a track becomes SEVERE congestion: an alert soon."""
    admin = mesh["keys"]["admin"]
    status, body = _call(mesh["base"], "GET", "/v1/admin/thresholds", admin)
    assert status == 200, body
    current = body["thresholds"]
    thresholds = {
        **{k: v for k, v in current.items() if k not in ("version", "updated_at", "updated_by")},
        "congestion": {
            "moderate_score": 0.01,
            "high_score": 0.02,
            "severe_score": 0.03,
            "free_flow_speed_mps": 100.0,
            "capacity_per_window": 1.0,
            "speed_weight": 0.0,
            "occupancy_weight": 0.0,
            "count_weight": 1.0,
        },
        "alert_rules": {
            **current.get("alert_rules", {}),
            "min_congestion_level": "CONGESTION_LEVEL_HIGH",
            "raise_after_windows": 1,
        },
    }
    status, body = _call(
        mesh["base"],
        "PUT",
        "/v1/admin/thresholds",
        admin,
        {"thresholds": thresholds, "expected_version": current["version"]},
    )
    assert status == 200, body


def _analytics_answers(mesh: dict[str, Any]) -> bool:
    status, _ = _call(mesh["base"], "GET", "/v1/alerts", mesh["keys"]["viewer"])
    return status != 501


@browser_test
def test_alert_acknowledged_with_operator_key_not_with_viewer_key(
    built_page: Path, mesh: dict[str, Any]
) -> None:
    if not _analytics_answers(mesh):
        # Only while analytics is not built: every other failure below is a real one.
        pytest.xfail("analytics answers UNIMPLEMENTED (HTTP 501): alerts need the analytics issue")
    _lower_congestion_thresholds(mesh)
    viewer = _drive(mesh, "alerts", mesh["keys"]["viewer"], alert_timeout_ms=60000)
    assert viewer["role"] == "viewer"
    assert viewer["alert_listed"], viewer
    assert viewer["ack_buttons"] == 0, viewer
    # The page hides the button; the mesh refuses the call too.
    status, body = _call(
        mesh["base"], "GET", "/v1/alerts?kind=ALERT_KIND_CONGESTION", mesh["keys"]["viewer"]
    )
    alert_id = body["alerts"][0]["alert_id"]
    status, _ = _call(
        mesh["base"], "POST", f"/v1/alerts/{alert_id}:acknowledge", mesh["keys"]["viewer"], {}
    )
    assert status == 403
    operator = _drive(
        mesh,
        "alerts",
        mesh["keys"]["operator"],
        alert_timeout_ms=60000,
        acknowledge=True,
        readme_screenshot=os.environ.get("AURA_README_SCREENSHOT") or None,
    )
    assert operator["role"] == "operator"
    assert operator["ack_buttons"] >= 1, operator
    assert operator["acknowledged"], operator
    assert "browser-operator" in (operator["acknowledged_text"] or ""), operator


def _example_env(mesh: dict[str, Any], key: str) -> dict[str, str]:
    ports = mesh["ports"]
    return dict(
        os.environ,
        AURA_API_KEY=key,
        AURA_INGEST=f"127.0.0.1:{ports['INGEST']}",
        AURA_TRACKER=f"127.0.0.1:{ports['TRACKER']}",
        AURA_ENVOY_URL=mesh["base"],
    )


def _check_example_output(text: str) -> None:
    lines = text.splitlines()
    assert sum(line.startswith("published frame") for line in lines) >= 5, text
    assert "SNAPSHOT_COMPLETE" in lines[0], text
    assert any(line.startswith("NEW ") for line in lines), text
    updates = [line for line in lines if line.startswith("UPDATED ")]
    assert len(updates) == 5, text
    # the target walks east: x grows from the first update to the last
    xs = [float(line.rsplit("(", 1)[1].split(",")[0]) for line in updates]
    assert xs[-1] > xs[0], text


def test_python_example_runs_as_written(mesh: dict[str, Any]) -> None:
    done = subprocess.run(
        [sys.executable, "examples/python/publish_and_stream.py"],
        cwd=ROOT,
        env=_example_env(mesh, mesh["keys"]["admin"]),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    _check_example_output(done.stdout)


@needs_node
def test_typescript_example_runs_as_written(built_page: Path, mesh: dict[str, Any]) -> None:
    npm = shutil.which("npm")
    assert npm is not None
    done = subprocess.run(
        [npm, "run", "--silent", "example"],
        cwd=WEB,
        env=_example_env(mesh, mesh["keys"]["admin"]),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    _check_example_output(done.stdout)
