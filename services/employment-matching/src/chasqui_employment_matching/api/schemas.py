"""Request and response bodies of /v1, and their mapping to and from the domain."""

from __future__ import annotations

from datetime import date, datetime

from chasqui_common.events.employment import SeekerSource
from chasqui_common.events.registry import Consent, DocumentType, EducationLevel
from pydantic import BaseModel, ConfigDict, Field, model_validator

from chasqui_employment_matching.application.queries import MatchView
from chasqui_employment_matching.domain import codes
from chasqui_employment_matching.domain.models import (
    Application,
    Availability,
    DepartmentStats,
    Employer,
    JobFair,
    JobSeeker,
    Placement,
    Vacancy,
)


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


# -- job seekers ---------------------------------------------------------------------------------


class DocumentIn(_In):
    type: DocumentType
    number: str = Field(min_length=1, max_length=20)


class ContactIn(_In):
    phone: str | None = Field(None, pattern=r"^\+?\d{6,15}$", description="digits, optional leading +")
    email: str | None = Field(None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=254)
    consent: Consent = Field(default_factory=Consent)


class JobSeekerIn(_In):
    document: DocumentIn
    person_id: str | None = Field(None, description="platform person id; assigned when absent")
    given_names: str = Field(min_length=1, max_length=120)
    paternal_surname: str | None = Field(None, max_length=80)
    maternal_surname: str | None = Field(None, max_length=80)
    birth_date: date | None = None
    ubigeo: str
    occupations: list[str] = Field(
        min_length=1, max_length=10, description="CNO 2015 / ISCO-08 4-digit codes"
    )
    skills: list[str] = Field(default_factory=list, max_length=50)
    education: EducationLevel = EducationLevel.NONE
    experience_years: int = Field(0, ge=0, le=70)
    disability: bool = False
    availability: Availability = Availability.ANY
    expected_salary: int | None = Field(None, ge=0, description="whole soles per month")
    contact: ContactIn = Field(default_factory=ContactIn)
    consent_to_contact: bool = False
    source: SeekerSource = SeekerSource.CENTRO_DE_EMPLEO

    def to_domain(self, seeker_id: str) -> JobSeeker:
        number = codes.normalise_document("document", self.document.type, self.document.number)
        return JobSeeker(
            seeker_id=seeker_id,
            person_id=self.person_id or f"{self.document.type.value}-{number}",
            document_type=self.document.type,
            document_number=number,
            given_names=self.given_names,
            paternal_surname=self.paternal_surname,
            maternal_surname=self.maternal_surname,
            birth_date=self.birth_date,
            ubigeo=codes.check_ubigeo("ubigeo", self.ubigeo),
            occupations=tuple(
                dict.fromkeys(
                    codes.check_occupation(f"occupations.{i}", c) for i, c in enumerate(self.occupations)
                )
            ),
            skills=codes.normalise_skills("skills", self.skills),
            education=self.education,
            experience_years=self.experience_years,
            disability=self.disability,
            availability=self.availability,
            expected_salary=self.expected_salary,
            phone=self.contact.phone,
            email=self.contact.email,
            consent_to_contact=self.consent_to_contact,
            consent_sms=self.contact.consent.sms,
            consent_email=self.contact.consent.email,
            consent_whatsapp=self.contact.consent.whatsapp,
            source=self.source,
        )


class DocumentOut(BaseModel):
    type: DocumentType
    number: str


class ContactOut(BaseModel):
    phone: str | None
    email: str | None
    consent: Consent


class JobSeekerOut(BaseModel):
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
    def of(cls, s: JobSeeker) -> JobSeekerOut:
        return cls(
            seeker_id=s.seeker_id,
            person_id=s.person_id,
            document=DocumentOut(type=s.document_type, number=s.document_number),
            given_names=s.given_names,
            paternal_surname=s.paternal_surname,
            maternal_surname=s.maternal_surname,
            birth_date=s.birth_date,
            ubigeo=s.ubigeo,
            occupations=list(s.occupations),
            skills=list(s.skills),
            education=s.education,
            experience_years=s.experience_years,
            disability=s.disability,
            availability=s.availability,
            expected_salary=s.expected_salary,
            contact=ContactOut(
                phone=s.phone,
                email=s.email,
                consent=Consent(sms=s.consent_sms, email=s.consent_email, whatsapp=s.consent_whatsapp),
            ),
            consent_to_contact=s.consent_to_contact,
            source=s.source,
            referral_id=s.referral_id,
            active=s.active,
            created_at=s.created_at,
            updated_at=s.updated_at,
        )


class JobSeekerList(BaseModel):
    items: list[JobSeekerOut]


# -- matches -------------------------------------------------------------------------------------


class ComponentOut(BaseModel):
    name: str
    points: int
    max_points: int
    detail: str


class MatchOut(BaseModel):
    seeker_id: str
    vacancy_id: str
    score: int
    components: list[ComponentOut]


class MatchesOut(BaseModel):
    items: list[MatchOut]

    @classmethod
    def of(cls, views: list[MatchView]) -> MatchesOut:
        return cls(
            items=[
                MatchOut(
                    seeker_id=v.seeker_id,
                    vacancy_id=v.vacancy_id,
                    score=v.score,
                    components=[
                        ComponentOut(name=c.name, points=c.points, max_points=c.max_points, detail=c.detail)
                        for c in v.components
                    ],
                )
                for v in views
            ]
        )


