"""Use cases that change households: each runs in the caller's unit of work and records its event.

`async def verb_noun(uow: UnitOfWork, command: VerbNoun) -> Result`: the transaction is opened by
whoever runs the use case (`Transactions.command`); a refused command raises a DomainError.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass

from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.audit import Access, record_access
from chasqui_common.auth.scope import Caller
from chasqui_common.errors import NotFound
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
from chasqui_registry.domain.access import check_district
from chasqui_registry.domain.errors import DocumentTaken, Violation
from chasqui_registry.domain.model import (
    ClassificationDraft,
    HouseholdDraft,
    HouseholdPatch,
    MemberDraft,
    MemberPatch,
)

# --- commands and results ----------------------------------------------------------------------


# Every command names its caller: the use case checks the caller's district (domain/access.py),
# names it as the actor of the event and writes the access record in the same transaction.


@dataclass(frozen=True)
class RegisterHousehold:
    draft: HouseholdDraft
    caller: Caller


@dataclass(frozen=True)
class UpdateHousehold:
    household_id: str
    patch: HouseholdPatch
    caller: Caller


@dataclass(frozen=True)
class AddMember:
    household_id: str
    draft: MemberDraft
    caller: Caller


@dataclass(frozen=True)
class AddedMember:
    """The new member's id and the household after the change."""

    person_id: str
    household: Household


@dataclass(frozen=True)
class UpdateMember:
    household_id: str
    person_id: str
    patch: MemberPatch
    caller: Caller


@dataclass(frozen=True)
class RemoveMember:
    household_id: str
    person_id: str
    reason: str
    caller: Caller


@dataclass(frozen=True)
class ClassifyHousehold:
    household_id: str
    draft: ClassificationDraft
    caller: Caller


@dataclass(frozen=True)
class DeregisterHousehold:
    household_id: str
    reason: str
    caller: Caller


# --- shared steps -----------------------------------------------------------------------------


def new_id() -> str:
    return str(uuid.uuid4())


def household_not_found(household_id: str) -> NotFound:
    return NotFound(
        f"no household {household_id}",
        field="household_id",
        value=household_id,
        expected="the id of a registered household",
    )


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


async def _keep_identities(uow: UnitOfWork, household: Household) -> Household:
    """The household with each member who held a document before (removed from a household, or
    of a deregistered one) given back their person_id: a person keeps their identity (and what
    other services know of them, such as withdrawn consent) when they move between households."""
    documents = [
        (m.document.type.value, m.document.number) for m in household.members if m.document.number is not None
    ]
    former = await repository.former_person_ids(uow.conn, documents)
    if not former:
        return household
    members = tuple(
        m.model_copy(update={"person_id": former[(m.document.type.value, m.document.number)]})
        if m.document.number is not None and (m.document.type.value, m.document.number) in former
        else m
        for m in household.members
    )
    return household.model_copy(update={"members": members})


async def _load(uow: UnitOfWork, household_id: str, caller: Caller) -> Household:
    """The household, locked for the change, if it is in the caller's district (OutsideDistrict)."""
    household = await repository.load_household(uow.conn, household_id, for_update=True)
    if household is None:
        raise household_not_found(household_id)
    check_district(caller.scope, household.ubigeo, field="household_id")
    return household


def household_documents(members: Iterable[Member]) -> list[tuple[str, str]]:
    """(type, number) of the members' documents, for the access record."""
    return [(m.document.type.value, m.document.number) for m in members if m.document.number is not None]


async def _record(
    uow: UnitOfWork, caller: Caller, operation: str, household: Household, members: Iterable[Member]
) -> None:
    """The access record of a change to `household` touching `members` (same transaction)."""
    touched = list(members)
    await record_access(
        uow,
        caller,
        Access(
            operation=f"registry.{operation}",
            resource_type="household",
            resource_ids=[household.household_id, *(m.person_id for m in touched)],
            documents=household_documents(touched),
        ),
    )


def _member(household: Household, person_id: str) -> Member:
    for member in household.members:
        if member.person_id == person_id:
            return member
    raise NotFound(
        f"no member {person_id}",
        field="person_id",
        value=person_id,
        expected="the id of a registered member",
    )


# --- use cases --------------------------------------------------------------------------------


async def register_household(uow: UnitOfWork, command: RegisterHousehold) -> Household:
    """Register a household with its members; emits `household.registered`. A ULE registers in its
    own district only (OutsideDistrict on `ubigeo`)."""
    check_district(command.caller.scope, command.draft.ubigeo)
    household = rules.register(command.draft, household_id=new_id(), new_id=new_id, today=uow.clock.today())
    await _check_documents(uow, household.household_id, household.members)
    household = await _keep_identities(uow, household)
    await repository.insert_household(uow.conn, household)
    actor = command.caller.actor
    await uow.publish(
        HouseholdRegistered(household_id=household.household_id, household=household, actor=actor)
    )
    await _record(uow, command.caller, "household.register", household, household.members)
    return household


