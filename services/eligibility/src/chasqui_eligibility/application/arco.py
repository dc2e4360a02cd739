"""Eligibility's part in ARCO requests (Ley 29733 arts. 19-22): the person in the household
projection and every decision about them.

Access lists the person's entry in the projection, the projected households (without the other
members), their current decisions and decision history. Cancellation removes the person from the
projection and deletes the decisions about them; a household left without members is deleted
with all of its decisions. Eligibility contacts no one: there is no purpose to oppose here.
"""

from __future__ import annotations

from chasqui_common.application.arco import Erasure, Holdings, PersonalDataPart, Subject, held
from chasqui_common.application.unit_of_work import UnitOfWork

from chasqui_eligibility.adapters import arco as store


async def find_person(uow: UnitOfWork, subject: Subject) -> Holdings:
    members = await store.projected_members(
        uow.conn, subject.document.type.value, subject.document.number, subject.person_ids
    )
    person_ids = sorted({m.person_id for m in members})
    households = await store.households(uow.conn, sorted({m.household_id for m in members}))
    return Holdings(
        person_ids=person_ids,
        records=[held("households.snapshot.members", m.household_id, m.snapshot_entry) for m in members]
        + [held("households", h.key, h.fields) for h in households]
        + [held("decisions", d.key, d.fields) for d in await store.decisions(uow.conn, person_ids)]
        + [held("decision_log", d.key, d.fields) for d in await store.decision_history(uow.conn, person_ids)],
    )


async def erase_person(uow: UnitOfWork, subject: Subject) -> Erasure:
    members = await store.projected_members(
        uow.conn, subject.document.type.value, subject.document.number, subject.person_ids
    )
    person_ids = sorted({m.person_id for m in members})
    if not person_ids:
        return Erasure()
    erased = await store.erase_members(uow.conn, sorted({m.household_id for m in members}), person_ids)
    return Erasure(records=erased, traces=person_ids)


PART = PersonalDataPart("eligibility", find=find_person, erase=erase_person)
