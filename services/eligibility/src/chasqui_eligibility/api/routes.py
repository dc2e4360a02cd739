"""HTTP API: decisions per household, programs and their rule sets, simulation, the sweep trigger."""

from __future__ import annotations

from datetime import date

from chasqui_common.auth import Principal, require_scopes
from chasqui_common.bootstrap import UseCases
from fastapi import APIRouter, Depends, Query

from chasqui_eligibility.api.schemas import (
    HouseholdEligibilityResponse,
    ProgramResponse,
    ProgramSummaryResponse,
    SimulationRequest,
    SimulationResponse,
    SweepReportResponse,
)
from chasqui_eligibility.application import queries
from chasqui_eligibility.application.queries import (
    GetHouseholdEligibilityQuery,
    GetProgramQuery,
    ListProgramsQuery,
    SimulateProgramQuery,
)
from chasqui_eligibility.application.sweep import sweep

READ = require_scopes("eligibility:read")
WRITE = require_scopes("eligibility:write")

router = APIRouter(prefix="/v1", tags=["eligibility"])


@router.get("/households/{household_id}/eligibility")
async def household_eligibility(
    household_id: str,
    run: UseCases,
    as_of: date | None = Query(None, description="YYYY-MM-DD; today (Lima) when absent"),
    _: Principal = Depends(READ),
) -> HouseholdEligibilityResponse:
    result = await run.query(
        queries.get_household_eligibility, GetHouseholdEligibilityQuery(household_id, as_of)
    )
    return HouseholdEligibilityResponse.model_validate(result)


@router.get("/programs")
async def list_programs(run: UseCases, _: Principal = Depends(READ)) -> list[ProgramSummaryResponse]:
    result = await run.query(queries.list_programs, ListProgramsQuery())
    return [ProgramSummaryResponse.model_validate(program) for program in result]


@router.get("/programs/{code}")
async def get_program(code: str, run: UseCases, _: Principal = Depends(READ)) -> ProgramResponse:
    return ProgramResponse.model_validate(await run.query(queries.get_program, GetProgramQuery(code)))


@router.post("/programs/{code}/simulate")
async def simulate_program(
    code: str, body: SimulationRequest, run: UseCases, _: Principal = Depends(WRITE)
) -> SimulationResponse:
    query = SimulateProgramQuery(code, body.rule_set, body.as_of, body.sample_size)
    return SimulationResponse.model_validate(await run.query(queries.simulate_program, query))


@router.post("/sweeps", status_code=200)
async def trigger_sweep(run: UseCases, _: Principal = Depends(WRITE)) -> SweepReportResponse:
    """Run the daily sweep now (it is also run by the service once a day)."""
    return SweepReportResponse.model_validate(await sweep(run))
