"""Re-decide one household: evaluate with CEL, record what changed, announce outcome changes."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from chasqui_common.db.pool import Connection
from chasqui_common.events.eligibility import DecisionCause, DecisionChanged, Recipient, RecipientConsent
from chasqui_common.events.registry import Household, Member, Relationship

from chasqui_eligibility.adapters import repository
from chasqui_eligibility.domain.decisions import Change, StoredDecision, changes
from chasqui_eligibility.domain.evaluation import evaluate_household
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
    reason = "household deregistered" if household.status.value != "active" else "no longer a member"
    found = changes(
        household.household_id, evaluate_household(book, household, on), stored, on, gone_reason=reason
    )
    ids = [uuid.uuid4() for _ in found]
    if found:
        await repository.record_changes(conn, found, ids, cause, caused_by)
    events = [
        _event(change, decision_id, household, cause, caused_by)
        for change, decision_id in zip(found, ids, strict=True)
        if change.announce
    ]
    return Outcome(len(found), events)


def _event(
    change: Change, decision_id: UUID, household: Household, cause: DecisionCause, caused_by: UUID | None
) -> DecisionChanged:
    d = change.decision
    previous = change.previous
    return DecisionChanged(
        decision_id=str(decision_id),
        household_id=d.household_id,
        program=d.program,
        person_id=d.person_id,
        eligible=d.eligible,
        previous_eligible=change.previous_eligible,
        benefit_kind=d.benefit_kind,
        benefit_amount_centimos=d.paid_amount,
        previous_benefit_amount_centimos=previous.paid_amount if previous is not None else None,
        benefit_period_months=d.benefit_period_months if d.eligible else None,
        priority_points=d.priority_points,
        rule_set_version=d.rule_set_version,
        as_of=d.as_of,
        failed_criteria=d.failed_criteria,
        cause=cause,
        caused_by_event_id=str(caused_by) if caused_by else None,
        recipient=_recipient(household, d.person_id),
    )


def _recipient(household: Household, person_id: str | None) -> Recipient | None:
    """The person decided about, or for household programs the head of household."""
    member: Member | None
    if person_id is not None:
        member = next((m for m in household.members if m.person_id == person_id), None)
    else:
        member = next((m for m in household.members if m.relationship == Relationship.HEAD), None)
        member = member or (household.members[0] if household.members else None)
    if member is None:
        return None
    return Recipient(
        person_id=member.person_id,
        given_names=member.given_names,
        paternal_surname=member.paternal_surname,
        maternal_surname=member.maternal_surname,
        phone=member.contact.phone,
        email=member.contact.email,
        consent=RecipientConsent(
            sms=member.contact.consent.sms,
            email=member.contact.consent.email,
            whatsapp=member.contact.consent.whatsapp,
        ),
    )
