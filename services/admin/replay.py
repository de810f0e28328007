"""Replay jobs (SpotOn's processing tasks, AURA's scenario run): recorded detections sent
through the real pipeline, from ingest onwards, as asyncio tasks of the admin service.

A job reads its frames (a JSONL file in the replay folder, or the frames of a recorded
session's sensors that JetStream kept in AURA_DETECTIONS over the session's time range), then
sends them to ingest's `PublishDetections` in time order: at speed S the wall-clock gap
between two frames is the recorded gap divided by S (S = 0: as fast as ingest takes them).
Unless the original times are kept, each pass is shifted so that its first frame is stamped
with the time it is sent (the spacing of the recording is kept, so speeds stay physical),
with fresh frame ids, so ingest's deduplication and the tracker's lateness rules treat the
replay as live data. The job's state lives in the `replays` table: written on every change
of status and, with a heartbeat, at most every `progress_interval_s` while it runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

import grpc
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from aura.common.v1 import common_pb2 as c
from aura.ingest.v1 import ingest_pb2, ingest_pb2_grpc
from services.admin.adapters import sessions_repo as repo
from services.admin.domain.sessions import DONE, FAILED, RUNNING, Replay, pass_shift
from services.cli.sources import SourceError, parse_line
from services.common import bus
from services.common.db import Database
from services.common.errors import ValidationError
from services.common.server import client_channel
from services.common.timeutil import ts_micros

log = logging.getLogger("aura.admin.replay")

MAX_FRAMES = 500_000  # frames one job may hold in memory
MAX_DETECTIONS_PER_CALL = 10_000  # ingest's default batch limit
RETRYABLE = (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED)


@dataclass(frozen=True)
class ReplayFrame:
    """One sensor frame as recorded: its time (µs since the epoch) and detections."""

    t_us: int
    sensor_id: str
    detections: tuple[c.Detection, ...]


def frames_from_detections(dets: Sequence[c.Detection]) -> list[ReplayFrame]:
    """Group detections into frames as ingest does (sensor, frame id or timestamp), stamped
    with their latest detection time, in time order."""
    groups: dict[tuple[str, int], list[c.Detection]] = {}
    for d in dets:
        groups.setdefault((d.sensor_id, d.frame_id or ts_micros(d.timestamp)), []).append(d)
    frames = [
        ReplayFrame(max(ts_micros(d.timestamp) for d in ds), sensor, tuple(ds))
        for (sensor, _), ds in groups.items()
    ]
    return sorted(frames, key=lambda f: (f.t_us, f.sensor_id))


def frames_from_stream(frames: Sequence[c.DetectionFrame]) -> list[ReplayFrame]:
    out = [
        ReplayFrame(ts_micros(f.timestamp), f.sensor_id, tuple(f.detections))
        for f in frames
        if f.detections
    ]
    return sorted(out, key=lambda f: (f.t_us, f.sensor_id))


def steps(frames: Sequence[ReplayFrame]) -> list[list[ReplayFrame]]:
    """Frames of equal recorded time, sent together."""
    out: list[list[ReplayFrame]] = []
    for f in frames:
        if out and out[-1][0].t_us == f.t_us:
            out[-1].append(f)
        else:
            out.append([f])
    return out


def typical_gap_us(frames: Sequence[ReplayFrame]) -> int:
    """Median gap between distinct frame times (100 ms when there is only one time)."""
    times = sorted({f.t_us for f in frames})
    gaps = [b - a for a, b in zip(times, times[1:], strict=False)]
    return int(statistics.median(gaps)) if gaps else 100_000


def restamp(frame: ReplayFrame, shift_us: int) -> list[c.Detection]:
    """The frame's detections moved by `shift_us`, all with the frame id of the new frame
    time, so ingest frames them as recorded and does not take them for duplicates."""
    if shift_us == 0:
        return list(frame.detections)
    frame_id = frame.t_us + shift_us
    out = []
    for d in frame.detections:
        n = c.Detection()
        n.CopyFrom(d)
        us = ts_micros(d.timestamp) + shift_us
        n.timestamp.seconds, n.timestamp.nanos = us // 1_000_000, (us % 1_000_000) * 1000
        n.frame_id = frame_id
        out.append(n)
    return out


def batches(step: Sequence[ReplayFrame], shift_us: int) -> list[list[c.Detection]]:
    """One step's detections in requests of at most MAX_DETECTIONS_PER_CALL, frames whole."""
    out: list[list[c.Detection]] = [[]]
    for f in step:
        dets = restamp(f, shift_us)
        if out[-1] and len(out[-1]) + len(dets) > MAX_DETECTIONS_PER_CALL:
            out.append([])
        out[-1].extend(dets)
    return [b for b in out if b]


