"""Typed settings read from the environment; a bad value fails fast, naming the variable.

Every field `foo_bar` of a settings dataclass is read from `AURA_FOO_BAR`. Services subclass
`CommonSettings` with their own fields (prefixed by the service name, e.g. `tracker_port`).
"""

from __future__ import annotations

import dataclasses
import os
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T", bound="CommonSettings")

DEFAULT_PORTS = {
    "ingest": 50051,
    "tracker": 50052,
    "fusion": 50053,
    "analytics": 50054,
    "admin": 50055,
}


class SettingsError(ValueError):
    """A setting is missing or malformed; the message names the environment variable."""


def _parse(name: str, raw: str, typ: Any) -> Any:
    origin = typing.get_origin(typ)
    if origin in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(typ) if a is not type(None)]
        if raw == "":
            return None
        return _parse(name, raw, inner[0])
    try:
        if typ is bool:
            low = raw.strip().lower()
            if low in ("1", "true", "yes", "on"):
                return True
            if low in ("0", "false", "no", "off", ""):
                return False
            raise ValueError(raw)
        if typ is int:
            return int(raw)
        if typ is float:
            value = float(raw)
            if value != value or value in (float("inf"), float("-inf")):
                raise ValueError(raw)
            return value
        if typ is str:
            return raw
    except ValueError as exc:
        raise SettingsError(f"{name}={raw!r} is not a valid {typ.__name__}") from exc
    raise SettingsError(f"{name}: unsupported setting type {typ!r}")


@dataclass(frozen=True)
class CommonSettings:
    """Settings every service shares."""

    #: NATS server URL (JetStream enabled).
    nats_url: str = "nats://127.0.0.1:4222"
    #: PostgreSQL DSN used by services that keep history or configuration.
    database_url: str = "postgresql://postgres@127.0.0.1:5432/aura"
    #: Address the gRPC servers bind to.
    bind_host: str = "127.0.0.1"
    #: Log level name (DEBUG, INFO, WARNING, ERROR).
    log_level: str = "INFO"
    #: Trace exporter: none, console or otlp.
    otel_exporter: str = "none"
    #: OTLP gRPC endpoint when otel_exporter is otlp (e.g. http://127.0.0.1:4317).
    otel_endpoint: str = ""
    #: Seconds in-flight calls get to finish on SIGTERM.
    shutdown_grace_s: float = 5.0
    #: Development only: accept naive timestamps, read in `default_tz`.
    accept_naive_ts: bool = False
    #: Time zone for naive timestamps when accept_naive_ts is on.
    default_tz: str = "UTC"
    #: API keys are checked on every RPC (AURA_AUTH=off: local development only).
    auth: bool = True
    #: PEM certificate chain the gRPC server presents; with tls_key it turns TLS on.
    tls_cert: str = ""
    #: PEM private key of tls_cert.
    tls_key: str = ""

    @classmethod
    def from_env(cls: type[T], env: Mapping[str, str] | None = None, **overrides: Any) -> T:
        """Build the settings from `env` (default os.environ); `overrides` win over both."""
        env = os.environ if env is None else env
        hints = typing.get_type_hints(cls)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name in overrides:
                values[f.name] = overrides[f.name]
                continue
            var = "AURA_" + f.name.upper()
            if var in env:
                values[f.name] = _parse(var, env[var], hints[f.name])
        settings = cls(**values)
        settings.validate()
        return settings

    def validate(self) -> None:
        """Raise SettingsError for values that parse but make no sense."""
        if self.otel_exporter not in ("none", "console", "otlp"):
            raise SettingsError(
                f"AURA_OTEL_EXPORTER={self.otel_exporter!r}: expected none, console or otlp"
            )
        if self.shutdown_grace_s < 0:
            raise SettingsError("AURA_SHUTDOWN_GRACE_S must be >= 0")
        if bool(self.tls_cert) != bool(self.tls_key):
            raise SettingsError("AURA_TLS_CERT and AURA_TLS_KEY go together: set both or neither")
        for var, path in (("AURA_TLS_CERT", self.tls_cert), ("AURA_TLS_KEY", self.tls_key)):
            if path and not os.path.isfile(path):
                raise SettingsError(f"{var}={path!r}: no such file")
