"""Commands: re-decide households (a sweep batch) and record that a sweep finished.

Each is `async def verb_noun(uow: UnitOfWork, command: VerbNoun) -> Result`, run in the
caller's transaction; events are recorded in the outbox with the state they announce.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.events.eligibility import DecisionCause

from chasqui_eligibility.adapters import repository
from chasqui_eligibility.application.decide import redecide
from chasqui_eligibility.application.models import Redecided
from chasqui_eligibility.application.rule_book import rule_book


@dataclass(frozen=True)
class RedecideHouseholds:
    household_ids: tuple[str, ...]
    on: date
    cause: DecisionCause = DecisionCause.SWEEP


async def redecide_households(uow: UnitOfWork, command: RedecideHouseholds) -> Redecided:
    """Re-decide each household (locked) with CEL on `on`; record and announce what changed.
    Households no longer in the projection are skipped."""
    book = rule_book()
    recorded = published = 0
    for household_id in command.household_ids:
        household = await repository.get_household(uow.conn, household_id, lock=True)
        if household is None:
            continue
        outcome = await redecide(uow.conn, book, household, command.on, cause=command.cause, caused_by=None)
        recorded += outcome.recorded
        if outcome.announced:
            await uow.publish(*outcome.announced)
            published += len(outcome.announced)
    return Redecided(recorded, published)


@dataclass(frozen=True)
class RecordSweep:
    on: date  # every decision is now brought to this day


async def record_sweep(uow: UnitOfWork, command: RecordSweep) -> None:
    await repository.set_last_swept(uow.conn, command.on)