# ------------------------------------------------------------------------------ sources


def resolve_jsonl(folder: Path, relative: str) -> Path:
    """The file `relative` names inside the replay folder (symlinks may not lead out)."""
    base = folder.resolve()
    path = (base / relative).resolve()
    if not path.is_relative_to(base):
        raise ValidationError("jsonl_path", "must stay inside the replay folder")
    if not path.is_file():
        raise ValidationError("jsonl_path", f"{relative!r} is not a file in the replay folder")
    if not os.access(path, os.R_OK):
        raise ValidationError("jsonl_path", f"{relative!r} is not readable")
    return path


def load_jsonl(folder: Path, relative: str, accept_naive: bool = False) -> list[ReplayFrame]:
    """Parse a JSONL file of detections (blocking: run it in a thread); errors name the
    line, relative to the replay folder."""
    path = resolve_jsonl(folder, relative)
    dets: list[c.Detection] = []
    try:
        with path.open(encoding="utf-8") as fh:
            for no, line in enumerate(fh, 1):
                if line.strip():
                    dets.append(parse_line(line, f"{relative}:{no}", accept_naive))
                if len(dets) > MAX_FRAMES * 10:
                    raise ValidationError("jsonl_path", f"{relative!r} is too large to replay")
    except SourceError as exc:
        raise ValidationError("jsonl_path", str(exc)) from exc
    except (UnicodeDecodeError, OSError) as exc:
        raise ValidationError("jsonl_path", f"{relative!r} cannot be read: {exc}") from exc
    if not dets:
        raise ValidationError("jsonl_path", f"{relative!r} holds no detections")
    frames = frames_from_detections(dets)
    if len(frames) > MAX_FRAMES:
        raise ValidationError("jsonl_path", f"{relative!r} holds over {MAX_FRAMES} frames")
    return frames


async def read_session_frames(
    js: JetStreamContext, sensor_ids: Sequence[str], start: datetime, end: datetime
) -> list[ReplayFrame]:
    """The frames of `sensor_ids` stored in AURA_DETECTIONS between `start` and `end`
    (stream time), read with an ephemeral consumer."""
    if not sensor_ids:
        return []
    subjects = sorted({f"aura.detections.{bus.subject_token(s)}" for s in sensor_ids})
    config = ConsumerConfig(
        deliver_policy=DeliverPolicy.BY_START_TIME,
        opt_start_time=start,
        ack_policy=AckPolicy.NONE,
        filter_subjects=subjects,
        inactive_threshold=60.0,
        mem_storage=True,
    )
    sub = await js.pull_subscribe(subjects[0], stream=bus.DETECTIONS.name, config=config)
    frames: list[c.DetectionFrame] = []
    try:
        while True:
            try:
                msgs = await sub.fetch(1000, timeout=1.0)
            except (TimeoutError, NatsTimeoutError):
                break
            past_end = False
            for m in msgs:
                if m.metadata.timestamp > end:
                    past_end = True
                    break
                frames.append(c.DetectionFrame.FromString(m.data))
            if len(frames) > MAX_FRAMES:
                raise RuntimeError(f"the session holds over {MAX_FRAMES} frames")
            if past_end or not msgs or msgs[-1].metadata.num_pending == 0:
                break
    finally:
        with contextlib.suppress(Exception):
            await sub.unsubscribe()
        if config.name:
            with contextlib.suppress(Exception):
                await js.delete_consumer(bus.DETECTIONS.name, config.name)
    return frames_from_stream(frames)


# --------------------------------------------------------------------------------- jobs

Loader = Callable[[], Awaitable[list[ReplayFrame]]]


