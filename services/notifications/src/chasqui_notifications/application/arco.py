"""Notifications' part in ARCO requests (Ley 29733 arts. 19-22): the person's contact card and
every message queued or sent to them.

Notifications knows people by the ids upstream services gave them, so it answers for the ids in
the request (`Subject.person_ids`, collected by the `identify` step), not by document.
Cancellation deletes the card and the messages. Opposition to `notifications.<channel>` is the
person's own consent choice (`set_preferences`: effective at once, and messages not yet handed to
a provider on that channel are suppressed); `employment.contact` stops employment messages.
"""

from __future__ import annotations

from chasqui_common.application.arco import Erasure, Holdings, PersonalDataPart, Subject, held
from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.events.arco import Purpose
from chasqui_common.events.notifications import DeliveryChannel

from chasqui_notifications.adapters import arco as store
from chasqui_notifications.application.commands import SetPreferences, set_preferences

CHANNELS = {
    Purpose.NOTIFICATIONS_SMS: DeliveryChannel.SMS,
    Purpose.NOTIFICATIONS_EMAIL: DeliveryChannel.EMAIL,
    Purpose.NOTIFICATIONS_WHATSAPP: DeliveryChannel.WHATSAPP,
}


async def _known_ids(uow: UnitOfWork, subject: Subject) -> list[str]:
    return [row.key for row in await store.contacts(uow.conn, subject.person_ids)]


async def find_person(uow: UnitOfWork, subject: Subject) -> Holdings:
    cards = await store.contacts(uow.conn, subject.person_ids)
    messages = await store.deliveries(uow.conn, subject.person_ids)
    return Holdings(
        person_ids=sorted({c.key for c in cards} | {str(m.fields["person_id"]) for m in messages}),
        records=[held(r.store, r.key, r.fields) for r in cards + messages],
    )


async def erase_person(uow: UnitOfWork, subject: Subject) -> Erasure:
    if not subject.person_ids:
        return Erasure()
    return Erasure(records=await store.delete_person(uow.conn, subject.person_ids))


async def withdraw_consent(uow: UnitOfWork, subject: Subject, purposes: frozenset[Purpose]) -> list[Purpose]:
    person_ids = await _known_ids(uow, subject)
    if not person_ids:
        return []
    channels = {CHANNELS[p]: False for p in purposes if p in CHANNELS}
    if channels:
        for person_id in person_ids:
            await set_preferences(uow, SetPreferences(person_id, consent=channels))
    if Purpose.EMPLOYMENT_CONTACT in purposes:
        await store.stop_employment_contact(uow.conn, person_ids)
    return sorted(p for p in purposes if p in CHANNELS or p is Purpose.EMPLOYMENT_CONTACT)


PART = PersonalDataPart("notifications", find=find_person, erase=erase_person, withdraw=withdraw_consent)
