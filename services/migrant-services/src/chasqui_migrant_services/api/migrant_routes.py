"""/v1/migrants: register a person, look them up by document, add or renew documents."""

from __future__ import annotations

from chasqui_common.auth import Principal
from chasqui_common.bootstrap import UseCases
from chasqui_common.events.registry import DocumentType
from fastapi import APIRouter, Depends

from chasqui_migrant_services.application import commands, queries

from . import schemas as s
from .scopes import READ, WRITE

router = APIRouter()


@router.post("/migrants", status_code=201)
async def register_migrant(body: s.MigrantIn, run: UseCases, _: Principal = Depends(WRITE)) -> s.MigrantOut:
    command = commands.RegisterMigrant(
        attention_point=body.attention_point,
        documents=tuple(d.document() for d in body.documents),
        nationality=body.nationality,
        entry_date=body.entry_date,
        given_names=body.given_names,
        paternal_surname=body.paternal_surname,
        maternal_surname=body.maternal_surname,
        birth_date=body.birth_date,
        sex=body.sex,
        phone=body.contact.phone,
        email=body.contact.email,
        consent_sms=body.contact.consent.sms,
        consent_email=body.contact.consent.email,
        consent_whatsapp=body.contact.consent.whatsapp,
        occupations=tuple(body.occupations),
        skills=tuple(body.skills),
    )
    return s.MigrantOut.of(await run.command(commands.register_migrant, command))


@router.get("/migrants")
async def find_migrants(
    document_type: DocumentType, document_number: str, run: UseCases, _: Principal = Depends(READ)
) -> list[s.MigrantOut]:
    """Look a person up by one of their documents."""
    query = queries.FindMigrantsQuery(document_type=document_type, document_number=document_number)
    return [s.MigrantOut.of(m) for m in await run.query(queries.find_migrants, query)]


@router.get("/migrants/{migrant_id}")
async def get_migrant(migrant_id: str, run: UseCases, _: Principal = Depends(READ)) -> s.MigrantOut:
    return s.MigrantOut.of(await run.query(queries.get_migrant, queries.GetMigrantQuery(migrant_id)))


@router.put("/migrants/{migrant_id}/documents")
async def save_document(
    migrant_id: str, body: s.DocumentIn, run: UseCases, _: Principal = Depends(WRITE)
) -> s.MigrantOut:
    """Add a document, or renew the person's document of that type (new number or expiry)."""
    command = commands.SaveDocument(migrant_id=migrant_id, document=body.document())
    return s.MigrantOut.of(await run.command(commands.save_document, command))
