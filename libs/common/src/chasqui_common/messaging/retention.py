"""Retention of the plumbing tables: published outbox rows and applied inbox rows are purged.

Ley 29733 art. 8 and DS 016-2024-JUS: personal data is kept no longer than its purpose needs. A
published outbox row holds a whole event (often personal data) and is kept only for forensics
(OUTBOX_RETENTION_HOURS, 24 h by default); a pending row is never purged. An inbox row holds an
event id and type only, and must outlive every copy of its event that could still be delivered
(the longest topic or DLQ retention, chasqui_common.topics): INBOX_RETENTION_DAYS, 100 by default.
Each service's runtime runs `purge_plumbing` as a background task (docs/operations.md, Retention).
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from chasqui_common.application.unit_of_work import Transactions
from chasqui_common.db.pool import Connection

if TYPE_CHECKING:
    from chasqui_common.bootstrap import ServiceRuntime

log = logging.getLogger(__name__)

PURGE_BATCH = 5000
"""Rows deleted per transaction, so a large backlog never holds one long lock."""


@dataclass(frozen=True)
class Purged:
    """Rows deleted by one purge run."""

    outbox: int
    inbox: int


async def purge_published_outbox(
    conn: Connection, *, older_than: timedelta, now_: datetime, batch: int
) -> int:
    """Delete at most `batch` outbox rows published before `now_ - older_than`; returns how many."""
    status = await conn.execute(
        "DELETE FROM outbox WHERE position IN (SELECT position FROM outbox "
        "WHERE state = 'published' AND published_at < $1::timestamptz - $2::interval "
        "ORDER BY position LIMIT $3)",
        now_,
        older_than,
        batch,
    )
    return int(status.split()[-1])


async def purge_applied_inbox(conn: Connection, *, older_than: timedelta, now_: datetime, batch: int) -> int:
    """Delete at most `batch` inbox rows received before `now_ - older_than`; returns how many."""
    status = await conn.execute(
        "DELETE FROM inbox WHERE ctid IN (SELECT ctid FROM inbox "
        "WHERE received_at < $1::timestamptz - $2::interval LIMIT $3)",
        now_,
        older_than,
        batch,
    )
    return int(status.split()[-1])


async def purge_once(
    transactions: Transactions,
    *,
    outbox_retention: timedelta,
    inbox_retention: timedelta,
    batch: int = PURGE_BATCH,
) -> Purged:
    """Purge what is past retention, `batch` rows per transaction, until nothing is left; the
    cut-off is the unit of work's clock, so tests move time with a FixedClock."""
    outbox = inbox = 0
    while True:
        async with transactions.begin() as uow:
            now_ = uow.clock.now()
            removed_outbox = await purge_published_outbox(
                uow.conn, older_than=outbox_retention, now_=now_, batch=batch
            )
            removed_inbox = await purge_applied_inbox(
                uow.conn, older_than=inbox_retention, now_=now_, batch=batch
            )
        outbox += removed_outbox
        inbox += removed_inbox
        if removed_outbox < batch and removed_inbox < batch:
            return Purged(outbox, inbox)


async def purge_plumbing(rt: ServiceRuntime) -> None:
    """Background task of every service (`start_runtime`): purge the outbox and inbox every
    RETENTION_PURGE_INTERVAL seconds with OUTBOX_RETENTION_HOURS and INBOX_RETENTION_DAYS."""
    settings = rt.settings
    while True:
        try:
            purged = await purge_once(
                rt.transactions,
                outbox_retention=timedelta(hours=settings.outbox_retention_hours),
                inbox_retention=timedelta(days=settings.inbox_retention_days),
            )
            if purged.outbox or purged.inbox:
                log.info("retention: purged %d outbox and %d inbox rows", purged.outbox, purged.inbox)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("retention: could not purge the outbox and inbox")
        await asyncio.sleep(settings.retention_purge_interval)
