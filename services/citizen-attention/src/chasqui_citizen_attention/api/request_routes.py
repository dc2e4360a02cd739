"""/v1/classification-requests: the ULE's S100 request, its home visit, its result and deadlines."""

from __future__ import annotations

from chasqui_common.auth import Principal
from chasqui_common.bootstrap import IdempotentUseCases, UseCases
from chasqui_common.values import Ubigeo
from fastapi import APIRouter, Depends

from chasqui_citizen_attention.application import commands, queries
from chasqui_citizen_attention.application import models as m

from . import schemas as s
from .scopes import READ, WRITE

router = APIRouter()


@router.post("/classification-requests", status_code=201)
async def register_classification_request(
    body: s.ClassificationRequestIn, run: IdempotentUseCases, _: Principal = Depends(WRITE)
) -> s.ClassificationRequestOut:
    """Register an S100 request; the home visit is due 8 working days later."""
    command = m.RegisterClassificationRequest(
        body.municipality, body.citizen_id, body.staff, body.household_id, body.registered_on
    )
    return s.ClassificationRequestOut.of_request(
        await run.command(commands.register_classification_request, command)
    )


@router.get("/classification-requests")
async def list_classification_deadlines(
    municipality: Ubigeo, run: UseCases, _: Principal = Depends(READ)
) -> s.ClassificationDeadlinesOut:
    """Open S100 requests with each deadline on time, at risk or missed."""
    found = await run.query(
        queries.list_classification_deadlines, m.ListClassificationDeadlinesQuery(municipality)
    )
    return s.ClassificationDeadlinesOut.of(
        found, requests=[s.ClassificationRequestOut.of_deadlines(d) for d in found.requests]
    )


@router.get("/classification-requests/{request_id}")
async def get_classification_request(
    request_id: s.Id, run: UseCases, _: Principal = Depends(READ)
) -> s.ClassificationRequestOut:
    found = await run.query(queries.get_classification_request, m.GetRequestQuery(request_id))
    return s.ClassificationRequestOut.of_deadlines(found)


@router.post("/classification-requests/{request_id}/home-visit")
async def record_home_visit(
    request_id: s.Id, body: s.HomeVisitIn, run: UseCases, _: Principal = Depends(WRITE)
) -> s.ClassificationRequestOut:
    """The FSU was filled at the home visit; the result is due 25 working days later."""
    command = m.RecordHomeVisit(request_id, body.visited_on)
    return s.ClassificationRequestOut.of_request(await run.command(commands.record_home_visit, command))


@router.post("/classification-requests/{request_id}/result")
async def record_classification_result(
    request_id: s.Id, body: s.ClassificationResultIn, run: UseCases, _: Principal = Depends(WRITE)
) -> s.ClassificationRequestOut:
    """Record the household's CSE; published as classification-request.result-recorded."""
    command = m.RecordClassificationResult(
        request_id, body.level, body.valid_from, body.valid_until, body.household_id
    )
    return s.ClassificationRequestOut.of_request(
        await run.command(commands.record_classification_result, command)
    )
