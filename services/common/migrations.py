"""Versioned SQL migrations: `NNN_name.sql` files applied in order, each once, in its own
transaction, recorded in `schema_migrations`. Services apply theirs at start; `aura migrate
SERVICE` applies them alone. Concurrent starts of any services sharing the database are
serialised by one advisory lock."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import asyncpg

log = logging.getLogger("aura.migrations")

_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
LOCK = "aura-migrate"


def migration_files(folder: Path) -> list[tuple[int, Path]]:
    out = []
    for path in sorted(folder.glob("*.sql")):
        m = _NAME.match(path.name)
        if not m:
            raise ValueError(f"{path}: migration files are named NNN_name.sql")
        out.append((int(m.group(1)), path))
    versions = [v for v, _ in out]
    if len(set(versions)) != len(versions):
        raise ValueError(f"{folder}: two migrations share a version")
    return out


async def migrate(conn: asyncpg.Connection, component: str, folder: Path) -> list[int]:
    """Apply what is missing of `folder` for `component`; returns the versions applied."""
    # One lock for every component: two replicas, or two services (admin and analytics
    # share a database), starting at once would otherwise race even on `create table if
    # not exists` (PostgreSQL raises a unique violation on its catalogue).
    await conn.execute("select pg_advisory_lock(hashtext($1))", LOCK)
    try:
        await conn.execute(
            """create table if not exists schema_migrations (
                   component text not null,
                   version integer not null,
                   name text not null,
                   applied_at timestamptz not null default now(),
                   primary key (component, version))"""
        )
        applied: list[int] = []
        done = {
            r["version"]
            for r in await conn.fetch(
                "select version from schema_migrations where component = $1", component
            )
        }
        for version, path in migration_files(folder):
            if version in done:
                continue
            async with conn.transaction():
                await conn.execute(path.read_text())
                await conn.execute(
                    "insert into schema_migrations (component, version, name) values ($1, $2, $3)",
                    component,
                    version,
                    path.name,
                )
            applied.append(version)
            log.info("migration applied", extra={"component": component, "file": path.name})
    finally:
        await conn.execute("select pg_advisory_unlock(hashtext($1))", LOCK)
    return applied
