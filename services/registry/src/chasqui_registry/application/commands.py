"""Use cases called by the API: each changes state and records its event in one transaction."""

from __future__ import annotations

import uuid
from datetime import date

import asyncpg
from chasqui_common.bootstrap import ServiceRuntime, UnitOfWork
from chasqui_common.events.registry import (
    Household,
    HouseholdClassified,
    HouseholdDeregistered,
    HouseholdRegistered,
    HouseholdUpdated,
    Member,
    MemberAdded,
    MemberRemoved,
    MemberUpdated,
)

from chasqui_registry.adapters import repository
from chasqui_registry.domain import household as rules
from chasqui_registry.domain.model import (
    ClassificationDraft,
    DocumentTaken,
    HouseholdDraft,
    HouseholdPatch,
    MemberDraft,
    MemberPatch,
    Violation,
)


class NotFound(LookupError):
    def __init__(self, what: str, value: str) -> None:
        super().__init__(f"no {what} {value}")
        self.what = what
        self.value = value


def new_id() -> str:
    return str(uuid.uuid4())


def today() -> date:
    return date.today()


async def _check_documents(uow: UnitOfWork, household_id: str, members: tuple[Member, ...]) -> None:
    """Refuse a document that a registered person of another household already holds."""
    wanted = {
        (m.document.type.value, m.document.number): index
        for index, m in enumerate(members)
        if m.document.number is not None
    }
    owners = await repository.document_owners(uow.conn, list(wanted), excluding_household=household_id)
    if owners:
        (doc_type, number), owner = next(iter(owners.items()))
        raise DocumentTaken(
            f"{doc_type} {number} already belongs to a registered person of household {owner.household_id}",
            [
                Violation(
                    f"members.{wanted[(doc_type, number)]}.document.number",
                    number,
                    f"a {doc_type} not registered in another household "
                    f"(household {owner.household_id} has it)",
                )
            ],
            existing_household_id=owner.household_id,
        )


async def _guarded(uow: UnitOfWork, household: Household) -> None:
    await _check_documents(uow, household.household_id, household.members)


def _document_race(exc: asyncpg.UniqueViolationError) -> DocumentTaken:
    # Two requests registered the same document at once: the index settled it; report like the check.
    return DocumentTaken(
        "a document in this request was registered by another household at the same moment",
        [Violation("members", None, f"documents not registered in another household ({exc.detail})")],
        existing_household_id="unknown",
    )


async def register_household(rt: ServiceRuntime, draft: HouseholdDraft) -> Household:
    household = rules.register(draft, household_id=new_id(), new_id=new_id, today=today())
    try:
        async with rt.unit_of_work() as uow:
            await _guarded(uow, household)
            await repository.insert_household(uow.conn, household)
            await uow.publish(HouseholdRegistered(household_id=household.household_id, household=household))
    except asyncpg.UniqueViolationError as exc:
        raise _document_race(exc) from None
    return household


async def _load(uow: UnitOfWork, household_id: str) -> Household:
    household = await repository.load_household(uow.conn, household_id, for_update=True)
    if household is None:
        raise NotFound("household", household_id)
    return household


async def update_household(rt: ServiceRuntime, household_id: str, patch: HouseholdPatch) -> Household:
    async with rt.unit_of_work() as uow:
        change = rules.update(await _load(uow, household_id), patch, today=today())
        if change.changed:
            await repository.update_household_row(uow.conn, change.household)
            await uow.publish(
                HouseholdUpdated(
                    household_id=household_id, household=change.household, changed=change.changed
                )
            )
    return change.household


async def add_member(rt: ServiceRuntime, household_id: str, draft: MemberDraft) -> tuple[Household, str]:
    person_id = new_id()
    try:
        async with rt.unit_of_work() as uow:
            change = rules.add_member(
                await _load(uow, household_id), draft, person_id=person_id, today=today()
            )
            member = change.household.members[-1]
            await _check_documents(uow, household_id, (member,))
            await repository.add_member(uow.conn, household_id, member)
            await uow.publish(
                MemberAdded(household_id=household_id, household=change.household, person_id=person_id)
            )
    except asyncpg.UniqueViolationError as exc:
        raise _document_race(exc) from None
    return change.household, person_id


def _member(household: Household, person_id: str) -> Member:
    for member in household.members:
        if member.person_id == person_id:
            return member
    raise NotFound("member", person_id)


async def update_member(
    rt: ServiceRuntime, household_id: str, person_id: str, patch: MemberPatch
) -> Household:
    try:
        async with rt.unit_of_work() as uow:
            household = await _load(uow, household_id)
            _member(household, person_id)
            change = rules.update_member(household, person_id, patch, today=today())
            if change.changed:
                member = _member(change.household, person_id)
                if "document" in change.changed:
                    await _check_documents(uow, household_id, (member,))
                await repository.update_member(uow.conn, member)
                await uow.publish(
                    MemberUpdated(
                        household_id=household_id,
                        household=change.household,
                        person_id=person_id,
                        changed=change.changed,
                    )
                )
    except asyncpg.UniqueViolationError as exc:
        raise _document_race(exc) from None
    return change.household


async def remove_member(rt: ServiceRuntime, household_id: str, person_id: str, reason: str) -> Household:
    async with rt.unit_of_work() as uow:
        household = await _load(uow, household_id)
        _member(household, person_id)
        change = rules.remove_member(household, person_id)
        await repository.remove_member(uow.conn, person_id, reason)
        await uow.publish(
            MemberRemoved(
                household_id=household_id, household=change.household, person_id=person_id, reason=reason
            )
        )
    return change.household


async def classify(rt: ServiceRuntime, household_id: str, draft: ClassificationDraft) -> Household:
    async with rt.unit_of_work() as uow:
        change = rules.classify(await _load(uow, household_id), draft)
        assert change.household.classification is not None
        await repository.update_household_row(uow.conn, change.household)
        await repository.insert_classification(uow.conn, household_id, change.household.classification)
        await uow.publish(
            HouseholdClassified(
                household_id=household_id,
                household=change.household,
                classification=change.household.classification,
            )
        )
    return change.household


async def deregister(rt: ServiceRuntime, household_id: str, reason: str) -> Household:
    async with rt.unit_of_work() as uow:
        change = rules.deregister(await _load(uow, household_id))
        await repository.update_household_row(uow.conn, change.household, reason=reason)
        await repository.unregister_members(uow.conn, household_id)
        await uow.publish(
            HouseholdDeregistered(household_id=household_id, household=change.household, reason=reason)
        )
    return change.household
