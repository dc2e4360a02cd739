"""The in-memory columnar copy of the projection that the fast path reads, kept current by
loading only the households that changed since the last refresh."""

from __future__ import annotations

import asyncio

from chasqui_common.db.pool import Connection

from chasqui_eligibility.adapters import repository
from chasqui_eligibility.domain.vectorised import Columns, append_columns, columns_from_rows

# Sequence values are taken at write time but become visible at commit, so a refresh may see
# seq 120 before a slower transaction commits seq 118. Re-reading a margin of recent values
# makes such late commits show up on the next refresh (re-reading a household is harmless).
LATE_COMMIT_MARGIN = 10_000


class ProjectionCache:
    def __init__(self) -> None:
        self._columns: Columns | None = None
        self._seen_seq = 0
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        self._columns = None
        self._seen_seq = 0

    async def current(self, conn: Connection) -> Columns:
        async with self._lock:
            if self._columns is None:
                households, persons, top = await repository.projection_rows(conn)
                self._columns = columns_from_rows(households, persons)
            else:
                households, persons, top = await repository.projection_rows(
                    conn, max(0, self._seen_seq - LATE_COMMIT_MARGIN)
                )
                if households:
                    self._columns = append_columns(self._columns, columns_from_rows(households, persons))
            self._seen_seq = top
            columns = self._columns
            if columns.size > 2 * max(1, int(columns.alive.sum())) + LATE_COMMIT_MARGIN:
                self.invalidate()  # mostly dead rows: reload compactly next time
            return columns


# One copy per projection (database and schema) this process reads: a process normally runs
# one eligibility service, but tests may start several, each on its own schema.
_CACHES: dict[str, ProjectionCache] = {}


async def projection_columns(conn: Connection) -> Columns:
    """The projection `conn` reads, as columns, refreshed with what changed since last time."""
    source = await repository.projection_source(conn)
    cache = _CACHES.get(source)
    if cache is None:
        cache = _CACHES[source] = ProjectionCache()
    return await cache.current(conn)
