"""Request and response bodies of the migrant-services HTTP API."""

from __future__ import annotations

from datetime import date, datetime

from chasqui_common.events.migrants import CaseService, EmploymentProfile, ReferralTarget
from chasqui_common.events.registry import DocumentType, Sex
from pydantic import BaseModel, ConfigDict, Field, field_validator

from chasqui_migrant_services.application.commands import ExpirySweep
from chasqui_migrant_services.application.queries import AttentionPointStats, FreeSlots
from chasqui_migrant_services.domain.appointments import Appointment, AppointmentStatus
from chasqui_migrant_services.domain.attention_points import AttentionPoint, format_opening_hours
from chasqui_migrant_services.domain.cases import Case, CaseStatus, Referral
from chasqui_migrant_services.domain.migrants import Document, Migrant


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class AttentionPointIn(_In):
    code: str = Field(examples=["CALLAO"])
    name: str = Field(min_length=3, max_length=200)
    ubigeo: str = Field(pattern=r"^\d{6}$", examples=["070101"])
    address: str = Field(min_length=3, max_length=300)
    opening_hours: dict[str, str] = Field(examples=[{"mon": "08:30-16:30", "sat": "08:00-13:00"}])
    daily_capacity: dict[CaseService, int] = Field(examples=[{"document_procedure": 40}])


class CapacityIn(_In):
    daily_capacity: int = Field(ge=0, le=10_000)


class AttentionPointOut(BaseModel):
    code: str
    name: str
    ubigeo: str
    address: str
    opening_hours: dict[str, str]
    daily_capacity: dict[CaseService, int]
    active: bool

    @classmethod
    def of(cls, p: AttentionPoint) -> AttentionPointOut:
        return cls(
            code=p.code,
            name=p.name,
            ubigeo=p.ubigeo,
            address=p.address,
            opening_hours=format_opening_hours(p.opening_hours),
            daily_capacity=p.daily_capacity,
            active=p.active,
        )


class ServiceSlotsOut(BaseModel):
    service: CaseService
    capacity: int
    booked: int
    free: int


class DaySlotsOut(BaseModel):
    day: date
    opens: str
    closes: str
    services: list[ServiceSlotsOut]


class SlotsOut(BaseModel):
    attention_point: str
    days: list[DaySlotsOut]

    @classmethod
    def of(cls, slots: FreeSlots) -> SlotsOut:
        return cls(
            attention_point=slots.attention_point,
            days=[
                DaySlotsOut(
                    day=d.day,
                    opens=d.opens,
                    closes=d.closes,
                    services=[
                        ServiceSlotsOut(service=x.service, capacity=x.capacity, booked=x.booked, free=x.free)
                        for x in d.services
                    ],
                )
                for d in slots.days
            ],
        )


class ConsentIn(_In):
    sms: bool = False
    email: bool = False
    whatsapp: bool = False


