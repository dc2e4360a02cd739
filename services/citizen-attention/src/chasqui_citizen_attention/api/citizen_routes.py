"""/v1/citizens: find a person by document, register one unknown to the registry, read their timeline."""

from __future__ import annotations

from chasqui_common.auth import CALLER, Caller, Principal
from chasqui_common.bootstrap import IdempotentUseCases, UseCases
from chasqui_common.values import DocumentType, IdentityDocument, validate_document
from fastapi import APIRouter, Depends, Query

from chasqui_citizen_attention.application import commands, queries
from chasqui_citizen_attention.application import models as m

from . import schemas as s
from .scopes import READ, WRITE, may_read_confidential

router = APIRouter()


@router.get("/citizens")
async def find_citizen(
    run: UseCases,
    document_type: DocumentType,
    document_number: s.Code,
    _: Principal = Depends(READ),
    caller: Caller = CALLER,
) -> s.CitizenOut:
    """The person with this document (DNI, CE, CPP, PTP, PASSPORT); 404 citizen-not-found if unknown.
    Rate-limited per client (429 rate-limited beyond 60 a minute) and recorded, found or not."""
    number = validate_document(document_type, document_number, "document_number")  # 422 naming the parameter
    document = IdentityDocument(type=document_type, number=number)
    lookup = await run.command(queries.find_citizen, m.FindCitizenQuery(document, caller=caller))
    return s.CitizenOut.of_view(lookup.found())


@router.post("/citizens", status_code=201)
async def register_citizen(
    body: s.CitizenIn, run: IdempotentUseCases, _: Principal = Depends(WRITE)
) -> s.CitizenOut:
    command = m.RegisterCitizen(
        document=body.document,
        given_names=body.given_names,
        paternal_surname=body.paternal_surname,
        maternal_surname=body.maternal_surname,
        birth_date=body.birth_date,
    )
    return s.CitizenOut.of_view(await run.command(commands.register_citizen, command))


@router.get("/citizens/{citizen_id}")
async def get_citizen(
    citizen_id: s.Id, run: UseCases, _: Principal = Depends(READ), caller: Caller = CALLER
) -> s.CitizenOut:
    query = m.GetCitizenQuery(citizen_id, caller=caller)
    return s.CitizenOut.of_view(await run.command(queries.get_citizen, query))


@router.get("/citizens/{citizen_id}/timeline")
async def get_timeline(
    citizen_id: s.Id,
    run: UseCases,
    limit: int = Query(200, ge=1, le=1000),
    who: Principal = Depends(READ),
    caller: Caller = CALLER,
) -> s.TimelineOut:
    """Tickets, attentions, referrals and S100 requests across the offices, newest first."""
    query = m.GetTimelineQuery(citizen_id, may_read_confidential(who), limit, caller=caller)
    timeline = await run.command(queries.get_timeline, query)
    return s.TimelineOut.of(timeline, citizen=s.CitizenOut.of_view(timeline.citizen))
