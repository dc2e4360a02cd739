"""Read use cases: a household with its CSE history, persons by document, an import's progress.

`async def verb_noun(reader: Reader, query: VerbNounQuery) -> Result`, run in a read-only
transaction by `Transactions.query`.
"""

from __future__ import annotations

from dataclasses import dataclass

from chasqui_common.application.unit_of_work import Reader
from chasqui_common.errors import InvalidValue, NotFound
from chasqui_common.events.registry import DocumentType, Household

from chasqui_registry.adapters import repository
from chasqui_registry.adapters.repository import (
    ClassificationEntry,
    ImportRecord,
    ImportRowErrorRecord,
    PersonRecord,
)
from chasqui_registry.application.commands import household_not_found
from chasqui_registry.domain.documents import canonical_number
from chasqui_registry.domain.errors import DocumentError

__all__ = [
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


@dataclass(frozen=True)
class GetImportQuery:
    import_id: str


async def get_household(reader: Reader, query: GetHouseholdQuery) -> HouseholdView:
    found = await repository.load_household(reader.conn, query.household_id)
    if found is None:
        raise household_not_found(query.household_id)
    history = await repository.classification_history(reader.conn, query.household_id)
    return HouseholdView(household=found, classification_history=history)


async def find_persons(reader: Reader, query: FindPersonsQuery) -> list[PersonRecord]:
    """Persons who hold or held the document, registered first.

    Lookups use the canonical number, so a DNI with or without its check character matches.
    """
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
    return await repository.find_persons(reader.conn, query.document_type.value, number)


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
