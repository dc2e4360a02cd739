"""The employment aggregates: job seekers, employers, vacancies, job fairs, applications, placements."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from chasqui_common.events.employment import SeekerSource
from chasqui_common.events.registry import DocumentType, EducationLevel

from chasqui_employment_matching.domain.scoring import SeekerProfile, VacancyProfile, VacancyStatus


class Availability(StrEnum):
    FULL_TIME = "full_time"
    PART_TIME = "part_time"
    WEEKENDS = "weekends"
    ANY = "any"


@dataclass(frozen=True)
class JobSeeker:
    seeker_id: str
    person_id: str
    document_type: DocumentType
    document_number: str
    given_names: str
    paternal_surname: str | None
    maternal_surname: str | None
    birth_date: date | None
    ubigeo: str
    occupations: tuple[str, ...]
    skills: tuple[str, ...]
    education: EducationLevel
    experience_years: int
    disability: bool
    availability: Availability
    expected_salary: int | None
    phone: str | None
    email: str | None
    consent_to_contact: bool
    consent_sms: bool
    consent_email: bool
    consent_whatsapp: bool
    source: SeekerSource
    referral_id: str | None = None
    active: bool = True
    created_at: datetime | None = None
    updated_at: datetime | None = None

    def profile(self) -> SeekerProfile:
        return SeekerProfile(
            seeker_id=self.seeker_id,
            occupations=self.occupations,
            skills=frozenset(self.skills),
            ubigeo=self.ubigeo,
            education=self.education,
            experience_years=self.experience_years,
            disability=self.disability,
            active=self.active,
        )


PROFILE_FIELDS = (
    "person_id",
    "document_type",
    "document_number",
    "given_names",
    "paternal_surname",
    "maternal_surname",
    "birth_date",
    "ubigeo",
    "occupations",
    "skills",
    "education",
    "experience_years",
    "disability",
    "availability",
    "expected_salary",
    "phone",
    "email",
    "consent_to_contact",
    "consent_sms",
    "consent_email",
    "consent_whatsapp",
    "referral_id",
    "active",
)


def changed_fields(old: JobSeeker, new: JobSeeker) -> tuple[str, ...]:
    return tuple(name for name in PROFILE_FIELDS if getattr(old, name) != getattr(new, name))


@dataclass(frozen=True)
class Employer:
    ruc: str
    name: str
    sector: str | None


@dataclass(frozen=True)
class Vacancy:
    vacancy_id: str
    employer_ruc: str
    title: str
    occupation_code: str
    skills: tuple[str, ...]
    ubigeo: str
    positions: int
    formal: bool
    salary_min: int | None
    salary_max: int | None
    inclusive: bool
    education_required: EducationLevel
    experience_years_required: int
    closes_on: date
    status: VacancyStatus = VacancyStatus.OPEN
    placements: int = 0
    fair_id: str | None = None
    published_at: datetime | None = None
    closed_at: datetime | None = None

    def profile(self) -> VacancyProfile:
        return VacancyProfile(
            vacancy_id=self.vacancy_id,
            occupation_code=self.occupation_code,
            skills=frozenset(self.skills),
            ubigeo=self.ubigeo,
            education_required=self.education_required,
            experience_years_required=self.experience_years_required,
            inclusive=self.inclusive,
            closes_on=self.closes_on,
            positions=self.positions,
            placements=self.placements,
            status=self.status,
        )


@dataclass(frozen=True)
class JobFair:
    fair_id: str
    name: str
    held_on: date
    ubigeo: str
    venue: str
    vacancies: int = 0
    positions: int = 0
    attendees: int = 0


@dataclass(frozen=True)
class Application:
    application_id: str
    seeker_id: str
    vacancy_id: str
    match_score: int | None
    submitted_at: datetime


@dataclass(frozen=True)
class Placement:
    placement_id: str
    seeker_id: str
    vacancy_id: str
    formal: bool
    start_date: date
    monthly_salary: int | None
    confirmed_at: datetime


@dataclass(frozen=True)
class DepartmentStats:
    department: str
    name: str
    seekers: int = 0
    vacancies: int = 0
    positions: int = 0
    placements: int = 0
    formal_placements: int = 0
