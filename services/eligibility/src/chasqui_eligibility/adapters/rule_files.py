"""Loads the rule book from JSON files (one program per file) and checks every expression."""

from __future__ import annotations

import json
from pathlib import Path

from pydantic import ValidationError

from chasqui_eligibility.domain.evaluation import check_rule_book
from chasqui_eligibility.domain.rules import Program, RuleBook

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"


class RuleFileError(ValueError):
    pass


def load_rule_book(directory: Path = RULES_DIR) -> RuleBook:
    programs = []
    for path in sorted(directory.glob("*.json")):
        try:
            programs.append(Program.model_validate(json.loads(path.read_text(encoding="utf-8"))))
        except (ValidationError, json.JSONDecodeError) as exc:
            raise RuleFileError(f"rule file {path.name} is invalid: {exc}") from exc
    codes = [p.code for p in programs]
    if len(set(codes)) != len(codes):
        raise RuleFileError(f"two rule files in {directory} define the same program: {codes}")
    book = RuleBook(programs)
    check_rule_book(book)
    return book
