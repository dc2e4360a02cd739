"""/v1/applications, /v1/placements and /v1/stats: what the matching leads to, and its figures."""

from __future__ import annotations

from chasqui_common.auth import Principal
from chasqui_common.bootstrap import IdempotentUseCases, UseCases
from fastapi import Depends

from chasqui_employment_matching.api.routing import READ, WRITE, v1_router
from chasqui_employment_matching.api.schemas import (
    ApplicationIn,
    ApplicationOut,
    DepartmentStatsList,
    DepartmentStatsOut,
    PlacementIn,
    PlacementOut,
)
from chasqui_employment_matching.application import commands, queries
from chasqui_employment_matching.application.commands import ConfirmPlacement, SubmitApplication
from chasqui_employment_matching.application.queries import (
    DepartmentStatsQuery,
    GetApplicationQuery,
    GetPlacementQuery,
)
from chasqui_employment_matching.domain import codes

router = v1_router()


@router.post("/applications", status_code=201)
async def submit_application(
    body: ApplicationIn, run: IdempotentUseCases, _: Principal = Depends(WRITE)
) -> ApplicationOut:
    command = SubmitApplication(
        codes.check_uuid("seeker_id", body.seeker_id), codes.check_uuid("vacancy_id", body.vacancy_id)
    )
    return ApplicationOut.of(await run.command(commands.submit_application, command))


@router.get("/applications/{application_id}")
async def get_application(application_id: str, run: UseCases, _: Principal = Depends(READ)) -> ApplicationOut:
    query = GetApplicationQuery(codes.check_uuid("application_id", application_id))
    return ApplicationOut.of(await run.query(queries.get_application, query))


@router.post("/placements", status_code=201)
async def confirm_placement(
    body: PlacementIn, run: IdempotentUseCases, _: Principal = Depends(WRITE)
) -> PlacementOut:
    command = ConfirmPlacement(
        seeker_id=codes.check_uuid("seeker_id", body.seeker_id),
        vacancy_id=codes.check_uuid("vacancy_id", body.vacancy_id),
        start_date=body.start_date,
        monthly_salary=body.monthly_salary,
        formal=body.formal,
    )
    return PlacementOut.of(await run.command(commands.confirm_placement, command))


@router.get("/placements/{placement_id}")
async def get_placement(placement_id: str, run: UseCases, _: Principal = Depends(READ)) -> PlacementOut:
    query = GetPlacementQuery(codes.check_uuid("placement_id", placement_id))
    return PlacementOut.of(await run.query(queries.get_placement, query))


@router.get("/stats/departments")
async def department_stats(run: UseCases, _: Principal = Depends(READ)) -> DepartmentStatsList:
    stats = await run.query(queries.department_stats, DepartmentStatsQuery())
    return DepartmentStatsList(items=[DepartmentStatsOut.of(s) for s in stats])
