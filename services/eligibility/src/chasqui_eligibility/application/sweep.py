"""The daily sweep: decisions that change with the date alone (birthdays, CSE ending, a new
rule-set version), found with the fast path and re-decided with CEL."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
import numpy as np
from chasqui_common.bootstrap import ServiceRuntime
from chasqui_common.events.eligibility import DecisionCause
from chasqui_common.messaging.outbox import Outbox

from chasqui_eligibility.adapters import repository
from chasqui_eligibility.application.decide import redecide
from chasqui_eligibility.application.service import Eligibility
from chasqui_eligibility.domain.simulation import households_changing

log = logging.getLogger(__name__)
BATCH = 200


@dataclass
class SweepReport:
    swept_from: date | None
    swept_to: date
    candidates: int
    decisions_recorded: int
    events_published: int
    seconds: float
    skipped: str | None = None


async def sweep(pool: asyncpg.Pool, outbox: Outbox, app: Eligibility) -> SweepReport:
    """Bring every decision to today. Only one sweep runs at a time (advisory lock)."""
    started = time.perf_counter()
    today = app.clock.today()
    async with pool.acquire() as lock_conn:
        if not await lock_conn.fetchval("SELECT pg_try_advisory_lock(hashtext('eligibility:sweep'))"):
            return SweepReport(None, today, 0, 0, 0, 0.0, skipped="another sweep is running")
        try:
            return await _sweep(pool, outbox, app, today, started)
        finally:
            await lock_conn.execute("SELECT pg_advisory_unlock(hashtext('eligibility:sweep'))")


async def _sweep(
    pool: asyncpg.Pool, outbox: Outbox, app: Eligibility, today: date, started: float
) -> SweepReport:
    async with pool.acquire() as conn:
        since = await repository.last_swept(conn) or await repository.oldest_evaluation(conn)
        # Households decided by events after `since` were decided on their own date.
        touched = {
            r["household_id"]
            for r in await conn.fetch(
                "SELECT household_id FROM households WHERE evaluated_on IS NULL OR evaluated_on > $1",
                since or today,
            )
        }
    candidates: set[str] = set(touched)
    if since is not None and since < today:
        cols = await app.projection.current(pool)
        rows = households_changing(app.book, cols, since, today)
        candidates.update(str(h) for h in cols.household_ids[np.flatnonzero(rows)].tolist())
    recorded = published = 0
    ordered = sorted(candidates)
    for start in range(0, len(ordered), BATCH):
        async with pool.acquire() as conn, conn.transaction():
            for household_id in ordered[start : start + BATCH]:
                household = await repository.get_household(conn, household_id, lock=True)
                if household is None:
                    continue
                outcome = await redecide(
                    conn, app.book, household, today, cause=DecisionCause.SWEEP, caused_by=None
                )
                recorded += outcome.recorded
                if outcome.announced:
                    await outbox.record(conn, *outcome.announced)
                    published += len(outcome.announced)
        await asyncio.sleep(0)
    async with pool.acquire() as conn:
        await repository.set_last_swept(conn, today)
    report = SweepReport(since, today, len(candidates), recorded, published, time.perf_counter() - started)
    log.info("sweep to %s: %s", today, report)
    return report


def daily(app: Eligibility) -> Callable[[ServiceRuntime], Coroutine[Any, Any, None]]:
    """The background task: sweep once the day has changed (Lima time), checking periodically."""

    async def daily_sweep(rt: ServiceRuntime) -> None:
        interval = float(getattr(rt.settings, "sweep_check_seconds", 900.0))
        while True:
            try:
                async with rt.pool.acquire() as conn:
                    last = await repository.last_swept(conn)
                if last is None or last < app.clock.today():
                    await sweep(rt.pool, rt.outbox, app)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("daily sweep failed; retrying at the next check")
            await asyncio.sleep(interval)

    return daily_sweep
