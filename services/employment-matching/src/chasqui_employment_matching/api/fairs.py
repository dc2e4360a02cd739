"""/v1/job-fairs: create a fair, look it up, register attendees."""

from __future__ import annotations

from chasqui_common.auth import Principal
from chasqui_common.bootstrap import IdempotentUseCases, UseCases
from fastapi import Depends

from chasqui_employment_matching.api.routing import READ, WRITE, v1_router
from chasqui_employment_matching.api.schemas import AttendeeIn, JobFairIn, JobFairOut
from chasqui_employment_matching.application import commands, queries
from chasqui_employment_matching.application.commands import CreateFair, RegisterAttendee
from chasqui_employment_matching.application.queries import GetFairQuery
from chasqui_employment_matching.domain import codes

router = v1_router()


@router.post("/job-fairs", status_code=201)
async def create_fair(body: JobFairIn, run: IdempotentUseCases, _: Principal = Depends(WRITE)) -> JobFairOut:
    command = CreateFair(body.to_domain(commands.new_id()))
    return JobFairOut.of(await run.command(commands.create_fair, command))


@router.get("/job-fairs/{fair_id}")
async def get_fair(fair_id: str, run: UseCases, _: Principal = Depends(READ)) -> JobFairOut:
    query = GetFairQuery(codes.check_uuid("fair_id", fair_id))
    return JobFairOut.of(await run.query(queries.get_fair, query))


@router.post("/job-fairs/{fair_id}/attendees", status_code=201)
async def register_attendee(
    fair_id: str, body: AttendeeIn, run: IdempotentUseCases, _: Principal = Depends(WRITE)
) -> JobFairOut:
    command = RegisterAttendee(
        codes.check_uuid("fair_id", fair_id), codes.check_uuid("seeker_id", body.seeker_id)
    )
    return JobFairOut.of(await run.command(commands.register_attendee, command))
