"""Rule sets as data: versions by date, and rules the evaluators cannot run are refused at load."""

from datetime import date

import pytest
from chasqui_eligibility.adapters.rule_files import load_rule_book
from chasqui_eligibility.domain.evaluation import check_rule_book, evaluate_household
from chasqui_eligibility.domain.expressions import ExpressionError
from chasqui_eligibility.domain.rules import Program, RuleBook
from chasqui_scenario.synthetic import household, member
from pydantic import ValidationError


def _program(versions: list[dict]) -> Program:  # type: ignore[type-arg]
    return Program.model_validate(
        {"code": "CIAM", "name": {"es": "CIAM", "en": "CIAM"}, "unit": "person", "versions": versions}
    )


def _version(name: str, start: str, end: str | None, age: int) -> dict:  # type: ignore[type-arg]
    return {
        "version": name,
        "effective_from": start,
        "effective_until": end,
        "criteria": [
            {
                "name": "old_enough",
                "expression": f"person.age_years >= {age}",
                "explanation": {"es": "e", "en": "e"},
            }
        ],
        "benefit": {"kind": "municipal_service", "description": {"es": "s", "en": "s"}},
    }


def test_old_versions_still_answer_for_past_dates() -> None:
    program = _program(
        [
            _version("CIAM-2024.1", "2024-01-01", "2025-12-31", 65),
            _version("CIAM-2026.1", "2026-01-01", None, 60),
        ]
    )
    book = RuleBook([program])
    hh = household("H", [member("P", date(1963, 6, 1))])  # 62 in 2025 and 2026
    [past] = evaluate_household(book, hh, date(2025, 12, 31))
    [now] = evaluate_household(book, hh, date(2026, 1, 1))
    assert (past.rule_set_version, past.eligible) == ("CIAM-2024.1", False)
    assert (now.rule_set_version, now.eligible) == ("CIAM-2026.1", True)
    assert evaluate_household(book, hh, date(2023, 12, 31)) == []


def test_overlapping_versions_are_refused() -> None:
    with pytest.raises(ValidationError, match="overlaps"):
        _program(
            [_version("CIAM-2024.1", "2024-01-01", None, 65), _version("CIAM-2026.1", "2026-01-01", None, 60)]
        )


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("person.salary > 3", "no fact 'salary'"),
        ("person.age_years >=", "does not parse"),
        ("household.members.map(m, m.age_years).size() > 0", "not supported"),
        ("income > 3", "unknown variable"),
    ],
)
def test_expressions_the_evaluators_cannot_run_are_refused(expression: str, message: str) -> None:
    version = _version("CIAM-2024.1", "2024-01-01", None, 65)
    version["criteria"][0]["expression"] = expression
    with pytest.raises(ExpressionError, match=message):
        check_rule_book(RuleBook([_program([version])]))


def test_the_shipped_rule_book_has_every_program_of_the_issue() -> None:
    codes = {p.code for p in load_rule_book()}
    assert codes == {
        "JUNTOS",
        "PENSION_65",
        "CONTIGO",
        "CUNA_MAS_DAY_CARE",
        "CUNA_MAS_HOME_VISITS",
        "BECA_18",
        "CIAM",
        "OMAPED",
        "ULE_RECLASSIFICATION",
    }
