"""What the use cases take and give back: frozen dataclasses, never dicts or database rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from chasqui_common.events.eligibility import BenefitKind
from chasqui_common.events.registry import HouseholdStatus
from pydantic import JsonValue

from chasqui_eligibility.domain.decisions import RecordedDecision
from chasqui_eligibility.domain.rules import Explanation, RuleSet, Unit
from chasqui_eligibility.domain.simulation import DepartmentImpact, SampledUnit


def soles(centimos: int | None) -> str | None:
    """An amount in céntimos as soles with two decimals ("200.00"), None for none."""
    return None if centimos is None else f"{centimos / 100:.2f}"


# --- a household's decisions ---------------------------------------------------------------------


@dataclass(frozen=True)
class Explained:
    es: str
    en: str


@dataclass(frozen=True)
class CriterionOutcome:
    """One criterion of a decision: whether it passed, the facts it read, and why it exists."""

    name: str
    passed: bool
    values: dict[str, JsonValue]
    explanation: Explained


@dataclass(frozen=True)
class BenefitOutcome:
    kind: BenefitKind
    amount_centimos: int | None
    amount_soles: str | None
    period_months: int | None
    priority_points: int | None


@dataclass(frozen=True)
class UnitDecision:
    person_id: str | None
    eligible: bool
    benefit: BenefitOutcome
    criteria: tuple[CriterionOutcome, ...]
    recorded: RecordedDecision | None  # what the service recorded for the unit, and what caused it


@dataclass(frozen=True)
class ProgramDecisions:
    code: str
    unit: Unit
    rule_set_version: str
    decisions: tuple[UnitDecision, ...]


@dataclass(frozen=True)
class HouseholdEligibility:
    household_id: str
    as_of: date
    status: HouseholdStatus
    programs: tuple[ProgramDecisions, ...]


# --- programs --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProgramSummary:
    code: str
    name: Explanation
    unit: Unit
    current_version: str | None
    versions: tuple[str, ...]


@dataclass(frozen=True)
class ProgramDetails:
    code: str
    name: Explanation
    unit: Unit
    versions: tuple[RuleSet, ...]
    current_version: str | None


@dataclass(frozen=True)
class SimulationTiming:
    projection_refresh: float  # milliseconds
    evaluation: float  # milliseconds


@dataclass(frozen=True)
class Simulation:
    """Who gains and who loses a program if a candidate rule set replaced the one in force."""

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
    by_department: tuple[DepartmentImpact, ...]
    sample_gaining: tuple[SampledUnit, ...]
    sample_losing: tuple[SampledUnit, ...]
    monthly_cost_change_centimos: int
    monthly_cost_change_soles: str | None
    timing_ms: SimulationTiming


# --- the sweep -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SweepCandidates:
    """Households the sweep re-decides, and the day decisions were last brought up to."""

    since: date | None
    household_ids: tuple[str, ...]


@dataclass(frozen=True)
class Redecided:
    decisions_recorded: int
    events_published: int


@dataclass(frozen=True)
class SweepReport:
    swept_from: date | None
    swept_to: date
    candidates: int
    decisions_recorded: int
    events_published: int
    seconds: float
    skipped: str | None = None
