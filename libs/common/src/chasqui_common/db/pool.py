"""asyncpg pools bound to one service schema, with every wait bounded.

A database that is down refuses or hangs: neither may hold a consumer's batch (or an HTTP
request) longer than a few seconds. Connecting is bounded by `connect_timeout`, each statement by
`command_timeout`, and taking a connection from the pool (which includes connecting, and giving
it back, which resets it) by `acquire_timeout` whenever the caller does not pass its own.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from asyncpg.pool import PoolAcquireContext, PoolConnectionProxy

DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_ACQUIRE_TIMEOUT = 10.0
DEFAULT_COMMAND_TIMEOUT = 30.0


class BoundedPool(asyncpg.Pool):
    """An asyncpg pool whose `acquire()` without a timeout waits at most `acquire_timeout`.

    Every path takes connections through `acquire` (`Transactions`, the consumers, the relay,
    `pool.fetch`/`execute`), so none can wait forever on a database that does not answer."""

    acquire_timeout: float = DEFAULT_ACQUIRE_TIMEOUT

    def acquire(self, *, timeout: float | None = None) -> PoolAcquireContext:
        context: PoolAcquireContext = super().acquire(
            timeout=self.acquire_timeout if timeout is None else timeout
        )
        return context


async def create_pool(
    dsn: str,
    *,
    schema: str,
    min_size: int = 1,
    max_size: int = 10,
    command_timeout: float = DEFAULT_COMMAND_TIMEOUT,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    acquire_timeout: float = DEFAULT_ACQUIRE_TIMEOUT,
    **connect_kwargs: Any,
) -> asyncpg.Pool:
    """A pool whose connections see only `schema` (plus pg_catalog) on their search path.

    `connect_timeout` bounds opening one connection (TCP, TLS and authentication; asyncpg's own
    default is 60 s), `command_timeout` each statement, `acquire_timeout` each `pool.acquire()`
    that passes no timeout (waiting for a free connection, connecting, and releasing it)."""
    pool = BoundedPool(
        dsn,
        min_size=min_size,
        max_size=max_size,
        max_queries=50000,
        max_inactive_connection_lifetime=300.0,
        loop=None,
        connection_class=asyncpg.Connection,
        record_class=asyncpg.Record,
        command_timeout=command_timeout,
        timeout=connect_timeout,
        server_settings={"search_path": schema, "application_name": f"chasqui-{schema}"},
        **connect_kwargs,
    )
    pool.acquire_timeout = acquire_timeout
    await pool
    return pool


# What repositories and handlers receive: a plain connection or one borrowed from a pool.
Connection = asyncpg.Connection | PoolConnectionProxy
