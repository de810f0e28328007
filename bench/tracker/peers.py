"""The trackers compared, their virtual environments, and running one on one scenario.

AURA runs in the project's venv. Each peer gets its own venv under ``.venv-bench/<key>``
(gitignored by ``.venv-*/``), created with ``python -m venv`` and ``pip install`` on first use and
skipped afterwards (a marker file records the requirements it was built with).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .scenarios import BOX, POINT

REPO = Path(__file__).resolve().parents[2]
RUNNERS = Path(__file__).resolve().parent / "runners"
VENV_ROOT = REPO / ".venv-bench"
MARKER = ".bench-installed"
THREAD_ENV = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


@dataclass(frozen=True)
class Tracker:
    key: str
    name: str
    kinds: frozenset[str]
    runner: str
    requirements: tuple[str, ...] = ()  # empty: the project's own venv
    imports: str = ""  # module checked after install
    note: str = ""

    @property
    def own_venv(self) -> bool:
        return bool(self.requirements)

    def venv(self) -> Path:
        return VENV_ROOT / self.key

    def python(self) -> Path:
        if not self.own_venv:
            return Path(sys.executable)
        return self.venv() / "bin" / "python"


TRACKERS: tuple[Tracker, ...] = (
    Tracker("aura", "AURA", frozenset({BOX, POINT}), "run_aura.py"),
    Tracker(
        "bytetrack",
        "ByteTrack",
        frozenset({BOX}),
        "run_bytetrack.py",
        ("supervision==0.30.9",),
        "supervision",
        "supervision's sv.ByteTrack; 0.30.9 is the last release that has it",
    ),
    Tracker(
        "norfair",
        "norfair",
        frozenset({BOX, POINT}),
        "run_norfair.py",
        ("norfair==2.3.0",),
        "norfair",
        "pins numpy<2, hence its own venv",
    ),
    Tracker("motpy", "motpy", frozenset({BOX}), "run_motpy.py", ("motpy==0.0.10",), "motpy"),
    Tracker(
        "stonesoup",
        "Stone Soup",
        frozenset({BOX, POINT}),
        "run_stonesoup.py",
        ("stonesoup==1.9.1",),
        "stonesoup",
        "GNN tracker from standard components",
    ),
)
BY_KEY = {t.key: t for t in TRACKERS}


@dataclass
class Setup:
    ok: bool
    seconds: float = 0.0
    skipped: bool = False
    reason: str = ""
    versions: dict[str, str] = field(default_factory=dict)


def _tail(text: str, n: int = 3) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    return " | ".join(lines[-n:])[-400:]


def _marker_text(t: Tracker) -> str:
    return "\n".join(t.requirements) + "\n"


def _check(t: Tracker) -> tuple[bool, str]:
    code = (
        f"import {t.imports}; from importlib.metadata import version; "
        f"print(version('{t.requirements[0].split('==')[0]}'), version('numpy'))"
    )
    p = subprocess.run(
        [str(t.python()), "-c", code], capture_output=True, text=True, timeout=300, env=_env()
    )
    if p.returncode != 0:
        return False, _tail(p.stderr)
    return True, p.stdout.strip()


def setup_venvs(
    trackers: list[Tracker], log: Callable[[str], None], log_dir: Path
) -> dict[str, Setup]:
    """Create the peers' venvs that are missing, in parallel; return what happened per tracker."""
    out: dict[str, Setup] = {}
    todo: dict[str, tuple[subprocess.Popen[str], float, Path]] = {}
    log_dir.mkdir(parents=True, exist_ok=True)
    for t in trackers:
        if not t.own_venv:
            out[t.key] = Setup(ok=True, skipped=True)
            continue
        marker = t.venv() / MARKER
        if marker.is_file() and marker.read_text() == _marker_text(t) and t.python().exists():
            out[t.key] = Setup(ok=True, skipped=True)
            continue
        if t.venv().exists():
            shutil.rmtree(t.venv())
        t.venv().parent.mkdir(parents=True, exist_ok=True)
        logf = log_dir / f"setup-{t.key}.log"
        cmd = (
            f'"{sys.executable}" -m venv "{t.venv()}" && '
            f'"{t.python()}" -m pip install --disable-pip-version-check -q '
            + " ".join(f'"{r}"' for r in t.requirements)
        )
        log(f"setting up {t.venv().relative_to(REPO)}: pip install {' '.join(t.requirements)}")
        fh = logf.open("w")
        proc = subprocess.Popen(
            cmd, shell=True, stdout=fh, stderr=subprocess.STDOUT, text=True, env=_env()
        )
        todo[t.key] = (proc, time.perf_counter(), logf)
    for key, (proc, t0, logf) in todo.items():
        t = BY_KEY[key]
        try:
            rc = proc.wait(timeout=1200)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = -1
        secs = time.perf_counter() - t0
        if rc != 0:
            reason = f"pip install {' '.join(t.requirements)} failed: {_tail(logf.read_text())}"
            out[key] = Setup(ok=False, seconds=secs, reason=reason)
            log(f"  {key}: FAILED after {secs:.0f}s ({reason})")
            continue
        ok, msg = _check(t)
        if not ok:
            out[key] = Setup(ok=False, seconds=secs, reason=f"installed but import failed: {msg}")
            log(f"  {key}: import failed ({msg})")
            continue
        (t.venv() / MARKER).write_text(_marker_text(t))
        out[key] = Setup(ok=True, seconds=secs)
        log(f"  {key}: ready in {secs:.0f}s ({msg})")
    for t in trackers:
        s = out[t.key]
        if s.ok and t.own_venv:
            ok, msg = _check(t) if s.skipped else (True, "")
            if not ok:
                out[t.key] = Setup(ok=False, reason=f"import failed: {msg}")
    return out


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(THREAD_ENV)
    env.pop("PYTHONPATH", None)
    env.pop("VIRTUAL_ENV", None)
    return env


@dataclass
class Run:
    ok: bool
    wall_s: float
    reason: str = ""


def run_tracker(
    t: Tracker, scenario_file: Path, out_file: Path, max_scans: int, timeout_s: float, core: int
) -> Run:
    """Run one tracker on one scenario file in its own process, pinned to ``core``."""
    if out_file.exists():
        out_file.unlink()
    cmd = [
        str(t.python()),
        str(RUNNERS / t.runner),
        "--scenario",
        str(scenario_file),
        "--out",
        str(out_file),
        "--max-scans",
        str(max_scans),
        "--core",
        str(core),
    ]
    t0 = time.perf_counter()
    try:
        p = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout_s, env=_env(), cwd=REPO
        )
    except subprocess.TimeoutExpired:
        return Run(False, time.perf_counter() - t0, f"timed out after {timeout_s:.0f}s")
    wall = time.perf_counter() - t0
    if p.returncode != 0 or not out_file.exists():
        return Run(False, wall, f"exit {p.returncode}: {_tail(p.stderr or p.stdout)}")
    return Run(True, wall)
