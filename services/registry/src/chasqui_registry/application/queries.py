"""Read use cases: a household with its CSE history, persons by document, an import's progress.

`async def verb_noun(reader: Reader, query: VerbNounQuery) -> Result`, run in a read-only
transaction by `Transactions.query` — except the reads of personal data (`get_household`,
`find_persons`): they write their access record (and take a rate-limit token) in the same
transaction as the read, so they take a `UnitOfWork` and run through `Transactions.command`.
"""

from __future__ import annotations

from dataclasses import dataclass

from chasqui_common.application.unit_of_work import Reader, UnitOfWork
from chasqui_common.audit import NONE_FOUND, OK, Access, record_access
from chasqui_common.auth.scope import Caller
from chasqui_common.errors import InvalidValue, NotFound
from chasqui_common.events.registry import DocumentType, Household
from chasqui_common.ratelimit import DOCUMENT_LOOKUPS, take_token

from chasqui_registry.adapters import repository
from chasqui_registry.adapters.repository import (
    ClassificationEntry,
    ImportRecord,
    ImportRowErrorRecord,
    PersonRecord,
)
from chasqui_registry.application.commands import household_documents, household_not_found
from chasqui_registry.domain.access import check_district, may_touch
from chasqui_registry.domain.documents import canonical_number
from chasqui_registry.domain.errors import DocumentError

__all__ = [
    "DOCUMENT_LOOKUPS",
    "ClassificationEntry",
    "FindPersonsQuery",
    "GetHouseholdQuery",
    "GetImportQuery",
    "HouseholdView",
    "ImportRecord",
    "ImportRowErrorRecord",
    "PersonRecord",
    "find_persons",
    "get_household",
    "get_import",
]


@dataclass(frozen=True)
class GetHouseholdQuery:
    household_id: str
    caller: Caller


@dataclass(frozen=True)
class HouseholdView:
    """A household's snapshot and every CSE it was assigned, oldest first."""

    household: Household
    classification_history: list[ClassificationEntry]


@dataclass(frozen=True)
class FindPersonsQuery:
    """A document as the query parameters give it (`document_type`, `document_number`), not yet checked."""

    document_type: DocumentType
    document_number: str
    caller: Caller


@dataclass(frozen=True)
class GetImportQuery:
    import_id: str


async def get_household(uow: UnitOfWork, query: GetHouseholdQuery) -> HouseholdView:
    """The household and its CSE history. A ULE reads households of its district only
    (OutsideDistrict, 403: household ids are random UUIDs, so the refusal tells nothing a caller
    could not know); the read is recorded (chasqui_common.audit)."""
    found = await repository.load_household(uow.conn, query.household_id)
    if found is None:
        raise household_not_found(query.household_id)
    check_district(query.caller.scope, found.ubigeo, field="household_id")
    history = await repository.classification_history(uow.conn, query.household_id)
    await record_access(
        uow,
        query.caller,
        Access(
            operation="registry.household.read",
            resource_type="household",
            resource_ids=[found.household_id, *(m.person_id for m in found.members)],
            documents=household_documents(found.members),
        ),
    )
    return HouseholdView(household=found, classification_history=history)


async def find_persons(uow: UnitOfWork, query: FindPersonsQuery) -> list[PersonRecord]:
    """Persons who hold or held the document, registered first.

    Lookups use the canonical number, so a DNI with or without its check character matches.
    Each client may make DOCUMENT_LOOKUPS of them (RateLimited, 429, beyond). A ULE sees only
    persons of households in its district: the others are left out, not refused, since a 403
    would tell it that the number is registered elsewhere. Every lookup is recorded, found or not.
    """
    await take_token(uow.conn, DOCUMENT_LOOKUPS, query.caller.subject, uow.clock.now())
    try:
        number = canonical_number(query.document_type, query.document_number)
    except DocumentError as exc:
        v = exc.violation
        raise InvalidValue(
            f"document_number: expected {v.expected}",
            field="document_number",
            value=v.value,
            expected=v.expected,
        ) from None
    if number is None:
        return []
    found = await repository.find_persons(uow.conn, query.document_type.value, number)
    visible = [p for p in found if may_touch(query.caller.scope, p.ubigeo)]
    await record_access(
        uow,
        query.caller,
        Access(
            operation="registry.persons.lookup",
            resource_type="person",
            resource_ids=[p.person_id for p in visible],
            documents=[(query.document_type.value, number)],
            outcome=OK if visible else NONE_FOUND,
        ),
    )
    return visible


async def get_import(reader: Reader, query: GetImportQuery) -> ImportRecord:
    """Progress and per-row errors (the first 1000, ordered by row; `error_count` has the total)."""
    found = await repository.load_import(reader.conn, query.import_id)
    if found is None:
        raise NotFound(
            f"no import {query.import_id}",
            field="import_id",
            value=query.import_id,
            expected="the id POST /v1/imports returned",
        )
    return found
