"""Fusion settings (env AURA_*)."""

from __future__ import annotations

from dataclasses import dataclass

from services.common.config import CommonSettings


@dataclass(frozen=True)
class FusionSettings(CommonSettings):
    #: gRPC port.
    fusion_port: int = 50053
