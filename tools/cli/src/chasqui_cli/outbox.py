"""Outbox backlog per service schema: how many events wait to be published and how old the oldest is.

The service schemas are found in the database: every schema that holds an `outbox` table (each
service creates its own at its first start), so no list of services is kept here.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from chasqui_cli.errors import CliError


@dataclass(frozen=True)
class OutboxRow:
    schema: str
    pending: int
    oldest_pending_at: datetime | None
    oldest_age_seconds: float | None
    failing: int
    last_error: str | None
    published_kept: int


_QUERY = """
SELECT count(*) FILTER (WHERE state <> 'published')                       AS pending,
       min(recorded_at) FILTER (WHERE state <> 'published')               AS oldest,
       extract(epoch FROM now() - min(recorded_at) FILTER (WHERE state <> 'published'))::float8 AS age,
       count(*) FILTER (WHERE state <> 'published' AND attempts > 0)      AS failing,
       count(*) FILTER (WHERE state = 'published')                        AS published,
       (SELECT last_error FROM {table} WHERE state <> 'published' AND last_error IS NOT NULL
        ORDER BY position LIMIT 1)                                        AS last_error
FROM {table}
"""


def _redacted(dsn: str) -> str:
    if "@" in dsn and "://" in dsn:
        scheme, rest = dsn.split("://", 1)
        return f"{scheme}://…@{rest.rsplit('@', 1)[1]}"
    return dsn


async def backlog(dsn: str, service: str | None = None) -> list[OutboxRow]:
    """One row per schema holding an outbox table, or for the one named by `service` (a service's
    schema is named after it, e.g. `employment_matching`)."""
    try:
        conn = await asyncio.wait_for(asyncpg.connect(dsn), 10)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        raise CliError(
            f"cannot connect to PostgreSQL at {_redacted(dsn)} ({type(exc).__name__}: {exc}); "
            "is it running (locally: `chasqui-local status`) and is DATABASE_ADMIN_URL right?"
        ) from None
    try:
        schemas = [
            row["table_schema"]
            for row in await conn.fetch(
                "SELECT table_schema FROM information_schema.tables "
                "WHERE table_name = 'outbox' AND table_type = 'BASE TABLE' ORDER BY table_schema"
            )
        ]
        if service is not None:
            if service not in schemas:
                raise CliError(
                    f"no outbox table in schema {service!r}; schemas with one: {', '.join(schemas) or 'none'} "
                    "(a service creates it at its first start)"
                )
            schemas = [service]
        rows = []
        for schema in schemas:
            table = f"{_quote(schema)}.outbox"
            record = await conn.fetchrow(_QUERY.format(table=table))
            assert record is not None
            rows.append(
                OutboxRow(
                    schema=schema,
                    pending=int(record["pending"]),
                    oldest_pending_at=record["oldest"],
                    oldest_age_seconds=record["age"],
                    failing=int(record["failing"]),
                    last_error=record["last_error"],
                    published_kept=int(record["published"]),
                )
            )
        return rows
    except asyncpg.PostgresError as exc:
        raise CliError(f"reading the outbox failed: {type(exc).__name__}: {exc}") from None
    finally:
        await conn.close()


def _quote(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'