class ContactIn(_In):
    phone: str | None = Field(None, pattern=r"^\+?\d{7,15}$", examples=["+51987654321"])
    email: str | None = Field(None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    consent: ConsentIn = Field(default_factory=ConsentIn)


class DocumentIn(_In):
    type: DocumentType
    number: str = Field(min_length=1, max_length=30)
    expires_on: date | None = None

    def document(self) -> Document:
        return Document(self.type, self.number, self.expires_on)


class DocumentOut(BaseModel):
    type: DocumentType
    number: str
    expires_on: date | None


class MigrantIn(_In):
    attention_point: str = Field(description="Where the person was registered", examples=["ICA"])
    documents: list[DocumentIn] = Field(min_length=1)
    nationality: str = Field(description="ISO 3166-1 alpha-3", examples=["VEN"])
    entry_date: date | None = Field(None, description="Date of entry into Peru")
    given_names: str = Field(min_length=1, max_length=120)
    paternal_surname: str | None = Field(None, max_length=120)
    maternal_surname: str | None = Field(None, max_length=120)
    birth_date: date
    sex: Sex | None = None
    contact: ContactIn = Field(default_factory=ContactIn)
    occupations: list[str] = Field(default_factory=list, description="CNO 2015 codes (4 digits)")
    skills: list[str] = Field(default_factory=list)

    @field_validator("occupations")
    @classmethod
    def _cno_codes(cls, codes: list[str]) -> list[str]:
        for code in codes:
            if not (len(code) == 4 and code.isdigit()):
                raise ValueError(f"occupation {code!r} must be a 4-digit CNO 2015 code, e.g. 5120")
        return codes


class MigrantOut(BaseModel):
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
    def of(cls, m: Migrant) -> MigrantOut:
        return cls(
            migrant_id=m.migrant_id,
            attention_point=m.attention_point,
            documents=[
                DocumentOut(type=d.type, number=d.number, expires_on=d.expires_on) for d in m.documents
            ],
            nationality=m.nationality,
            entry_date=m.entry_date,
            given_names=m.given_names,
            paternal_surname=m.paternal_surname,
            maternal_surname=m.maternal_surname,
            birth_date=m.birth_date,
            sex=m.sex,
            contact=ContactIn(
                phone=m.phone,
                email=m.email,
                consent=ConsentIn(sms=m.consent_sms, email=m.consent_email, whatsapp=m.consent_whatsapp),
            ),
            occupations=list(m.occupations),
            skills=list(m.skills),
            registered_at=m.registered_at,
        )


class CaseIn(_In):
    migrant_id: str
    attention_point: str
    requested_services: list[CaseService] = Field(min_length=1)


class TransitionIn(_In):
    status: CaseStatus
    note: str | None = Field(None, max_length=1000, description="Required when closing: the outcome")


class HistoryOut(BaseModel):
    from_status: CaseStatus | None
    to_status: CaseStatus
    at: datetime
    actor: str
    note: str | None


class CaseOut(BaseModel):
    case_id: str
    migrant_id: str
    attention_point: str
    requested_services: list[CaseService]
    status: CaseStatus
    opened_at: datetime
    closed_at: datetime | None
    outcome: str | None
    history: list[HistoryOut] | None = None

    @classmethod
    def of(cls, c: Case, *, with_history: bool = True) -> CaseOut:
        return cls(
            case_id=c.case_id,
            migrant_id=c.migrant_id,
            attention_point=c.attention_point,
            requested_services=list(c.requested_services),
            status=c.status,
            opened_at=c.opened_at,
            closed_at=c.closed_at,
            outcome=c.outcome,
            history=[
                HistoryOut(
                    from_status=h.from_status, to_status=h.to_status, at=h.at, actor=h.actor, note=h.note
                )
                for h in c.history
            ]
            if with_history
            else None,
        )


class AppointmentIn(_In):
    migrant_id: str
    attention_point: str
    service: CaseService
    day: date
    case_id: str | None = None


class CancelIn(_In):
    reason: str = Field(min_length=3, max_length=500)


class AppointmentOut(BaseModel):
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

    @classmethod
    def of(cls, a: Appointment) -> AppointmentOut:
        return cls(
            appointment_id=a.appointment_id,
            migrant_id=a.migrant_id,
            case_id=a.case_id,
            attention_point=a.attention_point,
            service=a.service,
            day=a.day,
            status=a.status,
            booked_at=a.booked_at,
            cancelled_at=a.cancelled_at,
            cancel_reason=a.cancel_reason,
        )


class ReferralIn(_In):
    target: ReferralTarget
    notes: str | None = Field(None, max_length=2000)
    employment: EmploymentProfile | None = Field(
        None, description="For employment referrals; defaults to the occupations and skills on file"
    )


class ReferralOut(BaseModel):
    referral_id: str
    case_id: str
    migrant_id: str
    attention_point: str
    target: ReferralTarget
    notes: str | None
    issued_at: datetime
    issued_by: str

    @classmethod
    def of(cls, r: Referral) -> ReferralOut:
        return cls(
            referral_id=r.referral_id,
            case_id=r.case_id,
            migrant_id=r.migrant_id,
            attention_point=r.attention_point,
            target=r.target,
            notes=r.notes,
            issued_at=r.issued_at,
            issued_by=r.issued_by,
        )


class SweepOut(BaseModel):
    as_of: date
    announced: int

    @classmethod
    def of(cls, sweep: ExpirySweep) -> SweepOut:
        return cls(as_of=sweep.as_of, announced=sweep.announced)


class PointStatsOut(BaseModel):
    attention_point: str
    name: str
    cases_opened: int
    cases_closed: int
    appointments_booked: int
    appointments_cancelled: int
    referrals: int
    referrals_by_target: dict[str, int]


class StatsOut(BaseModel):
    period_from: date = Field(serialization_alias="from")
    period_to: date = Field(serialization_alias="to")
    attention_points: list[PointStatsOut]

    @classmethod
    def of(cls, stats: AttentionPointStats) -> StatsOut:
        return cls(
            period_from=stats.period_from,
            period_to=stats.period_to,
            attention_points=[
                PointStatsOut(
                    attention_point=p.attention_point,
                    name=p.name,
                    cases_opened=p.cases_opened,
                    cases_closed=p.cases_closed,
                    appointments_booked=p.appointments_booked,
                    appointments_cancelled=p.appointments_cancelled,
                    referrals=p.referrals,
                    referrals_by_target=p.referrals_by_target,
                )
                for p in stats.attention_points
            ],
        )
