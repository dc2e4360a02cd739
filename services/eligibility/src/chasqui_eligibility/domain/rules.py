"""Rule sets as data: programs, their versions in force by date, criteria and benefits."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from datetime import date
from enum import StrEnum
from typing import Annotated

from chasqui_common.events.eligibility import BenefitKind
from chasqui_common.values import IsoDate, MultilineText, text
from pydantic import BaseModel, ConfigDict, Field, model_validator

# The shared value rules (chasqui_common.values): rule files and candidate rule sets sent to
# `POST /v1/programs/{code}/simulate` refuse control characters, unpaired surrogates and
# noncharacters in every text, and read dates as YYYY-MM-DD only.
Wording = Annotated[str, text(min_length=1)]
"""One line of text for people (es/en explanations and names)."""
Expression = Annotated[str, text(min_length=1, multiline=True)]
"""A CEL expression: may span lines (tab, LF, CR LF), nothing else of C0/C1."""


class Unit(StrEnum):
    """Who a program decides about: the whole household or each member."""

    HOUSEHOLD = "household"
    PERSON = "person"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Explanation(_Model):
    es: Wording
    en: Wording


class Criterion(_Model):
    """One condition: a CEL expression over `household` (and `person` for person programs)."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    expression: Expression
    explanation: Explanation


class Benefit(_Model):
    kind: BenefitKind
    amount_centimos: int | None = Field(None, ge=0, description="Integer céntimos per period")
    period_months: int | None = Field(None, ge=1)
    priority_points: MultilineText | None = Field(None, description="CEL integer expression, for grants")
    description: Explanation

    @model_validator(mode="after")
    def _cash_has_amount(self) -> Benefit:
        if self.kind == BenefitKind.CASH and (self.amount_centimos is None or self.period_months is None):
            raise ValueError("a cash benefit needs amount_centimos and period_months")
        return self

    @property
    def monthly_centimos(self) -> float:
        if self.amount_centimos is None or self.period_months is None:
            return 0.0
        return self.amount_centimos / self.period_months


class RuleSet(_Model):
    """One version of a program's rules, in force from `effective_from` to `effective_until`
    (inclusive; open-ended when null)."""

    version: str = Field(pattern=r"^[A-Z0-9_]+-\d{4}\.\d+$")
    effective_from: IsoDate
    effective_until: IsoDate | None = None
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    benefit: Benefit

    @model_validator(mode="after")
    def _unique_names(self) -> RuleSet:
        names = [c.name for c in self.criteria]
        if len(set(names)) != len(names):
            raise ValueError(f"rule set {self.version}: criterion names repeat: {names}")
        if self.effective_until is not None and self.effective_until < self.effective_from:
            raise ValueError(f"rule set {self.version}: effective_until is before effective_from")
        return self

    def in_force_on(self, day: date) -> bool:
        return self.effective_from <= day and (self.effective_until is None or day <= self.effective_until)


class Program(_Model):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    name: Explanation
    unit: Unit
    versions: tuple[RuleSet, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _versions_do_not_overlap(self) -> Program:
        ordered = sorted(self.versions, key=lambda v: v.effective_from)
        for earlier, later in itertools.pairwise(ordered):
            if earlier.effective_until is None or earlier.effective_until >= later.effective_from:
                raise ValueError(
                    f"program {self.code}: version {earlier.version} (until {earlier.effective_until}) "
                    f"overlaps {later.version} (from {later.effective_from})"
                )
        if len({v.version for v in self.versions}) != len(self.versions):
            raise ValueError(f"program {self.code}: two versions share a name")
        return self

    def rule_set_on(self, day: date) -> RuleSet | None:
        """The version in force on `day`, or None before the program existed."""
        for version in self.versions:
            if version.in_force_on(day):
                return version
        return None


class RuleBook:
    """Every program the service knows, by code."""

    def __init__(self, programs: Iterable[Program]) -> None:
        self._programs = {p.code: p for p in programs}

    def __iter__(self) -> Iterator[Program]:
        return iter(self._programs.values())

    def __len__(self) -> int:
        return len(self._programs)

    def get(self, code: str) -> Program | None:
        return self._programs.get(code)

    def in_force(self, day: date) -> list[tuple[Program, RuleSet]]:
        pairs = []
        for program in self:
            rule_set = program.rule_set_on(day)
            if rule_set is not None:
                pairs.append((program, rule_set))
        return pairs
