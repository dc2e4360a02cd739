"""/v1/cases and /v1/referrals: open, move and close cases; issue and read referrals."""

from __future__ import annotations

from chasqui_common.auth import CALLER, Caller, Principal
from chasqui_common.bootstrap import IdempotentUseCases, UseCases
from fastapi import APIRouter, Depends, Query

from chasqui_migrant_services.application import commands, queries
from chasqui_migrant_services.domain.cases import CaseStatus

from . import schemas as s
from .scopes import READ, WRITE

router = APIRouter()


@router.post("/cases", status_code=201)
async def open_case(
    body: s.CaseIn, run: IdempotentUseCases, _: Principal = Depends(WRITE), caller: Caller = CALLER
) -> s.CaseOut:
    command = commands.OpenCase(
        migrant_id=body.migrant_id,
        attention_point=body.attention_point,
        requested_services=tuple(body.requested_services),
        caller=caller,
    )
    return s.CaseOut.of(await run.command(commands.open_case, command))


@router.get("/cases")
async def list_cases(
    run: UseCases,
    migrant_id: s.Id | None = None,
    attention_point: s.Code | None = None,
    status: CaseStatus | None = None,
    limit: int = Query(100, ge=1, le=1000),
    _: Principal = Depends(READ),
    caller: Caller = CALLER,
) -> list[s.CaseOut]:
    """Cases newest first; a Migracentro's token lists its own (403 naming another's)."""
    query = queries.ListCasesQuery(
        migrant_id=migrant_id, attention_point=attention_point, status=status, limit=limit, caller=caller
    )
    return [s.CaseOut.of(c, history=None) for c in await run.command(queries.list_cases, query)]


@router.get("/cases/{case_id}")
async def get_case(
    case_id: s.Id, run: UseCases, _: Principal = Depends(READ), caller: Caller = CALLER
) -> s.CaseOut:
    return s.CaseOut.of(await run.command(queries.get_case, queries.GetCaseQuery(case_id, caller)))


@router.get("/cases/{case_id}/history")
async def case_history(
    case_id: s.Id, run: UseCases, _: Principal = Depends(READ), caller: Caller = CALLER
) -> list[s.HistoryOut]:
    case = await run.command(queries.get_case, queries.GetCaseQuery(case_id, caller))
    return s.CaseOut.of(case).history or []


@router.post("/cases/{case_id}/transitions")
async def move_case(
    case_id: s.Id, body: s.TransitionIn, run: UseCases, _: Principal = Depends(WRITE), caller: Caller = CALLER
) -> s.CaseOut:
    """Start working on a case (in_progress) or close it with its outcome; invalid moves answer 409."""
    command = commands.MoveCase(case_id=case_id, status=body.status, note=body.note, caller=caller)
    return s.CaseOut.of(await run.command(commands.move_case, command))


@router.post("/cases/{case_id}/referrals", status_code=201)
async def issue_referral(
    case_id: s.Id,
    body: s.ReferralIn,
    run: IdempotentUseCases,
    _: Principal = Depends(WRITE),
    caller: Caller = CALLER,
) -> s.ReferralOut:
    command = commands.IssueReferral(
        case_id=case_id, target=body.target, notes=body.notes, employment=body.employment, caller=caller
    )
    return s.ReferralOut.of(await run.command(commands.issue_referral, command))


@router.get("/cases/{case_id}/referrals")
async def case_referrals(
    case_id: s.Id, run: UseCases, _: Principal = Depends(READ), caller: Caller = CALLER
) -> list[s.ReferralOut]:
    referrals = await run.command(queries.list_referrals, queries.ListReferralsQuery(case_id, caller))
    return [s.ReferralOut.of(r) for r in referrals]


@router.get("/referrals/{referral_id}")
async def get_referral(
    referral_id: s.Id, run: UseCases, _: Principal = Depends(READ), caller: Caller = CALLER
) -> s.ReferralOut:
    query = queries.GetReferralQuery(referral_id, caller)
    return s.ReferralOut.of(await run.command(queries.get_referral, query))
