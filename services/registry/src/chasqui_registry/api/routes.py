"""HTTP API under /v1: parse, call the application, answer (errors as RFC 9457 problems)."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any, TypeVar

from chasqui_common.auth import Principal, require_scopes
from chasqui_common.bootstrap import ServiceRuntime, runtime
from chasqui_common.events.registry import DocumentType, Household, IdentityDocument
from chasqui_common.http.problems import FieldError, ProblemError
from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from pydantic import BaseModel, Field

from chasqui_registry.application import commands, imports, queries
from chasqui_registry.domain.documents import DocumentError
from chasqui_registry.domain.model import (
    ClassificationDraft,
    DocumentTaken,
    DomainError,
    HouseholdDraft,
    HouseholdPatch,
    MemberDraft,
    MemberPatch,
)

router = APIRouter(prefix="/v1", tags=["registry"])
READ = Depends(require_scopes("registry:read"))
WRITE = Depends(require_scopes("registry:write"))
T = TypeVar("T")


class Reason(BaseModel):
    reason: str = Field(
        min_length=3, max_length=300, description="Why (death, moved out, registration error…)"
    )


class HouseholdOut(BaseModel):
    household: Household
    classification_history: list[dict[str, Any]] | None = None


class MemberAddedOut(BaseModel):
    person_id: str
    household: Household


class ImportAccepted(BaseModel):
    import_id: str
    status: str
    location: str


class ImportRowError(BaseModel):
    row_number: int
    household_key: str | None
    field: str
    value: str | None
    reason: str


class ImportOut(BaseModel):
    import_id: str
    filename: str
    format: str
    status: str
    rows_read: int
    households_read: int
    households_imported: int
    households_skipped: int
    households_rejected: int
    error: str | None
    created_at: datetime
    finished_at: datetime | None
    error_count: int
    errors: list[ImportRowError]


def _problem(exc: DomainError) -> ProblemError:
    return ProblemError(
        exc.status,
        exc.kind,
        exc.title,
        exc.detail,
        errors=[FieldError(field=v.field, value=v.value, expected=v.expected) for v in exc.violations],
        extra={"existing_household_id": exc.existing_household_id}
        if isinstance(exc, DocumentTaken)
        else None,
    )


def _not_found(exc: commands.NotFound) -> ProblemError:
    field = "household_id" if exc.what == "household" else "person_id"
    return ProblemError(
        404,
        f"registry.{exc.what}-not-found",
        f"No such {exc.what}",
        str(exc),
        errors=[FieldError(field=field, value=exc.value, expected=f"the id of a registered {exc.what}")],
    )


async def _call(action: Callable[[], Awaitable[T]]) -> T:
    try:
        return await action()
    except DomainError as exc:
        raise _problem(exc) from None
    except commands.NotFound as exc:
        raise _not_found(exc) from None


@router.post("/households", status_code=201)
async def register_household(
    body: HouseholdDraft, rt: ServiceRuntime = Depends(runtime), _: Principal = WRITE
) -> HouseholdOut:
    """Register a household with its members; emits `household.registered`."""
    return HouseholdOut(household=await _call(lambda: commands.register_household(rt, body)))


@router.get("/households/{household_id}")
async def get_household(
    household_id: str, rt: ServiceRuntime = Depends(runtime), _: Principal = READ
) -> HouseholdOut:
    found = await queries.household(rt, household_id)
    if found is None:
        raise _not_found(commands.NotFound("household", household_id))
    return HouseholdOut(household=found[0], classification_history=found[1])


@router.patch("/households/{household_id}")
async def update_household(
    household_id: str, body: HouseholdPatch, rt: ServiceRuntime = Depends(runtime), _: Principal = WRITE
) -> HouseholdOut:
    """Change household-level data; emits `household.updated` (nothing if nothing changed)."""
    return HouseholdOut(household=await _call(lambda: commands.update_household(rt, household_id, body)))


@router.post("/households/{household_id}/members", status_code=201)
async def add_member(
    household_id: str, body: MemberDraft, rt: ServiceRuntime = Depends(runtime), _: Principal = WRITE
) -> MemberAddedOut:
    """Add a person to the household; emits `member.added`."""
    household, person_id = await _call(lambda: commands.add_member(rt, household_id, body))
    return MemberAddedOut(person_id=person_id, household=household)


@router.patch("/households/{household_id}/members/{person_id}")
async def update_member(
    household_id: str,
    person_id: str,
    body: MemberPatch,
    rt: ServiceRuntime = Depends(runtime),
    _: Principal = WRITE,
) -> HouseholdOut:
    """Change a member's data; emits `member.updated` with the changed fields (nothing if none)."""
    return HouseholdOut(
        household=await _call(lambda: commands.update_member(rt, household_id, person_id, body))
    )


