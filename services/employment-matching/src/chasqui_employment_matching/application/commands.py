"""Use cases that change state: each commits its changes, the recomputed matches and its events together."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, date, datetime

from chasqui_common.db.pool import Connection
from chasqui_common.events.employment import (
    ApplicationSubmitted,
    JobSeekerRegistered,
    JobSeekerUpdated,
    PlacementConfirmed,
    VacancyClosed,
    VacancyClosedReason,
    VacancyPublished,
)
from chasqui_common.events.registry import Consent, Contact, IdentityDocument

from chasqui_employment_matching.adapters import repository
from chasqui_employment_matching.application import matching
from chasqui_employment_matching.application.matching import Publish
from chasqui_employment_matching.domain.models import (
    Application,
    Employer,
    JobFair,
    JobSeeker,
    Placement,
    Vacancy,
    changed_fields,
)
from chasqui_employment_matching.domain.scoring import VacancyStatus, assess


class NotFound(LookupError):
    def __init__(self, what: str, identifier: str) -> None:
        super().__init__(f"{what} {identifier} does not exist")
        self.what = what
        self.identifier = identifier


class Conflict(RuntimeError):
    def __init__(self, kind: str, detail: str, existing_id: str | None = None) -> None:
        super().__init__(detail)
        self.kind = kind
        self.detail = detail
        self.existing_id = existing_id


def new_id() -> str:
    return str(uuid.uuid4())


# -- job seekers ---------------------------------------------------------------------------------


def seeker_payload(seeker: JobSeeker) -> dict[str, object]:
    """The seeker fields every seeker event carries (contact only with its consent flags)."""
    return {
        "seeker_id": seeker.seeker_id,
        "person_id": seeker.person_id,
        "document": IdentityDocument(type=seeker.document_type, number=seeker.document_number),
        "given_names": seeker.given_names,
        "paternal_surname": seeker.paternal_surname,
        "maternal_surname": seeker.maternal_surname,
        "ubigeo": seeker.ubigeo,
        "occupations": seeker.occupations,
        "contact": Contact(
            phone=seeker.phone,
            email=seeker.email,
            consent=Consent(
                sms=seeker.consent_sms, email=seeker.consent_email, whatsapp=seeker.consent_whatsapp
            ),
        ),
        "consent_to_contact": seeker.consent_to_contact,
        "source": seeker.source,
        "referral_id": seeker.referral_id,
    }


async def register_seeker(conn: Connection, publish: Publish, seeker: JobSeeker) -> JobSeeker:
    existing = await repository.find_seeker_by_document(conn, seeker.document_type, seeker.document_number)
    if existing is not None:
        raise Conflict(
            "job-seeker-exists",
            f"a job seeker with {seeker.document_type.value} {seeker.document_number} is already registered",
            existing.seeker_id,
        )
    saved = await repository.insert_seeker(conn, seeker)
    await publish(JobSeekerRegistered(**seeker_payload(saved)))
    await matching.recompute_for_seeker(conn, publish, saved.seeker_id)
    return saved


async def update_seeker(conn: Connection, publish: Publish, seeker: JobSeeker) -> JobSeeker:
    old = await repository.get_seeker(conn, seeker.seeker_id, for_update=True)
    if old is None:
        raise NotFound("job seeker", seeker.seeker_id)
    other = await repository.find_seeker_by_document(conn, seeker.document_type, seeker.document_number)
    if other is not None and other.seeker_id != seeker.seeker_id:
        raise Conflict(
            "job-seeker-exists",
            f"{seeker.document_type.value} {seeker.document_number} belongs to another job seeker",
            other.seeker_id,
        )
    seeker = replace(seeker, source=old.source, referral_id=seeker.referral_id or old.referral_id)
    changed = changed_fields(old, seeker)
    if not changed:
        return old
    saved = await repository.update_seeker(conn, seeker)
    await publish(JobSeekerUpdated(**seeker_payload(saved), changed=changed))
    await matching.recompute_for_seeker(conn, publish, saved.seeker_id)
    return saved


async def register_or_update_from_referral(
    conn: Connection, publish: Publish, seeker: JobSeeker
) -> JobSeeker:
    """A referral creates the seeker, or refreshes identity and contact of the one with that document
    (keeping the occupations and skills recorded at the Centro de Empleo when the referral has none)."""
    existing = await repository.find_seeker_by_document(
        conn, seeker.document_type, seeker.document_number, for_update=True
    )
    if existing is None:
        return await register_seeker(conn, publish, seeker)
    merged = replace(
        existing,
        person_id=seeker.person_id,
        given_names=seeker.given_names,
        paternal_surname=seeker.paternal_surname or existing.paternal_surname,
        maternal_surname=seeker.maternal_surname or existing.maternal_surname,
        birth_date=seeker.birth_date or existing.birth_date,
        ubigeo=seeker.ubigeo,
        occupations=seeker.occupations or existing.occupations,
        skills=seeker.skills or existing.skills,
        phone=seeker.phone or existing.phone,
        email=seeker.email or existing.email,
        consent_to_contact=seeker.consent_to_contact,
        consent_sms=seeker.consent_sms,
        consent_email=seeker.consent_email,
        consent_whatsapp=seeker.consent_whatsapp,
        referral_id=seeker.referral_id,
        active=True,
    )
    return await update_seeker(conn, publish, merged)


# -- employers and vacancies ---------------------------------------------------------------------


async def register_employer(conn: Connection, employer: Employer) -> Employer:
    if not await repository.insert_employer(conn, employer):
        raise Conflict(
            "employer-exists", f"an employer with RUC {employer.ruc} is already registered", employer.ruc
        )
    return employer


async def publish_vacancy(conn: Connection, publish: Publish, vacancy: Vacancy, today: date) -> Vacancy:
    employer = await repository.get_employer(conn, vacancy.employer_ruc)
    if employer is None:
        raise NotFound("employer", vacancy.employer_ruc)
    if vacancy.fair_id is not None and await repository.get_fair(conn, vacancy.fair_id) is None:
        raise NotFound("job fair", vacancy.fair_id)
    if vacancy.closes_on < today:
        raise Conflict("vacancy-closing-date", f"closes_on {vacancy.closes_on} is before today ({today})")
    saved = await repository.insert_vacancy(conn, vacancy)
    await publish(
        VacancyPublished(
            vacancy_id=saved.vacancy_id,
            employer_ruc=saved.employer_ruc,
            employer_name=employer.name,
            title=saved.title,
            occupation_code=saved.occupation_code,
            ubigeo=saved.ubigeo,
            positions=saved.positions,
            formal=saved.formal,
            salary_min=saved.salary_min,
            salary_max=saved.salary_max,
            inclusive=saved.inclusive,
            closes_on=saved.closes_on,
            job_fair_id=saved.fair_id,
        )
    )
    await matching.recompute_for_vacancy(conn, publish, saved.vacancy_id)
    return saved


_REASON_STATUS = {
    VacancyClosedReason.CLOSED: VacancyStatus.CLOSED,
    VacancyClosedReason.FILLED: VacancyStatus.FILLED,
    VacancyClosedReason.EXPIRED: VacancyStatus.EXPIRED,
}


async def close_vacancy(
    conn: Connection,
    publish: Publish,
    vacancy_id: str,
    reason: VacancyClosedReason = VacancyClosedReason.CLOSED,
) -> Vacancy:
    vacancy = await repository.get_vacancy(conn, vacancy_id, for_update=True)
    if vacancy is None:
        raise NotFound("vacancy", vacancy_id)
    if vacancy.status is not VacancyStatus.OPEN:
        raise Conflict("vacancy-not-open", f"vacancy {vacancy_id} is already {vacancy.status.value}")
    closed = await repository.set_vacancy_status(conn, vacancy_id, _REASON_STATUS[reason])
    await publish(
        VacancyClosed(
            vacancy_id=vacancy_id,
            reason=reason,
            closed_at=closed.closed_at or datetime.now(UTC),
            positions=closed.positions,
            placements=closed.placements,
        )
    )
    await matching.recompute_for_vacancy(conn, publish, vacancy_id)
    return closed


async def expire_vacancies(conn: Connection, publish: Publish, today: date) -> list[str]:
    """Close, as expired, open vacancies whose closing date has passed."""
    expired = await repository.vacancies_past_closing(conn, today)
    for vacancy_id in expired:
        await close_vacancy(conn, publish, vacancy_id, VacancyClosedReason.EXPIRED)
    return expired


# -- job fairs -----------------------------------------------------------------------------------


async def create_fair(conn: Connection, fair: JobFair) -> JobFair:
    await repository.insert_fair(conn, fair)
    return fair


async def register_attendee(conn: Connection, fair_id: str, seeker_id: str) -> bool:
    if await repository.get_fair(conn, fair_id) is None:
        raise NotFound("job fair", fair_id)
    if await repository.get_seeker(conn, seeker_id) is None:
        raise NotFound("job seeker", seeker_id)
    return await repository.add_attendee(conn, fair_id, seeker_id)


# -- applications and placements -----------------------------------------------------------------


async def submit_application(
    conn: Connection, publish: Publish, seeker_id: str, vacancy_id: str, today: date
) -> Application:
    seeker = await repository.get_seeker(conn, seeker_id)
    if seeker is None:
        raise NotFound("job seeker", seeker_id)
    vacancy = await repository.get_vacancy(conn, vacancy_id, for_update=True)
    if vacancy is None:
        raise NotFound("vacancy", vacancy_id)
    if not vacancy.profile().is_open(today):
        raise Conflict("vacancy-not-open", f"vacancy {vacancy_id} is not open for applications")
    if vacancy.inclusive and not seeker.disability:
        raise Conflict("vacancy-reserved", f"vacancy {vacancy_id} is reserved for people with a disability")
    existing = await repository.find_application(conn, seeker_id, vacancy_id)
    if existing is not None:
        raise Conflict(
            "application-exists",
            f"job seeker {seeker_id} already applied to vacancy {vacancy_id}",
            existing.application_id,
        )
    assessment = assess(seeker.profile(), vacancy.profile(), today)
    application = Application(
        application_id=new_id(),
        seeker_id=seeker_id,
        vacancy_id=vacancy_id,
        match_score=assessment.score if assessment.eligible else None,
        submitted_at=datetime.now(UTC),
    )
    await repository.insert_application(conn, application)
    await publish(
        ApplicationSubmitted(
            application_id=application.application_id,
            seeker_id=seeker_id,
            person_id=seeker.person_id,
            vacancy_id=vacancy_id,
            submitted_at=application.submitted_at,
            match_score=application.match_score,
        )
    )
    return application


async def confirm_placement(
    conn: Connection,
    publish: Publish,
    *,
    seeker_id: str,
    vacancy_id: str,
    start_date: date,
    monthly_salary: int | None,
    formal: bool | None,
) -> Placement:
    seeker = await repository.get_seeker(conn, seeker_id)
    if seeker is None:
        raise NotFound("job seeker", seeker_id)
    vacancy = await repository.get_vacancy(conn, vacancy_id, for_update=True)
    if vacancy is None:
        raise NotFound("vacancy", vacancy_id)
    existing = await repository.find_placement(conn, seeker_id, vacancy_id)
    if existing is not None:
        raise Conflict(
            "placement-exists",
            f"job seeker {seeker_id} is already placed in vacancy {vacancy_id}",
            existing.placement_id,
        )
    if vacancy.status is not VacancyStatus.OPEN or vacancy.placements >= vacancy.positions:
        raise Conflict(
            "vacancy-not-open",
            f"vacancy {vacancy_id} is {vacancy.status.value} with {vacancy.placements} of "
            f"{vacancy.positions} positions filled",
        )
    placement = Placement(
        placement_id=new_id(),
        seeker_id=seeker_id,
        vacancy_id=vacancy_id,
        formal=vacancy.formal if formal is None else formal,
        start_date=start_date,
        monthly_salary=monthly_salary,
        confirmed_at=datetime.now(UTC),
    )
    await repository.insert_placement(conn, placement)
    counted = await repository.count_placement(conn, vacancy_id)
    await publish(
        PlacementConfirmed(
            placement_id=placement.placement_id,
            seeker_id=seeker_id,
            person_id=seeker.person_id,
            vacancy_id=vacancy_id,
            employer_ruc=vacancy.employer_ruc,
            occupation_code=vacancy.occupation_code,
            ubigeo=vacancy.ubigeo,
            formal=placement.formal,
            start_date=start_date,
            monthly_salary=monthly_salary,
        )
    )
    if counted.placements >= counted.positions:
        await close_vacancy(conn, publish, vacancy_id, VacancyClosedReason.FILLED)
    return placement
