"""Migrants events (topic migrants.cases): migrants, cases at Migracentros, appointments, referrals.

Keys: case events (opened, referral issued, closed) are keyed by case id; person events
(registered, appointment scheduled/cancelled, document expiring) by migrant id, so a person's
appointments and reminders stay in order. Person data is the minimum the receiver needs:
`MigrantIdentity` for a service that must act on the person (employment, registration),
`contact` (phone, e-mail and consent per channel) for the notifications service.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from chasqui_common.errors import InvalidValue
from chasqui_common.events.catalogue import EventPayload, event
from chasqui_common.events.registry import Contact, DocumentType, IdentityDocument, Sex
from chasqui_common.topics import MIGRANT_SERVICES_CASES, MIGRANT_SERVICES_MIGRANTS
from chasqui_common.values import IsoDate, IsoDateTime, MultilineText, Text, Ubigeo, validate_document

__all__ = [
    "AppointmentCancelled",
    "AppointmentScheduled",
    "CaseClosed",
    "CaseOpened",
    "CaseService",
    "DocumentExpiring",
    "EmploymentProfile",
    "MigrantIdentity",
    "MigrantRegistered",
    "ReferralIssued",
    "ReferralTarget",
]


class ReferralTarget(StrEnum):
    """Where a case sends a person; employment and household registration are acted on by services."""

    EMPLOYMENT = "employment"
    HOUSEHOLD_REGISTRATION = "household_registration"
    HEALTH = "health"
    EDUCATION = "education"


class CaseService(StrEnum):
    """Services a person can request at a Migracentro (a case's requested services, appointment kinds)."""

    DOCUMENT_PROCEDURE = "document_procedure"
    REFUGEE_GUIDANCE = "refugee_guidance"
    EMPLOYMENT_ORIENTATION = "employment_orientation"
    HEALTH_AFFILIATION = "health_affiliation"
    EDUCATION_VALIDATION = "education_validation"
    SOCIAL_PROGRAMS_REGISTRATION = "social_programs_registration"


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class MigrantIdentity(_Part):
    """Who the person is, as a receiving service needs it to register or contact them."""

    migrant_id: Text
    document: IdentityDocument
    document_expires_on: IsoDate | None = None
    given_names: Text
    paternal_surname: Text | None = None
    maternal_surname: Text | None = None
    birth_date: IsoDate
    sex: Sex | None = None
    nationality: Text = Field(description="ISO 3166-1 alpha-3 country code, e.g. VEN", pattern=r"^[A-Z]{3}$")
    contact: Contact = Field(default_factory=Contact)


class EmploymentProfile(_Part):
    """What the case learned of the person's work, for the employment service (all optional)."""

    occupations: tuple[Text, ...] = Field(
        default=(), description="CNO 2015 occupation codes (4 digits) the person has worked in"
    )
    skills: tuple[Text, ...] = ()
    education_level: Text | None = None
    years_of_experience: int | None = None


@event("pe.chasqui.migrants.migrant.registered.v1", topic=MIGRANT_SERVICES_MIGRANTS, subject="migrant_id")
class MigrantRegistered(EventPayload):
    """A person was registered at a Migracentro, with their contact and consent per channel."""

    migrant_id: Text
    attention_point: Text
    registered_at: IsoDateTime
    person: MigrantIdentity


@event("pe.chasqui.migrants.case.opened.v1", topic=MIGRANT_SERVICES_CASES, subject="case_id")
class CaseOpened(EventPayload):
    """A case was opened for a person at an attention point, with the services they requested."""

    case_id: Text
    migrant_id: Text
    attention_point: Text
    requested_services: tuple[CaseService, ...]
    opened_at: IsoDateTime


@event("pe.chasqui.migrants.appointment.scheduled.v1", topic=MIGRANT_SERVICES_MIGRANTS, subject="migrant_id")
class AppointmentScheduled(EventPayload):
    """An appointment was booked: who, when, where and for which service."""

    appointment_id: Text
    migrant_id: Text
    case_id: Text | None = None
    attention_point: Text
    attention_point_name: Text
    address: Text
    service: CaseService
    day: IsoDate
    starts_at: IsoDateTime | None = Field(
        default=None, description="Start of the attention point's opening hours on that day (Lima time)"
    )
    contact: Contact = Field(default_factory=Contact)
    given_names: Text


@event("pe.chasqui.migrants.appointment.cancelled.v1", topic=MIGRANT_SERVICES_MIGRANTS, subject="migrant_id")
class AppointmentCancelled(EventPayload):
    """A booked appointment was cancelled; its slot is free again."""

    appointment_id: Text
    migrant_id: Text
    case_id: Text | None = None
    attention_point: Text
    attention_point_name: Text
    service: CaseService
    day: IsoDate
    reason: MultilineText
    contact: Contact = Field(default_factory=Contact)
    given_names: Text


@event("pe.chasqui.migrants.referral.issued.v1", topic=MIGRANT_SERVICES_CASES, subject="case_id")
class ReferralIssued(EventPayload):
    """A case referred the person to employment, household registration (ULE), health or education.

    `person` carries the identity the receiver needs to act (e.g. the employment service turns it
    into a job seeker); `employment` is set only for employment referrals, when known.
    """

    referral_id: Text
    case_id: Text
    migrant_id: Text
    target: ReferralTarget
    attention_point: Text
    attention_point_ubigeo: Ubigeo
    issued_at: IsoDateTime
    notes: MultilineText | None = None
    person: MigrantIdentity
    employment: EmploymentProfile | None = None


@event("pe.chasqui.migrants.case.closed.v1", topic=MIGRANT_SERVICES_CASES, subject="case_id")
class CaseClosed(EventPayload):
    """A case was closed, with its outcome."""

    case_id: Text
    migrant_id: Text
    attention_point: Text
    outcome: MultilineText
    closed_at: IsoDateTime


@event("pe.chasqui.migrants.document.expiring.v1", topic=MIGRANT_SERVICES_MIGRANTS, subject="migrant_id")
class DocumentExpiring(EventPayload):
    """A person's CPP or Carné de Extranjería expires within 30 days; raised once per document expiry."""

    migrant_id: Text
    document_type: DocumentType
    document_number: Text
    expires_on: IsoDate
    days_left: int
    given_names: Text
    contact: Contact = Field(default_factory=Contact)

    @field_validator("document_number", mode="after")
    @classmethod
    def _number_fits_type(cls, number: str, info: ValidationInfo) -> str:
        """The number follows its type's rule (`chasqui_common.values.validate_document`)."""
        type_ = info.data.get("document_type")
        if type_ is None:
            return number
        try:
            return validate_document(type_, number) or number
        except InvalidValue as exc:
            raise PydanticCustomError("identity_document", "{expected}", {"expected": exc.expected}) from None
