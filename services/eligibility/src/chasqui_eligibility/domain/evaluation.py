"""Evaluation of a rule book: per household with CEL (the truth) and over all rows with arrays."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
from chasqui_common.events.registry import Household, HouseholdStatus

from chasqui_eligibility.domain.decisions import CriterionResult, Decision, Verdict
from chasqui_eligibility.domain.expressions import (
    CompiledExpression,
    ExpressionError,
    Runner,
    compile_expression,
    to_cel,
)
from chasqui_eligibility.domain.facts import household_facts
from chasqui_eligibility.domain.rules import Criterion, Program, RuleBook, RuleSet, Unit
from chasqui_eligibility.domain.vectorised import (
    Array,
    Facts,
    columns_from_households,
    compile_vector,
    derive_facts,
)


@dataclass(frozen=True)
class CompiledCriterion:
    criterion: Criterion
    cel: CompiledExpression
    vector: Callable[[Facts, str], Array]


@dataclass(frozen=True)
class CompiledRuleSet:
    """A rule set checked and compiled for both evaluation paths."""

    program: str
    unit: Unit
    rule_set: RuleSet
    criteria: tuple[CompiledCriterion, ...]
    points: CompiledExpression | None
    points_vector: Callable[[Facts, str], Array] | None


@functools.lru_cache(maxsize=512)
def compile_rule_set(program: str, unit: Unit, rule_set: RuleSet) -> CompiledRuleSet:
    """Raises ExpressionError naming the program, version and criterion of a bad expression."""
    allow_person = unit == Unit.PERSON
    compiled = []
    for index, criterion in enumerate(rule_set.criteria):
        try:
            cel = compile_expression(criterion.expression, allow_person=allow_person)
            compiled.append(CompiledCriterion(criterion, cel, compile_vector(cel)))
        except ExpressionError as exc:
            raise ExpressionError(
                f"{program} {rule_set.version} criterion {criterion.name}: {exc}",
                field=f"criteria.{index}.expression",
            ) from exc
    points = points_vector = None
    if rule_set.benefit.priority_points is not None:
        try:
            points = compile_expression(rule_set.benefit.priority_points, allow_person=allow_person)
            points_vector = compile_vector(points)
        except ExpressionError as exc:
            raise ExpressionError(
                f"{program} {rule_set.version} priority points: {exc}", field="benefit.priority_points"
            ) from exc
    return CompiledRuleSet(program, unit, rule_set, tuple(compiled), points, points_vector)


def check_rule_book(book: RuleBook) -> None:
    """Compile every version of every program: a rule book that loads is a rule book that runs."""
    for program in book:
        for rule_set in program.versions:
            compile_rule_set(program.code, program.unit, rule_set)


# --- the CEL path: one household, every program in force -------------------------------------


def evaluate_household(
    book: RuleBook, household: Household, on: date, *, runner: Runner = "transpiled"
) -> list[Decision]:
    """Every decision for `household` on `on`, each criterion evaluated by CEL.

    The facts are converted to CEL values once per household (not once per decision) and every
    expression runs as a program compiled once per rule-set version. `runner="interpreted"`
    is the reference: cel-python's tree-walking interpreter, every criterion of every unit
    evaluated on its own; same decisions (tested), several times slower.
    A deregistered household has no units: whatever was decided before closes as not eligible.
    """
    if household.status != HouseholdStatus.ACTIVE:
        return []
    facts = household_facts(household, on)
    cel = _Activations(facts, runner)
    decisions: list[Decision] = []
    for program, rule_set in book.in_force(on):
        decisions.extend(_evaluate_program(program, rule_set, household, facts, cel, on))
    return decisions


def evaluate_program(
    program: Program,
    rule_set: RuleSet,
    household: Household,
    facts: dict[str, Any],
    on: date,
    *,
    runner: Runner = "transpiled",
) -> list[Decision]:
    return _evaluate_program(program, rule_set, household, facts, _Activations(facts, runner), on)


class _Activations:
    """The CEL activations of one household: `household` converted once, each member once.

    An expression that reads no `person` fact has one value for the whole household (its
    activation differs only in `person`, which it does not read), so it is evaluated once per
    household however many members and programs ask for it (e.g. "CSE poor and in force").
    """

    def __init__(self, facts: dict[str, Any], runner: Runner) -> None:
        self.household = to_cel(facts)
        self._members = self.household["members"]
        self._runner = runner
        self._household_only: dict[str, Any] = {}

    def of(self, index: int | None) -> dict[str, Any]:
        if index is None:
            return {"household": self.household}
        return {"household": self.household, "person": self._members[index]}

    def evaluate(self, expression: CompiledExpression, env: dict[str, Any]) -> Any:
        if expression.reads_person or self._runner == "interpreted":  # the reference: no shortcut
            return expression.evaluate(env, self._runner)
        try:
            return self._household_only[expression.source]
        except KeyError:
            value = self._household_only[expression.source] = expression.evaluate(env, self._runner)
            return value


def _evaluate_program(
    program: Program,
    rule_set: RuleSet,
    household: Household,
    facts: dict[str, Any],
    cel: _Activations,
    on: date,
) -> list[Decision]:
    compiled = compile_rule_set(program.code, program.unit, rule_set)
    if program.unit == Unit.HOUSEHOLD:
        return [_decide(compiled, household.household_id, None, facts, None, cel, None, on)]
    return [
        _decide(compiled, household.household_id, person["person_id"], facts, person, cel, i, on)
        for i, person in enumerate(facts["members"])
    ]


def _decide(
    compiled: CompiledRuleSet,
    household_id: str,
    person_id: str | None,
    household: dict[str, Any],
    person: dict[str, Any] | None,
    cel: _Activations,
    member: int | None,
    on: date,
) -> Decision:
    env = cel.of(member)
    results = []
    for item in compiled.criteria:
        value = cel.evaluate(item.cel, env)
        if not isinstance(value, bool) and type(value).__name__ != "BoolType":  # celpy's own bool
            raise ExpressionError(
                f"{compiled.program} {compiled.rule_set.version} criterion {item.criterion.name}: "
                f"expected a boolean, got {type(value).__name__} {value!r}"
            )
        results.append(
            CriterionResult(
                name=item.criterion.name,
                passed=bool(value),
                values=_values_seen(item.cel, household, person),
                explanation_es=item.criterion.explanation.es,
                explanation_en=item.criterion.explanation.en,
            )
        )
    eligible = all(r.passed for r in results)
    benefit = compiled.rule_set.benefit
    points = None
    if eligible and compiled.points is not None:
        points = int(cel.evaluate(compiled.points, env))
    return Decision(
        program=compiled.program,
        household_id=household_id,
        person_id=person_id,
        eligible=eligible,
        criteria=tuple(results),
        rule_set_version=compiled.rule_set.version,
        as_of=on,
        benefit_kind=benefit.kind,
        benefit_amount_centimos=benefit.amount_centimos,
        benefit_period_months=benefit.period_months,
        priority_points=points,
    )


def _values_seen(
    cel: CompiledExpression, household: dict[str, Any], person: dict[str, Any] | None
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for path in cel.reads.paths:
        root, name = path.split(".", 1)
        if path == "household.members":
            values[path] = [
                {"person_id": m["person_id"], **{f: m[f] for f in cel.reads.member_fields}}
                for m in household["members"]
            ]
        elif root == "household":
            values[path] = household[name]
        elif person is not None:
            values[path] = person[name]
    return values


# --- the fast path: every row at once -----------------------------------------------------------


@dataclass(frozen=True)
class VectorOutcome:
    """A program's verdict for every row of its unit (households or persons) on one date."""

    program: str
    unit: Unit
    rule_set_version: str
    live: Array  # bool: the row is a unit being decided
    eligible: Array  # bool, False where not live
    criteria: dict[str, Array]
    amount_centimos: int | None
    period_months: int | None
    points: Array | None

    @property
    def monthly_cost_centimos(self) -> float:
        if self.amount_centimos is None or self.period_months is None:
            return 0.0
        return float(np.count_nonzero(self.eligible)) * self.amount_centimos / self.period_months


