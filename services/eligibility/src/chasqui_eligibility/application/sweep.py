"""The daily sweep: decisions that change with the date alone (birthdays, CSE ending, a new
rule-set version), found with the fast path and re-decided with CEL.

A sweep is a process, not one transaction: it finds the candidates in one read, re-decides them
in batches of `BATCH` households (one transaction each), then records the day. It runs the use
cases through `Transactions`, as the background task and `POST /v1/sweeps` both call it.
"""

from __future__ import annotations

import asyncio
import logging
import time

from chasqui_common.application.unit_of_work import Transactions
from chasqui_common.bootstrap import ServiceRuntime
from chasqui_common.events.eligibility import DecisionCause

from chasqui_eligibility.adapters import repository
from chasqui_eligibility.application.commands import (
    RecordSweep,
    RedecideHouseholds,
    record_sweep,
    redecide_households,
)
from chasqui_eligibility.application.models import SweepReport
from chasqui_eligibility.application.queries import (
    FindSweepCandidatesQuery,
    SweepDueQuery,
    find_sweep_candidates,
    sweep_due,
)

log = logging.getLogger(__name__)
BATCH = 200


async def sweep(transactions: Transactions) -> SweepReport:
    """Bring every decision to today. Only one sweep runs at a time: a transaction holds the
    sweep's advisory lock while the batches run in their own."""
    started = time.perf_counter()
    today = transactions.clock.today()
    async with transactions.begin() as guard:
        if not await repository.try_sweep_lock(guard.conn):
            return SweepReport(None, today, 0, 0, 0, 0.0, skipped="another sweep is running")
        found = await transactions.query(find_sweep_candidates, FindSweepCandidatesQuery(on=today))
        recorded = published = 0
        ids = found.household_ids
        for start in range(0, len(ids), BATCH):
            done = await transactions.command(
                redecide_households,
                RedecideHouseholds(ids[start : start + BATCH], on=today, cause=DecisionCause.SWEEP),
            )
            recorded += done.decisions_recorded
            published += done.events_published
            await asyncio.sleep(0)
        await transactions.command(record_sweep, RecordSweep(on=today))
    report = SweepReport(found.since, today, len(ids), recorded, published, time.perf_counter() - started)
    log.info("sweep to %s: %s", today, report)
    return report


async def daily_sweep(rt: ServiceRuntime) -> None:
    """The background task: sweep once the day has changed (Lima time), checking periodically."""
    interval = float(getattr(rt.settings, "sweep_check_seconds", 900.0))
    while True:
        try:
            if await rt.transactions.query(sweep_due, SweepDueQuery()):
                await sweep(rt.transactions)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("daily sweep failed; retrying at the next check")
        await asyncio.sleep(interval)
