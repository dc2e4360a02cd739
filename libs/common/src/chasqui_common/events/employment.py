"""Employment events (topic employment.matches): job seekers, vacancies, matches, applications, placements.

Seeker facts are keyed by the job seeker id, vacancy facts by the vacancy id, so order holds
per seeker and per vacancy. Only the seeker events carry contact data, and only with the
consent flags that say which channels may be used. Salaries are whole soles per month.
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from chasqui_common.events.catalogue import EventPayload, event
from chasqui_common.events.registry import Contact, IdentityDocument
from chasqui_common.topics import EMPLOYMENT_JOB_SEEKERS, EMPLOYMENT_VACANCIES
from chasqui_common.values import IsoDate, IsoDateTime, Text, Ubigeo


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

    name: Text
    points: int
    max_points: int
    detail: Text


class _SeekerEvent(EventPayload):
    seeker_id: Text
    person_id: Text
    document: IdentityDocument
    given_names: Text
    paternal_surname: Text | None = None
    maternal_surname: Text | None = None
    ubigeo: Ubigeo
    occupations: tuple[Text, ...] = ()
    contact: Contact = Field(default_factory=Contact)
    consent_to_contact: bool = False
    source: SeekerSource = SeekerSource.CENTRO_DE_EMPLEO


@event("pe.chasqui.employment.job_seeker.registered.v1", topic=EMPLOYMENT_JOB_SEEKERS, subject="seeker_id")
class JobSeekerRegistered(_SeekerEvent):
    """A job seeker was registered (at a Centro de Empleo, a job fair or from a migrant referral).

    `contact.consent` says which channels the person accepted; `consent_to_contact` is the
    person's consent to be contacted about vacancies at all.
    """

    referral_id: Text | None = None


@event("pe.chasqui.employment.job_seeker.updated.v1", topic=EMPLOYMENT_JOB_SEEKERS, subject="seeker_id")
class JobSeekerUpdated(_SeekerEvent):
    """A job seeker's profile changed; the payload is the whole new profile, `changed` lists fields."""

    changed: tuple[Text, ...] = ()
    referral_id: Text | None = None


@event("pe.chasqui.employment.vacancy.published.v1", topic=EMPLOYMENT_VACANCIES, subject="vacancy_id")
class VacancyPublished(EventPayload):
    """An employer's vacancy was published and is open to matching until it closes or fills."""

    vacancy_id: Text
    employer_ruc: Text
    employer_name: Text
    title: Text
    occupation_code: Text = Field(pattern=r"^\d{4}$", description="CNO 2015 / ISCO-08 unit group")
    ubigeo: Ubigeo
    positions: int
    formal: bool = Field(description="formal contract (planilla)")
    salary_min: int | None = None
    salary_max: int | None = None
    inclusive: bool = Field(description="reserved for people with a disability")
    closes_on: IsoDate
    job_fair_id: Text | None = None


@event("pe.chasqui.employment.vacancy.closed.v1", topic=EMPLOYMENT_VACANCIES, subject="vacancy_id")
class VacancyClosed(EventPayload):
    """A vacancy stopped accepting matches and applications: closed, filled or expired."""

    vacancy_id: Text
    reason: VacancyClosedReason
    closed_at: IsoDateTime
    positions: int
    placements: int


@event("pe.chasqui.employment.match.proposed.v1", topic=EMPLOYMENT_JOB_SEEKERS, subject="seeker_id")
class MatchProposed(EventPayload):
    """A vacancy entered a job seeker's top matches (once per seeker and vacancy), with its score."""

    seeker_id: Text
    person_id: Text
    vacancy_id: Text
    title: Text
    occupation_code: Text
    ubigeo: Ubigeo
    formal: bool
    score: int
    components: tuple[MatchComponent, ...]


@event("pe.chasqui.employment.application.submitted.v1", topic=EMPLOYMENT_JOB_SEEKERS, subject="seeker_id")
class ApplicationSubmitted(EventPayload):
    """A job seeker applied to a vacancy."""

    application_id: Text
    seeker_id: Text
    person_id: Text
    vacancy_id: Text
    submitted_at: IsoDateTime
    match_score: int | None = None


@event("pe.chasqui.employment.placement.confirmed.v1", topic=EMPLOYMENT_JOB_SEEKERS, subject="seeker_id")
class PlacementConfirmed(EventPayload):
    """A job seeker was hired for a vacancy; `formal` is true for a formal contract (planilla)."""

    placement_id: Text
    seeker_id: Text
    person_id: Text
    vacancy_id: Text
    employer_ruc: Text
    occupation_code: Text
    ubigeo: Ubigeo
    formal: bool
    start_date: IsoDate
    monthly_salary: int | None = None
