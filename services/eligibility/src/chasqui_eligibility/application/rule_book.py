"""The programs this service decides: the rule files shipped in `rules/`, loaded once per process."""

from __future__ import annotations

import functools

from chasqui_eligibility.adapters.rule_files import load_rule_book
from chasqui_eligibility.domain.rules import RuleBook


@functools.cache
def rule_book() -> RuleBook:
    """Every program, each version checked and compiled (a rule file that does not load raises)."""
    return load_rule_book()
