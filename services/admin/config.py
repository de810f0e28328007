"""Admin settings (env AURA_*)."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.config import CommonSettings


@dataclass(frozen=True)
class AdminSettings(CommonSettings):
    #: gRPC port.
    admin_port: int = 50055
