"""One transaction per command: state changes and the events they cause commit together (outbox)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import asyncpg

from chasqui_common.clock import SYSTEM_CLOCK, Clock
from chasqui_common.db.pool import Connection
from chasqui_common.envelope import Envelope
from chasqui_common.events.catalogue import EventPayload
from chasqui_common.messaging.outbox import Outbox

C = TypeVar("C")
Q = TypeVar("Q")
R = TypeVar("R")


@dataclass
class UnitOfWork:
    """An open transaction, the outbox it records events in, the clock, and the event being handled.

    Repositories are reached through `conn`; `publish` records events that commit (or roll back)
    with the state changes. `caused_by` is set when an event handler runs: events published then
    carry its correlation and causation.
    """

    conn: Connection
    outbox: Outbox
    clock: Clock = SYSTEM_CLOCK
    caused_by: Envelope | None = None

    async def publish(self, *payloads: EventPayload) -> list[Envelope]:
        """Record events caused by this unit of work in the outbox; returns their envelopes."""
        return await self.outbox.record(self.conn, *payloads)

    @property
    def event(self) -> Envelope:
        """The envelope of the event being handled (RuntimeError outside an event handler)."""
        if self.caused_by is None:
            raise RuntimeError("this unit of work does not handle an event")
        return self.caused_by


@dataclass
class Reader:
    """A read-only view for queries: a connection in a read-only transaction, and the clock."""

    conn: Connection
    clock: Clock = SYSTEM_CLOCK


Command = Callable[[UnitOfWork, C], Awaitable[R]]
Query = Callable[[Reader, Q], Awaitable[R]]


@dataclass
class Transactions:
    """Runs use cases: one transaction per command, one read-only transaction per query.

    The one place (with the consumer pipeline) where transactions open; use cases never do.
    """

    pool: asyncpg.Pool
    outbox: Outbox
    clock: Clock = SYSTEM_CLOCK

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work that commits when the block ends normally and rolls back otherwise."""
        async with self.pool.acquire() as conn, conn.transaction():
            yield UnitOfWork(conn, self.outbox, self.clock)

    @contextlib.asynccontextmanager
    async def reading(self) -> AsyncIterator[Reader]:
        """A consistent read-only snapshot (REPEATABLE READ): a query sees one state."""
        async with self.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
            yield Reader(conn, self.clock)

    async def command(self, use_case: Callable[[UnitOfWork, C], Awaitable[R]], command: C) -> R:
        """Run `use_case(uow, command)` in its own transaction and return its result."""
        async with self.begin() as uow:
            return await use_case(uow, command)

    async def query(self, use_case: Callable[[Reader, Q], Awaitable[R]], query: Q) -> R:
        """Run `use_case(reader, query)` in a read-only transaction and return its result."""
        async with self.reading() as reader:
            return await use_case(reader, query)
