"""Issue 13: rule sets (rule files and candidates sent to simulate) follow the shared value rules."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from chasqui_eligibility.adapters.rule_files import RULES_DIR
from chasqui_eligibility.domain.rules import Program, RuleSet
from pydantic import ValidationError


def ciam() -> dict[str, Any]:
    program: dict[str, Any] = json.loads((RULES_DIR / "ciam.json").read_text(encoding="utf-8"))
    rule_set: dict[str, Any] = program["versions"][0]
    return rule_set


def refused(raw: dict[str, Any]) -> tuple[str, str]:
    with pytest.raises(ValidationError) as caught:
        RuleSet.model_validate(raw)
    error = caught.value.errors()[0]
    return ".".join(str(part) for part in error["loc"]), error["msg"]


def test_every_rule_file_still_reads() -> None:
    for path in sorted(RULES_DIR.glob("*.json")):
        Program.model_validate(json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    "written", [0, "0", "86400", 86400.0, "2026-03-11T00:00:00", "11/03/2026", "2026-02-29"]
)
def test_dates_are_yyyy_mm_dd_only(written: object) -> None:
    field, expected = refused({**ciam(), "effective_from": written})
    assert field == "effective_from"
    assert "YYYY-MM-DD" in expected
    assert RuleSet.model_validate({**ciam(), "effective_from": "2026-03-11"}).effective_from == date(
        2026, 3, 11
    )


@pytest.mark.parametrize("bad", ["Ana\u0000Maria", "tab\there", "line\nbreak", "c1\u0085", "\ud800"])
def test_explanations_refuse_control_characters_and_surrogates(bad: str) -> None:
    raw = ciam()
    criterion = {**raw["criteria"][0], "explanation": {"es": bad, "en": "ok"}}
    field, expected = refused({**raw, "criteria": [criterion]})
    assert field == "criteria.0.explanation.es"
    assert "control characters" in expected


def test_expressions_may_span_lines_but_hold_no_other_control_character() -> None:
    raw = ciam()
    multiline = {**raw["criteria"][0], "expression": "person.age_years\n  >= 60"}
    assert (
        RuleSet.model_validate({**raw, "criteria": [multiline]}).criteria[0].expression.startswith("person")
    )
    nul = {**raw["criteria"][0], "expression": "person.age_years >= 60\u0000"}
    field, _ = refused({**raw, "criteria": [nul]})
    assert field == "criteria.0.expression"
