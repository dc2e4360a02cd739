"""HTTP API: decisions per household, programs and their rule sets, simulation, the sweep trigger."""

from __future__ import annotations

import dataclasses
import time
from datetime import date
from typing import Any

from chasqui_common.auth import Principal, require_scopes
from chasqui_common.bootstrap import ServiceRuntime, runtime
from chasqui_common.http.problems import FieldError, ProblemError
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from chasqui_eligibility.adapters import repository
from chasqui_eligibility.application.service import Eligibility
from chasqui_eligibility.application.sweep import sweep
from chasqui_eligibility.domain.evaluation import compile_rule_set, evaluate_household
from chasqui_eligibility.domain.expressions import ExpressionError
from chasqui_eligibility.domain.rules import Program, RuleSet
from chasqui_eligibility.domain.simulation import simulate

READ = require_scopes("eligibility:read")
WRITE = require_scopes("eligibility:write")


class SimulationRequest(BaseModel):
    rule_set: RuleSet
    as_of: date | None = Field(None, description="Evaluation date; today (Lima) when absent")
    sample_size: int = Field(10, ge=0, le=1000)


def _soles(centimos: int | None) -> str | None:
    return None if centimos is None else f"{centimos / 100:.2f}"


def make_router(app: Eligibility) -> APIRouter:
    router = APIRouter(prefix="/v1", tags=["eligibility"])

    def program_or_404(code: str) -> Program:
        program = app.book.get(code)
        if program is None:
            raise ProblemError(
                404,
                "program-not-found",
                "Program not found",
                f"no program with code {code!r}; known: {sorted(p.code for p in app.book)}",
            )
        return program

    @router.get("/households/{household_id}/eligibility")
    async def household_eligibility(
        household_id: str,
        as_of: date | None = Query(None, description="YYYY-MM-DD; today (Lima) when absent"),
        rt: ServiceRuntime = Depends(runtime),
        _: Principal = Depends(READ),
    ) -> dict[str, Any]:
        day = as_of or app.clock.today()
        async with rt.pool.acquire() as conn:
            household = await repository.get_household(conn, household_id)
            recorded = await repository.decision_rows(conn, household_id) if household else []
        if household is None:
            raise ProblemError(
                404,
                "household-not-found",
                "Household not found",
                f"household {household_id!r} is not in the eligibility projection",
            )
        by_key = {(r["program"], r["person_id"]): r for r in recorded}
        programs: dict[str, dict[str, Any]] = {}
        for decision in evaluate_household(app.book, household, day):
            program = app.book.get(decision.program)
            assert program is not None
            entry = programs.setdefault(
                decision.program,
                {
                    "code": decision.program,
                    "unit": program.unit.value,
                    "rule_set_version": decision.rule_set_version,
                    "decisions": [],
                },
            )
            stored = by_key.get(decision.key)
            entry["decisions"].append(
                {
                    "person_id": decision.person_id,
                    "eligible": decision.eligible,
                    "benefit": {
                        "kind": decision.benefit_kind.value,
                        "amount_centimos": decision.paid_amount,
                        "amount_soles": _soles(decision.paid_amount),
                        "period_months": decision.benefit_period_months,
                        "priority_points": decision.priority_points,
                    },
                    "criteria": [c.as_json() for c in decision.criteria],
                    "recorded": None
                    if stored is None
                    else {
                        "decision_id": str(stored["decision_id"]),
                        "eligible": stored["eligible"],
                        "as_of": stored["as_of"].isoformat(),
                        "cause": stored["cause"],
                        "caused_by_event_id": str(stored["caused_by_event_id"])
                        if stored["caused_by_event_id"]
                        else None,
                    },
                }
            )
        return {
            "household_id": household_id,
            "as_of": day.isoformat(),
            "status": household.status.value,
            "programs": list(programs.values()),
        }

    @router.get("/programs")
    async def list_programs(_: Principal = Depends(READ)) -> list[dict[str, Any]]:
        today = app.clock.today()
        result = []
        for program in app.book:
            current = program.rule_set_on(today)
            result.append(
                {
                    "code": program.code,
                    "name": program.name.model_dump(),
                    "unit": program.unit.value,
                    "current_version": current.version if current else None,
                    "versions": [v.version for v in program.versions],
                }
            )
        return result

    @router.get("/programs/{code}")
    async def get_program(code: str, _: Principal = Depends(READ)) -> dict[str, Any]:
        program = program_or_404(code)
        current = program.rule_set_on(app.clock.today())
        body: dict[str, Any] = program.model_dump(mode="json")
        body["current_version"] = current.version if current else None
        return body

    @router.post("/programs/{code}/simulate")
    async def simulate_program(
        code: str,
        body: SimulationRequest,
        rt: ServiceRuntime = Depends(runtime),
        _: Principal = Depends(WRITE),
    ) -> dict[str, Any]:
        program = program_or_404(code)
        try:
            compile_rule_set(program.code, program.unit, body.rule_set)
        except ExpressionError as exc:
            raise ProblemError(
                422,
                "rule-set-invalid",
                "Candidate rule set is invalid",
                str(exc),
                errors=[FieldError(field="rule_set.criteria", value=None, expected=str(exc))],
            ) from exc
        started = time.perf_counter()
        cols = await app.projection.current(rt.pool)
        loaded = time.perf_counter()
        result = simulate(
            cols, program, body.rule_set, body.as_of or app.clock.today(), sample_size=body.sample_size
        )
        finished = time.perf_counter()
        answer = dataclasses.asdict(result)
        answer["as_of"] = result.as_of.isoformat()
        answer["unit"] = result.unit.value
        answer["monthly_cost_change_centimos"] = result.monthly_cost_change_centimos
        answer["monthly_cost_change_soles"] = _soles(result.monthly_cost_change_centimos)
        answer["timing_ms"] = {
            "projection_refresh": round((loaded - started) * 1000, 1),
            "evaluation": round((finished - loaded) * 1000, 1),
        }
        return answer

    @router.post("/sweeps", status_code=200)
    async def trigger_sweep(
        rt: ServiceRuntime = Depends(runtime), _: Principal = Depends(WRITE)
    ) -> dict[str, Any]:
        """Run the daily sweep now (it is also run by the service once a day)."""
        report = await sweep(rt.pool, rt.outbox, app)
        answer = dataclasses.asdict(report)
        answer["swept_from"] = report.swept_from.isoformat() if report.swept_from else None
        answer["swept_to"] = report.swept_to.isoformat()
        return answer

    return router
