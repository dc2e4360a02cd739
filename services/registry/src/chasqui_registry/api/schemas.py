"""Request and response bodies of the registry API (`/v1`).

Household and member bodies are the domain's drafts and patches (`domain.model`), so an API
body and a JSONL import line are validated by the same model.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from chasqui_common.events.registry import Household, HouseholdStatus, Member
from chasqui_common.values import text
from pydantic import BaseModel, ConfigDict, Field

from chasqui_registry.domain.model import (
    ClassificationDraft,
    HouseholdDraft,
    HouseholdPatch,
    MemberDraft,
    MemberPatch,
)

__all__ = [
    "ClassificationDraft",
    "ClassificationEntryOut",
    "HouseholdDraft",
    "HouseholdOut",
    "HouseholdPatch",
    "ImportAccepted",
    "ImportOut",
    "ImportRowError",
    "MemberAddedOut",
    "MemberDraft",
    "MemberPatch",
    "PersonOut",
    "Reason",
]


class _FromAttributes(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Reason(BaseModel):
    reason: Annotated[str, text(min_length=3, max_length=300, multiline=True)] = Field(
        description="Why (death, moved out, registration error…); tab and line breaks allowed, "
        "no other control characters"
    )


class ClassificationEntryOut(_FromAttributes):
    """One CSE assignment of the household's history."""

    level: str
    valid_from: date
    valid_until: date
    source: str
    assigned_at: datetime


class HouseholdOut(_FromAttributes):
    household: Household
    classification_history: list[ClassificationEntryOut] | None = None


class MemberAddedOut(_FromAttributes):
    person_id: str
    household: Household


class PersonOut(_FromAttributes):
    """A person who holds or held the document, with their household's status."""

    person_id: str
    household_id: str
    registered: bool
    household_status: HouseholdStatus
    removed_reason: str | None
    member: Member


class ImportAccepted(BaseModel):
    import_id: str
    status: str
    location: str


class ImportRowError(_FromAttributes):
    row_number: int
    household_key: str | None
    field: str
    value: str | None
    reason: str


class ImportOut(_FromAttributes):
    import_id: str
    filename: str
    format: str
    status: str
    rows_read: int
    households_read: int
    households_imported: int
    households_skipped: int
    households_rejected: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    error_count: int
    errors: list[ImportRowError]
