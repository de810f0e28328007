"""What the admin servicer's parts share: settings, the database, JetStream."""

from __future__ import annotations

from dataclasses import dataclass

from nats.aio.client import Client as NATS
from nats.js import JetStreamContext

from services.admin.config import AdminSettings
from services.common.db import Database


@dataclass
class AdminDeps:
    settings: AdminSettings
    db: Database
    nc: NATS
    js: JetStreamContext
