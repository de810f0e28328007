"""What the analytics parts share: settings, the database, NATS and JetStream, and the
configuration admin publishes (sensors, zones, thresholds)."""

from __future__ import annotations

from dataclasses import dataclass

from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from services.analytics.config import AnalyticsSettings
from services.common.db import Database
from services.common.registry import Registry


@dataclass
class AnalyticsDeps:
    settings: AnalyticsSettings
    db: Database
    nc: NATS
    js: JetStreamContext
    registry: Registry
