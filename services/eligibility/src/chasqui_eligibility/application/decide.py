"""Re-decide one household: evaluate with CEL, record what changed, announce outcome changes."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from chasqui_common.db.pool import Connection
from chasqui_common.events.eligibility import DecisionCause, DecisionChanged
from chasqui_common.events.registry import Household, Member, Relationship

from chasqui_eligibility.adapters import repository
from chasqui_eligibility.adapters.repository import NewDecision
from chasqui_eligibility.domain.decisions import StoredDecision, VerdictChange, verdict_changes, verdict_of
from chasqui_eligibility.domain.evaluation import evaluate_household, verdicts_vector
from chasqui_eligibility.domain.rules import RuleBook


@dataclass(frozen=True)
class Outcome:
    recorded: int
    announced: list[DecisionChanged]


async def redecide(
    conn: Connection,
    book: RuleBook,
    household: Household,
    on: date,
    *,
    cause: DecisionCause,
    caused_by: UUID | None,
) -> Outcome:
    """Inside the caller's transaction: decisions rows, the log, and the events to publish.

    Reads the stored decisions and marks the household evaluated itself; the event path, which
    does both in the statement that applies the snapshot, calls `decide_and_record` directly."""
    stored = await repository.stored_decisions(conn, household.household_id)
    outcome = await decide_and_record(conn, book, household, stored, on, cause=cause, caused_by=caused_by)
    await repository.mark_evaluated(conn, household.household_id, on)
    return outcome


async def decide_and_record(
    conn: Connection,
    book: RuleBook,
    household: Household,
    stored: list[StoredDecision],
    on: date,
    *,
    cause: DecisionCause,
    caused_by: UUID | None,
) -> Outcome:
    """Evaluate with CEL, compare with `stored`, and write only what changed (one statement)."""
    verdicts = [verdict_of(d) for d in evaluate_household(book, household, on)]
    found = verdict_changes(household.household_id, verdicts, stored)
    rows = [NewDecision(change, uuid.uuid4(), on, caused_by) for change in found]
    await repository.record_decisions(conn, rows, cause)
    return Outcome(len(rows), announcements(household, rows, cause))


@dataclass(frozen=True)
class HouseholdOutcome:
    """What deciding one household of a batch recorded and announces."""

    household_id: str
    recorded: int
    announced: list[DecisionChanged]


async def decide_batch(
    conn: Connection,
    book: RuleBook,
    households: list[Household],
    event_ids: list[UUID],
    on: date,
    *,
    cause: DecisionCause,
) -> list[HouseholdOutcome]:
    """The event path for many households at once (each at most once; household i caused by
    event i): apply their snapshots and read their decisions (one statement), decide all of them
    with the fast path (proven equal to CEL), write every change (one statement). Same decisions
    and events, in the same order, as `decide_and_record` per household."""
    stored = await repository.apply_snapshots(conn, households, event_ids, on)
    verdicts = verdicts_vector(book, households, on)
    found: list[tuple[VerdictChange, UUID]] = []
    spans: list[tuple[int, int]] = []
    for household, caused_by, mine in zip(households, event_ids, verdicts, strict=True):
        start = len(found)
        found.extend(
            (change, caused_by)
            for change in verdict_changes(household.household_id, mine, stored[household.household_id])
        )
        spans.append((start, len(found)))
    # Only an announced decision needs its id here (its event names it); the database gives the
    # others theirs (`gen_random_uuid()`, the same random version 4 UUIDs).
    announced = [change.announce for change, _ in found]
    ids = iter(random_uuids(sum(announced)))
    rows = [
        NewDecision(change, next(ids) if announce else None, on, caused_by)
        for (change, caused_by), announce in zip(found, announced, strict=True)
    ]
    await repository.record_decisions(conn, rows, cause)
    return [
        HouseholdOutcome(
            household.household_id, end - start, announcements(household, rows[start:end], cause)
        )
        for household, (start, end) in zip(households, spans, strict=True)
    ]


def random_uuids(count: int) -> list[UUID]:
    """`count` random (version 4) UUIDs, as `uuid.uuid4()` makes them, from one read of the OS's
    random source instead of one per id."""
    pool = os.urandom(16 * count)
    return [UUID(bytes=pool[16 * i : 16 * i + 16], version=4) for i in range(count)]


def announcements(
    household: Household, rows: list[NewDecision], cause: DecisionCause
) -> list[DecisionChanged]:
    """The `decision.changed` events of the recorded decisions whose outcome or benefit moved."""
    return [_event(row, household, cause) for row in rows if row.change.announce]


def _event(row: NewDecision, household: Household, cause: DecisionCause) -> DecisionChanged:
    change = row.change
    v = change.verdict
    previous = change.previous
    # Every value comes from a validated source (the registry event, the rule book, this
    # service's own ids): constructing skips validating them again; tests check that it
    # validates to itself.
    return DecisionChanged.model_construct(
        decision_id=str(row.decision_id),
        household_id=change.household_id,
        program=v.program,
        person_id=v.person_id,
        eligible=v.eligible,
        previous_eligible=change.previous_eligible,
        benefit_kind=v.benefit_kind,
        benefit_amount_centimos=v.paid_amount,
        previous_benefit_amount_centimos=previous.paid_amount if previous is not None else None,
        benefit_period_months=v.benefit_period_months if v.eligible else None,
        priority_points=v.priority_points,
        rule_set_version=v.rule_set_version,
        as_of=row.as_of,
        failed_criteria=v.failed_criteria,
        cause=cause,
        caused_by_event_id=str(row.caused_by) if row.caused_by else None,
        recipient_person_id=_recipient_person_id(household, v.person_id),
    )


def _recipient_person_id(household: Household, person_id: str | None) -> str | None:
    """Who is told: the person decided about, or for household programs the head of household
    (the first member when none is marked head). An id only: notifications holds the contact
    details and consent (ADR 0008)."""
    if person_id is not None:
        return person_id
    member: Member | None = next((m for m in household.members if m.relationship == Relationship.HEAD), None)
    member = member or (household.members[0] if household.members else None)
    return member.person_id if member is not None else None
