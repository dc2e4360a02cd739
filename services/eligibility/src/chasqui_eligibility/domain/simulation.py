"""Policy simulation and change detection over the whole projection with the fast path."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from chasqui_eligibility.domain.evaluation import VectorOutcome, evaluate_vector
from chasqui_eligibility.domain.rules import Program, RuleBook, RuleSet, Unit
from chasqui_eligibility.domain.vectorised import Array, Columns, Facts, derive_facts


@dataclass
class DepartmentImpact:
    department: str
    households_gaining: int = 0
    households_losing: int = 0
    people_gaining: int = 0
    people_losing: int = 0


@dataclass(frozen=True)
class SampledUnit:
    """One unit (a household, or a person of it) in a simulation's sample."""

    household_id: str
    person_id: str | None


@dataclass
class SimulationResult:
    program: str
    unit: Unit
    as_of: date
    current_version: str | None
    candidate_version: str
    households_evaluated: int
    people_evaluated: int
    households_gaining: int
    households_losing: int
    people_gaining: int
    people_losing: int
    eligible_now: int
    eligible_candidate: int
    current_monthly_cost_centimos: int
    candidate_monthly_cost_centimos: int
    by_department: list[DepartmentImpact] = field(default_factory=list)
    sample_gaining: list[SampledUnit] = field(default_factory=list)
    sample_losing: list[SampledUnit] = field(default_factory=list)

    @property
    def monthly_cost_change_centimos(self) -> int:
        return self.candidate_monthly_cost_centimos - self.current_monthly_cost_centimos


def _none(program: Program, facts: Facts, live: Array) -> VectorOutcome:
    rows = live if program.unit == Unit.HOUSEHOLD else live[facts.person_hh]
    return VectorOutcome(program.code, program.unit, "", rows, np.zeros_like(rows), {}, None, None, None)


def simulate(
    cols: Columns, program: Program, candidate: RuleSet, on: date, *, sample_size: int = 10
) -> SimulationResult:
    """Who would gain or lose `program` on `on` if `candidate` replaced the rule set in force."""
    facts = derive_facts(cols, on)
    live = cols.live_households()
    current_rs = program.rule_set_on(on)
    before = evaluate_vector(program, current_rs, facts, live) if current_rs else _none(program, facts, live)
    after = evaluate_vector(program, candidate, facts, live)
    gained = after.eligible & ~before.eligible
    lost = before.eligible & ~after.eligible
    per_person = program.unit == Unit.PERSON
    unit_hh = facts.person_hh if per_person else np.arange(cols.size)

    def households_with(mask: Array) -> Array:
        rows: Array = np.unique(unit_hh[mask])
        return rows

    gain_hh, lose_hh = households_with(gained), households_with(lost)
    impacts: dict[str, DepartmentImpact] = {}

    def tally(rows: Array, attr: str) -> None:
        departments, counts = np.unique(cols.department[rows], return_counts=True)
        for dep, count in zip(departments.tolist(), counts.tolist(), strict=True):
            impact = impacts.setdefault(dep, DepartmentImpact(dep))
            setattr(impact, attr, getattr(impact, attr) + int(count))

    tally(gain_hh, "households_gaining")
    tally(lose_hh, "households_losing")
    if per_person:
        tally(unit_hh[gained], "people_gaining")
        tally(unit_hh[lost], "people_losing")

    def sample(mask: Array) -> list[SampledUnit]:
        rows = np.flatnonzero(mask)[:sample_size]
        return [
            SampledUnit(
                household_id=str(cols.household_ids[unit_hh[r]]),
                person_id=str(cols.person_ids[r]) if per_person else None,
            )
            for r in rows.tolist()
        ]

    return SimulationResult(
        program=program.code,
        unit=program.unit,
        as_of=on,
        current_version=current_rs.version if current_rs else None,
        candidate_version=candidate.version,
        households_evaluated=int(live.sum()),
        people_evaluated=int(live[facts.person_hh].sum()),
        households_gaining=len(gain_hh),
        households_losing=len(lose_hh),
        people_gaining=int(gained.sum()) if per_person else 0,
        people_losing=int(lost.sum()) if per_person else 0,
        eligible_now=int(before.eligible.sum()),
        eligible_candidate=int(after.eligible.sum()),
        current_monthly_cost_centimos=round(before.monthly_cost_centimos),
        candidate_monthly_cost_centimos=round(after.monthly_cost_centimos),
        by_department=sorted(impacts.values(), key=lambda i: i.department),
        sample_gaining=sample(gained),
        sample_losing=sample(lost),
    )


def evaluate_all(book: RuleBook, cols: Columns, on: date) -> dict[str, VectorOutcome]:
    """Every program in force on `on`, for every unit: the full re-evaluation."""
    facts = derive_facts(cols, on)
    live = cols.live_households()
    return {program.code: evaluate_vector(program, rs, facts, live) for program, rs in book.in_force(on)}


def households_changing(book: RuleBook, cols: Columns, earlier: date, later: date) -> Array:
    """Rows of households where some program's outcome, benefit or points differ between the
    two dates (birthdays crossing limits, CSE ending, a new rule-set version in force)."""
    before, after = evaluate_all(book, cols, earlier), evaluate_all(book, cols, later)
    changed = np.zeros(cols.size, dtype=bool)
    person_hh = cols.person_hh
    for code in set(before) | set(after):
        a, b = before.get(code), after.get(code)
        reference = a or b
        assert reference is not None
        elig_a = a.eligible if a else np.zeros_like(reference.eligible)
        elig_b = b.eligible if b else np.zeros_like(reference.eligible)
        diff = elig_a != elig_b
        if a and b:
            if a.amount_centimos != b.amount_centimos:
                diff |= elig_a | elig_b
            if a.points is not None or b.points is not None:
                pa = a.points if a.points is not None else np.zeros_like(elig_a, dtype=np.int64)
                pb = b.points if b.points is not None else np.zeros_like(elig_a, dtype=np.int64)
                diff |= pa != pb
        rows = person_hh[diff] if reference.unit == Unit.PERSON else np.flatnonzero(diff)
        changed[rows] = True
    result: Array = changed & cols.alive
    return result
