"""Builders of matching profiles for unit tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from chasqui_common.events.registry import EducationLevel
from chasqui_employment_matching.domain.scoring import SeekerProfile, VacancyProfile

TODAY = date(2025, 6, 2)


def seeker(seeker_id: str = "s1", **changes: Any) -> SeekerProfile:
    base = SeekerProfile(
        seeker_id=seeker_id,
        occupations=("5120",),
        skills=frozenset({"cocina", "higiene"}),
        ubigeo="150132",
        education=EducationLevel.SECONDARY,
        experience_years=3,
        disability=False,
    )
    return replace(base, **changes)


def vacancy(vacancy_id: str = "v1", **changes: Any) -> VacancyProfile:
    base = VacancyProfile(
        vacancy_id=vacancy_id,
        occupation_code="5120",
        skills=frozenset({"cocina", "higiene"}),
        ubigeo="150132",
        education_required=EducationLevel.SECONDARY,
        experience_years_required=2,
        inclusive=False,
        closes_on=date(2025, 6, 30),
        positions=3,
    )
    return replace(base, **changes)
