"""The migration runner against the real PostgreSQL: each file once, in order, atomically."""

from __future__ import annotations

import uuid
from pathlib import Path

import asyncpg
import pytest

from services.common.migrations import migrate, migration_files


async def test_applies_each_file_once_in_order(postgres, tmp_path: Path):
    component = f"t_{uuid.uuid4().hex[:8]}"
    table = f"{component}_items"
    (tmp_path / "001_create.sql").write_text(f"create table {table} (id int primary key);")
    (tmp_path / "002_seed.sql").write_text(f"insert into {table} values (1), (2);")
    conn = await asyncpg.connect(postgres.dsn)
    try:
        assert await migrate(conn, component, tmp_path) == [1, 2]
        assert await migrate(conn, component, tmp_path) == []
        (tmp_path / "003_more.sql").write_text(f"insert into {table} values (3);")
        assert await migrate(conn, component, tmp_path) == [3]
        assert await conn.fetchval(f"select count(*) from {table}") == 3
    finally:
        await conn.close()


async def test_a_failing_migration_changes_nothing(postgres, tmp_path: Path):
    component = f"t_{uuid.uuid4().hex[:8]}"
    table = f"{component}_items"
    (tmp_path / "001_create.sql").write_text(
        f"create table {table} (id int primary key); insert into {table} values (1), (1);"
    )
    conn = await asyncpg.connect(postgres.dsn)
    try:
        with pytest.raises(asyncpg.UniqueViolationError):
            await migrate(conn, component, tmp_path)
        assert await conn.fetchval("select to_regclass($1)", table) is None
        assert (
            await conn.fetchval(
                "select count(*) from schema_migrations where component = $1", component
            )
            == 0
        )
    finally:
        await conn.close()


def test_file_names_are_checked(tmp_path: Path):
    (tmp_path / "1_bad.sql").write_text("select 1;")
    with pytest.raises(ValueError, match="NNN_name.sql"):
        migration_files(tmp_path)


async def test_two_services_migrating_a_new_database_at_once_both_succeed(postgres, tmp_path):
    """Admin and analytics share a database; started together on a new one, each creates
    `schema_migrations` if missing. Without one lock around that, PostgreSQL fails one of
    them with a unique violation on its catalogue (seen as `aura up` failing 1 start in 3)."""
    import asyncio

    admin = await asyncpg.connect(postgres.dsn)
    try:
        for attempt in range(5):
            db = f"race_{uuid.uuid4().hex[:8]}"
            await admin.execute(f"create database {db}")
            dsn = postgres.dsn.rsplit("/", 1)[0] + f"/{db}"
            folders = []
            for name in ("a", "b"):
                folder = tmp_path / f"{attempt}{name}"
                folder.mkdir()
                (folder / "001_t.sql").write_text(f"create table {name}_t (id int);")
                folders.append((name, folder))
            conns = [await asyncpg.connect(dsn) for _ in folders]
            try:
                results = await asyncio.gather(
                    *(
                        migrate(c, name, folder)
                        for c, (name, folder) in zip(conns, folders, strict=True)
                    )
                )
            finally:
                for c in conns:
                    await c.close()
            assert results == [[1], [1]]
    finally:
        await admin.close()
