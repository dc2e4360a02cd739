"""The explainable match score of one (job seeker, vacancy) pair: each component, its points and why.

Every component is an integer so that the vectorised engine (`engine.py`) and this reference
implementation agree exactly, ties included. Weights (a regular vacancy scores at most 100):

- occupation 40: CNO 2015 / ISCO-08 hierarchy, best over the seeker's occupations:
  same unit group (4 digits) 40, minor group (3) 30, sub-major group (2) 20, major group (1) 10;
- skills 25: share of the vacancy's required skills the seeker has (all 25 when none required);
- location 20: same district 20, same province 12, same department 6 (the shared ubigeo rule's
  `department_code` and `province_code`, prefixes DD and DDPP of DDPPdd);
- education 8: meets the required level 8, one level short 4;
- experience 7: years of experience relative to the years required, capped at the requirement;
- inclusion +10: an inclusive vacancy (reserved for people with a disability) for a seeker with one.

A pair is proposed only if the vacancy is open (not closed, not past its closing date, not
filled), the seeker is active, they share at least the ISCO major group, and an inclusive
vacancy goes only to people with a disability.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from chasqui_common.events.registry import EducationLevel
from chasqui_common.values import department_code, province_code

OCCUPATION_POINTS = (0, 10, 20, 30, 40)  # by ISCO hierarchy level shared: none, major .. unit group
SKILL_POINTS = 25
LOCATION_POINTS = (0, 6, 12, 20)  # by ubigeo level shared: none, department, province, district
EDUCATION_POINTS = 8
EDUCATION_ONE_SHORT_POINTS = 4
EXPERIENCE_POINTS = 7
INCLUSION_POINTS = 10
MAX_SCORE = OCCUPATION_POINTS[-1] + SKILL_POINTS + LOCATION_POINTS[-1] + EDUCATION_POINTS + EXPERIENCE_POINTS

EDUCATION_RANK: dict[EducationLevel, int] = {
    level: rank for rank, level in enumerate(EducationLevel)
}  # none < initial < primary < secondary < higher_technical < university

_OCCUPATION_LEVEL_NAMES = ("no common group", "major group", "sub-major group", "minor group", "unit group")
_LOCATION_LEVEL_NAMES = ("another department", "same department", "same province", "same district")


class VacancyStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"
    FILLED = "filled"
    EXPIRED = "expired"


@dataclass(frozen=True)
class SeekerProfile:
    """What matching needs to know of a job seeker (no names, no contact)."""

    seeker_id: str
    occupations: tuple[str, ...]
    skills: frozenset[str]
    ubigeo: str
    education: EducationLevel
    experience_years: int
    disability: bool
    active: bool = True


@dataclass(frozen=True)
class VacancyProfile:
    """What matching needs to know of a vacancy."""

    vacancy_id: str
    occupation_code: str
    skills: frozenset[str]
    ubigeo: str
    education_required: EducationLevel
    experience_years_required: int
    inclusive: bool
    closes_on: date
    positions: int
    placements: int = 0
    status: VacancyStatus = VacancyStatus.OPEN

    def is_open(self, today: date) -> bool:
        """Open to matching: published, not past its closing date and not yet filled."""
        return (
            self.status is VacancyStatus.OPEN and self.closes_on >= today and self.placements < self.positions
        )


@dataclass(frozen=True)
class Component:
    name: str
    points: int
    max_points: int
    detail: str


@dataclass(frozen=True)
class Assessment:
    """The score of a pair with its components, or why the pair is not proposed."""

    seeker_id: str
    vacancy_id: str
    components: tuple[Component, ...] = ()
    ineligible_because: str | None = None
    score: int = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "score", sum(c.points for c in self.components))

    @property
    def eligible(self) -> bool:
        return self.ineligible_because is None


def common_prefix_level(a: str, b: str, levels: Sequence[int]) -> int:
    """How many hierarchy levels two codes share, where `levels` are the prefix lengths."""
    shared = 0
    for length in levels:
        if a[:length] != b[:length]:
            break
        shared += 1
    return shared


def occupation_level(seeker_occupations: Sequence[str], vacancy_code: str) -> tuple[int, str | None]:
    """Best ISCO level shared (0 none .. 4 unit group) and the seeker occupation that gives it."""
    best, best_code = 0, None
    for code in seeker_occupations:
        level = common_prefix_level(code, vacancy_code, (1, 2, 3, 4))
        if level > best:
            best, best_code = level, code
    return best, best_code


def location_level(seeker_ubigeo: str, vacancy_ubigeo: str) -> int:
    """Ubigeo levels shared: 0 none, 1 department, 2 province, 3 district.

    By the shared ubigeo rule (`department_code`, `province_code`); both codes were checked
    against the INEI table without its duplicates (090708 is refused, Huaribamba is 090709).
    """
    if seeker_ubigeo == vacancy_ubigeo:
        return 3
    if province_code(seeker_ubigeo) == province_code(vacancy_ubigeo):
        return 2
    return 1 if department_code(seeker_ubigeo) == department_code(vacancy_ubigeo) else 0


def skill_points(seeker_skills: frozenset[str], required: frozenset[str]) -> int:
    if not required:
        return SKILL_POINTS
    return SKILL_POINTS * len(seeker_skills & required) // len(required)


def education_points(seeker: EducationLevel, required: EducationLevel) -> int:
    gap = EDUCATION_RANK[seeker] - EDUCATION_RANK[required]
    if gap >= 0:
        return EDUCATION_POINTS
    return EDUCATION_ONE_SHORT_POINTS if gap == -1 else 0


def experience_points(years: int, required: int) -> int:
    if required <= 0:
        return EXPERIENCE_POINTS
    return EXPERIENCE_POINTS * min(years, required) // required


def assess(seeker: SeekerProfile, vacancy: VacancyProfile, today: date) -> Assessment:
    """Score one pair with every component explained (the reference the engine must agree with)."""

    def refused(reason: str) -> Assessment:
        return Assessment(seeker.seeker_id, vacancy.vacancy_id, ineligible_because=reason)

    if not vacancy.is_open(today):
        return refused(f"vacancy is not open ({_closed_state(vacancy, today)})")
    if not seeker.active:
        return refused("job seeker is not active")
    if vacancy.inclusive and not seeker.disability:
        return refused("vacancy is reserved for people with a disability")
    occ_level, via = occupation_level(seeker.occupations, vacancy.occupation_code)
    if occ_level == 0:
        return refused(f"no occupation shares the ISCO major group of {vacancy.occupation_code}")
    shared_skills = sorted(seeker.skills & vacancy.skills)
    loc_level = location_level(seeker.ubigeo, vacancy.ubigeo)
    components = [
        Component(
            "occupation",
            OCCUPATION_POINTS[occ_level],
            OCCUPATION_POINTS[-1],
            f"{via} and {vacancy.occupation_code} share the ISCO {_OCCUPATION_LEVEL_NAMES[occ_level]}",
        ),
        Component(
            "skills",
            skill_points(seeker.skills, vacancy.skills),
            SKILL_POINTS,
            (
                f"{len(shared_skills)} of {len(vacancy.skills)} required skills"
                + (f": {', '.join(shared_skills)}" if shared_skills else "")
                if vacancy.skills
                else "no skills required"
            ),
        ),
        Component(
            "location",
            LOCATION_POINTS[loc_level],
            LOCATION_POINTS[-1],
            f"seeker in {seeker.ubigeo}, vacancy in {vacancy.ubigeo}: {_LOCATION_LEVEL_NAMES[loc_level]}",
        ),
        Component(
            "education",
            education_points(seeker.education, vacancy.education_required),
            EDUCATION_POINTS,
            f"has {seeker.education.value}, requires {vacancy.education_required.value}",
        ),
        Component(
            "experience",
            experience_points(seeker.experience_years, vacancy.experience_years_required),
            EXPERIENCE_POINTS,
            f"{seeker.experience_years} years, requires {vacancy.experience_years_required}",
        ),
    ]
    if vacancy.inclusive:
        components.append(
            Component(
                "inclusion",
                INCLUSION_POINTS,
                INCLUSION_POINTS,
                "inclusive vacancy reserved for people with a disability",
            )
        )
    return Assessment(seeker.seeker_id, vacancy.vacancy_id, components=tuple(components))


def _closed_state(vacancy: VacancyProfile, today: date) -> str:
    if vacancy.status is not VacancyStatus.OPEN:
        return vacancy.status.value
    if vacancy.placements >= vacancy.positions:
        return "filled"
    return f"closing date {vacancy.closes_on.isoformat()} passed"
