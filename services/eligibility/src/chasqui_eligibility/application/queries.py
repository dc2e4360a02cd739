"""Queries: a household's decisions, the programs, a policy simulation, what the sweep must do.

Each is `async def verb_noun(reader: Reader, query: VerbNounQuery) -> Result`, run in a
read-only transaction by the caller.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from chasqui_common.application.unit_of_work import Reader, UnitOfWork
from chasqui_common.audit import Access, record_access
from chasqui_common.auth.scope import Caller

from chasqui_eligibility.adapters import repository
from chasqui_eligibility.application.models import (
    BenefitOutcome,
    CriterionOutcome,
    Explained,
    HouseholdEligibility,
    ProgramDecisions,
    ProgramDetails,
    ProgramSummary,
    Simulation,
    SimulationTiming,
    SweepCandidates,
    UnitDecision,
    soles,
)
from chasqui_eligibility.application.projection import projection_columns
from chasqui_eligibility.application.rule_book import rule_book
from chasqui_eligibility.domain.access import visible_programmes
from chasqui_eligibility.domain.decisions import Decision, RecordedDecision
from chasqui_eligibility.domain.errors import HouseholdNotFound, ProgramNotFound, RuleSetInvalid
from chasqui_eligibility.domain.evaluation import compile_rule_set, evaluate_household
from chasqui_eligibility.domain.expressions import ExpressionError
from chasqui_eligibility.domain.rules import Program, RuleSet
from chasqui_eligibility.domain.simulation import households_changing, simulate


def _program(code: str) -> Program:
    book = rule_book()
    program = book.get(code)
    if program is None:
        raise ProgramNotFound(f"no program with code {code!r}; known: {sorted(p.code for p in book)}")
    return program


# --- a household's decisions ---------------------------------------------------------------------


@dataclass(frozen=True)
class GetHouseholdEligibilityQuery:
    household_id: str
    as_of: date | None = None  # today (Lima) when absent
    caller: Caller = field(kw_only=True)
    """Whose programmes to show (domain/access.py): an integrator sees its own programme's only."""


async def get_household_eligibility(
    uow: UnitOfWork, query: GetHouseholdEligibilityQuery
) -> HouseholdEligibility:
    """Every program in force on the date that the caller may read, every unit, every criterion,
    and what is recorded. NoProgrammeInScope (403) for a token naming no programme. It reads
    personal data, so it writes the access record in its transaction (a UnitOfWork)."""
    book = rule_book()
    visible = visible_programmes(query.caller.scope, (program.code for program in book))
    day = query.as_of or uow.clock.today()
    household = await repository.get_household(uow.conn, query.household_id)
    if household is None:
        raise HouseholdNotFound(f"household {query.household_id!r} is not in the eligibility projection")
    recorded = {r.key: r for r in await repository.recorded_decisions(uow.conn, query.household_id)}
    units: dict[str, list[UnitDecision]] = {}
    versions: dict[str, str] = {}
    for decision in evaluate_household(book, household, day):
        if decision.program not in visible:
            continue
        versions.setdefault(decision.program, decision.rule_set_version)
        units.setdefault(decision.program, []).append(_unit(decision, recorded.get(decision.key)))
    programs = []
    for code, decisions in units.items():
        program = book.get(code)
        assert program is not None
        programs.append(ProgramDecisions(code, program.unit, versions[code], tuple(decisions)))
    # The people whose decisions were shown: each unit's person, every member for household units.
    shown = {d.person_id for p in programs for d in p.decisions}
    members = [m for m in household.members if None in shown or m.person_id in shown]
    await record_access(
        uow,
        query.caller,
        Access(
            operation="eligibility.household.read",
            resource_type="household",
            resource_ids=[query.household_id, *(m.person_id for m in members)],
            documents=[(m.document.type.value, m.document.number) for m in members if m.document.number],
            outcome="ok" if programs else "none-found",
        ),
    )
    return HouseholdEligibility(query.household_id, day, household.status, tuple(programs))


