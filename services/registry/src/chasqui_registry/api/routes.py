"""HTTP API under /v1: parse, run the use case, answer (errors become RFC 9457 problems)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from chasqui_common.auth import CALLER, Caller, Principal, require_scopes
from chasqui_common.bootstrap import IdempotentUseCases, UseCases, runtime
from chasqui_common.events.registry import DocumentType
from fastapi import APIRouter, Depends, Path, Query, Request

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
from chasqui_registry.api.uploads import receive_upload
from chasqui_registry.application import commands, imports, queries
from chasqui_registry.settings import registry_settings

router = APIRouter(prefix="/v1", tags=["registry"])
READ = Depends(require_scopes("registry:read"))
WRITE = Depends(require_scopes("registry:write"))
# Ids in paths are UUIDs: anything else (control characters included) is 422 naming the parameter.
HouseholdId = Annotated[UUID, Path(description="A household id (UUID)")]
PersonId = Annotated[UUID, Path(description="A person id (UUID)")]
ImportId = Annotated[UUID, Path(description="An import id (UUID), as POST /v1/imports returned it")]


@router.post("/households", status_code=201)
async def register_household(
    body: HouseholdDraft, run: IdempotentUseCases, _: Principal = WRITE, caller: Caller = CALLER
) -> HouseholdOut:
    """Register a household with its members; emits `household.registered`."""
    household = await run.command(commands.register_household, commands.RegisterHousehold(body, caller))
    return HouseholdOut(household=household)


@router.get("/households/{household_id}")
async def get_household(
    household_id: HouseholdId, run: UseCases, _: Principal = READ, caller: Caller = CALLER
) -> HouseholdOut:
    """The household and every CSE it was assigned (`classification_history`, oldest first)."""
    view = await run.command(queries.get_household, queries.GetHouseholdQuery(str(household_id), caller))
    return HouseholdOut.model_validate(view)


@router.patch("/households/{household_id}")
async def update_household(
    household_id: HouseholdId,
    body: HouseholdPatch,
    run: UseCases,
    _: Principal = WRITE,
    caller: Caller = CALLER,
) -> HouseholdOut:
    """Change household-level data; emits `household.updated` (nothing if nothing changed)."""
    command = commands.UpdateHousehold(str(household_id), body, caller)
    household = await run.command(commands.update_household, command)
    return HouseholdOut(household=household)


@router.post("/households/{household_id}/members", status_code=201)
async def add_member(
    household_id: HouseholdId,
    body: MemberDraft,
    run: IdempotentUseCases,
    _: Principal = WRITE,
    caller: Caller = CALLER,
) -> MemberAddedOut:
    """Add a person to the household; emits `member.added`."""
    added = await run.command(commands.add_member, commands.AddMember(str(household_id), body, caller))
    return MemberAddedOut.model_validate(added)


@router.patch("/households/{household_id}/members/{person_id}")
async def update_member(
    household_id: HouseholdId,
    person_id: PersonId,
    body: MemberPatch,
    run: UseCases,
    _: Principal = WRITE,
    caller: Caller = CALLER,
) -> HouseholdOut:
    """Change a member's data; emits `member.updated` with the changed fields (nothing if none)."""
    command = commands.UpdateMember(str(household_id), str(person_id), body, caller)
    return HouseholdOut(household=await run.command(commands.update_member, command))


@router.delete("/households/{household_id}/members/{person_id}")
async def remove_member(
    household_id: HouseholdId,
    person_id: PersonId,
    body: Reason,
    run: UseCases,
    _: Principal = WRITE,
    caller: Caller = CALLER,
) -> HouseholdOut:
    """Remove a person (body: `{"reason": …}`); emits `member.removed`. The head cannot be removed."""
    command = commands.RemoveMember(str(household_id), str(person_id), body.reason, caller)
    return HouseholdOut(household=await run.command(commands.remove_member, command))


@router.post("/households/{household_id}/deregister")
async def deregister(
    household_id: HouseholdId, body: Reason, run: UseCases, _: Principal = WRITE, caller: Caller = CALLER
) -> HouseholdOut:
    """Deregister the household; its members' documents become free. Emits `household.deregistered`."""
    command = commands.DeregisterHousehold(str(household_id), body.reason, caller)
    return HouseholdOut(household=await run.command(commands.deregister_household, command))


@router.post("/households/{household_id}/classification")
async def classify(
    household_id: HouseholdId,
    body: ClassificationDraft,
    run: UseCases,
    _: Principal = WRITE,
    caller: Caller = CALLER,
) -> HouseholdOut:
    """Assign the CSE in force (the previous one stays in the history); emits `household.classified`."""
    command = commands.ClassifyHousehold(str(household_id), body, caller)
    return HouseholdOut(household=await run.command(commands.classify_household, command))


@router.get("/persons")
async def persons(
    document_type: Annotated[DocumentType, Query()],
    document_number: Annotated[str, Query(min_length=1, max_length=20)],
    run: UseCases,
    _: Principal = READ,
    caller: Caller = CALLER,
) -> list[PersonOut]:
    """Persons who hold or held this document, the registered one first (the number is checked by
    the shared document rule: 422 on `document_number` if it fits no number of that type)."""
    query = queries.FindPersonsQuery(document_type, document_number, caller)
    found = await run.command(queries.find_persons, query)
    return [PersonOut.model_validate(person) for person in found]


_IMPORT_FORM = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {
                            "type": "string",
                            "format": "binary",
                            "description": "CSV (one member per row) or JSONL (one household per line); "
                            "at most IMPORT_MAX_BYTES (default 200 MiB), else 413",
                        },
                        "format": {"type": "string", "enum": ["csv", "jsonl"]},
                        "encoding": {
                            "type": "string",
                            "default": "utf-8",
                            "description": "utf-8 (BOM or not), windows-1252 or latin-1 (or an alias)",
                        },
                    },
                }
            }
        },
    }
}


@router.post("/imports", status_code=202, openapi_extra=_IMPORT_FORM)
async def create_import(
    request: Request, run: IdempotentUseCases, _: Principal = WRITE, caller: Caller = CALLER
) -> ImportAccepted:
    """Start a bulk ULE import; poll `GET /v1/imports/{id}` for progress and per-row errors.

    One import at a time per replica (409 `registry-import-busy` while one runs); files over the
    maximum size get 413; an encoding other than UTF-8, Windows-1252 or Latin-1 gets 422."""
    max_bytes = registry_settings(runtime(request).settings).import_max_bytes
    with imports.reserve_import() as slot:
        async with receive_upload(request, max_bytes) as upload:
            name = upload.filename or "upload"
            fmt = imports.import_format(name, upload.fields.get("format") or None)
            encoding = imports.import_encoding(upload.fields.get("encoding") or "utf-8")
            started = await run.command(imports.start_import, imports.StartImport(name, fmt, caller))
            command = imports.RunImport(started.import_id, upload.path, fmt, encoding=encoding)
            imports.launch_import(run, command, slot)
            upload.kept = True
    return ImportAccepted(
        import_id=started.import_id, status=started.status, location=f"/v1/imports/{started.import_id}"
    )


@router.get("/imports/{import_id}")
async def get_import(import_id: ImportId, run: UseCases, _: Principal = READ) -> ImportOut:
    """Progress and per-row errors (the first 1000, ordered by row; `error_count` has the total)."""
    found = await run.query(queries.get_import, queries.GetImportQuery(str(import_id)))
    return ImportOut.model_validate(found)
