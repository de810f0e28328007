"""Ingest settings (env AURA_*)."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.config import CommonSettings, SettingsError


@dataclass(frozen=True)
class IngestSettings(CommonSettings):
    #: gRPC port.
    ingest_port: int = 50051
    #: Most detections (or telemetry samples) one request may carry.
    ingest_max_detections: int = 10_000
    #: Largest request in bytes; larger ones get INVALID_ARGUMENT.
    ingest_max_request_bytes: int = 4 * 1024 * 1024
    #: Seconds `Track` (POST /v1/track) waits for the tracker's result.
    ingest_track_timeout_s: float = 10.0

    def validate(self) -> None:
        super().validate()
        if self.ingest_max_detections < 1:
            raise SettingsError("AURA_INGEST_MAX_DETECTIONS must be >= 1")
        if self.ingest_track_timeout_s <= 0:
            raise SettingsError("AURA_INGEST_TRACK_TIMEOUT_S must be > 0")
