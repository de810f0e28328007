"""PostgreSQL through asyncpg: a pool that tolerates the database being away at start."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import asyncpg

from services.common.errors import UnavailableError

log = logging.getLogger("aura.db")

#: What an unreachable or lost database raises (a call answers UNAVAILABLE on these).
DB_ERRORS = (OSError, TimeoutError, asyncpg.InterfaceError, asyncpg.PostgresConnectionError)


class Database:
    """Lazily (re)connecting pool; `ready()` is the health probe."""

    def __init__(self, dsn: str, min_size: int = 1, max_size: int = 8) -> None:
        self.dsn, self.min_size, self.max_size = dsn, min_size, max_size
        self.pool: asyncpg.Pool | None = None
        self._lock = asyncio.Lock()

    async def connect(self) -> asyncpg.Pool:
        async with self._lock:
            if self.pool is None:
                self.pool = await asyncpg.create_pool(
                    self.dsn, min_size=self.min_size, max_size=self.max_size, timeout=3
                )
            return self.pool

    @asynccontextmanager
    async def connection(self, transaction: bool = False) -> AsyncIterator[asyncpg.Connection]:
        """A pooled connection (in a transaction if asked); UnavailableError (UNAVAILABLE)
        when PostgreSQL cannot be reached or the connection is lost."""
        try:
            pool = await self.connect()
            conn = await pool.acquire(timeout=5)
        except DB_ERRORS as exc:
            raise UnavailableError(f"PostgreSQL is not reachable: {exc}") from exc
        try:
            if transaction:
                async with conn.transaction():
                    yield conn
            else:
                yield conn
        except (asyncpg.PostgresConnectionError, asyncpg.InterfaceError, OSError) as exc:
            raise UnavailableError(f"PostgreSQL connection lost: {exc}") from exc
        finally:
            await pool.release(conn)

    async def ready(self) -> bool:
        try:
            pool = await self.connect()
            async with pool.acquire(timeout=2) as conn:
                await conn.fetchval("select 1", timeout=2)
            return True
        except (OSError, asyncpg.PostgresError, TimeoutError, asyncpg.InterfaceError) as exc:
            log.warning("database not reachable", extra={"error": str(exc)})
            return False

    async def close(self) -> None:
        if self.pool is not None:
            await self.pool.close()
            self.pool = None