# -- employers and vacancies ---------------------------------------------------------------------


class EmployerIn(_In):
    ruc: str
    name: str = Field(min_length=1, max_length=200)
    sector: str | None = Field(None, max_length=120, description="economic sector (e.g. CIIU section)")

    def to_domain(self) -> Employer:
        return Employer(codes.normalise_ruc("ruc", self.ruc), self.name, self.sector)


class EmployerOut(BaseModel):
    ruc: str
    name: str
    sector: str | None

    @classmethod
    def of(cls, e: Employer) -> EmployerOut:
        return cls(ruc=e.ruc, name=e.name, sector=e.sector)


class VacancyIn(_In):
    employer_ruc: str
    title: str = Field(min_length=1, max_length=200)
    occupation_code: str = Field(description="CNO 2015 / ISCO-08 4-digit unit group")
    skills: list[str] = Field(default_factory=list, max_length=30)
    ubigeo: str
    positions: int = Field(ge=1, le=10_000)
    formal: bool = Field(description="formal contract (planilla)")
    salary_min: int | None = Field(None, ge=0, description="whole soles per month")
    salary_max: int | None = Field(None, ge=0, description="whole soles per month")
    inclusive: bool = Field(False, description="reserved for people with a disability")
    education_required: EducationLevel = EducationLevel.NONE
    experience_years_required: int = Field(0, ge=0, le=50)
    closes_on: date
    job_fair_id: str | None = None

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
            ubigeo=codes.check_ubigeo("ubigeo", self.ubigeo),
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


class VacancyOut(BaseModel):
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
    def of(cls, v: Vacancy) -> VacancyOut:
        return cls(
            vacancy_id=v.vacancy_id,
            employer_ruc=v.employer_ruc,
            title=v.title,
            occupation_code=v.occupation_code,
            skills=list(v.skills),
            ubigeo=v.ubigeo,
            positions=v.positions,
            placements=v.placements,
            formal=v.formal,
            salary_min=v.salary_min,
            salary_max=v.salary_max,
            inclusive=v.inclusive,
            education_required=v.education_required,
            experience_years_required=v.experience_years_required,
            closes_on=v.closes_on,
            status=v.status.value,
            job_fair_id=v.fair_id,
            published_at=v.published_at,
            closed_at=v.closed_at,
        )


# -- job fairs -----------------------------------------------------------------------------------


class JobFairIn(_In):
    name: str = Field(min_length=1, max_length=200)
    held_on: date
    ubigeo: str
    venue: str = Field(min_length=1, max_length=200)

    def to_domain(self, fair_id: str) -> JobFair:
        return JobFair(
            fair_id, self.name, self.held_on, codes.check_ubigeo("ubigeo", self.ubigeo), self.venue
        )


class JobFairOut(BaseModel):
    fair_id: str
    name: str
    held_on: date
    ubigeo: str
    venue: str
    vacancies: int
    positions: int
    attendees: int

    @classmethod
    def of(cls, f: JobFair) -> JobFairOut:
        return cls(
            fair_id=f.fair_id,
            name=f.name,
            held_on=f.held_on,
            ubigeo=f.ubigeo,
            venue=f.venue,
            vacancies=f.vacancies,
            positions=f.positions,
            attendees=f.attendees,
        )


class AttendeeIn(_In):
    seeker_id: str


# -- applications and placements -----------------------------------------------------------------


class ApplicationIn(_In):
    seeker_id: str
    vacancy_id: str


class ApplicationOut(BaseModel):
    application_id: str
    seeker_id: str
    vacancy_id: str
    match_score: int | None
    submitted_at: datetime

    @classmethod
    def of(cls, a: Application) -> ApplicationOut:
        return cls(
            application_id=a.application_id,
            seeker_id=a.seeker_id,
            vacancy_id=a.vacancy_id,
            match_score=a.match_score,
            submitted_at=a.submitted_at,
        )


class PlacementIn(_In):
    seeker_id: str
    vacancy_id: str
    start_date: date
    monthly_salary: int | None = Field(None, ge=0, description="whole soles per month")
    formal: bool | None = Field(
        None, description="formal contract (planilla); defaults to the vacancy's flag"
    )


class PlacementOut(BaseModel):
    placement_id: str
    seeker_id: str
    vacancy_id: str
    formal: bool
    start_date: date
    monthly_salary: int | None
    confirmed_at: datetime

    @classmethod
    def of(cls, p: Placement) -> PlacementOut:
        return cls(
            placement_id=p.placement_id,
            seeker_id=p.seeker_id,
            vacancy_id=p.vacancy_id,
            formal=p.formal,
            start_date=p.start_date,
            monthly_salary=p.monthly_salary,
            confirmed_at=p.confirmed_at,
        )


# -- statistics ----------------------------------------------------------------------------------


class DepartmentStatsOut(BaseModel):
    department: str
    name: str
    seekers: int
    vacancies: int
    positions: int
    placements: int
    formal_placements: int

    @classmethod
    def of(cls, s: DepartmentStats) -> DepartmentStatsOut:
        return cls(
            department=s.department,
            name=s.name,
            seekers=s.seekers,
            vacancies=s.vacancies,
            positions=s.positions,
            placements=s.placements,
            formal_placements=s.formal_placements,
        )


class DepartmentStatsList(BaseModel):
    items: list[DepartmentStatsOut]
