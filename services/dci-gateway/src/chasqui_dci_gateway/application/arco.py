"""The DCI gateway's part in ARCO requests (Ley 29733 arts. 19-22): the person in its projection
of the registry, and the search answers, callbacks and subscriptions that name them.

Cancellation deletes the member rows (and households left empty), queued callbacks and
subscriptions naming the person, and clears the content of stored search answers. The access log
of who received the person's data keeps its rows: they hold person ids, never the document, and
are the record Ley 29733 asks for. The gateway contacts no one: nothing to oppose here.
"""

from __future__ import annotations

from chasqui_common.application.arco import Erasure, Holdings, PersonalDataPart, Subject, held
from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.db.rows import StoredRow

from chasqui_dci_gateway.adapters import arco as store


async def _members(uow: UnitOfWork, subject: Subject) -> list[StoredRow]:
    return await store.members(
        uow.conn, subject.document.type.value, subject.document.number, subject.person_ids
    )


async def find_person(uow: UnitOfWork, subject: Subject) -> Holdings:
    members = await _members(uow, subject)
    person_ids = sorted({str(m.fields["person_id"]) for m in members})
    rows = members + await store.mentions(uow.conn, [*subject.traces, *person_ids])
    return Holdings(person_ids=person_ids, records=[held(r.store, r.key, r.fields) for r in rows])


async def erase_person(uow: UnitOfWork, subject: Subject) -> Erasure:
    members = await _members(uow, subject)
    person_ids = sorted({str(m.fields["person_id"]) for m in members})
    households = sorted({str(m.fields["household_id"]) for m in members})
    erased = await store.erase(uow.conn, households, person_ids, [*subject.traces, *person_ids])
    return Erasure(records=erased, traces=person_ids)


PART = PersonalDataPart("dci-gateway", find=find_person, erase=erase_person)
