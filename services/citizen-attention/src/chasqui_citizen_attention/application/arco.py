"""Citizen attention's part in ARCO requests (Ley 29733 arts. 19-22): the person in the citizen
projection, their tickets, attentions, referrals, ULE classification (S100) requests and the
worklist entries that name them.

Access lists DEMUNA attentions and referrals in full: they are the person's own data, and the
report goes to the person (the DEMUNA scope guards them from other readers, not from their
subject). Cancellation deletes every row; a household's ULE worklist entry whose recipient is the
person stays without naming them. The service keeps no contact consent and offers no one to
anyone: an opposition stops nothing here (the default `withdraw`).
"""

from __future__ import annotations

from chasqui_common.application.arco import Erasure, Holdings, PersonalDataPart, Subject, held
from chasqui_common.application.unit_of_work import UnitOfWork

from chasqui_citizen_attention.adapters import arco as store


async def _citizens(uow: UnitOfWork, subject: Subject) -> list[store.CitizenIds]:
    return await store.citizens(
        uow.conn, subject.document.type.value, subject.document.number, subject.person_ids
    )


def _registry_ids(citizens: list[store.CitizenIds], subject: Subject) -> list[str]:
    """The ids worklist entries may name the person by: registry person ids, as the projection
    knows them and as the identify step collected them."""
    return sorted({*(c.person_id for c in citizens if c.person_id), *subject.person_ids})


async def find_person(uow: UnitOfWork, subject: Subject) -> Holdings:
    citizens = await _citizens(uow, subject)
    rows = await store.records(uow.conn, [c.citizen_id for c in citizens], _registry_ids(citizens, subject))
    return Holdings(
        person_ids=sorted({i for c in citizens for i in c.all}),
        records=[held(r.store, r.key, r.fields) for r in rows],
    )


async def erase_person(uow: UnitOfWork, subject: Subject) -> Erasure:
    citizens = await _citizens(uow, subject)
    registry_ids = _registry_ids(citizens, subject)
    if not citizens and not registry_ids:
        return Erasure()
    erased = await store.delete_citizens(uow.conn, [c.citizen_id for c in citizens], registry_ids)
    return Erasure(records=erased, traces=sorted({i for c in citizens for i in c.all}))


PART = PersonalDataPart("citizen-attention", find=find_person, erase=erase_person)
