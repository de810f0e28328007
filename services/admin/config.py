"""Admin settings (env AURA_*)."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.config import DEFAULT_PORTS, CommonSettings, SettingsError


@dataclass(frozen=True)
class AdminSettings(CommonSettings):
    #: gRPC port.
    admin_port: int = 50055
    #: The first admin key (`aura_<key_id>_<secret>`), stored at start when no admin key
    #: that is not revoked exists; unset, admin makes one and logs it once.
    admin_key: str = ""
    #: An ingest key admin registers at start as `aura-up-pump`, revoking the one registered
    #: before: how `aura up` gives its demo source a key. Leave unset elsewhere.
    admin_pump_key: str = ""
    #: Folder that StartReplay's jsonl_path is relative to (replays send to ingest at
    #: ingest_host:ingest_port).
    admin_replay_dir: str = "replays"

    # GetSystemStatus (registry part): where it finds the other services' gRPC health,
    # read from the same AURA_<SVC>_HOST / AURA_<SVC>_PORT the services and `aura up` use.
    ingest_host: str = "127.0.0.1"
    ingest_port: int = DEFAULT_PORTS["ingest"]
    tracker_host: str = "127.0.0.1"
    tracker_port: int = DEFAULT_PORTS["tracker"]
    fusion_host: str = "127.0.0.1"
    fusion_port: int = DEFAULT_PORTS["fusion"]
    analytics_host: str = "127.0.0.1"
    analytics_port: int = DEFAULT_PORTS["analytics"]
    #: Envoy's base URL whose /healthz GetSystemStatus reports; empty leaves Envoy out.
    admin_envoy_url: str = "http://127.0.0.1:8080"
    #: Seconds each GetSystemStatus check may take before that part counts as DOWN.
    admin_status_timeout_s: float = 0.5
    #: Pending messages beyond which a durable consumer is reported DEGRADED.
    admin_consumer_lag_limit: int = 10_000
    #: Durable consumers that must exist ("STREAM/durable", comma-separated); one that is
    #: missing is reported DOWN.
    admin_expected_consumers: str = (
        "AURA_DETECTIONS/tracker,AURA_TRACKS/fusion,"
        "AURA_DETECTIONS/analytics-detections,AURA_TRACKS/analytics-tracks,"
        "AURA_FUSED/analytics-fused,AURA_ZONES/analytics-zones,"
        "AURA_THREATS/analytics-threats,AURA_TELEMETRY/analytics-telemetry,"
        "AURA_AUDIT/admin-audit"
    )

    def validate(self) -> None:
        super().validate()
        from services.common.auth import parse_key

        for var, value in (
            ("AURA_ADMIN_KEY", self.admin_key),
            ("AURA_ADMIN_PUMP_KEY", self.admin_pump_key),
        ):
            if value:
                try:
                    parse_key(value)
                except ValueError as exc:
                    raise SettingsError(f"{var}: {exc}") from None
