"""What a household and its members look like as input (API bodies and import rows)."""

from __future__ import annotations

from datetime import date

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
from pydantic import BaseModel, ConfigDict, Field


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


class MemberDraft(_Input):
    """A person as a ULE or an API client describes them, before the registry gives them an id."""

    document: IdentityDocument
    given_names: str = Field(min_length=1, max_length=120)
    paternal_surname: str | None = Field(None, max_length=80)
    maternal_surname: str | None = Field(None, max_length=80)
    birth_date: date
    sex: Sex
    relationship: Relationship
    disability: Disability = Field(default_factory=Disability)
    pregnant: bool = False
    pension: Pension = Pension.NONE
    education: Education = Field(default_factory=Education)
    contact: Contact = Field(default_factory=Contact)


class ClassificationDraft(_Input):
    level: CseLevel
    valid_from: date
    valid_until: date
    source: str = Field(min_length=1, max_length=80)

    def to_classification(self) -> Classification:
        return Classification(
            level=self.level, valid_from=self.valid_from, valid_until=self.valid_until, source=self.source
        )


class HouseholdDraft(_Input):
    """A household with its members, as registered by API or imported from a ULE file."""

    ubigeo: str = Field(pattern=r"^\d{6}$", description="INEI district code DDPPdd")
    address: str = Field(min_length=1, max_length=300)
    residence_since: date
    registering_unit: str = Field(min_length=1, max_length=80, description="ULE code or municipality")
    classification: ClassificationDraft | None = None
    members: list[MemberDraft] = Field(min_length=1, max_length=40)


class HouseholdPatch(_Input):
    """Household-level fields a client may change; absent fields stay as they are."""

    ubigeo: str | None = Field(None, pattern=r"^\d{6}$")
    address: str | None = Field(None, min_length=1, max_length=300)
    residence_since: date | None = None
    registering_unit: str | None = Field(None, min_length=1, max_length=80)


class MemberPatch(_Input):
    """Member fields a client may change; absent fields stay as they are."""

    document: IdentityDocument | None = None
    given_names: str | None = Field(None, min_length=1, max_length=120)
    paternal_surname: str | None = Field(None, max_length=80)
    maternal_surname: str | None = Field(None, max_length=80)
    birth_date: date | None = None
    sex: Sex | None = None
    relationship: Relationship | None = None
    disability: Disability | None = None
    pregnant: bool | None = None
    pension: Pension | None = None
    education: Education | None = None
    contact: Contact | None = None
