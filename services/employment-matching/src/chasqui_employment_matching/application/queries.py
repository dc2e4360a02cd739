"""Read-only use cases: matches with their explanation, statistics."""

from __future__ import annotations

from dataclasses import asdict

from chasqui_common.db.pool import Connection

from chasqui_employment_matching.adapters import repository
from chasqui_employment_matching.application.commands import NotFound
from chasqui_employment_matching.application.matching import TOP_N, lima_today
from chasqui_employment_matching.domain.models import DepartmentStats, MatchView
from chasqui_employment_matching.domain.scoring import assess


async def seeker_matches(conn: Connection, seeker_id: str, limit: int = TOP_N) -> list[MatchView]:
    """The stored best vacancies of a seeker, explained; a vacancy closed since is never shown."""
    seeker = await repository.get_seeker(conn, seeker_id)
    if seeker is None:
        raise NotFound("job seeker", seeker_id)
    today = lima_today()
    views = []
    for entry in await repository.top_list(conn, "seeker", seeker_id, limit):
        vacancy = await repository.get_vacancy(conn, entry.other_id)
        if vacancy is None:
            continue
        assessment = assess(seeker.profile(), vacancy.profile(), today)
        if assessment.eligible:
            views.append(
                MatchView(
                    seeker_id,
                    vacancy.vacancy_id,
                    assessment.score,
                    [asdict(c) for c in assessment.components],
                )
            )
    return views


async def vacancy_matches(conn: Connection, vacancy_id: str, limit: int = TOP_N) -> list[MatchView]:
    """The stored best seekers of a vacancy, explained; empty once the vacancy is not open."""
    vacancy = await repository.get_vacancy(conn, vacancy_id)
    if vacancy is None:
        raise NotFound("vacancy", vacancy_id)
    today = lima_today()
    views = []
    for entry in await repository.top_list(conn, "vacancy", vacancy_id, limit):
        seeker = await repository.get_seeker(conn, entry.other_id)
        if seeker is None:
            continue
        assessment = assess(seeker.profile(), vacancy.profile(), today)
        if assessment.eligible:
            views.append(
                MatchView(
                    seeker.seeker_id, vacancy_id, assessment.score, [asdict(c) for c in assessment.components]
                )
            )
    return views


async def department_stats(conn: Connection) -> list[DepartmentStats]:
    return await repository.department_stats(conn)
