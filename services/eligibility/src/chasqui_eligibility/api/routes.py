"""HTTP API: decisions per household, programs and their rule sets, simulation, the sweep trigger."""

from __future__ import annotations

from typing import Annotated

from chasqui_common.auth import CALLER, Caller, Principal, require_scopes
from chasqui_common.bootstrap import UseCases
from chasqui_common.values import IsoDate, Text
from fastapi import APIRouter, Depends, Path, Query

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

# Path and query parameters follow the shared value rules (chasqui_common.values, docs/values.md):
# ids and codes are one line of text without control characters; dates are YYYY-MM-DD only.
HouseholdId = Annotated[Text, Path(description="The registry's household id")]
ProgramCode = Annotated[Text, Path(description="Program code, e.g. PENSION_65")]
AsOf = Annotated[IsoDate | None, Query(description="YYYY-MM-DD; today (Lima) when absent")]


@router.get("/households/{household_id}/eligibility")
async def household_eligibility(
    household_id: HouseholdId,
    run: UseCases,
    as_of: AsOf = None,
    _: Principal = Depends(READ),
    caller: Caller = CALLER,
) -> HouseholdEligibilityResponse:
    """The household's decisions per programme; a programme integrator's token (`chasqui:programme`)
    sees its own programmes only, a token naming none (and not eligibility:national) gets 403."""
    result = await run.command(
        queries.get_household_eligibility, GetHouseholdEligibilityQuery(household_id, as_of, caller=caller)
    )
    return HouseholdEligibilityResponse.model_validate(result)


@router.get("/programs")
async def list_programs(run: UseCases, _: Principal = Depends(READ)) -> list[ProgramSummaryResponse]:
    result = await run.query(queries.list_programs, ListProgramsQuery())
    return [ProgramSummaryResponse.model_validate(program) for program in result]


@router.get("/programs/{code}")
async def get_program(code: ProgramCode, run: UseCases, _: Principal = Depends(READ)) -> ProgramResponse:
    return ProgramResponse.model_validate(await run.query(queries.get_program, GetProgramQuery(code)))


@router.post("/programs/{code}/simulate")
async def simulate_program(
    code: ProgramCode, body: SimulationRequest, run: UseCases, _: Principal = Depends(WRITE)
) -> SimulationResponse:
    query = SimulateProgramQuery(code, body.rule_set, body.as_of, body.sample_size)
    return SimulationResponse.model_validate(await run.query(queries.simulate_program, query))


@router.post("/sweeps", status_code=200)
async def trigger_sweep(run: UseCases, _: Principal = Depends(WRITE)) -> SweepReportResponse:
    """Run the daily sweep now (it is also run by the service once a day)."""
    return SweepReportResponse.model_validate(await sweep(run))
