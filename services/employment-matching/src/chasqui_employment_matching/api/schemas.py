"""Request and response bodies of /v1, and their mapping to and from the domain."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Annotated, Any, Self

from chasqui_common.events.employment import SeekerSource
from chasqui_common.events.registry import Consent, DocumentType, EducationLevel
from chasqui_common.http.schemas import ResponseModel
from chasqui_common.values import Email, IsoDate, PhoneNumber, Ubigeo, text
from pydantic import BaseModel, ConfigDict, Field, model_validator

from chasqui_employment_matching.application.queries import MatchView
from chasqui_employment_matching.domain import codes
from chasqui_employment_matching.domain.models import (
    Availability,
    Employer,
    JobFair,
    JobSeeker,
    Vacancy,
)


class _In(BaseModel):
    """A request body: the shared value rules (docs/values.md) on every field, kept as written.

    No whitespace stripping: a text field is stored and read back byte-exact, or refused with 422.
    """

    model_config = ConfigDict(extra="forbid")


Id = Annotated[str, text(min_length=1, max_length=64)]
"""An identifier in a body (a UUID the service assigned, checked by the route)."""
Code = Annotated[str, text(min_length=1, max_length=20)]
"""A code checked after parsing: RUC (python-stdnum), CNO/ISCO occupation (4 digits)."""
SkillTag = Annotated[str, text(min_length=1, max_length=80)]


# -- job seekers ---------------------------------------------------------------------------------


class DocumentIn(_In):
    """A job seeker's document: DNI, CE, CPP, PTP or PASSPORT; the number by the shared rule."""

    type: DocumentType
    number: Annotated[str, text(min_length=1, max_length=30)]


class ContactIn(_In):
    """Phone (stored in E.164), e-mail, and consent per channel: SMS and WhatsApp need a mobile."""

    phone: PhoneNumber | None = None
    email: Email | None = None
    consent: Consent = Field(default_factory=Consent)


class JobSeekerIn(_In):
    document: DocumentIn
    person_id: Id | None = Field(None, description="platform person id; assigned when absent")
    given_names: Annotated[str, text(min_length=1, max_length=120)]
    paternal_surname: Annotated[str, text(max_length=80)] | None = None
    maternal_surname: Annotated[str, text(max_length=80)] | None = None
    birth_date: IsoDate | None = None
    ubigeo: Ubigeo
    occupations: list[Code] = Field(
        min_length=1, max_length=10, description="CNO 2015 / ISCO-08 4-digit codes"
    )
    skills: list[SkillTag] = Field(default_factory=list, max_length=50)
    education: EducationLevel = EducationLevel.NONE
    experience_years: int = Field(0, ge=0, le=70)
    disability: bool = False
    availability: Availability = Availability.ANY
    expected_salary: int | None = Field(None, ge=0, description="whole soles per month")
    contact: ContactIn = Field(default_factory=ContactIn)
    consent_to_contact: bool = False
    source: SeekerSource = SeekerSource.CENTRO_DE_EMPLEO

    def to_domain(self, seeker_id: str) -> JobSeeker:
        """The seeker: the body's own fields as they are, the codes checked and normalised."""
        number = codes.normalise_document("document", self.document.type, self.document.number)
        occupations = (codes.check_occupation(f"occupations.{i}", c) for i, c in enumerate(self.occupations))
        consent = self.contact.consent
        sms, whatsapp = codes.channel_consent(
            "contact.consent", self.contact.phone, sms=consent.sms, whatsapp=consent.whatsapp
        )
        return JobSeeker(
            **self.model_dump(
                exclude={"document", "person_id", "ubigeo", "occupations", "skills", "contact"}
            ),
            seeker_id=seeker_id,
            person_id=self.person_id or f"{self.document.type.value}-{number}",
            document_type=self.document.type,
            document_number=number,
            ubigeo=self.ubigeo,
            occupations=tuple(dict.fromkeys(occupations)),
            skills=codes.normalise_skills("skills", self.skills),
            phone=self.contact.phone,
            email=self.contact.email,
            consent_sms=sms,
            consent_email=consent.email,
            consent_whatsapp=whatsapp,
        )


class DocumentOut(ResponseModel):
    type: DocumentType
    number: str


class ContactOut(ResponseModel):
    phone: str | None
    email: str | None
    consent: Consent


class JobSeekerOut(ResponseModel):
    seeker_id: str
    person_id: str
    document: DocumentOut
    given_names: str
    paternal_surname: str | None
    maternal_surname: str | None
    birth_date: date | None
    ubigeo: str
    occupations: list[str]
    skills: list[str]
    education: EducationLevel
    experience_years: int
    disability: bool
    availability: Availability
    expected_salary: int | None
    contact: ContactOut
    consent_to_contact: bool
    source: SeekerSource
    referral_id: str | None
    active: bool
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def of(cls, s: JobSeeker, /, **overrides: Any) -> Self:
        """The seeker, with its document and contact details grouped as in the request body."""
        consent = Consent(sms=s.consent_sms, email=s.consent_email, whatsapp=s.consent_whatsapp)
        return super().of(
            s,
            document=DocumentOut(type=s.document_type, number=s.document_number),
            contact=ContactOut(phone=s.phone, email=s.email, consent=consent),
            **overrides,
        )


class JobSeekerList(BaseModel):
    items: list[JobSeekerOut]


# -- matches -------------------------------------------------------------------------------------