def _unit(decision: Decision, stored: RecordedDecision | None) -> UnitDecision:
    return UnitDecision(
        person_id=decision.person_id,
        eligible=decision.eligible,
        benefit=BenefitOutcome(
            kind=decision.benefit_kind,
            amount_centimos=decision.paid_amount,
            amount_soles=soles(decision.paid_amount),
            period_months=decision.benefit_period_months,
            priority_points=decision.priority_points,
        ),
        criteria=tuple(
            CriterionOutcome(c.name, c.passed, c.values, Explained(c.explanation_es, c.explanation_en))
            for c in decision.criteria
        ),
        recorded=stored,
    )


# --- programs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ListProgramsQuery:
    pass


async def list_programs(reader: Reader, query: ListProgramsQuery) -> list[ProgramSummary]:
    """Every program with the version in force today (Lima) and all its versions."""
    today = reader.clock.today()
    result = []
    for program in rule_book():
        current = program.rule_set_on(today)
        result.append(
            ProgramSummary(
                code=program.code,
                name=program.name,
                unit=program.unit,
                current_version=current.version if current else None,
                versions=tuple(v.version for v in program.versions),
            )
        )
    return result


@dataclass(frozen=True)
class GetProgramQuery:
    code: str


async def get_program(reader: Reader, query: GetProgramQuery) -> ProgramDetails:
    """One program with every rule-set version, current and past."""
    program = _program(query.code)
    current = program.rule_set_on(reader.clock.today())
    return ProgramDetails(
        code=program.code,
        name=program.name,
        unit=program.unit,
        versions=program.versions,
        current_version=current.version if current else None,
    )


# --- simulation ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimulateProgramQuery:
    code: str
    rule_set: RuleSet
    as_of: date | None = None  # today (Lima) when absent
    sample_size: int = 10


async def simulate_program(reader: Reader, query: SimulateProgramQuery) -> Simulation:
    """Who would gain or lose the program with the candidate rule set, over the whole projection
    (the fast path); never touches decisions."""
    program = _program(query.code)
    try:
        compile_rule_set(program.code, program.unit, query.rule_set)
    except ExpressionError as exc:
        field = f"rule_set.{exc.field}" if exc.field else "rule_set"
        raise RuleSetInvalid(
            str(exc),
            field=field,
            value=None,
            expected="an expression the rule engine can compile (CEL subset)",
        ) from exc
    started = time.perf_counter()
    cols = await projection_columns(reader.conn)
    loaded = time.perf_counter()
    result = simulate(
        cols, program, query.rule_set, query.as_of or reader.clock.today(), sample_size=query.sample_size
    )
    finished = time.perf_counter()
    fields = vars(result)  # the answer repeats the result's fields, its lists as tuples
    return Simulation(
        **fields | {name: tuple(value) for name, value in fields.items() if isinstance(value, list)},
        monthly_cost_change_centimos=result.monthly_cost_change_centimos,
        monthly_cost_change_soles=soles(result.monthly_cost_change_centimos),
        timing_ms=SimulationTiming(
            projection_refresh=round((loaded - started) * 1000, 1),
            evaluation=round((finished - loaded) * 1000, 1),
        ),
    )


# --- the sweep -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FindSweepCandidatesQuery:
    on: date  # the day the sweep brings decisions to


async def find_sweep_candidates(reader: Reader, query: FindSweepCandidatesQuery) -> SweepCandidates:
    """Households decided by events since the last sweep, plus those the fast path finds whose
    outcome differs between that day and `on` (birthdays, CSE ending, a new rule-set version)."""
    conn = reader.conn
    since = await repository.last_swept(conn) or await repository.oldest_evaluation(conn)
    # Households decided by events after `since` were decided on their own date.
    candidates = set(await repository.households_evaluated_after(conn, since or query.on))
    if since is not None and since < query.on:
        cols = await projection_columns(conn)
        rows = households_changing(rule_book(), cols, since, query.on)
        candidates.update(str(h) for h in cols.household_ids[np.flatnonzero(rows)].tolist())
    return SweepCandidates(since, tuple(sorted(candidates)))


@dataclass(frozen=True)
class SweepDueQuery:
    pass


async def sweep_due(reader: Reader, query: SweepDueQuery) -> bool:
    """Whether the day changed (Lima) since the last sweep."""
    last = await repository.last_swept(reader.conn)
    return last is None or last < reader.clock.today()
