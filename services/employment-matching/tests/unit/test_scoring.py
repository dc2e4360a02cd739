"""The match score: each component, eligibility, inclusive vacancies."""

from __future__ import annotations

from datetime import date

import pytest
from chasqui_common.events.registry import EducationLevel
from chasqui_employment_matching.domain.scoring import MAX_SCORE, VacancyStatus, assess

from .profiles import TODAY, seeker, vacancy


def components(a) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {c.name: c.points for c in a.components}


def test_a_perfect_match_scores_the_maximum_and_explains_every_component() -> None:
    a = assess(seeker(), vacancy(), TODAY)
    assert a.eligible
    assert a.score == MAX_SCORE == 100
    assert set(components(a)) == {"occupation", "skills", "location", "education", "experience"}
    assert "unit group" in next(c.detail for c in a.components if c.name == "occupation")


@pytest.mark.parametrize(
    ("seeker_code", "points"),
    [("5120", 40), ("5129", 30), ("5131", 20), ("5411", 10)],
)
def test_occupation_points_follow_the_isco_hierarchy(seeker_code: str, points: int) -> None:
    assert components(assess(seeker(occupations=(seeker_code,)), vacancy(), TODAY))["occupation"] == points


def test_the_best_of_the_seekers_occupations_counts() -> None:
    a = assess(seeker(occupations=("5411", "5129")), vacancy(), TODAY)
    assert components(a)["occupation"] == 30
    assert "5129" in a.components[0].detail


def test_no_common_major_group_is_not_proposed() -> None:
    a = assess(seeker(occupations=("7112",)), vacancy(), TODAY)
    assert not a.eligible
    assert "major group" in (a.ineligible_because or "")


@pytest.mark.parametrize(
    ("ubigeo", "points"),
    [("150132", 20), ("150101", 12), ("150201", 6), ("040101", 0)],
)
def test_location_points_follow_ubigeo_district_province_department(ubigeo: str, points: int) -> None:
    assert components(assess(seeker(ubigeo=ubigeo), vacancy(), TODAY))["location"] == points


def test_skill_points_are_the_share_of_required_skills_rounded_down() -> None:
    v = vacancy(skills=frozenset({"cocina", "higiene", "caja"}))
    assert components(assess(seeker(skills=frozenset({"cocina"})), v, TODAY))["skills"] == 8
    assert components(assess(seeker(skills=frozenset({"cocina", "caja"})), v, TODAY))["skills"] == 16
    assert components(assess(seeker(skills=frozenset()), vacancy(skills=frozenset()), TODAY))["skills"] == 25


def test_education_one_level_short_gets_half() -> None:
    v = vacancy(education_required=EducationLevel.HIGHER_TECHNICAL)
    assert components(assess(seeker(education=EducationLevel.UNIVERSITY), v, TODAY))["education"] == 8
    assert components(assess(seeker(education=EducationLevel.SECONDARY), v, TODAY))["education"] == 4
    assert components(assess(seeker(education=EducationLevel.PRIMARY), v, TODAY))["education"] == 0


def test_experience_is_proportional_and_capped() -> None:
    v = vacancy(experience_years_required=4)
    assert components(assess(seeker(experience_years=2), v, TODAY))["experience"] == 3
    assert components(assess(seeker(experience_years=10), v, TODAY))["experience"] == 7
    none_required = vacancy(experience_years_required=0)
    assert components(assess(seeker(experience_years=0), none_required, TODAY))["experience"] == 7


def test_inclusive_vacancy_adds_points_for_a_person_with_a_disability() -> None:
    a = assess(seeker(disability=True), vacancy(inclusive=True), TODAY)
    assert a.eligible
    assert components(a)["inclusion"] == 10
    assert a.score == MAX_SCORE + 10


def test_inclusive_vacancy_is_not_proposed_to_a_person_without_a_disability() -> None:
    a = assess(seeker(disability=False), vacancy(inclusive=True), TODAY)
    assert not a.eligible
    assert "disability" in (a.ineligible_because or "")


def test_a_person_with_a_disability_still_matches_regular_vacancies() -> None:
    a = assess(seeker(disability=True), vacancy(), TODAY)
    assert a.eligible
    assert "inclusion" not in components(a)


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"status": VacancyStatus.CLOSED}, "closed"),
        ({"status": VacancyStatus.FILLED}, "filled"),
        ({"placements": 3}, "filled"),
        ({"closes_on": date(2025, 6, 1)}, "closing date"),
    ],
)
def test_closed_filled_and_expired_vacancies_are_never_proposed(
    changes: dict[str, object], reason: str
) -> None:
    a = assess(seeker(), vacancy(**changes), TODAY)  # type: ignore[arg-type]
    assert not a.eligible
    assert reason in (a.ineligible_because or "")


def test_a_vacancy_closing_today_is_still_open() -> None:
    assert assess(seeker(), vacancy(closes_on=TODAY), TODAY).eligible


def test_an_inactive_seeker_is_not_proposed() -> None:
    assert not assess(seeker(active=False), vacancy(), TODAY).eligible
