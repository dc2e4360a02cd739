"""Keeping the stored top-N lists right when a seeker or a vacancy changes, and announcing new matches.

A change to one seeker rescores that seeker against every open vacancy (its own list is
replaced) and merges its new score into the lists of the vacancies concerned; a change to
one vacancy does the same the other way round. Lists that cannot be merged are recomputed
from everyone (`ranking.NeedsRecompute`). A vacancy that closes, fills or expires scores as
ineligible everywhere, so it leaves every list. All of it runs under one advisory lock in
the caller's unit of work, and a vacancy entering a seeker's list for the first time ever
is announced with MatchProposed through the outbox.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.events.catalogue import EventPayload
from chasqui_common.events.employment import MatchComponent, MatchProposed

from chasqui_employment_matching.adapters import repository
from chasqui_employment_matching.domain.engine import MatchEngine, Ranked
from chasqui_employment_matching.domain.models import JobSeeker, Vacancy
from chasqui_employment_matching.domain.ranking import NeedsRecompute, merge
from chasqui_employment_matching.domain.scoring import assess

TOP_N = 10


async def recompute_for_seeker(uow: UnitOfWork, seeker_id: str, *, n: int = TOP_N) -> None:
    conn, today = uow.conn, uow.clock.today()
    await repository.lock_matching(conn)
    seeker = await repository.get_seeker(conn, seeker_id)
    if seeker is None:
        return
    vacancies = {v.vacancy_id: v for v in await repository.open_vacancies(conn, today)}
    engine = MatchEngine([seeker.profile()], [v.profile() for v in vacancies.values()], today)
    scores = engine.scores_of_seeker(seeker_id)
    own = engine.top_for_seekers(n)[seeker_id]
    old_own = (await repository.top_lists(conn, "seeker", [seeker_id])).get(seeker_id, [])
    await repository.replace_lists(conn, "seeker", {seeker_id: own})

    concerned = set(scores) | set(await repository.owners_listing(conn, "vacancy", seeker_id))
    current = await repository.top_lists(conn, "vacancy", concerned)
    updated: dict[str, list[Ranked]] = {}
    recompute: list[str] = []
    for vacancy_id in concerned:
        before = current.get(vacancy_id, [])
        score = scores.get(vacancy_id)
        try:
            after = merge(before, seeker_id, Ranked(seeker_id, score) if score is not None else None, n)
        except NeedsRecompute:
            recompute.append(vacancy_id)
            continue
        if after != sorted(before, key=lambda e: (-e.score, e.other_id)):
            updated[vacancy_id] = after
    if recompute:
        everyone = [s.profile() for s in await repository.seekers(conn)]
        open_ones = [vacancies[v].profile() for v in recompute if v in vacancies]
        updated.update(MatchEngine(everyone, open_ones, today).top_for_vacancies(n, recompute))
        for vacancy_id in recompute:
            updated.setdefault(vacancy_id, [])
    await repository.replace_lists(conn, "vacancy", updated)
    await _announce(uow, {seeker_id: (old_own, own)}, {seeker_id: seeker}, vacancies, today)


async def recompute_for_vacancy(uow: UnitOfWork, vacancy_id: str, *, n: int = TOP_N) -> None:
    conn, today = uow.conn, uow.clock.today()
    await repository.lock_matching(conn)
    vacancy = await repository.get_vacancy(conn, vacancy_id)
    if vacancy is None:
        return
    seekers = {s.seeker_id: s for s in await repository.seekers(conn)}
    is_open = vacancy.profile().is_open(today)
    if is_open:
        engine = MatchEngine([s.profile() for s in seekers.values()], [vacancy.profile()], today)
        scores = engine.scores_of_vacancy(vacancy_id)
        await repository.replace_lists(conn, "vacancy", {vacancy_id: engine.top_for_vacancies(n)[vacancy_id]})
    else:
        scores = {}
        await repository.delete_lists_of(conn, "vacancy", vacancy_id)

    concerned = set(scores) | set(await repository.owners_listing(conn, "seeker", vacancy_id))
    current = await repository.top_lists(conn, "seeker", concerned)
    changes: dict[str, tuple[list[Ranked], list[Ranked]]] = {}
    recompute: list[str] = []
    for seeker_id in concerned:
        before = sorted(current.get(seeker_id, []), key=lambda e: (-e.score, e.other_id))
        score = scores.get(seeker_id)
        try:
            after = merge(before, vacancy_id, Ranked(vacancy_id, score) if score is not None else None, n)
        except NeedsRecompute:
            recompute.append(seeker_id)
            continue
        if after != before:
            changes[seeker_id] = (before, after)
    vacancies: dict[str, Vacancy] = {vacancy_id: vacancy} if is_open else {}
    if recompute:
        vacancies.update({v.vacancy_id: v for v in await repository.open_vacancies(conn, today)})
        profiles = [seekers[s].profile() for s in recompute if s in seekers]
        fresh = MatchEngine(profiles, [v.profile() for v in vacancies.values()], today).top_for_seekers(n)
        for seeker_id in recompute:
            changes[seeker_id] = (current.get(seeker_id, []), fresh.get(seeker_id, []))
    await repository.replace_lists(conn, "seeker", {s: after for s, (_, after) in changes.items()})
    await _announce(uow, changes, seekers, vacancies, today)


async def _announce(
    uow: UnitOfWork,
    changes: Mapping[str, tuple[Sequence[Ranked], Sequence[Ranked]]],
    seekers: dict[str, JobSeeker],
    vacancies: dict[str, Vacancy],
    today: date,
) -> None:
    """MatchProposed for each vacancy that entered a seeker's list and was never proposed to them."""
    entered = [
        (seeker_id, entry.other_id, entry.score)
        for seeker_id, (before, after) in changes.items()
        for entry in after
        if entry.other_id not in {e.other_id for e in before}
    ]
    new_pairs = await repository.record_proposals(uow.conn, entered)
    events: list[EventPayload] = []
    for seeker_id, vacancy_id in sorted(new_pairs):
        seeker, vacancy = seekers.get(seeker_id), vacancies.get(vacancy_id)
        if seeker is None or vacancy is None:
            continue
        events.append(match_proposed(seeker, vacancy, today))
    if events:
        await uow.publish(*events)


def match_proposed(seeker: JobSeeker, vacancy: Vacancy, today: date) -> MatchProposed:
    assessment = assess(seeker.profile(), vacancy.profile(), today)
    return MatchProposed(
        seeker_id=seeker.seeker_id,
        person_id=seeker.person_id,
        vacancy_id=vacancy.vacancy_id,
        title=vacancy.title,
        occupation_code=vacancy.occupation_code,
        ubigeo=vacancy.ubigeo,
        formal=vacancy.formal,
        score=assessment.score,
        components=tuple(
            MatchComponent(name=c.name, points=c.points, max_points=c.max_points, detail=c.detail)
            for c in assessment.components
        ),
    )
