"""Detection sources for the demo pump and `aura send`, chosen by DSN:

- `demo://?fps=2&targets=6&seed=1`: synthetic radar, lidar and camera detections of targets
  walking and driving across a 100 m x 60 m site (the camera sees them as pixel boxes);
- `jsonl://?path=FILE&loop=1&interval=1.0`: one detection per line, in the proto JSON shape
  or the AURA v2 DetectionInput shape; the whole file is one batch, re-stamped to now on
  every pass so repeated passes keep tracks alive instead of being deduplicated.
"""

from __future__ import annotations

import asyncio
import json
import math
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qs, urlparse

from google.protobuf import json_format

from aura.common.v1 import common_pb2 as c
from services.common.timeutil import parse_time, to_timestamp


class SourceError(ValueError):
    """A DSN or source file that cannot be used; the message says why."""


@dataclass
class _Target:
    x: float
    y: float
    vx: float
    vy: float
    label: str


def _q(query: dict[str, list[str]], key: str, default: str) -> str:
    return query.get(key, [default])[0]


class DemoSource:
    """Targets moving on a site; radar (noisy points, 2 Hz by default), lidar and a camera
    whose homography maps the site into a 1280 x 720 image."""

    def __init__(self, fps: float = 2.0, targets: int = 6, seed: int = 1) -> None:
        if fps <= 0 or fps > 100:
            raise SourceError(f"demo: fps must be within (0, 100], got {fps}")
        self.fps, self.rng = fps, random.Random(seed)
        self.targets = [self._spawn() for _ in range(targets)]

    def _spawn(self) -> _Target:
        r = self.rng
        label = r.choice(["person", "person", "car", "bicycle"])
        speed = {"person": 1.4, "car": 8.0, "bicycle": 4.0}[label] * r.uniform(0.7, 1.3)
        heading = r.uniform(0, 2 * math.pi)
        return _Target(
            r.uniform(10, 90),
            r.uniform(10, 50),
            speed * math.cos(heading),
            speed * math.sin(heading),
            label,
        )

    def _step(self, dt: float) -> None:
        for i, t in enumerate(self.targets):
            t.x += t.vx * dt
            t.y += t.vy * dt
            if not (0 <= t.x <= 100 and 0 <= t.y <= 60):
                self.targets[i] = self._spawn()

    def frame(self, now: datetime) -> list[c.Detection]:
        r = self.rng
        ts = to_timestamp(now)
        out: list[c.Detection] = []
        for t in self.targets:
            if r.random() < 0.95:
                out.append(
                    c.Detection(
                        sensor_id="radar_1",
                        sensor_kind=c.SENSOR_KIND_RADAR,
                        timestamp=ts,
                        class_label=t.label,
                        confidence=round(r.uniform(0.7, 0.99), 3),
                        position=c.Vector3(x=t.x + r.gauss(0, 0.5), y=t.y + r.gauss(0, 0.5)),
                        speed_mps=math.hypot(t.vx, t.vy),
                    )
                )
            if r.random() < 0.9:
                out.append(
                    c.Detection(
                        sensor_id="lidar_1",
                        sensor_kind=c.SENSOR_KIND_LIDAR,
                        timestamp=ts,
                        class_label=t.label,
                        confidence=round(r.uniform(0.8, 0.99), 3),
                        position=c.Vector3(x=t.x + r.gauss(0, 0.1), y=t.y + r.gauss(0, 0.1)),
                    )
                )
            if r.random() < 0.9:
                w, h = (12.0, 30.0) if t.label == "person" else (40.0, 28.0)
                u, v = 12.8 * t.x, 720 - 12.0 * t.y
                out.append(
                    c.Detection(
                        sensor_id="camera_1",
                        sensor_kind=c.SENSOR_KIND_CAMERA,
                        timestamp=ts,
                        class_label=t.label,
                        confidence=round(r.uniform(0.5, 0.99), 3),
                        bbox=c.BoundingBox(
                            x=u - w / 2 + r.gauss(0, 1), y=v - h + r.gauss(0, 1), width=w, height=h
                        ),
                    )
                )
        return out

    async def batches(self) -> AsyncIterator[list[c.Detection]]:
        dt = 1.0 / self.fps
        while True:
            yield self.frame(datetime.now(UTC))
            await asyncio.sleep(dt)
            self._step(dt)


def parse_line(line: str, where: str, accept_naive: bool = False) -> c.Detection:
    """One JSONL line as a Detection (proto JSON or the v2 DetectionInput shape)."""
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        raise SourceError(f"{where}: not JSON ({exc.msg})") from exc
    if not isinstance(obj, dict):
        raise SourceError(f"{where}: expected an object")
    raw_ts = obj.pop("timestamp", None)
    det = c.Detection()
    try:
        json_format.ParseDict(obj, det, ignore_unknown_fields=True)
    except json_format.ParseError as exc:
        raise SourceError(f"{where}: {exc}") from exc
    if raw_ts is None:
        raise SourceError(f"{where}: timestamp is required")
    det.timestamp.CopyFrom(
        to_timestamp(parse_time(str(raw_ts), f"{where}.timestamp", accept_naive))
    )
    return det


def read_jsonl(path: Path, accept_naive: bool = False) -> list[c.Detection]:
    if not path.is_file():
        raise SourceError(f"jsonl: {path} is not a file")
    out = []
    for no, line in enumerate(path.read_text().splitlines(), 1):
        if line.strip():
            out.append(parse_line(line, f"{path}:{no}", accept_naive))
    return out


def restamp(dets: list[c.Detection], start: datetime) -> list[c.Detection]:
    """Shift timestamps so the earliest becomes `start`, keeping the spacing; frame ids are
    cleared so ingest derives fresh ones."""
    if not dets:
        return []
    first = min(d.timestamp.ToDatetime(tzinfo=UTC) for d in dets)
    out = []
    for d in dets:
        n = c.Detection()
        n.CopyFrom(d)
        shift = d.timestamp.ToDatetime(tzinfo=UTC) - first
        n.timestamp.CopyFrom(to_timestamp(start + shift))
        n.frame_id = 0
        out.append(n)
    return out


class JsonlSource:
    def __init__(self, path: Path, loop: bool = False, interval: float = 1.0) -> None:
        if interval <= 0:
            raise SourceError("jsonl: interval must be > 0")
        self.dets, self.loop, self.interval = read_jsonl(path), loop, interval

    async def batches(self) -> AsyncIterator[list[c.Detection]]:
        while True:
            yield restamp(self.dets, datetime.now(UTC))
            if not self.loop:
                return
            await asyncio.sleep(self.interval)


def open_source(dsn: str) -> DemoSource | JsonlSource:
    u = urlparse(dsn)
    q = parse_qs(u.query)
    try:
        if u.scheme == "demo":
            return DemoSource(
                float(_q(q, "fps", "2")), int(_q(q, "targets", "6")), int(_q(q, "seed", "1"))
            )
        if u.scheme == "jsonl":
            path = _q(q, "path", u.path or u.netloc)
            return JsonlSource(
                Path(path), _q(q, "loop", "0") in ("1", "true"), float(_q(q, "interval", "1.0"))
            )
    except ValueError as exc:
        if isinstance(exc, SourceError):
            raise
        raise SourceError(f"{dsn}: {exc}") from exc
    raise SourceError(f"unknown source {dsn!r}: use demo://?fps=2 or jsonl://?path=FILE")