@router.delete("/households/{household_id}/members/{person_id}")
async def remove_member(
    household_id: str,
    person_id: str,
    body: Reason,
    rt: ServiceRuntime = Depends(runtime),
    _: Principal = WRITE,
) -> HouseholdOut:
    """Remove a person (body: `{"reason": …}`); emits `member.removed`. The head cannot be removed."""
    return HouseholdOut(
        household=await _call(lambda: commands.remove_member(rt, household_id, person_id, body.reason))
    )


@router.post("/households/{household_id}/deregister")
async def deregister(
    household_id: str, body: Reason, rt: ServiceRuntime = Depends(runtime), _: Principal = WRITE
) -> HouseholdOut:
    """Deregister the household; its members' documents become free. Emits `household.deregistered`."""
    return HouseholdOut(household=await _call(lambda: commands.deregister(rt, household_id, body.reason)))


@router.post("/households/{household_id}/classification")
async def classify(
    household_id: str, body: ClassificationDraft, rt: ServiceRuntime = Depends(runtime), _: Principal = WRITE
) -> HouseholdOut:
    """Assign the CSE in force (the previous one stays in the history); emits `household.classified`."""
    return HouseholdOut(household=await _call(lambda: commands.classify(rt, household_id, body)))


@router.get("/persons")
async def persons(
    document_type: Annotated[DocumentType, Query()],
    document_number: Annotated[str, Query(min_length=1, max_length=20)],
    rt: ServiceRuntime = Depends(runtime),
    _: Principal = READ,
) -> list[dict[str, Any]]:
    """Persons who hold or held this document, the registered one first."""
    try:
        return await queries.persons_by_document(
            rt, IdentityDocument(type=document_type, number=document_number)
        )
    except DocumentError as exc:
        v = exc.violation
        raise ProblemError(
            422,
            "validation",
            "Request is not valid",
            f"document_number: expected {v.expected}",
            errors=[FieldError(field="document_number", value=v.value, expected=v.expected)],
        ) from None


_running: set[asyncio.Task[Any]] = set()


@router.post("/imports", status_code=202)
async def create_import(
    file: Annotated[
        UploadFile, File(description="CSV (one member per row) or JSONL (one household per line)")
    ],
    format: Annotated[str | None, Form(pattern="^(csv|jsonl)$")] = None,
    encoding: Annotated[str, Form()] = "utf-8",
    rt: ServiceRuntime = Depends(runtime),
    _: Principal = WRITE,
) -> ImportAccepted:
    """Start a bulk ULE import; poll `GET /v1/imports/{id}` for progress and per-row errors."""
    name = file.filename or "upload"
    fmt = format or (
        "jsonl"
        if name.lower().endswith((".jsonl", ".ndjson"))
        else "csv"
        if name.lower().endswith(".csv")
        else None
    )
    if fmt not in ("csv", "jsonl"):
        raise ProblemError(
            422,
            "validation",
            "Request is not valid",
            "cannot tell the file format from its name; send format=csv or format=jsonl",
            errors=[FieldError(field="format", value=format, expected="csv or jsonl")],
        )
    directory = Path(tempfile.mkdtemp(prefix="registry-import-"))
    path = directory / "upload"
    with path.open("wb") as out:
        await asyncio.to_thread(shutil.copyfileobj, file.file, out, 1 << 20)
    import_id = await imports.start_import(rt.pool, name, fmt)  # type: ignore[arg-type]

    async def work() -> None:
        try:
            await imports.run_import(rt.pool, rt.outbox, import_id, path, fmt, encoding=encoding)  # type: ignore[arg-type]
        finally:
            shutil.rmtree(directory, ignore_errors=True)

    task = asyncio.create_task(work(), name=f"import-{import_id}")
    _running.add(task)
    task.add_done_callback(_running.discard)
    return ImportAccepted(import_id=import_id, status="queued", location=f"/v1/imports/{import_id}")


@router.get("/imports/{import_id}")
async def get_import(import_id: str, rt: ServiceRuntime = Depends(runtime), _: Principal = READ) -> ImportOut:
    """Progress and per-row errors (the first 1000, ordered by row; `error_count` has the total)."""
    found = await queries.import_status(rt, import_id)
    if found is None:
        raise ProblemError(
            404,
            "registry.import-not-found",
            "No such import",
            f"no import {import_id}",
            errors=[
                FieldError(field="import_id", value=import_id, expected="the id POST /v1/imports returned")
            ],
        )
    return ImportOut.model_validate(found)


async def cancel_imports(_: ServiceRuntime) -> None:
    """Background task: at shutdown, cancel imports still running (their batches roll back)."""
    try:
        await asyncio.Event().wait()
    finally:
        for task in list(_running):
            task.cancel()
        with contextlib.suppress(Exception):
            await asyncio.gather(*_running, return_exceptions=True)
