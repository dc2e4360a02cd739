"""/v1/job-seekers: register, update, look up, and the seeker's explained matches."""

from __future__ import annotations

from typing import Annotated

from chasqui_common.auth import CALLER, Caller, Principal
from chasqui_common.bootstrap import IdempotentUseCases, UseCases
from chasqui_common.events.registry import DocumentType
from chasqui_common.values import text
from fastapi import Depends, Query

from chasqui_employment_matching.api.routing import READ, WRITE, v1_router
from chasqui_employment_matching.api.schemas import JobSeekerIn, JobSeekerList, JobSeekerOut, MatchesOut
from chasqui_employment_matching.application import commands, queries
from chasqui_employment_matching.application.commands import RegisterSeeker, UpdateSeeker
from chasqui_employment_matching.application.matching import TOP_N
from chasqui_employment_matching.application.queries import (
    FindSeekersQuery,
    GetSeekerQuery,
    SeekerMatchesQuery,
)
from chasqui_employment_matching.domain import codes

router = v1_router()


@router.post("/job-seekers", status_code=201)
async def register_seeker(
    body: JobSeekerIn, run: IdempotentUseCases, _: Principal = Depends(WRITE), caller: Caller = CALLER
) -> JobSeekerOut:
    command = RegisterSeeker(body.to_domain(commands.new_id()), caller=caller)
    return JobSeekerOut.of(await run.command(commands.register_seeker, command))


@router.put("/job-seekers/{seeker_id}")
async def update_seeker(
    seeker_id: str, body: JobSeekerIn, run: UseCases, _: Principal = Depends(WRITE), caller: Caller = CALLER
) -> JobSeekerOut:
    command = UpdateSeeker(body.to_domain(codes.check_uuid("seeker_id", seeker_id)), caller=caller)
    return JobSeekerOut.of(await run.command(commands.update_seeker, command))


@router.get("/job-seekers")
async def find_seekers(
    run: UseCases,
    document_type: Annotated[DocumentType, Query(description="document type of the person")],
    document_number: Annotated[str, Query(description="document number"), text(min_length=1, max_length=30)],
    _: Principal = Depends(READ),
    caller: Caller = CALLER,
) -> JobSeekerList:
    """Look a job seeker up by identity document (at most one); the number by the shared rule.
    Rate-limited per client (429 rate-limited beyond 60 a minute) and recorded, found or not."""
    number = codes.normalise_document(
        "document", document_type, document_number, number_field="document_number"
    )
    seekers = await run.command(queries.find_seekers, FindSeekersQuery(document_type, number, caller=caller))
    return JobSeekerList(items=[JobSeekerOut.of(s) for s in seekers])


@router.get("/job-seekers/{seeker_id}")
async def get_seeker(
    seeker_id: str, run: UseCases, _: Principal = Depends(READ), caller: Caller = CALLER
) -> JobSeekerOut:
    query = GetSeekerQuery(codes.check_uuid("seeker_id", seeker_id), caller=caller)
    return JobSeekerOut.of(await run.command(queries.get_seeker, query))


@router.get("/job-seekers/{seeker_id}/matches")
async def seeker_matches(
    seeker_id: str,
    run: UseCases,
    limit: int = Query(TOP_N, ge=1, le=TOP_N),
    _: Principal = Depends(READ),
    caller: Caller = CALLER,
) -> MatchesOut:
    query = SeekerMatchesQuery(codes.check_uuid("seeker_id", seeker_id), limit, caller=caller)
    return MatchesOut.of(await run.command(queries.seeker_matches, query))
