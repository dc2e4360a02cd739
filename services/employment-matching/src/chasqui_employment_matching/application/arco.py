"""Employment matching's part in ARCO requests (Ley 29733 arts. 19-22): the job seeker, their fair
attendance, matches, proposals, applications and placements.

Cancellation deletes all of them (a vacancy's placement count stays: it is no personal data).
Opposition: `employment.contact` stops offering the person to employers (consent_to_contact), and
each `notifications.<channel>` stops that channel (consent_<channel>).
"""

from __future__ import annotations

from chasqui_common.application.arco import Erasure, Holdings, PersonalDataPart, Subject, held
from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.db.rows import StoredRow
from chasqui_common.events.arco import Purpose

from chasqui_employment_matching.adapters import arco as store

CONSENT_COLUMNS = {
    Purpose.EMPLOYMENT_CONTACT: "consent_to_contact",
    Purpose.NOTIFICATIONS_SMS: "consent_sms",
    Purpose.NOTIFICATIONS_EMAIL: "consent_email",
    Purpose.NOTIFICATIONS_WHATSAPP: "consent_whatsapp",
}


async def _seekers(uow: UnitOfWork, subject: Subject) -> list[StoredRow]:
    return await store.seekers(
        uow.conn, subject.document.type.value, subject.document.number, subject.person_ids
    )


async def find_person(uow: UnitOfWork, subject: Subject) -> Holdings:
    seekers = await _seekers(uow, subject)
    seeker_ids = [s.key for s in seekers]
    rows = seekers + await store.linked(uow.conn, seeker_ids)
    return Holdings(
        person_ids=sorted({*seeker_ids, *(str(s.fields["person_id"]) for s in seekers)}),
        records=[held(r.store, r.key, r.fields) for r in rows],
    )


async def erase_person(uow: UnitOfWork, subject: Subject) -> Erasure:
    seekers = await _seekers(uow, subject)
    seeker_ids = [s.key for s in seekers]
    if not seeker_ids:
        return Erasure()
    erased = await store.delete_seekers(uow.conn, seeker_ids)
    return Erasure(
        records=erased, traces=sorted({*seeker_ids, *(str(s.fields["person_id"]) for s in seekers)})
    )


async def withdraw_consent(uow: UnitOfWork, subject: Subject, purposes: frozenset[Purpose]) -> list[Purpose]:
    stopped = sorted(p for p in purposes if p in CONSENT_COLUMNS)
    seekers = await _seekers(uow, subject)
    if not (stopped and seekers):
        return []
    await store.withdraw_consent(uow.conn, [s.key for s in seekers], [CONSENT_COLUMNS[p] for p in stopped])
    return stopped


PART = PersonalDataPart(
    "employment-matching", find=find_person, erase=erase_person, withdraw=withdraw_consent
)
