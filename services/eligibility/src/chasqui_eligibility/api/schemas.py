"""Request and response bodies of the HTTP API (the OpenAPI schema is built from these)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from chasqui_common.events.eligibility import BenefitKind, DecisionCause
from chasqui_common.events.registry import HouseholdStatus
from chasqui_common.values import IsoDate
from pydantic import BaseModel, ConfigDict, Field, JsonValue

from chasqui_eligibility.domain.rules import Explanation, RuleSet, Unit


class _Response(BaseModel):
    model_config = ConfigDict(from_attributes=True)


# --- requests ----------------------------------------------------------------------------------------


class SimulationRequest(BaseModel):
    rule_set: RuleSet
    as_of: IsoDate | None = Field(None, description="Evaluation date (YYYY-MM-DD); today (Lima) when absent")
    sample_size: int = Field(10, ge=0, le=1000)


# --- a household's decisions ---------------------------------------------------------------------


class ExplanationResponse(_Response):
    es: str
    en: str


class CriterionResponse(_Response):
    name: str
    passed: bool
    values: dict[str, JsonValue] = Field(description="The facts the expression read, by path")
    explanation: ExplanationResponse


class BenefitResponse(_Response):
    kind: BenefitKind
    amount_centimos: int | None = Field(description="Granted amount per period; null when not eligible")
    amount_soles: str | None = Field(description="The same amount in soles, two decimals")
    period_months: int | None
    priority_points: int | None


class RecordedResponse(_Response):
    decision_id: UUID
    eligible: bool
    as_of: date
    cause: DecisionCause
    caused_by_event_id: UUID | None


class UnitDecisionResponse(_Response):
    person_id: str | None = Field(description="Null for household programs")
    eligible: bool
    benefit: BenefitResponse
    criteria: list[CriterionResponse]
    recorded: RecordedResponse | None = Field(description="The decision recorded now, if any")


class ProgramDecisionsResponse(_Response):
    code: str
    unit: Unit
    rule_set_version: str
    decisions: list[UnitDecisionResponse]


class HouseholdEligibilityResponse(_Response):
    household_id: str
    as_of: date
    status: HouseholdStatus
    programs: list[ProgramDecisionsResponse]


# --- programs --------------------------------------------------------------------------------------


class ProgramSummaryResponse(_Response):
    code: str
    name: Explanation
    unit: Unit
    current_version: str | None
    versions: list[str]


class ProgramResponse(_Response):
    code: str
    name: Explanation
    unit: Unit
    versions: list[RuleSet]
    current_version: str | None


class DepartmentImpactResponse(_Response):
    department: str
    households_gaining: int
    households_losing: int
    people_gaining: int
    people_losing: int


class SampledUnitResponse(_Response):
    household_id: str
    person_id: str | None


class SimulationTimingResponse(_Response):
    projection_refresh: float = Field(description="Milliseconds")
    evaluation: float = Field(description="Milliseconds")


class SimulationResponse(_Response):
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
    by_department: list[DepartmentImpactResponse]
    sample_gaining: list[SampledUnitResponse]
    sample_losing: list[SampledUnitResponse]
    monthly_cost_change_centimos: int
    monthly_cost_change_soles: str | None
    timing_ms: SimulationTimingResponse


# --- the sweep -------------------------------------------------------------------------------------


class SweepReportResponse(_Response):
    swept_from: date | None
    swept_to: date
    candidates: int
    decisions_recorded: int
    events_published: int
    seconds: float
    skipped: str | None = None
