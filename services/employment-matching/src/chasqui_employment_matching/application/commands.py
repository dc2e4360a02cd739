"""Use cases that change state: each commits its changes, the recomputed matches and its events together.

Every command is `async def verb_noun(uow: UnitOfWork, command: VerbNoun) -> Result`; the caller
(a route through `Transactions.command`, the consumer pipeline or the sweep) opens the transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import date

from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.auth.scope import Caller
from chasqui_common.errors import NotFound
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
from chasqui_employment_matching.application.seeker_access import SERVICE, record_seekers
from chasqui_employment_matching.domain.errors import (
    ApplicationExists,
    ClosingDatePassed,
    EmployerExists,
    PlacementExists,
    SeekerExists,
    VacancyNotOpen,
    VacancyReserved,
)
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


def new_id() -> str:
    return str(uuid.uuid4())


# -- commands ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterSeeker:
    seeker: JobSeeker  # with a new id (`new_id()`)
    caller: Caller = field(kw_only=True)  # named in the access record


@dataclass(frozen=True)
class UpdateSeeker:
    seeker: JobSeeker  # the whole profile; source and referral are kept from the stored seeker
    caller: Caller = field(kw_only=True)


REFERRALS = Caller.service(SERVICE, purpose="migrant referral to employment")
"""Who writes a seeker taken from a Migracentro referral (an event): the service itself."""


@dataclass(frozen=True)
class RegisterReferredSeeker:
    seeker: JobSeeker  # built from a migrant referral, with a new id in case it is new


@dataclass(frozen=True)
class RegisterEmployer:
    employer: Employer


@dataclass(frozen=True)
class PublishVacancy:
    vacancy: Vacancy  # with a new id (`new_id()`)


@dataclass(frozen=True)
class CloseVacancy:
    vacancy_id: str
    reason: VacancyClosedReason = VacancyClosedReason.CLOSED


@dataclass(frozen=True)
class ExpireVacancies:
    """Close, as expired, the open vacancies whose closing date is before today."""


@dataclass(frozen=True)
class CreateFair:
    fair: JobFair  # with a new id (`new_id()`)


@dataclass(frozen=True)
class RegisterAttendee:
    fair_id: str
    seeker_id: str


@dataclass(frozen=True)
class SubmitApplication:
    seeker_id: str
    vacancy_id: str


@dataclass(frozen=True)
class ConfirmPlacement:
    seeker_id: str
    vacancy_id: str
    start_date: date
    monthly_salary: int | None
    formal: bool | None  # None: the vacancy's flag


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


async def register_seeker(uow: UnitOfWork, command: RegisterSeeker) -> JobSeeker:
    seeker = command.seeker
    existing = await repository.find_seeker_by_document(
        uow.conn, seeker.document_type, seeker.document_number
    )
    if existing is not None:
        raise SeekerExists(
            f"a job seeker with {seeker.document_type.value} {seeker.document_number} is already registered",
            existing.seeker_id,
        )
    saved = await repository.insert_seeker(uow.conn, seeker)
    await record_seekers(uow, command.caller, "register", [saved])
    await uow.publish(JobSeekerRegistered(**seeker_payload(saved)))
    await matching.recompute_for_seeker(uow, saved.seeker_id)
    return saved


async def update_seeker(uow: UnitOfWork, command: UpdateSeeker) -> JobSeeker:
    seeker = command.seeker
    old = await repository.get_seeker(uow.conn, seeker.seeker_id, for_update=True)
    if old is None:
        raise _not_found("job seeker", seeker.seeker_id)
    other = await repository.find_seeker_by_document(uow.conn, seeker.document_type, seeker.document_number)
    if other is not None and other.seeker_id != seeker.seeker_id:
        raise SeekerExists(
            f"{seeker.document_type.value} {seeker.document_number} belongs to another job seeker",
            other.seeker_id,
        )
    seeker = replace(seeker, source=old.source, referral_id=seeker.referral_id or old.referral_id)
    changed = changed_fields(old, seeker)
    # Recorded even when nothing changed: the stored profile was read and returned.
    await record_seekers(uow, command.caller, "update" if changed else "read", [old, seeker])
    if not changed:
        return old
    saved = await repository.update_seeker(uow.conn, seeker)
    await uow.publish(JobSeekerUpdated(**seeker_payload(saved), changed=changed))
    await matching.recompute_for_seeker(uow, saved.seeker_id)
    return saved


async def register_referred_seeker(uow: UnitOfWork, command: RegisterReferredSeeker) -> JobSeeker:
    """A referral creates the seeker, or refreshes identity and contact of the one with that document
    (keeping the occupations and skills recorded at the Centro de Empleo when the referral has none)."""
    seeker = command.seeker
    existing = await repository.find_seeker_by_document(
        uow.conn, seeker.document_type, seeker.document_number, for_update=True
    )
    if existing is None:
        return await register_seeker(uow, RegisterSeeker(seeker, caller=REFERRALS))
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
    return await update_seeker(uow, UpdateSeeker(merged, caller=REFERRALS))


# -- employers and vacancies ---------------------------------------------------------------------


async def register_employer(uow: UnitOfWork, command: RegisterEmployer) -> Employer:
    employer = command.employer
    if not await repository.insert_employer(uow.conn, employer):
        raise EmployerExists(f"an employer with RUC {employer.ruc} is already registered", employer.ruc)
    return employer


async def publish_vacancy(uow: UnitOfWork, command: PublishVacancy) -> Vacancy:
    vacancy, today = command.vacancy, uow.clock.today()
    employer = await repository.get_employer(uow.conn, vacancy.employer_ruc)
    if employer is None:
        raise _not_found("employer", vacancy.employer_ruc)
    if vacancy.fair_id is not None and await repository.get_fair(uow.conn, vacancy.fair_id) is None:
        raise _not_found("job fair", vacancy.fair_id)
    if vacancy.closes_on < today:
        raise ClosingDatePassed(f"closes_on {vacancy.closes_on} is before today ({today})")
    saved = await repository.insert_vacancy(uow.conn, vacancy)
    await uow.publish(
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
    await matching.recompute_for_vacancy(uow, saved.vacancy_id)
    return saved


_REASON_STATUS = {
    VacancyClosedReason.CLOSED: VacancyStatus.CLOSED,
    VacancyClosedReason.FILLED: VacancyStatus.FILLED,
    VacancyClosedReason.EXPIRED: VacancyStatus.EXPIRED,
}


async def close_vacancy(uow: UnitOfWork, command: CloseVacancy) -> Vacancy:
    vacancy_id, reason = command.vacancy_id, command.reason
    vacancy = await repository.get_vacancy(uow.conn, vacancy_id, for_update=True)
    if vacancy is None:
        raise _not_found("vacancy", vacancy_id)
    if vacancy.status is not VacancyStatus.OPEN:
        raise VacancyNotOpen(f"vacancy {vacancy_id} is already {vacancy.status.value}")
    closed = await repository.set_vacancy_status(uow.conn, vacancy_id, _REASON_STATUS[reason])
    await uow.publish(
        VacancyClosed(
            vacancy_id=vacancy_id,
            reason=reason,
            closed_at=closed.closed_at or uow.clock.now(),
            positions=closed.positions,
            placements=closed.placements,
        )
    )
    await matching.recompute_for_vacancy(uow, vacancy_id)
    return closed


async def expire_vacancies(uow: UnitOfWork, command: ExpireVacancies) -> list[str]:
    """Close, as expired, open vacancies whose closing date has passed; returns their ids."""
    expired = await repository.vacancies_past_closing(uow.conn, uow.clock.today())
    for vacancy_id in expired:
        await close_vacancy(uow, CloseVacancy(vacancy_id, VacancyClosedReason.EXPIRED))
    return expired


# -- job fairs -----------------------------------------------------------------------------------


async def create_fair(uow: UnitOfWork, command: CreateFair) -> JobFair:
    await repository.insert_fair(uow.conn, command.fair)
    return command.fair


async def register_attendee(uow: UnitOfWork, command: RegisterAttendee) -> JobFair:
    """Register a seeker at a fair (once; registering again changes nothing); returns the fair."""
    fair_id, seeker_id = command.fair_id, command.seeker_id
    if await repository.get_fair(uow.conn, fair_id) is None:
        raise _not_found("job fair", fair_id)
    if await repository.get_seeker(uow.conn, seeker_id) is None:
        raise _not_found("job seeker", seeker_id)
    await repository.add_attendee(uow.conn, fair_id, seeker_id)
    fair = await repository.get_fair(uow.conn, fair_id)
    assert fair is not None
    return fair


# -- applications and placements -----------------------------------------------------------------


async def submit_application(uow: UnitOfWork, command: SubmitApplication) -> Application:
    seeker_id, vacancy_id, today = command.seeker_id, command.vacancy_id, uow.clock.today()
    seeker = await repository.get_seeker(uow.conn, seeker_id)
    if seeker is None:
        raise _not_found("job seeker", seeker_id)
    vacancy = await repository.get_vacancy(uow.conn, vacancy_id, for_update=True)
    if vacancy is None:
        raise _not_found("vacancy", vacancy_id)
    if not vacancy.profile().is_open(today):
        raise VacancyNotOpen(f"vacancy {vacancy_id} is not open for applications")
    if vacancy.inclusive and not seeker.disability:
        raise VacancyReserved(f"vacancy {vacancy_id} is reserved for people with a disability")
    existing = await repository.find_application(uow.conn, seeker_id, vacancy_id)
    if existing is not None:
        raise ApplicationExists(
            f"job seeker {seeker_id} already applied to vacancy {vacancy_id}", existing.application_id
        )
    assessment = assess(seeker.profile(), vacancy.profile(), today)
    application = Application(
        application_id=new_id(),
        seeker_id=seeker_id,
        vacancy_id=vacancy_id,
        match_score=assessment.score if assessment.eligible else None,
        submitted_at=uow.clock.now(),
    )
    await repository.insert_application(uow.conn, application)
    await uow.publish(
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


async def confirm_placement(uow: UnitOfWork, command: ConfirmPlacement) -> Placement:
    seeker_id, vacancy_id = command.seeker_id, command.vacancy_id
    seeker = await repository.get_seeker(uow.conn, seeker_id)
    if seeker is None:
        raise _not_found("job seeker", seeker_id)
    vacancy = await repository.get_vacancy(uow.conn, vacancy_id, for_update=True)
    if vacancy is None:
        raise _not_found("vacancy", vacancy_id)
    existing = await repository.find_placement(uow.conn, seeker_id, vacancy_id)
    if existing is not None:
        raise PlacementExists(
            f"job seeker {seeker_id} is already placed in vacancy {vacancy_id}", existing.placement_id
        )
    if vacancy.status is not VacancyStatus.OPEN or vacancy.placements >= vacancy.positions:
        raise VacancyNotOpen(
            f"vacancy {vacancy_id} is {vacancy.status.value} with {vacancy.placements} of "
            f"{vacancy.positions} positions filled",
        )
    placement = Placement(
        placement_id=new_id(),
        seeker_id=seeker_id,
        vacancy_id=vacancy_id,
        formal=vacancy.formal if command.formal is None else command.formal,
        start_date=command.start_date,
        monthly_salary=command.monthly_salary,
        confirmed_at=uow.clock.now(),
    )
    await repository.insert_placement(uow.conn, placement)
    counted = await repository.count_placement(uow.conn, vacancy_id)
    await uow.publish(
        PlacementConfirmed(
            placement_id=placement.placement_id,
            seeker_id=seeker_id,
            person_id=seeker.person_id,
            vacancy_id=vacancy_id,
            employer_ruc=vacancy.employer_ruc,
            occupation_code=vacancy.occupation_code,
            ubigeo=vacancy.ubigeo,
            formal=placement.formal,
            start_date=placement.start_date,
            monthly_salary=placement.monthly_salary,
        )
    )
    if counted.placements >= counted.positions:
        await close_vacancy(uow, CloseVacancy(vacancy_id, VacancyClosedReason.FILLED))
    return placement


def _not_found(what: str, identifier: str) -> NotFound:
    return NotFound(f"{what} {identifier} does not exist")
