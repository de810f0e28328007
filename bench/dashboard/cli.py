"""The dashboard with 1,000 live tracks: frame times measured by the page itself
(requestAnimationFrame) and memory over time, in headless Debian Chromium.

    python -m bench.dashboard [--duration 60] [--targets 1000] [--feed mesh|synthetic]
                              [--mode sensor|fused] [--fps 1]
    make bench-dashboard            # 60 s
    make bench-dashboard LONG=1     # the 10-minute run

It starts the real mesh with `aura up` (auth on, free ports, a temporary state folder),
builds nothing (run `make web` first), opens the page with a viewer key and samples it
(bench/dashboard/measure.mjs).

- `--feed mesh` (default): the demo source moves `--targets` targets at `--fps` frames a
  second, through ingest, tracker, fusion and analytics to the page's gRPC-web streams.
  `--mode sensor` (default) shows one sensor's tracks (`?tracks=sensor&sensors=radar_1`,
  one per target); `--mode fused` shows fused tracks (one per target), when fusion keeps
  up with 1,000 targets on the machine.
- `--feed synthetic`: the demo source keeps its default 6 targets, and the page feeds its
  own track store with `--targets` synthetic tracks updated twice a second
  (`?synthetic=N`): the page's state handling and drawing without the mesh's CPU load.

Everything (mesh, demo source and Chromium) shares this machine's cores, as on a
single-box deployment; on 2 cores the mesh at 1,000 targets competes with the browser.

Prints Markdown tables; also written to bench/out/dashboard.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

from services.cli.stack import free_up_ports, http_get, port_env, temp_state_dir
from services.common.auth import new_key

ROOT = Path(__file__).resolve().parents[2]
WEB = ROOT / "web"
OUT = ROOT / "bench" / "out"
MEASURE = Path(__file__).with_name("measure.mjs")


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    s = sorted(values)
    return s[min(len(s) - 1, int(q * len(s)))]


def _fps(frame_ms: list[float]) -> float:
    return 1000.0 / statistics.fmean(frame_ms) if frame_ms else float("nan")


def _viewer_key(base: str, admin_key: str) -> str:
    req = urllib.request.Request(
        base + "/v1/admin/api-keys",
        method="POST",
        data=json.dumps({"name": "bench-dashboard", "role": "ROLE_VIEWER"}).encode(),
        headers={"x-api-key": admin_key, "content-type": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(req, timeout=10) as resp:
        return str(json.loads(resp.read())["secret"])


def _table(samples: list[dict[str, Any]], summary: dict[str, Any], info: dict[str, Any]) -> str:
    mb = 1024 * 1024
    lines = [
        f"Dashboard with {info['targets']} demo targets, {info['mode']} tracks, "
        f"{summary['seconds']:.0f} s measured, Chromium {info['chromium']}, "
        f"{info['cpu']} ({os.cpu_count()} cores, shared with the mesh), {info['when']}; "
        f"load average {info['load_before']:.1f} before, {info['load_after']:.1f} after.",
        "",
        "| t (s) | tracks drawn | fps | frame p50 / p95 / p99 ms | redraw p95 ms "
        "| JS heap MB | after GC MB | DOM nodes |",
        "|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    for s in samples:
        f = s["frameMs"]
        lines.append(
            f"| {s['t']:.0f} | {s['tracks']} | {_fps(f):.1f} | {_pct(f, 0.5):.1f} / "
            f"{_pct(f, 0.95):.1f} / {_pct(f, 0.99):.1f} | {_pct(s['drawMs'], 0.95):.1f} "
            f"| {s['heapUsed'] / mb:.1f} | {s['heapAfterGc'] / mb:.1f} | {s['nodes']:.0f} |"
        )
    f = summary["frameMs"]
    slow = sum(1 for x in f if x > 1000 / 30)
    heaps = [s["heapAfterGc"] / mb for s in samples]
    ts = [s["t"] / 60 for s in samples]
    slope = 0.0
    if len(samples) >= 2 and max(ts) > min(ts):
        mt, mh = statistics.fmean(ts), statistics.fmean(heaps)
        slope = sum((t - mt) * (h - mh) for t, h in zip(ts, heaps, strict=True)) / sum(
            (t - mt) ** 2 for t in ts
        )
    lines += [
        "",
        "| whole run | value |",
        "|---|---:|",
        f"| frames | {len(f)} |",
        f"| mean fps (1000 / mean frame time) | {_fps(f):.1f} |",
        f"| frame time p50 / p95 / p99 ms | {_pct(f, 0.5):.1f} / {_pct(f, 0.95):.1f} / "
        f"{_pct(f, 0.99):.1f} |",
        f"| frames slower than 33.3 ms (under 30 fps) | {slow} "
        f"({100 * slow / max(1, len(f)):.1f} %) |",
        f"| redraw time p50 / p95 ms | {_pct(summary['drawMs'], 0.5):.1f} / "
        f"{_pct(summary['drawMs'], 0.95):.1f} |",
        f"| JS heap after forced GC, start / end MB | {summary['gcStart'] / mb:.1f} / "
        f"{summary['gcEnd'] / mb:.1f} |",
        f"| JS heap after GC, trend over the samples (least squares) | {slope:+.3f} MB/min |",
    ]
    return "\n".join(lines) + "\n"


def run(ns: argparse.Namespace) -> str:
    node = shutil.which("node")
    if node is None:
        raise SystemExit("bench.dashboard: Node.js is needed (and `make web`)")
    if not os.access(ns.chromium, os.X_OK):
        raise SystemExit(
            f"bench.dashboard: no Chromium at {ns.chromium} (apt-get install chromium)"
        )
    if not (WEB / "dist" / "index.html").is_file():
        raise SystemExit("bench.dashboard: web/dist is missing; run `make web`")
    load_before = os.getloadavg()[0]
    ports = free_up_ports()
    admin_key = new_key().text
    env = dict(os.environ, AURA_LOG_LEVEL="WARNING", AURA_ADMIN_KEY=admin_key)
    env.pop("AURA_AUTH", None)
    env.update(port_env(ports))
    base = f"http://127.0.0.1:{ports['ENVOY']}"
    if ns.feed == "synthetic":
        source, query = "demo://?fps=2&targets=6&seed=7", f"?synthetic={ns.targets}"
    else:
        source = f"demo://?fps={ns.fps}&targets={ns.targets}&seed=7"
        query = "?tracks=fused" if ns.mode == "fused" else "?tracks=sensor&sensors=radar_1"
    with temp_state_dir("aura-bench-dash-") as state:
        log = state / "up.log"
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "services.cli.main", "up", "--state", str(state)]
                + ["--source", source],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            deadline = time.monotonic() + 120
            while http_get(f"{base}/healthz")[0] != 200 or "Ctrl-C" not in log.read_text():
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the mesh did not come up:\n" + log.read_text())
                time.sleep(0.5)
            args = {
                "web": str(WEB),
                "chromium": ns.chromium,
                "url": f"http://127.0.0.1:{ports['WEB']}/{query}",
                "key": _viewer_key(base, admin_key),
                "min_tracks": int(ns.targets * 0.9),
                "warmup_timeout_s": 90,
                "settle_s": 5,
                "duration_s": ns.duration,
                "sample_s": ns.sample,
                "screenshot": str(OUT / "dashboard-bench.png"),
            }
            OUT.mkdir(parents=True, exist_ok=True)
            done = subprocess.run(
                [node, str(MEASURE), json.dumps(args)],
                capture_output=True,
                text=True,
                timeout=ns.duration + 300,
            )
            load_after = os.getloadavg()[0]
            if done.returncode != 0:
                raise SystemExit(f"measure.mjs failed:\n{done.stdout}\n{done.stderr}")
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    warm = next(r for r in rows if r["kind"] == "warmup")
    samples = [r for r in rows if r["kind"] == "sample"]
    summary = next(r for r in rows if r["kind"] == "summary")
    version = subprocess.run(
        [ns.chromium, "--version"], capture_output=True, text=True, check=False
    ).stdout.split()
    info = {
        "targets": ns.targets,
        "mode": f"{warm['source']} ({ns.feed} feed)",
        "chromium": next((v for v in version if v[:1].isdigit()), "?"),
        "feed": ns.feed,
        "cpu": platform.processor() or platform.machine(),
        "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load_before": load_before,
        "load_after": load_after,
    }
    warning = ""
    if warm["tracks"] < int(ns.targets * 0.9):
        warning = (
            f"**Not a {ns.targets}-track run:** only {warm['tracks']} tracks were live after "
            "the warm-up (the mesh did not keep up on this machine); `--feed synthetic` "
            "measures the page alone.\n\n"
        )
    warm_line = f"Warm-up: {warm['tracks']} tracks drawn after {warm['seconds']:.0f} s.\n\n"
    text = warning + warm_line + _table(samples, summary, info)
    (OUT / "dashboard.md").write_text(text)
    return text


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.dashboard", description=__doc__)
    ap.add_argument("--duration", type=float, default=60.0, help="seconds measured (600: 10 min)")
    ap.add_argument("--sample", type=float, default=10.0, help="seconds per table row")
    ap.add_argument("--targets", type=int, default=1000, help="demo targets (one track each)")
    ap.add_argument("--fps", type=float, default=1.0, help="demo source frames per second")
    ap.add_argument("--feed", choices=("mesh", "synthetic"), default="mesh")
    ap.add_argument("--mode", choices=("fused", "sensor"), default="sensor")
    ap.add_argument("--chromium", default=os.environ.get("AURA_CHROMIUM", "/usr/bin/chromium"))
    ns = ap.parse_args(argv)
    if ns.duration >= 300 and ns.sample == 10.0:
        ns.sample = 60.0
    print(run(ns))