async def update_household(uow: UnitOfWork, command: UpdateHousehold) -> Household:
    """Change household-level data; emits `household.updated` (nothing if nothing changed). A ULE
    cannot move a household out of its district (OutsideDistrict on `ubigeo`)."""
    household_id, caller = command.household_id, command.caller
    change = rules.update(await _load(uow, household_id, caller), command.patch, today=uow.clock.today())
    if change.changed:
        check_district(caller.scope, change.household.ubigeo)
        await repository.update_household_row(uow.conn, change.household)
        await uow.publish(
            HouseholdUpdated(
                household_id=household_id,
                household=change.household,
                changed=change.changed,
                actor=caller.actor,
            )
        )
    await _record(uow, caller, "household.update", change.household, change.household.members)
    return change.household


async def add_member(uow: UnitOfWork, command: AddMember) -> AddedMember:
    """Add a person to the household; emits `member.added`. A person who held the document before
    (removed from another household) keeps their person_id; one still registered in another
    household is refused (DocumentTaken)."""
    household_id = command.household_id
    household = await _load(uow, household_id, command.caller)
    today = uow.clock.today()
    change = rules.add_member(household, command.draft, person_id=new_id(), today=today)
    member = change.household.members[-1]
    await _check_documents(uow, household_id, (member,))
    person_id = member.person_id
    if member.document.number is not None:
        former = await repository.former_person_ids(
            uow.conn, [(member.document.type.value, member.document.number)]
        )
        person_id = former.get((member.document.type.value, member.document.number), person_id)
    if person_id != member.person_id:
        change = rules.add_member(household, command.draft, person_id=person_id, today=today)
        member = change.household.members[-1]
    if await repository.has_membership(uow.conn, household_id, person_id):
        await repository.rejoin_member(uow.conn, household_id, member)
    else:
        await repository.add_member(uow.conn, household_id, member)
    await uow.publish(
        MemberAdded(
            household_id=household_id,
            household=change.household,
            person_id=person_id,
            actor=command.caller.actor,
        )
    )
    await _record(uow, command.caller, "member.add", change.household, (member,))
    return AddedMember(person_id=person_id, household=change.household)


async def update_member(uow: UnitOfWork, command: UpdateMember) -> Household:
    """Change a member's data; emits `member.updated` with the changed fields (nothing if none)."""
    household_id, person_id = command.household_id, command.person_id
    household = await _load(uow, household_id, command.caller)
    before = _member(household, person_id)
    change = rules.update_member(household, person_id, command.patch, today=uow.clock.today())
    member = _member(change.household, person_id)
    if change.changed:
        if "document" in change.changed:
            await _check_documents(uow, household_id, (member,))
        await repository.update_member(uow.conn, member, household_id=household_id)
        await uow.publish(
            MemberUpdated(
                household_id=household_id,
                household=change.household,
                person_id=person_id,
                changed=change.changed,
                actor=command.caller.actor,
            )
        )
    # the document before the change too: the auditor finds the person by either
    await _record(uow, command.caller, "member.update", change.household, (before, member))
    return change.household


async def remove_member(uow: UnitOfWork, command: RemoveMember) -> Household:
    """Remove a person (not the head); emits `member.removed` with the reason."""
    household_id, person_id = command.household_id, command.person_id
    household = await _load(uow, household_id, command.caller)
    member = _member(household, person_id)
    change = rules.remove_member(household, person_id)
    await repository.remove_member(uow.conn, person_id, command.reason, household_id=household_id)
    await uow.publish(
        MemberRemoved(
            household_id=household_id,
            household=change.household,
            person_id=person_id,
            reason=command.reason,
            actor=command.caller.actor,
        )
    )
    await _record(uow, command.caller, "member.remove", change.household, (member,))
    return change.household


async def classify_household(uow: UnitOfWork, command: ClassifyHousehold) -> Household:
    """Assign the CSE in force (the previous one stays in the history); emits `household.classified`."""
    household_id = command.household_id
    change = rules.classify(await _load(uow, household_id, command.caller), command.draft)
    assert change.household.classification is not None
    await repository.update_household_row(uow.conn, change.household)
    await repository.insert_classification(uow.conn, household_id, change.household.classification)
    await uow.publish(
        HouseholdClassified(
            household_id=household_id,
            household=change.household,
            classification=change.household.classification,
            actor=command.caller.actor,
        )
    )
    await _record(uow, command.caller, "household.classify", change.household, change.household.members)
    return change.household


async def deregister_household(uow: UnitOfWork, command: DeregisterHousehold) -> Household:
    """Deregister the household; its members' documents become free. Emits `household.deregistered`."""
    household_id = command.household_id
    change = rules.deregister(await _load(uow, household_id, command.caller))
    await repository.update_household_row(uow.conn, change.household, reason=command.reason)
    await repository.unregister_members(uow.conn, household_id)
    await uow.publish(
        HouseholdDeregistered(
            household_id=household_id,
            household=change.household,
            reason=command.reason,
            actor=command.caller.actor,
        )
    )
    await _record(uow, command.caller, "household.deregister", change.household, change.household.members)
    return change.household
