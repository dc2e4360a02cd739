"""Read-only use cases: seekers, employers, vacancies, fairs, applications, placements, explained
matches and statistics. Each is `async def verb_noun(reader: Reader, query: VerbNounQuery) -> Result`
— except the reads of a job seeker (`find_seekers`, `get_seeker`, `seeker_matches`): they write
their access record (a lookup by document also takes a rate-limit token) in the read's own
transaction, so they take a `UnitOfWork` and run through `Transactions.command` (ADR 0011)."""

from __future__ import annotations

from dataclasses import dataclass, field

from chasqui_common.application.unit_of_work import Reader, UnitOfWork
from chasqui_common.auth.scope import Caller
from chasqui_common.errors import NotFound
from chasqui_common.events.registry import DocumentType
from chasqui_common.ratelimit import DOCUMENT_LOOKUPS, take_token

from chasqui_employment_matching.adapters import repository
from chasqui_employment_matching.application.matching import TOP_N
from chasqui_employment_matching.application.seeker_access import record_seekers
from chasqui_employment_matching.domain.models import (
    Application,
    DepartmentStats,
    Employer,
    JobFair,
    JobSeeker,
    Placement,
    Vacancy,
)
from chasqui_employment_matching.domain.scoring import Component, assess

# -- queries and results -------------------------------------------------------------------------


@dataclass(frozen=True)
class FindSeekersQuery:
    """Job seekers with this identity document (at most one); the number in canonical form."""

    document_type: DocumentType
    document_number: str
    caller: Caller = field(kw_only=True)


@dataclass(frozen=True)
class GetSeekerQuery:
    seeker_id: str
    caller: Caller = field(kw_only=True)


@dataclass(frozen=True)
class SeekerMatchesQuery:
    seeker_id: str
    limit: int = TOP_N
    caller: Caller = field(kw_only=True)


@dataclass(frozen=True)
class GetEmployerQuery:
    ruc: str


@dataclass(frozen=True)
class GetVacancyQuery:
    vacancy_id: str


@dataclass(frozen=True)
class VacancyMatchesQuery:
    vacancy_id: str
    limit: int = TOP_N


@dataclass(frozen=True)
class GetFairQuery:
    fair_id: str


@dataclass(frozen=True)
class GetApplicationQuery:
    application_id: str


@dataclass(frozen=True)
class GetPlacementQuery:
    placement_id: str


@dataclass(frozen=True)
class DepartmentStatsQuery:
    """Per department: active seekers, vacancies and positions, placements and formal placements."""


@dataclass(frozen=True)
class MatchView:
    """A stored match with its explanation, as the API shows it."""

    seeker_id: str
    vacancy_id: str
    score: int
    components: tuple[Component, ...]


# -- job seekers ---------------------------------------------------------------------------------


async def find_seekers(uow: UnitOfWork, query: FindSeekersQuery) -> list[JobSeeker]:
    """The seeker with this document, if any. Each client (token subject) may make
    DOCUMENT_LOOKUPS of them (RateLimited, 429, beyond), as in the registry; every lookup is
    recorded, found or not."""
    await take_token(uow.conn, DOCUMENT_LOOKUPS, query.caller.subject, uow.clock.now())
    seeker = await repository.find_seeker_by_document(uow.conn, query.document_type, query.document_number)
    found = [seeker] if seeker is not None else []
    asked = [(query.document_type.value, query.document_number)]
    await record_seekers(uow, query.caller, "lookup", found, documents=asked)
    return found


async def _seeker(uow: UnitOfWork, seeker_id: str) -> JobSeeker:
    seeker = await repository.get_seeker(uow.conn, seeker_id)
    if seeker is None:
        raise _not_found("job seeker", seeker_id)
    return seeker


async def get_seeker(uow: UnitOfWork, query: GetSeekerQuery) -> JobSeeker:
    """The seeker's profile; the read is recorded."""
    seeker = await _seeker(uow, query.seeker_id)
    await record_seekers(uow, query.caller, "read", [seeker])
    return seeker


async def seeker_matches(uow: UnitOfWork, query: SeekerMatchesQuery) -> list[MatchView]:
    """The stored best vacancies of a seeker, explained; a vacancy closed since is never shown.
    The read is recorded (`job-seeker.matches.read`)."""
    seeker_id = query.seeker_id
    seeker = await _seeker(uow, seeker_id)
    await record_seekers(uow, query.caller, "matches.read", [seeker])
    today = uow.clock.today()
    views = []
    for entry in await repository.top_list(uow.conn, "seeker", seeker_id, query.limit):
        vacancy = await repository.get_vacancy(uow.conn, entry.other_id)
        if vacancy is None:
            continue
        assessment = assess(seeker.profile(), vacancy.profile(), today)
        if assessment.eligible:
            views.append(MatchView(seeker_id, vacancy.vacancy_id, assessment.score, assessment.components))
    return views


# -- employers and vacancies ---------------------------------------------------------------------


async def get_employer(reader: Reader, query: GetEmployerQuery) -> Employer:
    employer = await repository.get_employer(reader.conn, query.ruc)
    if employer is None:
        raise _not_found("employer", query.ruc)
    return employer


async def get_vacancy(reader: Reader, query: GetVacancyQuery) -> Vacancy:
    vacancy = await repository.get_vacancy(reader.conn, query.vacancy_id)
    if vacancy is None:
        raise _not_found("vacancy", query.vacancy_id)
    return vacancy


async def vacancy_matches(reader: Reader, query: VacancyMatchesQuery) -> list[MatchView]:
    """The stored best seekers of a vacancy, explained; empty once the vacancy is not open."""
    vacancy_id = query.vacancy_id
    vacancy = await get_vacancy(reader, GetVacancyQuery(vacancy_id))
    today = reader.clock.today()
    views = []
    for entry in await repository.top_list(reader.conn, "vacancy", vacancy_id, query.limit):
        seeker = await repository.get_seeker(reader.conn, entry.other_id)
        if seeker is None:
            continue
        assessment = assess(seeker.profile(), vacancy.profile(), today)
        if assessment.eligible:
            views.append(MatchView(seeker.seeker_id, vacancy_id, assessment.score, assessment.components))
    return views


# -- job fairs, applications, placements, statistics ---------------------------------------------


async def get_fair(reader: Reader, query: GetFairQuery) -> JobFair:
    fair = await repository.get_fair(reader.conn, query.fair_id)
    if fair is None:
        raise _not_found("job fair", query.fair_id)
    return fair


async def get_application(reader: Reader, query: GetApplicationQuery) -> Application:
    application = await repository.get_application(reader.conn, query.application_id)
    if application is None:
        raise _not_found("application", query.application_id)
    return application


async def get_placement(reader: Reader, query: GetPlacementQuery) -> Placement:
    placement = await repository.get_placement(reader.conn, query.placement_id)
    if placement is None:
        raise _not_found("placement", query.placement_id)
    return placement


async def department_stats(reader: Reader, query: DepartmentStatsQuery) -> list[DepartmentStats]:
    return await repository.department_stats(reader.conn)


def _not_found(what: str, identifier: str) -> NotFound:
    return NotFound(f"{what} {identifier} does not exist")
