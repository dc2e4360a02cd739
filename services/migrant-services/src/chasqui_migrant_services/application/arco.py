"""Migrant services' part in ARCO requests (Ley 29733 arts. 19-22): the migrant, their documents,
cases and their history, appointments, referrals and document expiry alerts.

Cancellation deletes them all; a live appointment gives its slot back. Opposition to
`notifications.<channel>` sets that channel's consent to false.
"""

from __future__ import annotations

from chasqui_common.application.arco import Erasure, Holdings, PersonalDataPart, Subject, held
from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.events.arco import Purpose

from chasqui_migrant_services.adapters import arco as store

CONSENT_COLUMNS = {
    Purpose.NOTIFICATIONS_SMS: "consent_sms",
    Purpose.NOTIFICATIONS_EMAIL: "consent_email",
    Purpose.NOTIFICATIONS_WHATSAPP: "consent_whatsapp",
}


async def _migrant_ids(uow: UnitOfWork, subject: Subject) -> list[str]:
    return await store.migrant_ids(
        uow.conn, subject.document.type.value, subject.document.number, subject.person_ids
    )


async def find_person(uow: UnitOfWork, subject: Subject) -> Holdings:
    ids = await _migrant_ids(uow, subject)
    rows = await store.records(uow.conn, ids) if ids else []
    return Holdings(person_ids=ids, records=[held(r.store, r.key, r.fields) for r in rows])


async def erase_person(uow: UnitOfWork, subject: Subject) -> Erasure:
    ids = await _migrant_ids(uow, subject)
    if not ids:
        return Erasure()
    return Erasure(records=await store.delete_migrants(uow.conn, ids), traces=ids)


async def withdraw_consent(uow: UnitOfWork, subject: Subject, purposes: frozenset[Purpose]) -> list[Purpose]:
    stopped = sorted(p for p in purposes if p in CONSENT_COLUMNS)
    ids = await _migrant_ids(uow, subject)
    if not (stopped and ids):
        return []
    await store.withdraw_consent(uow.conn, ids, [CONSENT_COLUMNS[p] for p in stopped])
    return stopped


PART = PersonalDataPart("migrant-services", find=find_person, erase=erase_person, withdraw=withdraw_consent)
