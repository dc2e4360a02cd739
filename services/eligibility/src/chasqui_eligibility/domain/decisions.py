"""Decisions: one program's verdict on one household or person, and what changed since the last."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple
from uuid import UUID

from chasqui_common.events.eligibility import BenefitKind, DecisionCause


@dataclass(frozen=True)
class CriterionResult:
    name: str
    passed: bool
    values: dict[str, Any]
    explanation_es: str
    explanation_en: str

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "passed": self.passed,
            "values": self.values,
            "explanation": {"es": self.explanation_es, "en": self.explanation_en},
        }


@dataclass(frozen=True)
class Decision:
    program: str
    household_id: str
    person_id: str | None
    eligible: bool
    criteria: tuple[CriterionResult, ...]
    rule_set_version: str
    as_of: date
    benefit_kind: BenefitKind
    benefit_amount_centimos: int | None
    benefit_period_months: int | None
    priority_points: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        """(program, person id or "" for household programs): unique within a household."""
        return (self.program, self.person_id or "")

    @property
    def paid_amount(self) -> int | None:
        """The benefit actually granted: the amount when eligible, nothing otherwise."""
        return self.benefit_amount_centimos if self.eligible else None

    @property
    def failed_criteria(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.criteria if not c.passed)


@dataclass(frozen=True)
class StoredDecision:
    """What the service last recorded for a unit (enough to tell whether something changed)."""

    program: str
    person_id: str | None
    eligible: bool
    benefit_amount_centimos: int | None
    rule_set_version: str
    priority_points: int | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.program, self.person_id or "")

    @property
    def paid_amount(self) -> int | None:
        return self.benefit_amount_centimos if self.eligible else None


@dataclass(frozen=True)
class RecordedDecision:
    """The current decision as recorded for a unit, with the event that caused it."""

    program: str
    person_id: str  # "" for household programs
    decision_id: UUID
    eligible: bool
    as_of: date
    cause: DecisionCause
    caused_by_event_id: UUID | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.program, self.person_id)


@dataclass(frozen=True)
class Change:
    decision: Decision
    previous: StoredDecision | None

    @property
    def previous_eligible(self) -> bool:
        return self.previous.eligible if self.previous is not None else False

    @property
    def announce(self) -> bool:
        """The outcome or the benefit changed: this is what decision.changed announces."""
        return self.decision.eligible != self.previous_eligible or self.decision.paid_amount != (
            self.previous.paid_amount if self.previous is not None else None
        )


def no_longer_member(previous: StoredDecision, household_id: str, as_of: date, reason: str) -> Decision:
    """A unit that was decided before but is no longer evaluated (member left, household
    deregistered, program retired): it is not eligible any more."""
    return Decision(
        program=previous.program,
        household_id=household_id,
        person_id=previous.person_id,
        eligible=False,
        criteria=(
            CriterionResult(
                name="registered",
                passed=False,
                values={"reason": reason},
                explanation_es="La persona u hogar ya no figura en el padrón para este programa.",
                explanation_en="The person or household is no longer in the registry for this program.",
            ),
        ),
        rule_set_version=previous.rule_set_version,
        as_of=as_of,
        benefit_kind=BenefitKind.SERVICE,
        benefit_amount_centimos=previous.benefit_amount_centimos,
        benefit_period_months=None,
        priority_points=None,
    )


def changes(
    household_id: str,
    new: list[Decision],
    stored: list[StoredDecision],
    as_of: date,
    *,
    gone_reason: str,
) -> list[Change]:
    """Decisions to record: new units, and units whose outcome, benefit, points or rule-set
    version moved. Units no longer evaluated are closed as not eligible (once)."""
    previous = {s.key: s for s in stored}
    result: list[Change] = []
    for decision in new:
        before = previous.pop(decision.key, None)
        if (
            before is None
            or before.eligible != decision.eligible
            or before.paid_amount != decision.paid_amount
            or before.priority_points != decision.priority_points
            or before.rule_set_version != decision.rule_set_version
        ):
            result.append(Change(decision, before))
    for before in previous.values():
        if before.eligible:
            result.append(Change(no_longer_member(before, household_id, as_of, gone_reason), before))
    return result


class Verdict(NamedTuple):
    """A decision without its per-criterion explanation: what the event path records and
    announces. The explanation (values seen, texts) is computed when a decision is read.

    A named tuple (immutable, built in C) rather than a frozen dataclass: the event path makes
    about 24 per household, and a frozen dataclass sets each field through `object.__setattr__`."""

    program: str
    person_id: str | None
    eligible: bool
    failed_criteria: tuple[str, ...]
    rule_set_version: str
    benefit_kind: BenefitKind
    benefit_amount_centimos: int | None
    benefit_period_months: int | None
    priority_points: int | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.program, self.person_id or "")

    @property
    def paid_amount(self) -> int | None:
        return self.benefit_amount_centimos if self.eligible else None


def verdict_of(decision: Decision) -> Verdict:
    return Verdict(
        program=decision.program,
        person_id=decision.person_id,
        eligible=decision.eligible,
        failed_criteria=decision.failed_criteria,
        rule_set_version=decision.rule_set_version,
        benefit_kind=decision.benefit_kind,
        benefit_amount_centimos=decision.benefit_amount_centimos,
        benefit_period_months=decision.benefit_period_months,
        priority_points=decision.priority_points,
    )


class VerdictChange(NamedTuple):
    """A verdict to record for a household, and what was recorded for the unit before (a named
    tuple, as `Verdict`)."""

    household_id: str
    verdict: Verdict
    previous: StoredDecision | None

    @property
    def previous_eligible(self) -> bool:
        return self.previous.eligible if self.previous is not None else False

    @property
    def announce(self) -> bool:
        previous_paid = self.previous.paid_amount if self.previous is not None else None
        return self.verdict.eligible != self.previous_eligible or self.verdict.paid_amount != previous_paid


def verdict_changes(
    household_id: str, new: list[Verdict], stored: list[StoredDecision]
) -> list[VerdictChange]:
    """`changes` for verdicts: the same units, in the same order, with the same closures."""
    if not stored:  # a household decided for the first time (a bulk import): every unit is new
        return [VerdictChange(household_id, verdict, None) for verdict in new]
    previous = {s.key: s for s in stored}
    result: list[VerdictChange] = []
    for verdict in new:
        before = previous.pop(verdict.key, None)
        if (
            before is None
            or before.eligible != verdict.eligible
            or before.paid_amount != verdict.paid_amount
            or before.priority_points != verdict.priority_points
            or before.rule_set_version != verdict.rule_set_version
        ):
            result.append(VerdictChange(household_id, verdict, before))
    for before in previous.values():
        if before.eligible:
            closed = Verdict(
                program=before.program,
                person_id=before.person_id,
                eligible=False,
                failed_criteria=("registered",),
                rule_set_version=before.rule_set_version,
                benefit_kind=BenefitKind.SERVICE,
                benefit_amount_centimos=before.benefit_amount_centimos,
                benefit_period_months=None,
                priority_points=None,
            )
            result.append(VerdictChange(household_id, closed, before))
    return result
