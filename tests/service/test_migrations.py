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