@dataclass
class _Job:
    replay: Replay  # the current state, ahead of the stored one while frames are sent
    written: Replay  # the state last stored
    changed: asyncio.Event = field(default_factory=asyncio.Event)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    task: asyncio.Task[None] | None = None
    metadata: tuple[tuple[str, str], ...] = ()  # the starter's API key, for ingest


class ReplayRunner:
    """Runs this instance's replay jobs and keeps their rows current."""

    def __init__(
        self,
        db: Database,
        ingest_target: str,
        tls_cert: str = "",
        progress_interval_s: float = 0.5,
        heartbeat_s: float = 5.0,
        stale_s: float = 30.0,
    ) -> None:
        self.db, self.ingest_target, self.tls_cert = db, ingest_target, tls_cert
        self.progress_interval_s = progress_interval_s
        self.heartbeat_s, self.stale_s = heartbeat_s, stale_s
        self.jobs: dict[str, _Job] = {}
        self._channel: grpc.aio.Channel | None = None
        self._ingest: ingest_pb2_grpc.IngestServiceStub | None = None
        self._sweeper: asyncio.Task[None] | None = None

    # -- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        self._channel = client_channel(self.ingest_target, self.tls_cert)
        self._ingest = ingest_pb2_grpc.IngestServiceStub(self._channel)
        self._sweeper = asyncio.create_task(self._sweep_loop(), name="replay-sweeper")

    async def stop(self) -> None:
        """Stop the sweeper and this instance's jobs (FAILED: they cannot go on)."""
        if self._sweeper:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        for job in list(self.jobs.values()):
            if job.task and not job.task.done():
                job.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await job.task
                stopped = replace(
                    job.replay,
                    status=FAILED,
                    finished_at=_now(),
                    error="admin stopped while the replay ran",
                )
                with contextlib.suppress(Exception):
                    await self._commit(job, stopped)
        if self._channel is not None:
            await self._channel.close()

    async def _sweep_loop(self) -> None:
        while True:
            try:
                pool = await self.db.connect()
                async with pool.acquire() as conn:
                    failed = await repo.fail_stale_replays(
                        conn, self.stale_s, _now(), list(self.jobs)
                    )
                if failed:
                    log.warning("failed stale replays", extra={"replays": failed})
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("sweeping stale replays failed", exc_info=True)
            await asyncio.sleep(min(10.0, self.stale_s / 3))

    # -- state -----------------------------------------------------------------------------
    def local(self, replay_id: str) -> Replay | None:
        """The current state of a job this instance runs."""
        job = self.jobs.get(replay_id)
        return None if job is None else job.replay

    def waiter(self, replay_id: str) -> asyncio.Event | None:
        """Set at the next change of status of a job this instance runs."""
        job = self.jobs.get(replay_id)
        return None if job is None else job.changed

    @staticmethod
    def _set(job: _Job, replay: Replay) -> None:
        status_changed = replay.status != job.replay.status
        job.replay = replay
        if status_changed:
            old, job.changed = job.changed, asyncio.Event()
            old.set()

    async def _commit(self, job: _Job, new: Replay | None = None) -> bool:
        """Store `new` (a change of status) or the current progress, then make it the
        current state. False, with the stored state adopted, when the job was finished
        elsewhere meanwhile (cancelled through another instance, or failed as stale)."""
        async with job.lock:
            replay = new or job.replay
            pool = await self.db.connect()
            async with pool.acquire() as conn:
                if not await repo.save_replay(conn, replay):
                    stored = await repo.get_replay(conn, replay.replay_id)
                    if stored is not None:
                        self._set(job, stored)
                    return False
            job.written = replay
            if new is not None:
                self._set(job, new)  # status listeners hear of it once it is stored
            return True

    # -- jobs ------------------------------------------------------------------------------
    def launch(self, replay: Replay, load: Loader, api_key: str | None = None) -> None:
        """Run a job (already stored as PENDING) in the background; it calls ingest with
        `api_key`, the key of whoever started it (admin, which includes ingest)."""
        job = _Job(replay=replay, written=replay)
        if api_key:
            job.metadata = (("authorization", f"Bearer {api_key}"),)
        self.jobs[replay.replay_id] = job
        job.task = asyncio.create_task(self._run(job, load), name=f"replay-{replay.replay_id}")
        job.task.add_done_callback(lambda _t: self.jobs.pop(replay.replay_id, None))

    async def cancel(self, replay_id: str) -> Replay | None:
        """Stop a job run here or elsewhere; None when it does not exist."""
        job = self.jobs.get(replay_id)
        if job and job.task and not job.task.done():
            job.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await job.task
        pool = await self.db.connect()
        async with pool.acquire() as conn:
            cancelled = await repo.cancel_replay(conn, replay_id, _now())
            current = cancelled or await repo.get_replay(conn, replay_id)
        if job is not None and current is not None:
            self._set(job, current)
        return current

    async def _run(self, job: _Job, load: Loader) -> None:
        beat = asyncio.create_task(self._persist_loop(job))
        try:
            frames = await load()
            if not frames:
                raise RuntimeError(
                    "no detection frames to replay: none of the session's sensors has frames "
                    f"left in {bus.DETECTIONS.name} over its time range"
                )
            r = job.replay
            running = replace(
                r, status=RUNNING, started_at=_now(), frames_total=len(frames) * r.repeat
            )
            if not await self._commit(job, running):
                return
            await self._play(job, frames)
            await self._commit(job, replace(job.replay, status=DONE, finished_at=_now()))
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            log.warning("replay failed", extra={"replay": job.replay.replay_id}, exc_info=True)
            failed = replace(job.replay, status=FAILED, finished_at=_now(), error=str(exc))
            with contextlib.suppress(Exception):
                await self._commit(job, failed)
        finally:
            beat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await beat

    async def _persist_loop(self, job: _Job) -> None:
        """Progress and heartbeat: stored when changed, at most every progress_interval_s,
        and at least every heartbeat_s; stops the job when it was finished elsewhere."""
        last = time.monotonic()
        while True:
            await asyncio.sleep(self.progress_interval_s)
            if job.replay == job.written and time.monotonic() - last < self.heartbeat_s:
                continue
            try:
                ok = await self._commit(job)
            except Exception:
                log.warning("storing replay progress failed", exc_info=True)
                continue
            last = time.monotonic()
            if not ok and job.task is not None:
                job.task.cancel()
                return

    async def _play(self, job: _Job, frames: list[ReplayFrame]) -> None:
        r = job.replay
        plan = steps(frames)
        gap_us = typical_gap_us(frames)
        first_us, last_us = plan[0][0].t_us, plan[-1][0].t_us
        previous_end: float | None = None
        loop = asyncio.get_running_loop()
        for _ in range(r.repeat):
            shift_us = 0
            if not r.keep_original_timestamps:
                shift_s = pass_shift(first_us / 1e6, gap_us / 1e6, previous_end, time.time())
                shift_us = int(round(shift_s * 1e6))
                previous_end = (last_us + shift_us) / 1e6
            wall0 = loop.time()
            for step in plan:
                if r.speed_factor > 0:
                    delay = wall0 + (step[0].t_us - first_us) / 1e6 / r.speed_factor - loop.time()
                    if delay > 0:
                        await asyncio.sleep(delay)
                sent = 0
                for batch in batches(step, shift_us):
                    await self._publish(batch, job.metadata)
                    sent += len(batch)
                cur = job.replay
                self._set(
                    job,
                    replace(
                        cur,
                        frames_sent=cur.frames_sent + len(step),
                        detections_sent=cur.detections_sent + sent,
                        source_time=datetime.fromtimestamp(step[0].t_us / 1e6, UTC),
                    ),
                )

    async def _publish(
        self, dets: list[c.Detection], metadata: tuple[tuple[str, str], ...]
    ) -> None:
        assert self._ingest is not None, "ReplayRunner.start() was not called"
        request = ingest_pb2.PublishDetectionsRequest(detections=dets)
        delay = 0.2
        for attempt in range(6):
            try:
                await self._ingest.PublishDetections(request, timeout=10, metadata=metadata)
                return
            except grpc.aio.AioRpcError as exc:
                if exc.code() not in RETRYABLE or attempt == 5:
                    raise RuntimeError(
                        f"ingest at {self.ingest_target} refused frames: "
                        f"{exc.code().name}: {exc.details()}"
                    ) from exc
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)


def _now() -> datetime:
    return datetime.now(UTC)
