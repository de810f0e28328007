"""Tracker settings (env AURA_*)."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.config import CommonSettings, SettingsError


@dataclass(frozen=True)
class TrackerSettings(CommonSettings):
    #: gRPC port.
    tracker_port: int = 50052
    #: Event-time lateness in seconds within which out-of-order frames are reordered.
    tracker_lateness_s: float = 0.1
    #: Wall-clock seconds a frame may wait in the reorder buffer for later ones.
    tracker_max_hold_s: float = 0.05
    #: JetStream key-value bucket holding per-sensor checkpoints.
    tracker_checkpoint_bucket: str = "AURA_TRACKER_STATE"
    #: Deleted tracks kept for GetTrack after they end.
    tracker_deleted_keep: int = 2000
    #: Events a StreamTracks subscriber may lag before it is told it missed some.
    tracker_subscriber_buffer: int = 8192
    #: Dimensions of point tracks: 2 (x, y on the ground) or 3 (x, y, z).
    tracker_point_dims: int = 2
    #: Seconds between checkpoints; acks wait for the checkpoint that covers them.
    tracker_checkpoint_interval_s: float = 1.0
    #: Messages fetched from JetStream per batch.
    tracker_fetch_batch: int = 256

    def validate(self) -> None:
        super().validate()
        if self.tracker_lateness_s < 0 or self.tracker_max_hold_s < 0:
            raise SettingsError("AURA_TRACKER_LATENESS_S and AURA_TRACKER_MAX_HOLD_S must be >= 0")
        if self.tracker_point_dims not in (2, 3):
            raise SettingsError("AURA_TRACKER_POINT_DIMS must be 2 or 3")
        if self.tracker_checkpoint_interval_s <= 0:
            raise SettingsError("AURA_TRACKER_CHECKPOINT_INTERVAL_S must be > 0")
        if self.tracker_fetch_batch < 1:
            raise SettingsError("AURA_TRACKER_FETCH_BATCH must be >= 1")
