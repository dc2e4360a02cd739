"""The vectorised engine agrees with the reference scoring on every pair, ties included."""

from __future__ import annotations

import random
from datetime import timedelta

from chasqui_common.events.registry import EducationLevel
from chasqui_employment_matching.domain.engine import MatchEngine, Ranked, rank_key
from chasqui_employment_matching.domain.scoring import VacancyStatus, assess

from .profiles import TODAY, seeker, vacancy

SKILLS = ["cocina", "caja", "excel", "ventas", "limpieza", "manejo", "soldadura", "ingles"]
CODES = ["5120", "5129", "5131", "5223", "5230", "4110", "4311", "7212", "8322", "9112", "2512"]
UBIGEOS = ["150132", "150101", "150103", "150201", "040101", "110101"]


def population(rng: random.Random, n_seekers: int, n_vacancies: int):  # type: ignore[no-untyped-def]
    seekers = [
        seeker(
            f"s{i:04d}",
            occupations=tuple(rng.sample(CODES, rng.randint(1, 3))),
            skills=frozenset(rng.sample(SKILLS, rng.randint(0, 4))),
            ubigeo=rng.choice(UBIGEOS),
            education=rng.choice(list(EducationLevel)),
            experience_years=rng.randint(0, 8),
            disability=rng.random() < 0.2,
            active=rng.random() > 0.05,
        )
        for i in range(n_seekers)
    ]
    vacancies = [
        vacancy(
            f"v{j:04d}",
            occupation_code=rng.choice(CODES),
            skills=frozenset(rng.sample(SKILLS, rng.randint(0, 3))),
            ubigeo=rng.choice(UBIGEOS),
            education_required=rng.choice(list(EducationLevel)),
            experience_years_required=rng.randint(0, 5),
            inclusive=rng.random() < 0.15,
            closes_on=TODAY + timedelta(days=rng.randint(-3, 20)),
            positions=rng.randint(1, 4),
            placements=rng.randint(0, 2),
            status=VacancyStatus.CLOSED if rng.random() < 0.05 else VacancyStatus.OPEN,
        )
        for j in range(n_vacancies)
    ]
    return seekers, vacancies


def test_every_pair_scores_as_the_reference() -> None:
    seekers, vacancies = population(random.Random(7), 60, 80)
    engine = MatchEngine(seekers, vacancies, TODAY)
    for s in seekers:
        expected = {}
        for v in vacancies:
            a = assess(s, v, TODAY)
            if a.eligible:
                expected[v.vacancy_id] = a.score
        assert engine.scores_of_seeker(s.seeker_id) == expected


def test_top_n_equals_sorting_reference_scores_with_ties_by_id() -> None:
    seekers, vacancies = population(random.Random(11), 70, 90)
    engine = MatchEngine(seekers, vacancies, TODAY)
    tops = engine.top_for_seekers(5)
    for s in seekers:
        ranked = [Ranked(v.vacancy_id, a.score) for v in vacancies if (a := assess(s, v, TODAY)).eligible]
        assert tops[s.seeker_id] == sorted(ranked, key=rank_key)[:5]
    per_vacancy = engine.top_for_vacancies(4)
    for v in vacancies:
        ranked = [Ranked(s.seeker_id, a.score) for s in seekers if (a := assess(s, v, TODAY)).eligible]
        assert per_vacancy[v.vacancy_id] == sorted(ranked, key=rank_key)[:4]


def test_closed_and_filled_vacancies_never_appear_in_a_top_list() -> None:
    seekers = [seeker("s1")]
    vacancies = [
        vacancy("v1", status=VacancyStatus.CLOSED),
        vacancy("v2", placements=3),
        vacancy("v3", closes_on=TODAY - timedelta(days=1)),
        vacancy("v4", ubigeo="040101"),
    ]
    assert MatchEngine(seekers, vacancies, TODAY).top_for_seekers(10) == {"s1": [Ranked("v4", 80)]}


def test_equal_scores_rank_by_vacancy_id() -> None:
    vacancies = [vacancy("v3"), vacancy("v1"), vacancy("v2")]
    top = MatchEngine([seeker("s1")], vacancies, TODAY).top_for_seekers(2)["s1"]
    assert top == [Ranked("v1", 100), Ranked("v2", 100)]


def test_an_empty_population_has_empty_lists() -> None:
    assert MatchEngine([seeker("s1")], [], TODAY).top_for_seekers(3) == {"s1": []}
    assert MatchEngine([], [vacancy("v1")], TODAY).top_for_vacancies(3) == {"v1": []}
