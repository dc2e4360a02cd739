"""The registry's part in ARCO requests (Ley 29733 arts. 19-22): the person's memberships and
households, their erasure, and consent withdrawal per notification channel.

Cancellation deletes every membership of the person (current and former) and each household left
with no member, with its CSE history; a household with other members keeps them and is published
without the person at its next change. Import error rows that echo the document go too.
Opposition to `notifications.<channel>` sets that channel's consent to false on the person's
stored contact, so every later registry event carries it (notifications also stops at once).
"""

from __future__ import annotations

from chasqui_common.application.arco import Erasure, Holdings, PersonalDataPart, Subject, held
from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.events.arco import Purpose

from chasqui_registry.adapters import arco as store

CHANNELS = {
    Purpose.NOTIFICATIONS_SMS: "sms",
    Purpose.NOTIFICATIONS_EMAIL: "email",
    Purpose.NOTIFICATIONS_WHATSAPP: "whatsapp",
}
"""The purposes the registry serves: the consent it stores per notification channel."""


async def find_person(uow: UnitOfWork, subject: Subject) -> Holdings:
    """The person's memberships and the households they belong or belonged to."""
    memberships = await store.memberships(
        uow.conn, subject.document.type.value, subject.document.number, subject.person_ids
    )
    households = await store.households(uow.conn, sorted({m.household_id for m in memberships}))
    return Holdings(
        person_ids=sorted({m.person_id for m in memberships}),
        records=[held("persons", m.membership_id, m.fields) for m in memberships]
        + [held("households", h.household_id, h.fields) for h in households],
    )


async def erase_person(uow: UnitOfWork, subject: Subject) -> Erasure:
    """Delete the person's memberships, the households they leave empty, and import errors
    echoing their document."""
    memberships = await store.memberships(
        uow.conn, subject.document.type.value, subject.document.number, subject.person_ids
    )
    removed = await store.delete_memberships(uow.conn, [m.membership_id for m in memberships])
    removed += await store.delete_empty_households(uow.conn, sorted({m.household_id for m in memberships}))
    removed += await store.delete_import_errors_mentioning(uow.conn, list(subject.traces))
    return Erasure(records=removed, traces=sorted({m.person_id for m in memberships}))


async def withdraw_consent(uow: UnitOfWork, subject: Subject, purposes: frozenset[Purpose]) -> list[Purpose]:
    """Consent off for each notification channel opposed; the purposes the registry stopped."""
    stopped = sorted(p for p in purposes if p in CHANNELS)
    if not stopped:
        return []
    memberships = await store.memberships(
        uow.conn, subject.document.type.value, subject.document.number, subject.person_ids
    )
    await store.withdraw_consent(
        uow.conn, [m.membership_id for m in memberships], [CHANNELS[p] for p in stopped]
    )
    return stopped


PART = PersonalDataPart("registry", find=find_person, erase=erase_person, withdraw=withdraw_consent)
