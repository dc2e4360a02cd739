"""The vectorised fast path gives the same outcome as CEL on every unit of a sample."""

from datetime import date

import numpy as np
import pytest
from chasqui_eligibility.adapters.rule_files import load_rule_book
from chasqui_eligibility.domain.evaluation import evaluate_household
from chasqui_eligibility.domain.rules import Unit
from chasqui_eligibility.domain.simulation import evaluate_all
from chasqui_eligibility.domain.vectorised import append_columns, columns_from_households
from chasqui_scenario.synthetic import household, member, population

BOOK = load_rule_book()
SAMPLE = population(200, seed=11)


@pytest.mark.parametrize("on", [date(2026, 3, 1), date(2027, 2, 28), date(2028, 2, 29)])
def test_fast_path_matches_cel_for_every_unit(on: date) -> None:
    cols = columns_from_households(SAMPLE)
    fast = evaluate_all(BOOK, cols, on)
    person_row = {pid: i for i, pid in enumerate(cols.person_ids.tolist())}
    checked = 0
    for row, hh in enumerate(SAMPLE):
        for decision in evaluate_household(BOOK, hh, on):
            outcome = fast[decision.program]
            index = row if outcome.unit == Unit.HOUSEHOLD else person_row[decision.person_id]
            assert bool(outcome.eligible[index]) is decision.eligible, (decision.program, hh.household_id)
            for criterion in decision.criteria:
                assert bool(outcome.criteria[criterion.name][index]) is criterion.passed
            if outcome.points is not None and decision.eligible:
                assert int(outcome.points[index]) == decision.priority_points
            checked += 1
    assert checked > 2500
    assert all(np.any(o.eligible) for o in fast.values())  # the sample exercises every program


def test_patched_columns_replace_the_old_version_of_a_household() -> None:
    old = household("H1", [member("P", date(1950, 1, 1))])
    cols = columns_from_households([old, household("H2", [member("Q", date(1990, 1, 1))])])
    newer = household("H1", [member("P", date(1950, 1, 1))], status="deregistered")
    patched = append_columns(cols, columns_from_households([newer]))
    on = date(2026, 1, 1)
    pension = evaluate_all(BOOK, patched, on)["PENSION_65"]
    assert not pension.eligible.any()
    assert evaluate_all(BOOK, cols, on)["PENSION_65"].eligible.sum() == 1


@pytest.mark.parametrize("on", [date(2026, 3, 1), date(2027, 2, 28), date(2028, 2, 29)])
def test_transpiled_cel_equals_the_cel_interpreter(on: date) -> None:
    """Decisions use cel-python's transpiled programs (compiled once per expression) and
    evaluate household-only expressions once per household; the tree-walking interpreter,
    evaluating every criterion of every unit on its own, must give identical decisions."""
    decided = 0
    for hh in SAMPLE:
        transpiled = evaluate_household(BOOK, hh, on)
        assert transpiled == evaluate_household(BOOK, hh, on, runner="interpreted"), hh.household_id
        decided += len(transpiled)
    assert decided > 2500
