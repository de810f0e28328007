"""`aura up` (what `make run` runs) as a user starts it: the whole mesh with the demo source,
/healthz 200, a REST detection visible on the REST track stream, and SIGTERM leaving no
process behind."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime

import pytest

from services.cli.stack import free_up_ports, port_env, process_tree, temp_state_dir


def _get(port: int, path: str, timeout: float = 2.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        resp = conn.getresponse()
        return resp.status, resp.read()
    except OSError:
        return 0, b""
    finally:
        conn.close()


def _running(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
def test_aura_up_serves_the_mesh_and_stops_clean():
    ports = free_up_ports()
    env = dict(os.environ, AURA_AUTH="off", AURA_LOG_LEVEL="WARNING", **port_env(ports))
    envoy = ports["ENVOY"]
    with temp_state_dir("aura-up-") as state:
        log = state / "up.log"
        out = open(log, "wb")  # noqa: SIM115 - closed in finally
        proc = subprocess.Popen(
            [sys.executable, "-m", "services.cli.main", "up", "--state", str(state)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 90
            while _get(envoy, "/healthz")[0] != 200:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the mesh did not become healthy"
                time.sleep(0.3)
            tree = process_tree(proc.pid)
            assert len(tree) >= 8  # NATS, PostgreSQL, five services, Envoy
            # The demo source is on: its sensors' tracks show up.
            for _ in range(50):
                status, body = _get(envoy, "/v1/tracks")
                if status == 200 and json.loads(body).get("tracks"):
                    break
                time.sleep(0.2)
            assert {t["sensor_id"] for t in json.loads(body)["tracks"]} & {
                "radar_1",
                "lidar_1",
                "camera_1",
            }
            # A detection POSTed through Envoy shows on the REST stream within a second.
            sid = f"up_{os.getpid()}"
            conn = http.client.HTTPConnection("127.0.0.1", envoy, timeout=5)
            conn.request("GET", f"/v1/tracks:stream?filter.sensor_ids={sid}")
            stream = conn.getresponse()
            assert json.loads(stream.readline())["type"] == "TRACK_EVENT_TYPE_SNAPSHOT_COMPLETE"
            started = time.monotonic()
            post = http.client.HTTPConnection("127.0.0.1", envoy, timeout=5)
            now = datetime.now(UTC).isoformat().replace("+00:00", "Z")
            post.request(
                "POST",
                "/v1/detections:publish",
                body=json.dumps(
                    {
                        "detections": [
                            {
                                "sensor_id": sid,
                                "sensor_kind": "SENSOR_KIND_RADAR",
                                "timestamp": now,
                                "confidence": 0.9,
                                "position": {"x": 3, "y": 4},
                            }
                        ]
                    }
                ),
                headers={"content-type": "application/json"},
            )
            assert post.getresponse().status == 200
            post.close()
            event = json.loads(stream.readline())
            assert event["track"]["sensor_id"] == sid
            assert time.monotonic() - started < 1.0
            conn.close()
        finally:
            tree = process_tree(proc.pid)
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
            out.close()
        time.sleep(0.5)
        left = [
            pid
            for pid in tree
            if os.path.exists(f"/proc/{pid}") and open(f"/proc/{pid}/stat").read().split()[2] != "Z"
        ]
        assert proc.returncode == 0
        assert left == [], f"processes left behind: {left}"
