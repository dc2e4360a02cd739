"""asyncpg pools bound to one service schema."""

from __future__ import annotations

import asyncpg
from asyncpg.pool import PoolConnectionProxy


async def create_pool(
    dsn: str, *, schema: str, min_size: int = 1, max_size: int = 10, command_timeout: float = 30
) -> asyncpg.Pool:
    """A pool whose connections see only `schema` (plus pg_catalog) on their search path."""
    pool = await asyncpg.create_pool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        command_timeout=command_timeout,
        server_settings={"search_path": schema, "application_name": f"chasqui-{schema}"},
    )
    assert pool is not None
    return pool


# What repositories and handlers receive: a plain connection or one borrowed from a pool.
Connection = asyncpg.Connection | PoolConnectionProxy
