"""HTTP API under /v1: parse, run the use case, answer (errors become RFC 9457 problems)."""

from __future__ import annotations

from typing import Annotated

from chasqui_common.auth import Principal, require_scopes
from chasqui_common.bootstrap import UseCases
from chasqui_common.events.registry import DocumentType, IdentityDocument
from fastapi import APIRouter, Depends, File, Form, Query, UploadFile

from chasqui_registry.api.schemas import (
    ClassificationDraft,
    HouseholdDraft,
    HouseholdOut,
    HouseholdPatch,
    ImportAccepted,
    ImportOut,
    MemberAddedOut,
    MemberDraft,
    MemberPatch,
    PersonOut,
    Reason,
)
from chasqui_registry.application import commands, imports, queries

router = APIRouter(prefix="/v1", tags=["registry"])
READ = Depends(require_scopes("registry:read"))
WRITE = Depends(require_scopes("registry:write"))


@router.post("/households", status_code=201)
async def register_household(body: HouseholdDraft, run: UseCases, _: Principal = WRITE) -> HouseholdOut:
    """Register a household with its members; emits `household.registered`."""
    household = await run.command(commands.register_household, commands.RegisterHousehold(body))
    return HouseholdOut(household=household)


@router.get("/households/{household_id}")
async def get_household(household_id: str, run: UseCases, _: Principal = READ) -> HouseholdOut:
    """The household and every CSE it was assigned (`classification_history`, oldest first)."""
    view = await run.query(queries.get_household, queries.GetHouseholdQuery(household_id))
    return HouseholdOut.model_validate(view)


@router.patch("/households/{household_id}")
async def update_household(
    household_id: str, body: HouseholdPatch, run: UseCases, _: Principal = WRITE
) -> HouseholdOut:
    """Change household-level data; emits `household.updated` (nothing if nothing changed)."""
    household = await run.command(commands.update_household, commands.UpdateHousehold(household_id, body))
    return HouseholdOut(household=household)


@router.post("/households/{household_id}/members", status_code=201)
async def add_member(
    household_id: str, body: MemberDraft, run: UseCases, _: Principal = WRITE
) -> MemberAddedOut:
    """Add a person to the household; emits `member.added`."""
    added = await run.command(commands.add_member, commands.AddMember(household_id, body))
    return MemberAddedOut.model_validate(added)


@router.patch("/households/{household_id}/members/{person_id}")
async def update_member(
    household_id: str, person_id: str, body: MemberPatch, run: UseCases, _: Principal = WRITE
) -> HouseholdOut:
    """Change a member's data; emits `member.updated` with the changed fields (nothing if none)."""
    command = commands.UpdateMember(household_id, person_id, body)
    return HouseholdOut(household=await run.command(commands.update_member, command))


@router.delete("/households/{household_id}/members/{person_id}")
async def remove_member(
    household_id: str, person_id: str, body: Reason, run: UseCases, _: Principal = WRITE
) -> HouseholdOut:
    """Remove a person (body: `{"reason": …}`); emits `member.removed`. The head cannot be removed."""
    command = commands.RemoveMember(household_id, person_id, body.reason)
    return HouseholdOut(household=await run.command(commands.remove_member, command))


@router.post("/households/{household_id}/deregister")
async def deregister(household_id: str, body: Reason, run: UseCases, _: Principal = WRITE) -> HouseholdOut:
    """Deregister the household; its members' documents become free. Emits `household.deregistered`."""
    command = commands.DeregisterHousehold(household_id, body.reason)
    return HouseholdOut(household=await run.command(commands.deregister_household, command))


@router.post("/households/{household_id}/classification")
async def classify(
    household_id: str, body: ClassificationDraft, run: UseCases, _: Principal = WRITE
) -> HouseholdOut:
    """Assign the CSE in force (the previous one stays in the history); emits `household.classified`."""
    command = commands.ClassifyHousehold(household_id, body)
    return HouseholdOut(household=await run.command(commands.classify_household, command))


@router.get("/persons")
async def persons(
    document_type: Annotated[DocumentType, Query()],
    document_number: Annotated[str, Query(min_length=1, max_length=20)],
    run: UseCases,
    _: Principal = READ,
) -> list[PersonOut]:
    """Persons who hold or held this document, the registered one first."""
    document = IdentityDocument(type=document_type, number=document_number)
    found = await run.query(queries.find_persons, queries.FindPersonsQuery(document))
    return [PersonOut.model_validate(person) for person in found]


@router.post("/imports", status_code=202)
async def create_import(
    file: Annotated[
        UploadFile, File(description="CSV (one member per row) or JSONL (one household per line)")
    ],
    run: UseCases,
    format: Annotated[str | None, Form(pattern="^(csv|jsonl)$")] = None,
    encoding: Annotated[str, Form()] = "utf-8",
    _: Principal = WRITE,
) -> ImportAccepted:
    """Start a bulk ULE import; poll `GET /v1/imports/{id}` for progress and per-row errors."""
    name = file.filename or "upload"
    fmt = imports.import_format(name, format)
    path = await imports.spool_upload(file.file)
    started = await run.command(imports.start_import, imports.StartImport(name, fmt))
    imports.launch_import(run, imports.RunImport(started.import_id, path, fmt, encoding=encoding))
    return ImportAccepted(
        import_id=started.import_id, status=started.status, location=f"/v1/imports/{started.import_id}"
    )


@router.get("/imports/{import_id}")
async def get_import(import_id: str, run: UseCases, _: Principal = READ) -> ImportOut:
    """Progress and per-row errors (the first 1000, ordered by row; `error_count` has the total)."""
    return ImportOut.model_validate(await run.query(queries.get_import, queries.GetImportQuery(import_id)))
