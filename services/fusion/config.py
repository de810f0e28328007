"""Fusion settings (env AURA_*)."""

from __future__ import annotations

import math
from dataclasses import dataclass

from services.common.config import CommonSettings, SettingsError


@dataclass(frozen=True)
class FusionSettings(CommonSettings):
    #: gRPC port.
    fusion_port: int = 50053
    #: Seconds between fusion cycles (each publishes one FusedTrackFrame when tracks are live).
    fusion_interval_s: float = 0.1
    #: Fusion runs at T = now - lateness: a sensor state arriving up to this late is fused.
    fusion_lateness_s: float = 0.3
    #: Seconds a confirmed fused track coasts without sensor tracks, waiting for a hand-over.
    fusion_coast_s: float = 5.0
    #: A sensor track whose latest state is older than this (seconds) leaves fusion.
    fusion_stale_s: float = 1.0
    #: What "now" is for a fusion cycle: "wall" (the clock; live sensors) or "event" (the
    #: latest frame time received; replays that keep their original timestamps).
    fusion_clock: str = "wall"
    #: Durable JetStream consumer on aura.tracks.> (listed by admin's status).
    fusion_durable: str = "fusion"
    #: JetStream key-value bucket holding the engine checkpoint.
    fusion_checkpoint_bucket: str = "AURA_FUSION_STATE"
    #: Seconds between checkpoints; acks wait for the checkpoint that covers them.
    fusion_checkpoint_interval_s: float = 1.0
    #: Deleted fused tracks kept for GetFusedTrack after they end.
    fusion_deleted_keep: int = 2000
    #: Events a StreamFusedTracks / StreamThreats subscriber may lag before it misses some.
    fusion_subscriber_buffer: int = 8192
    #: Seconds between two trail points kept per fused track (GetFusedTrack trail).
    fusion_trail_interval_s: float = 0.5
    #: Messages fetched from JetStream per batch.
    fusion_fetch_batch: int = 256

    def validate(self) -> None:
        super().validate()
        for name in (
            "fusion_interval_s",
            "fusion_checkpoint_interval_s",
            "fusion_coast_s",
            "fusion_stale_s",
            "fusion_trail_interval_s",
        ):
            value = getattr(self, name)
            if not (math.isfinite(value) and value > 0):
                raise SettingsError(f"AURA_{name.upper()} must be > 0")
        if not (math.isfinite(self.fusion_lateness_s) and self.fusion_lateness_s >= 0):
            raise SettingsError("AURA_FUSION_LATENESS_S must be >= 0")
        if self.fusion_clock not in ("wall", "event"):
            raise SettingsError(f"AURA_FUSION_CLOCK={self.fusion_clock!r}: expected wall or event")
        if self.fusion_fetch_batch < 1:
            raise SettingsError("AURA_FUSION_FETCH_BATCH must be >= 1")
        if not self.fusion_durable or any(ch in self.fusion_durable for ch in ". *>"):
            raise SettingsError("AURA_FUSION_DURABLE must be a plain consumer name")
