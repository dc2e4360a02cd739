"""/v1/migrants: register a person, look them up by document, add or renew documents."""

from __future__ import annotations

from chasqui_common.auth import CALLER, Caller, Principal
from chasqui_common.bootstrap import IdempotentUseCases, UseCases
from chasqui_common.events.registry import DocumentType
from fastapi import APIRouter, Depends

from chasqui_migrant_services.application import commands, queries

from . import schemas as s
from .scopes import READ, WRITE

router = APIRouter()


@router.post("/migrants", status_code=201)
async def register_migrant(
    body: s.MigrantIn, run: IdempotentUseCases, _: Principal = Depends(WRITE), caller: Caller = CALLER
) -> s.MigrantOut:
    command = commands.RegisterMigrant(
        **body.model_dump(exclude={"documents", "contact", "occupations", "skills"}),
        **body.contact.flat(),
        documents=tuple(d.document() for d in body.documents),
        occupations=tuple(body.occupations),
        skills=tuple(body.skills),
        caller=caller,
    )
    return s.MigrantOut.of(await run.command(commands.register_migrant, command))


@router.get("/migrants")
async def find_migrants(
    document_type: DocumentType,
    document_number: s.DocumentNumber,
    run: UseCases,
    _: Principal = Depends(READ),
    caller: Caller = CALLER,
) -> list[s.MigrantOut]:
    """Look a person up by one of their documents (rate-limited per client: 429 with Retry-After)."""
    query = queries.FindMigrantsQuery(
        document_type=document_type, document_number=document_number, caller=caller
    )
    return [s.MigrantOut.of(m) for m in await run.command(queries.find_migrants, query)]


@router.get("/migrants/{migrant_id}")
async def get_migrant(
    migrant_id: s.Id, run: UseCases, _: Principal = Depends(READ), caller: Caller = CALLER
) -> s.MigrantOut:
    query = queries.GetMigrantQuery(migrant_id, caller)
    return s.MigrantOut.of(await run.command(queries.get_migrant, query))


@router.put("/migrants/{migrant_id}/documents")
async def save_document(
    migrant_id: s.Id,
    body: s.DocumentIn,
    run: UseCases,
    _: Principal = Depends(WRITE),
    caller: Caller = CALLER,
) -> s.MigrantOut:
    """Add a document, or renew the person's document of that type (new number or expiry)."""
    command = commands.SaveDocument(migrant_id=migrant_id, document=body.document(), caller=caller)
    return s.MigrantOut.of(await run.command(commands.save_document, command))
