"""Analytics settings (env AURA_*): windows, consumers, sampling and retention."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.config import CommonSettings, SettingsError


@dataclass(frozen=True)
class AnalyticsSettings(CommonSettings):
    #: gRPC port.
    analytics_port: int = 50054
    #: Length of the event-time tumbling windows in seconds.
    analytics_window_s: float = 5.0
    #: How far in seconds an event may lag its input's watermark and still be counted.
    analytics_allowed_lateness_s: float = 2.0
    #: Seconds without any event from an input (processing time) after which it no longer
    #: holds windows open; when all inputs of a key are idle its open windows close.
    analytics_idle_close_s: float = 10.0
    #: Sensor windows wait for the sensor's TrackFrames (off: detections only, no tracker).
    analytics_expect_tracks: bool = True
    #: Prefix of the durable consumer names (`<prefix>-detections`, ...); two analytics
    #: deployments on one NATS need different prefixes, replicas of one share it.
    analytics_durable_prefix: str = "analytics"
    #: Messages fetched per pull.
    analytics_fetch_batch: int = 1000
    #: JetStream ack_wait in seconds; must exceed a window, the lateness and the idle time,
    #: since acks are held until the windows a message feeds are committed.
    analytics_ack_wait_s: float = 60.0
    #: JetStream max_ack_pending per consumer (messages held for open windows).
    analytics_max_ack_pending: int = 50000
    #: Seconds between checks for windows to close and idle inputs.
    analytics_tick_s: float = 0.2
    #: At most one fused_positions row per track per this many seconds.
    analytics_fused_sample_s: float = 1.0
    #: Seconds between database probes while PostgreSQL is unreachable.
    analytics_db_retry_s: float = 1.0
    #: Retention of raw detections (and of the late-event log) in hours.
    analytics_retention_detections_h: float = 24.0
    #: Retention of sampled fused positions (heatmap) in hours.
    analytics_retention_fused_h: float = 24.0
    #: Retention of window metrics and dropped-event counts in days.
    analytics_retention_metrics_d: float = 30.0
    #: Retention of zone events in days.
    analytics_retention_zone_events_d: float = 30.0
    #: Retention of telemetry samples in days.
    analytics_retention_telemetry_d: float = 30.0
    #: Retention of cleared alerts in days (active alerts are never swept).
    analytics_retention_alerts_d: float = 90.0
    #: Seconds between retention sweeps.
    analytics_retention_interval_s: float = 60.0
    #: Rows deleted per statement by the sweeper (small, so writers are never blocked).
    analytics_retention_batch: int = 5000

    def validate(self) -> None:
        super().validate()
        positive = {
            "AURA_ANALYTICS_WINDOW_S": self.analytics_window_s,
            "AURA_ANALYTICS_IDLE_CLOSE_S": self.analytics_idle_close_s,
            "AURA_ANALYTICS_FETCH_BATCH": self.analytics_fetch_batch,
            "AURA_ANALYTICS_ACK_WAIT_S": self.analytics_ack_wait_s,
            "AURA_ANALYTICS_MAX_ACK_PENDING": self.analytics_max_ack_pending,
            "AURA_ANALYTICS_TICK_S": self.analytics_tick_s,
            "AURA_ANALYTICS_FUSED_SAMPLE_S": self.analytics_fused_sample_s,
            "AURA_ANALYTICS_DB_RETRY_S": self.analytics_db_retry_s,
            "AURA_ANALYTICS_RETENTION_DETECTIONS_H": self.analytics_retention_detections_h,
            "AURA_ANALYTICS_RETENTION_FUSED_H": self.analytics_retention_fused_h,
            "AURA_ANALYTICS_RETENTION_METRICS_D": self.analytics_retention_metrics_d,
            "AURA_ANALYTICS_RETENTION_ZONE_EVENTS_D": self.analytics_retention_zone_events_d,
            "AURA_ANALYTICS_RETENTION_TELEMETRY_D": self.analytics_retention_telemetry_d,
            "AURA_ANALYTICS_RETENTION_ALERTS_D": self.analytics_retention_alerts_d,
            "AURA_ANALYTICS_RETENTION_INTERVAL_S": self.analytics_retention_interval_s,
            "AURA_ANALYTICS_RETENTION_BATCH": self.analytics_retention_batch,
        }
        for var, value in positive.items():
            if not value > 0:
                raise SettingsError(f"{var} must be > 0, got {value}")
        if self.analytics_allowed_lateness_s < 0:
            raise SettingsError("AURA_ANALYTICS_ALLOWED_LATENESS_S must be >= 0")
        hold = (
            self.analytics_window_s
            + self.analytics_allowed_lateness_s
            + self.analytics_idle_close_s
            + self.analytics_tick_s
        )
        if self.analytics_ack_wait_s <= hold:
            raise SettingsError(
                f"AURA_ANALYTICS_ACK_WAIT_S={self.analytics_ack_wait_s:g} must exceed window + "
                f"lateness + idle close + tick = {hold:g} s (acks are held until the windows "
                "a message feeds are committed)"
            )
        if not self.analytics_durable_prefix.replace("-", "").replace("_", "").isalnum():
            raise SettingsError("AURA_ANALYTICS_DURABLE_PREFIX: letters, digits, '-' and '_' only")
