"""Request and response bodies of the migrant-services HTTP API."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Self

from chasqui_common.errors import InvalidValue
from chasqui_common.events.migrants import CaseService, EmploymentProfile, ReferralTarget
from chasqui_common.events.registry import DocumentType, Sex
from chasqui_common.http.schemas import ResponseModel
from chasqui_common.values import Email, IsoDate, PhoneNumber, Ubigeo, Uuid, text, validate_document
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from chasqui_migrant_services.domain.appointments import AppointmentStatus
from chasqui_migrant_services.domain.attention_points import AttentionPoint, format_opening_hours
from chasqui_migrant_services.domain.cases import CaseStatus
from chasqui_migrant_services.domain.migrants import ACCEPTED_DOCUMENTS, Document, Migrant

# The shared value rules (docs/values.md) for what this API takes in bodies, queries and paths.
Code = Annotated[str, text(min_length=1, max_length=32)]
"""An attention point code (its shape is checked by the domain: 2-32 upper-case letters...)."""
Id = Uuid
"""A migrant, case, appointment or referral id: a UUID. Anything else is a 422 naming the body
field, path or query parameter (a `?migrant_id=` filter that is no UUID used to be dropped,
listing everyone's cases and appointments)."""
Name = Annotated[str, text(min_length=1, max_length=120)]
DocumentNumber = Annotated[str, text(min_length=1, max_length=30)]


class _In(BaseModel):
    """A request body: unknown fields refused; text kept exactly as sent or refused (no stripping)."""

    model_config = ConfigDict(extra="forbid")


class AttentionPointIn(_In):
    code: Code = Field(examples=["CALLAO"])
    name: Annotated[str, text(min_length=3, max_length=200)]
    ubigeo: Ubigeo = Field(examples=["070101"])
    address: Annotated[str, text(min_length=3, max_length=300)]
    opening_hours: dict[Annotated[str, text(max_length=16)], Annotated[str, text(max_length=32)]] = Field(
        examples=[{"mon": "08:30-16:30", "sat": "08:00-13:00"}]
    )
    daily_capacity: dict[CaseService, int] = Field(examples=[{"document_procedure": 40}])


class CapacityIn(_In):
    daily_capacity: int = Field(ge=0, le=10_000)


class AttentionPointOut(ResponseModel):
    code: str
    name: str
    ubigeo: str
    address: str
    opening_hours: dict[str, str]
    daily_capacity: dict[CaseService, int]
    active: bool

    @classmethod
    def of(cls, p: AttentionPoint, /, **overrides: Any) -> Self:
        return super().of(p, opening_hours=format_opening_hours(p.opening_hours), **overrides)


class ServiceSlotsOut(ResponseModel):
    service: CaseService
    capacity: int
    booked: int
    free: int


class DaySlotsOut(ResponseModel):
    day: date
    opens: str
    closes: str
    services: list[ServiceSlotsOut]


class SlotsOut(ResponseModel):
    attention_point: str
    days: list[DaySlotsOut]


class ConsentIn(_In):
    sms: bool = False
    email: bool = False
    whatsapp: bool = False


class ContactIn(_In):
    """Phone (stored E.164) and e-mail; SMS and WhatsApp consent only with a mobile number."""

    phone: PhoneNumber | None = Field(None, examples=["+51987654321"])
    email: Email | None = Field(None, examples=["maria.rondon@example.com"])
    consent: ConsentIn = Field(default_factory=ConsentIn)

    def flat(self) -> dict[str, Any]:
        """Phone, email and `consent_<channel>`: the contact as a command's fields."""
        consent = {f"consent_{channel}": granted for channel, granted in self.consent.model_dump().items()}
        return {"phone": self.phone, "email": self.email, **consent}


class DocumentIn(_In):
    """A document; its number follows the shared rule of its type and is kept canonical."""

    type: DocumentType
    number: DocumentNumber
    expires_on: IsoDate | None = None

    @field_validator("number", mode="after")
    @classmethod
    def _number_fits_type(cls, number: str, info: ValidationInfo) -> str:
        type_ = info.data.get("type")
        if type_ not in ACCEPTED_DOCUMENTS:  # refused, or refused by the domain naming the type
            return number
        try:
            return validate_document(type_, number) or number
        except InvalidValue as exc:
            raise PydanticCustomError("identity_document", "{expected}", {"expected": exc.expected}) from None

    def document(self) -> Document:
        return Document(self.type, self.number, self.expires_on)


class DocumentOut(ResponseModel):
    type: DocumentType
    number: str
    expires_on: date | None


class MigrantIn(_In):
    attention_point: Code = Field(description="Where the person was registered", examples=["ICA"])
    documents: list[DocumentIn] = Field(min_length=1, max_length=len(ACCEPTED_DOCUMENTS))
    nationality: Annotated[str, text(min_length=1, max_length=60)] = Field(
        description="ISO 3166-1 alpha-3", examples=["VEN"]
    )
    entry_date: IsoDate | None = Field(None, description="Date of entry into Peru")
    given_names: Name
    paternal_surname: Annotated[str, text(max_length=120)] | None = None
    maternal_surname: Annotated[str, text(max_length=120)] | None = None
    birth_date: IsoDate
    sex: Sex | None = None
    contact: ContactIn = Field(default_factory=ContactIn)
    occupations: list[Annotated[str, text(max_length=4)]] = Field(
        default_factory=list, max_length=50, description="CNO 2015 codes (4 digits)"
    )
    skills: list[Annotated[str, text(min_length=1, max_length=100)]] = Field(
        default_factory=list, max_length=50
    )

    @field_validator("occupations")
    @classmethod
    def _cno_codes(cls, codes: list[str]) -> list[str]:
        for code in codes:
            if not (len(code) == 4 and code.isdigit()):
                raise ValueError(f"occupation {code!r} must be a 4-digit CNO 2015 code, e.g. 5120")
        return codes


class MigrantOut(ResponseModel):
    migrant_id: str
    attention_point: str
    documents: list[DocumentOut]
    nationality: str
    entry_date: date | None
    given_names: str
    paternal_surname: str | None
    maternal_surname: str | None
    birth_date: date
    sex: Sex | None
    contact: ContactIn
    occupations: list[str]
    skills: list[str]
    registered_at: datetime

    @classmethod
    def of(cls, m: Migrant, /, **overrides: Any) -> Self:
        """The migrant, with the contact details grouped as in the request body."""
        consent = ConsentIn(sms=m.consent_sms, email=m.consent_email, whatsapp=m.consent_whatsapp)
        return super().of(m, contact=ContactIn(phone=m.phone, email=m.email, consent=consent), **overrides)


class CaseIn(_In):
    migrant_id: Id
    attention_point: Code
    requested_services: list[CaseService] = Field(min_length=1)


class TransitionIn(_In):
    status: CaseStatus
    note: Annotated[str, text(max_length=1000, multiline=True)] | None = Field(
        None, description="Required when closing: the outcome"
    )


class HistoryOut(ResponseModel):
    from_status: CaseStatus | None
    to_status: CaseStatus
    at: datetime
    actor: str
    note: str | None


class CaseOut(ResponseModel):
    case_id: str
    migrant_id: str
    attention_point: str
    requested_services: list[CaseService]
    status: CaseStatus
    opened_at: datetime
    closed_at: datetime | None
    outcome: str | None
    history: list[HistoryOut] | None = None


class AppointmentIn(_In):
    migrant_id: Id
    attention_point: Code
    service: CaseService
    day: IsoDate
    case_id: Id | None = None


class CancelIn(_In):
    reason: Annotated[str, text(min_length=3, max_length=500, multiline=True)]


class AppointmentOut(ResponseModel):
    appointment_id: str
    migrant_id: str
    case_id: str | None
    attention_point: str
    service: CaseService
    day: date
    status: AppointmentStatus
    booked_at: datetime
    cancelled_at: datetime | None
    cancel_reason: str | None


class ReferralIn(_In):
    target: ReferralTarget
    notes: Annotated[str, text(max_length=2000, multiline=True)] | None = None
    employment: EmploymentProfile | None = Field(
        None, description="For employment referrals; defaults to the occupations and skills on file"
    )


class ReferralOut(ResponseModel):
    referral_id: str
    case_id: str
    migrant_id: str
    attention_point: str
    target: ReferralTarget
    notes: str | None
    issued_at: datetime
    issued_by: str


class SweepOut(ResponseModel):
    as_of: date
    announced: int


class PointStatsOut(ResponseModel):
    attention_point: str
    name: str
    cases_opened: int
    cases_closed: int
    appointments_booked: int
    appointments_cancelled: int
    referrals: int
    referrals_by_target: dict[str, int]


class StatsOut(ResponseModel):
    period_from: date = Field(serialization_alias="from")
    period_to: date = Field(serialization_alias="to")
    attention_points: list[PointStatsOut]
