"""Analytics settings (env AURA_*)."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.config import CommonSettings


@dataclass(frozen=True)
class AnalyticsSettings(CommonSettings):
    #: gRPC port.
    analytics_port: int = 50054
