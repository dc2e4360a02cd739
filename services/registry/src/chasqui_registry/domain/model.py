"""What a household and its members look like as input (API bodies and import rows)."""

from __future__ import annotations

from typing import Annotated

from chasqui_common.events.registry import (
    Classification,
    Contact,
    CseLevel,
    Disability,
    Education,
    IdentityDocument,
    Pension,
    Relationship,
    Sex,
)
from chasqui_common.values import text
from pydantic import BaseModel, ConfigDict, Field

from chasqui_registry.domain.text import FileOrIsoDate, Text


class _Input(BaseModel):
    # No whitespace stripping: text is stored and read back exactly as sent, or refused (the
    # shared text rule). CSV cells are trimmed when the file is read, before they get here.
    model_config = ConfigDict(extra="forbid", frozen=True)


class MemberDraft(_Input):
    """A person as a ULE or an API client describes them, before the registry gives them an id."""

    document: IdentityDocument
    given_names: Text = Field(min_length=1, max_length=120)
    paternal_surname: Text | None = Field(None, max_length=80)
    maternal_surname: Text | None = Field(None, max_length=80)
    birth_date: FileOrIsoDate
    sex: Sex
    relationship: Relationship
    disability: Disability = Field(default_factory=Disability)
    pregnant: bool = False
    pension: Pension = Pension.NONE
    education: Education = Field(default_factory=Education)
    contact: Contact = Field(default_factory=Contact)


class ClassificationDraft(_Input):
    level: CseLevel
    valid_from: FileOrIsoDate
    valid_until: FileOrIsoDate
    source: Text = Field(min_length=1, max_length=80)

    def to_classification(self) -> Classification:
        return Classification(
            level=self.level, valid_from=self.valid_from, valid_until=self.valid_until, source=self.source
        )


class HouseholdDraft(_Input):
    """A household with its members, as registered by API or imported from a ULE file."""

    ubigeo: Text = Field(pattern=r"^\d{6}$", description="INEI district code DDPPdd")
    address: Text = Field(min_length=1, max_length=300)
    residence_since: FileOrIsoDate
    registering_unit: Text = Field(min_length=1, max_length=80, description="ULE code or municipality")
    classification: ClassificationDraft | None = None
    members: list[MemberDraft] = Field(min_length=1, max_length=40)


class HouseholdPatch(_Input):
    """Household-level fields a client may change; absent fields stay as they are."""

    ubigeo: Annotated[str, Field(pattern=r"^\d{6}$"), text()] | None = Field(
        None, description="INEI district code DDPPdd"
    )
    address: Text | None = Field(None, min_length=1, max_length=300)
    residence_since: FileOrIsoDate | None = None
    registering_unit: Text | None = Field(None, min_length=1, max_length=80)


class MemberPatch(_Input):
    """Member fields a client may change; absent fields stay as they are."""

    document: IdentityDocument | None = None
    given_names: Text | None = Field(None, min_length=1, max_length=120)
    paternal_surname: Text | None = Field(None, max_length=80)
    maternal_surname: Text | None = Field(None, max_length=80)
    birth_date: FileOrIsoDate | None = None
    sex: Sex | None = None
    relationship: Relationship | None = None
    disability: Disability | None = None
    pregnant: bool | None = None
    pension: Pension | None = None
    education: Education | None = None
    contact: Contact | None = None
