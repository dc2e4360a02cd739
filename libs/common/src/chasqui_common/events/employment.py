"""Employment events (topic employment.matches): job seekers, vacancies, matches, applications, placements.

Seeker facts are keyed by the job seeker id, vacancy facts by the vacancy id, so order holds
per seeker and per vacancy. Only the seeker events carry contact data, and only with the
consent flags that say which channels may be used. Salaries are whole soles per month.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from chasqui_common.events.catalogue import EventPayload, event
from chasqui_common.events.registry import Contact, IdentityDocument
from chasqui_common.topics import EMPLOYMENT_JOB_SEEKERS, EMPLOYMENT_VACANCIES


class _Part(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class SeekerSource(StrEnum):
    """How the job seeker reached the service."""

    CENTRO_DE_EMPLEO = "centro_de_empleo"
    JOB_FAIR = "job_fair"
    MIGRANT_REFERRAL = "migrant_referral"


class VacancyClosedReason(StrEnum):
    CLOSED = "closed"  # the employer or an officer closed it
    FILLED = "filled"  # every position has a confirmed placement
    EXPIRED = "expired"  # its closing date passed


class MatchComponent(_Part):
    """One term of a match score: what was compared, the points it gave and why."""

    name: str
    points: int
    max_points: int
    detail: str


class _SeekerEvent(EventPayload):
    seeker_id: str
    person_id: str
    document: IdentityDocument
    given_names: str
    paternal_surname: str | None = None
    maternal_surname: str | None = None
    ubigeo: str = Field(pattern=r"^\d{6}$")
    occupations: tuple[str, ...] = ()
    contact: Contact = Field(default_factory=Contact)
    consent_to_contact: bool = False
    source: SeekerSource = SeekerSource.CENTRO_DE_EMPLEO


@event("pe.chasqui.employment.job_seeker.registered.v1", topic=EMPLOYMENT_JOB_SEEKERS, subject="seeker_id")
class JobSeekerRegistered(_SeekerEvent):
    """A job seeker was registered (at a Centro de Empleo, a job fair or from a migrant referral).

    `contact.consent` says which channels the person accepted; `consent_to_contact` is the
    person's consent to be contacted about vacancies at all.
    """

    referral_id: str | None = None


@event("pe.chasqui.employment.job_seeker.updated.v1", topic=EMPLOYMENT_JOB_SEEKERS, subject="seeker_id")
class JobSeekerUpdated(_SeekerEvent):
    """A job seeker's profile changed; the payload is the whole new profile, `changed` lists fields."""

    changed: tuple[str, ...] = ()
    referral_id: str | None = None


@event("pe.chasqui.employment.vacancy.published.v1", topic=EMPLOYMENT_VACANCIES, subject="vacancy_id")
class VacancyPublished(EventPayload):
    """An employer's vacancy was published and is open to matching until it closes or fills."""

    vacancy_id: str
    employer_ruc: str
    employer_name: str
    title: str
    occupation_code: str = Field(pattern=r"^\d{4}$", description="CNO 2015 / ISCO-08 unit group")
    ubigeo: str = Field(pattern=r"^\d{6}$")
    positions: int
    formal: bool = Field(description="formal contract (planilla)")
    salary_min: int | None = None
    salary_max: int | None = None
    inclusive: bool = Field(description="reserved for people with a disability")
    closes_on: date
    job_fair_id: str | None = None


@event("pe.chasqui.employment.vacancy.closed.v1", topic=EMPLOYMENT_VACANCIES, subject="vacancy_id")
class VacancyClosed(EventPayload):
    """A vacancy stopped accepting matches and applications: closed, filled or expired."""

    vacancy_id: str
    reason: VacancyClosedReason
    closed_at: datetime
    positions: int
    placements: int


@event("pe.chasqui.employment.match.proposed.v1", topic=EMPLOYMENT_JOB_SEEKERS, subject="seeker_id")
class MatchProposed(EventPayload):
    """A vacancy entered a job seeker's top matches (once per seeker and vacancy), with its score."""

    seeker_id: str
    person_id: str
    vacancy_id: str
    title: str
    occupation_code: str
    ubigeo: str
    formal: bool
    score: int
    components: tuple[MatchComponent, ...]


@event("pe.chasqui.employment.application.submitted.v1", topic=EMPLOYMENT_JOB_SEEKERS, subject="seeker_id")
class ApplicationSubmitted(EventPayload):
    """A job seeker applied to a vacancy."""

    application_id: str
    seeker_id: str
    person_id: str
    vacancy_id: str
    submitted_at: datetime
    match_score: int | None = None


@event("pe.chasqui.employment.placement.confirmed.v1", topic=EMPLOYMENT_JOB_SEEKERS, subject="seeker_id")
class PlacementConfirmed(EventPayload):
    """A job seeker was hired for a vacancy; `formal` is true for a formal contract (planilla)."""

    placement_id: str
    seeker_id: str
    person_id: str
    vacancy_id: str
    employer_ruc: str
    occupation_code: str
    ubigeo: str
    formal: bool
    start_date: date
    monthly_salary: int | None = None