class ComponentOut(ResponseModel):
    name: str
    points: int
    max_points: int
    detail: str


class MatchOut(ResponseModel):
    seeker_id: str
    vacancy_id: str
    score: int
    components: list[ComponentOut]


class MatchesOut(ResponseModel):
    items: list[MatchOut]

    @classmethod
    def of(cls, source: Sequence[MatchView], /, **overrides: Any) -> Self:
        return cls(items=[MatchOut.of(v) for v in source], **overrides)


# -- employers and vacancies ---------------------------------------------------------------------


class EmployerIn(_In):
    ruc: Code = Field(description="11-digit RUC with its check digit (python-stdnum)")
    name: Annotated[str, text(min_length=1, max_length=200)]
    sector: Annotated[str, text(max_length=120)] | None = Field(
        None, description="economic sector (e.g. CIIU section)"
    )

    def to_domain(self) -> Employer:
        return Employer(codes.normalise_ruc("ruc", self.ruc), self.name, self.sector)


class EmployerOut(ResponseModel):
    ruc: str
    name: str
    sector: str | None


class VacancyIn(_In):
    employer_ruc: Code
    title: Annotated[str, text(min_length=1, max_length=200)]
    occupation_code: Code = Field(description="CNO 2015 / ISCO-08 4-digit unit group")
    skills: list[SkillTag] = Field(default_factory=list, max_length=30)
    ubigeo: Ubigeo
    positions: int = Field(ge=1, le=10_000)
    formal: bool = Field(description="formal contract (planilla)")
    salary_min: int | None = Field(None, ge=0, description="whole soles per month")
    salary_max: int | None = Field(None, ge=0, description="whole soles per month")
    inclusive: bool = Field(False, description="reserved for people with a disability")
    education_required: EducationLevel = EducationLevel.NONE
    experience_years_required: int = Field(0, ge=0, le=50)
    closes_on: IsoDate
    job_fair_id: Id | None = None

    @model_validator(mode="after")
    def _salary_range(self) -> VacancyIn:
        if self.salary_min is not None and self.salary_max is not None and self.salary_max < self.salary_min:
            raise ValueError(f"salary_max {self.salary_max} is below salary_min {self.salary_min}")
        return self

    def to_domain(self, vacancy_id: str) -> Vacancy:
        if self.job_fair_id is not None:
            codes.check_uuid("job_fair_id", self.job_fair_id)
        return Vacancy(
            vacancy_id=vacancy_id,
            employer_ruc=codes.normalise_ruc("employer_ruc", self.employer_ruc),
            title=self.title,
            occupation_code=codes.check_occupation("occupation_code", self.occupation_code),
            skills=codes.normalise_skills("skills", self.skills),
            ubigeo=self.ubigeo,
            positions=self.positions,
            formal=self.formal,
            salary_min=self.salary_min,
            salary_max=self.salary_max,
            inclusive=self.inclusive,
            education_required=self.education_required,
            experience_years_required=self.experience_years_required,
            closes_on=self.closes_on,
            fair_id=self.job_fair_id,
        )


class VacancyOut(ResponseModel):
    vacancy_id: str
    employer_ruc: str
    title: str
    occupation_code: str
    skills: list[str]
    ubigeo: str
    positions: int
    placements: int
    formal: bool
    salary_min: int | None
    salary_max: int | None
    inclusive: bool
    education_required: EducationLevel
    experience_years_required: int
    closes_on: date
    status: str
    job_fair_id: str | None
    published_at: datetime | None
    closed_at: datetime | None

    @classmethod
    def of(cls, source: Vacancy, /, **overrides: Any) -> Self:
        return super().of(source, job_fair_id=source.fair_id, **overrides)


# -- job fairs -----------------------------------------------------------------------------------


class JobFairIn(_In):
    name: Annotated[str, text(min_length=1, max_length=200)]
    held_on: IsoDate
    ubigeo: Ubigeo
    venue: Annotated[str, text(min_length=1, max_length=200)]

    def to_domain(self, fair_id: str) -> JobFair:
        return JobFair(fair_id, self.name, self.held_on, self.ubigeo, self.venue)


class JobFairOut(ResponseModel):
    fair_id: str
    name: str
    held_on: date
    ubigeo: str
    venue: str
    vacancies: int
    positions: int
    attendees: int


class AttendeeIn(_In):
    seeker_id: Id


# -- applications and placements -----------------------------------------------------------------


class ApplicationIn(_In):
    seeker_id: Id
    vacancy_id: Id


class ApplicationOut(ResponseModel):
    application_id: str
    seeker_id: str
    vacancy_id: str
    match_score: int | None
    submitted_at: datetime


class PlacementIn(_In):
    seeker_id: Id
    vacancy_id: Id
    start_date: IsoDate
    monthly_salary: int | None = Field(None, ge=0, description="whole soles per month")
    formal: bool | None = Field(
        None, description="formal contract (planilla); defaults to the vacancy's flag"
    )


class PlacementOut(ResponseModel):
    placement_id: str
    seeker_id: str
    vacancy_id: str
    formal: bool
    start_date: date
    monthly_salary: int | None
    confirmed_at: datetime


# -- statistics ----------------------------------------------------------------------------------


class DepartmentStatsOut(ResponseModel):
    department: str
    name: str
    seekers: int
    vacancies: int
    positions: int
    placements: int
    formal_placements: int


class DepartmentStatsList(BaseModel):
    items: list[DepartmentStatsOut]
