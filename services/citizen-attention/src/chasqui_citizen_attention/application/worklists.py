"""Use cases of the worklists fed by eligibility decisions (domain/worklists.py): take a decision,
list an office's entries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from chasqui_common.application.unit_of_work import Reader, UnitOfWork

from chasqui_citizen_attention.adapters import worklists as repository
from chasqui_citizen_attention.domain.municipalities import Office
from chasqui_citizen_attention.domain.worklists import (
    WorklistEntry,
    WorklistMove,
    check_worklist_office,
    worklist_change,
)


@dataclass(frozen=True)
class TakeDecision:
    """An eligibility decision (`decision.changed.v2`) as the worklists read it, and its time."""

    decision_id: str
    household_id: str
    program: str
    person_id: str | None
    recipient_person_id: str | None
    eligible: bool
    previous_eligible: bool
    as_of: date
    decided_at: datetime


@dataclass(frozen=True)
class WorklistTaken:
    """Which list changed and how (office None: the programme feeds no list)."""

    office: Office | None
    move: WorklistMove | None


@dataclass(frozen=True)
class ListWorklistQuery:
    office: Office
    municipality: str | None = None
    limit: int = 100


@dataclass(frozen=True)
class Worklist:
    office: Office
    municipality: str | None
    entries: tuple[WorklistEntry, ...]


async def take_decision(uow: UnitOfWork, command: TakeDecision) -> WorklistTaken:
    """Add, remove or keep the entry the decision concerns; a decision older than one already
    seen for the same office and subject changes nothing (redeliveries and late events)."""
    change = worklist_change(
        command.program, eligible=command.eligible, previous_eligible=command.previous_eligible
    )
    if change is None or change.move is WorklistMove.KEEP:
        return WorklistTaken(change.office if change else None, change.move if change else None)
    # CIAM and OMAPED follow a person; the ULE a household (its programme has no person).
    subject = command.person_id or command.household_id
    if not await repository.newer_than_seen(uow.conn, change.office, subject, command.decided_at):
        return WorklistTaken(change.office, WorklistMove.KEEP)
    if change.move is WorklistMove.ADD:
        await repository.put_entry(
            uow.conn,
            office=change.office,
            subject_id=subject,
            household_id=command.household_id,
            person_id=command.person_id,
            recipient_person_id=command.recipient_person_id,
            program=command.program.upper(),
            reason=change.reason,
            decision_id=command.decision_id,
            since=command.as_of,
            decided_at=command.decided_at,
        )
    else:
        await repository.remove_entry(uow.conn, change.office, subject)
    return WorklistTaken(change.office, change.move)


async def list_worklist(reader: Reader, query: ListWorklistQuery) -> Worklist:
    """An office's worklist, newest first (InvalidValue on `office` for DEMUNA, which has none)."""
    office = check_worklist_office(query.office)
    entries = await repository.list_entries(reader.conn, office, query.municipality, query.limit)
    return Worklist(office, query.municipality, tuple(entries))
