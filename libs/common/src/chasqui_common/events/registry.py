"""Registry events (topic registry.households, key = household id): households, members and CSE.

Payloads carry what downstream services decide on; a household event always carries the
whole household snapshot so a consumer can rebuild its projection from any single event.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from chasqui_common.events.catalogue import EventPayload, event
from chasqui_common.topics import REGISTRY_HOUSEHOLDS
from chasqui_common.values import (
    DocumentType,
    Email,
    IdentityDocument,
    IsoDate,
    MultilineText,
    PhoneNumber,
    Text,
    Ubigeo,
)

__all__ = [
    "Classification",
    "Consent",
    "Contact",
    "CseLevel",
    "Disability",
    "DisabilitySeverity",
    "DocumentType",
    "Education",
    "EducationLevel",
    "Household",
    "HouseholdClassified",
    "HouseholdDeregistered",
    "HouseholdRegistered",
    "HouseholdStatus",
    "HouseholdUpdated",
    "IdentityDocument",
    "Member",
    "MemberAdded",
    "MemberRemoved",
    "MemberUpdated",
    "Pension",
    "Relationship",
    "Sex",
]


class Sex(StrEnum):
    FEMALE = "F"
    MALE = "M"


class Relationship(StrEnum):
    HEAD = "HEAD"
    SPOUSE = "SPOUSE"
    CHILD = "CHILD"
    GRANDCHILD = "GRANDCHILD"
    PARENT = "PARENT"
    SIBLING = "SIBLING"
    OTHER_RELATIVE = "OTHER_RELATIVE"
    NON_RELATIVE = "NON_RELATIVE"


class DisabilitySeverity(StrEnum):
    NONE = "none"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"


class Pension(StrEnum):
    NONE = "none"
    ONP = "onp"
    AFP = "afp"
    OTHER = "other"


class EducationLevel(StrEnum):
    NONE = "none"
    INITIAL = "initial"
    PRIMARY = "primary"
    SECONDARY = "secondary"
    HIGHER_TECHNICAL = "higher_technical"
    UNIVERSITY = "university"


class CseLevel(StrEnum):
    POBRE_EXTREMO = "POBRE_EXTREMO"
    POBRE = "POBRE"
    NO_POBRE = "NO_POBRE"


class HouseholdStatus(StrEnum):
    ACTIVE = "active"
    DEREGISTERED = "deregistered"


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class Disability(_Part):
    severity: DisabilitySeverity = DisabilitySeverity.NONE
    certified: bool = False


class Education(_Part):
    level: EducationLevel = EducationLevel.NONE
    in_school: bool = False
    secondary_completed: bool = False
    secondary_last_year: bool = False


class Consent(_Part):
    sms: bool = False
    email: bool = False
    whatsapp: bool = False


class Contact(_Part):
    phone: PhoneNumber | None = None
    email: Email | None = None
    consent: Consent = Field(default_factory=Consent)


class Member(_Part):
    """A person as downstream services need them (no more)."""

    person_id: Text
    document: IdentityDocument
    given_names: Text
    paternal_surname: Text | None = None
    maternal_surname: Text | None = None
    birth_date: IsoDate
    sex: Sex
    relationship: Relationship
    disability: Disability = Field(default_factory=Disability)
    pregnant: bool = False
    pension: Pension = Pension.NONE
    education: Education = Field(default_factory=Education)
    contact: Contact = Field(default_factory=Contact)


class Classification(_Part):
    """The socioeconomic classification (CSE) in force for a household."""

    level: CseLevel
    valid_from: IsoDate
    valid_until: IsoDate
    source: Text


class Household(_Part):
    household_id: Text
    ubigeo: Ubigeo
    address: Text
    residence_since: IsoDate
    registering_unit: Text
    status: HouseholdStatus = HouseholdStatus.ACTIVE
    classification: Classification | None = None
    members: tuple[Member, ...]


class HouseholdEvent(EventPayload):
    """What every registry.households event has: the household's id and its whole snapshot after
    the change, so a consumer's projection simply takes it."""

    household_id: Text
    household: Household
    actor: Text | None = None
    """Who made the change: the client id (or subject) of the token; `registry-import` for a bulk
    import (its access record names the client); None on events recorded before actors were named."""


@event("pe.chasqui.registry.household.registered.v1", topic=REGISTRY_HOUSEHOLDS, subject="household_id")
class HouseholdRegistered(HouseholdEvent):
    """A household and its members were registered (by API or ULE import)."""


@event("pe.chasqui.registry.household.updated.v1", topic=REGISTRY_HOUSEHOLDS, subject="household_id")
class HouseholdUpdated(HouseholdEvent):
    """Household-level data changed (address, ubigeo, residence_since, registering unit)."""

    changed: tuple[Text, ...] = ()


@event("pe.chasqui.registry.member.added.v1", topic=REGISTRY_HOUSEHOLDS, subject="household_id")
class MemberAdded(HouseholdEvent):
    """A person joined a household."""

    person_id: Text


@event("pe.chasqui.registry.member.updated.v1", topic=REGISTRY_HOUSEHOLDS, subject="household_id")
class MemberUpdated(HouseholdEvent):
    """A member's data changed; `changed` lists the fields."""

    person_id: Text
    changed: tuple[Text, ...] = ()


@event("pe.chasqui.registry.member.removed.v1", topic=REGISTRY_HOUSEHOLDS, subject="household_id")
class MemberRemoved(HouseholdEvent):
    """A person left a household (death, moved out, registration error), with the reason."""

    person_id: Text
    reason: MultilineText


@event("pe.chasqui.registry.household.classified.v1", topic=REGISTRY_HOUSEHOLDS, subject="household_id")
class HouseholdClassified(HouseholdEvent):
    """A socioeconomic classification (CSE) was assigned to the household."""

    classification: Classification


@event("pe.chasqui.registry.household.deregistered.v1", topic=REGISTRY_HOUSEHOLDS, subject="household_id")
class HouseholdDeregistered(HouseholdEvent):
    """The household left the registry; its members are no longer registered."""

    reason: MultilineText


HOUSEHOLD_EVENTS: tuple[type[HouseholdEvent], ...] = (
    HouseholdRegistered,
    HouseholdUpdated,
    MemberAdded,
    MemberUpdated,
    MemberRemoved,
    HouseholdClassified,
    HouseholdDeregistered,
)
"""Every event type of registry.households, in the order a household lives them."""