def evaluate_vector(
    program: Program, rule_set: RuleSet, facts: Facts, live_households: Array
) -> VectorOutcome:
    compiled = compile_rule_set(program.code, program.unit, rule_set)
    scope = "household" if program.unit == Unit.HOUSEHOLD else "person"
    live = live_households if scope == "household" else live_households[facts.person_hh]
    criteria = {c.criterion.name: np.asarray(c.vector(facts, scope), dtype=bool) for c in compiled.criteria}
    eligible = live.copy()
    for passed in criteria.values():
        eligible &= passed
    points = None
    if compiled.points_vector is not None:
        points = np.where(eligible, compiled.points_vector(facts, scope), 0)
    benefit = rule_set.benefit
    return VectorOutcome(
        program.code,
        program.unit,
        rule_set.version,
        live,
        eligible,
        criteria,
        benefit.amount_centimos,
        benefit.period_months,
        points,
    )


def verdicts_vector(book: RuleBook, households: list[Household], on: date) -> list[list[Verdict]]:
    """Every verdict of every household on `on`, all households at once with the fast path: the
    same units in the same order as `evaluate_household` (programs in force, then members), the
    same outcomes, benefits and points (tests/unit/test_fast_path_equals_cel.py), the failed
    criteria named, without the per-criterion explanation. A deregistered household has none."""
    result: list[list[Verdict]] = [[] for _ in households]
    if not households:
        return result
    cols = columns_from_households(households)
    facts = derive_facts(cols, on)
    live = cols.live_households()
    active = live.tolist()
    person_hh = cols.person_hh.tolist()
    person_ids = cols.person_ids.tolist()
    for program, rule_set in book.in_force(on):
        outcome = evaluate_vector(program, rule_set, facts, live)
        names = list(outcome.criteria)
        # Which criteria failed, as one integer per unit (bit i: criterion i failed): the names
        # are looked up once per combination instead of collected per unit.
        if len(names) > 62:  # one bit each in an int64; rule sets have a handful
            raise ValueError(
                f"{program.code} {rule_set.version}: {len(names)} criteria, the fast path names at most 62"
            )
        failed_bits: Array = np.zeros(outcome.eligible.shape, dtype=np.int64)
        for bit, values in enumerate(outcome.criteria.values()):
            failed_bits |= (~values).astype(np.int64) << bit
        combinations: list[int] = np.unique(failed_bits).tolist()
        failed_of = {
            bits: tuple(name for bit, name in enumerate(names) if bits >> bit & 1) for bits in combinations
        }
        per_row: list[int] = failed_bits.tolist()
        failed = [failed_of[bits] for bits in per_row]
        eligible = outcome.eligible.tolist()
        points = outcome.points.tolist() if outcome.points is not None else None
        benefit = rule_set.benefit
        code, kind, version = program.code, benefit.kind, rule_set.version
        amount, period = benefit.amount_centimos, benefit.period_months
        per_person = program.unit == Unit.PERSON
        owners = person_hh if per_person else range(len(households))
        for row, owner in enumerate(owners):
            if not active[owner]:
                continue
            ok = eligible[row]
            result[owner].append(
                Verdict(
                    code,
                    person_ids[row] if per_person else None,
                    ok,
                    failed[row],
                    version,
                    kind,
                    amount,
                    period,
                    int(points[row]) if ok and points is not None else None,
                )
            )
    return result
