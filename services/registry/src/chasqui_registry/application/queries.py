"""Read use cases: a household, persons by document, an import's progress."""

from __future__ import annotations

from typing import Any

from chasqui_common.bootstrap import ServiceRuntime
from chasqui_common.events.registry import Household, IdentityDocument

from chasqui_registry.adapters import repository
from chasqui_registry.domain.documents import normalize_document


async def household(rt: ServiceRuntime, household_id: str) -> tuple[Household, list[dict[str, Any]]] | None:
    async with rt.pool.acquire() as conn:
        found = await repository.load_household(conn, household_id)
        if found is None:
            return None
        return found, await repository.classification_history(conn, household_id)


async def persons_by_document(rt: ServiceRuntime, document: IdentityDocument) -> list[dict[str, Any]]:
    """Lookups use the canonical number, so a DNI with or without its check character matches."""
    canonical = normalize_document(document, "document")
    if canonical.number is None:
        return []
    async with rt.pool.acquire() as conn:
        return await repository.find_persons(conn, canonical.type.value, canonical.number)


async def import_status(rt: ServiceRuntime, import_id: str) -> dict[str, Any] | None:
    async with rt.pool.acquire() as conn:
        return await repository.load_import(conn, import_id)
