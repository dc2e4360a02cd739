"""/v1/referrals: refer a person between offices; accept, reject with a reason, complete."""

from __future__ import annotations

from chasqui_common.auth import Principal
from chasqui_common.bootstrap import IdempotentUseCases, UseCases
from chasqui_common.values import Ubigeo
from fastapi import APIRouter, Depends, Query

from chasqui_citizen_attention.application import commands, queries
from chasqui_citizen_attention.application import models as m
from chasqui_citizen_attention.domain.municipalities import Office
from chasqui_citizen_attention.domain.referrals import ReferralStatus

from . import schemas as s
from .scopes import READ, WRITE, may_read_confidential

router = APIRouter()


@router.post("/referrals", status_code=201)
async def make_referral(
    body: s.ReferralIn, run: IdempotentUseCases, who: Principal = Depends(WRITE)
) -> s.ReferralOut:
    """Refer a person to another office (422 referral-to-same-office, 422 deadline-in-past)."""
    command = m.MakeReferral(
        municipality=body.municipality,
        from_office=body.from_office,
        to_office=body.to_office,
        citizen_id=body.citizen_id,
        staff=body.staff,
        may_read_confidential=may_read_confidential(who),
        procedure=body.procedure,
        reason=body.reason,
        due_on=body.due_on,
        due_in_working_days=body.due_in_working_days,
    )
    return s.ReferralOut.of_referral(await run.command(commands.make_referral, command))


@router.get("/referrals")
async def list_referrals(
    run: UseCases,
    municipality: Ubigeo | None = None,
    to_office: Office | None = None,
    status: ReferralStatus | None = None,
    citizen_id: s.Id | None = None,
    limit: int = Query(100, ge=1, le=1000),
    who: Principal = Depends(READ),
) -> list[s.ReferralOut]:
    """An office's worklist (newest first); DEMUNA referrals without their words unless the token
    has attention:demuna."""
    query = m.ListReferralsQuery(
        may_read_confidential(who), municipality, to_office, status, citizen_id, limit
    )
    return [s.ReferralOut.of_referral(r) for r in await run.query(queries.list_referrals, query)]


@router.get("/referrals/{referral_id}")
async def get_referral(referral_id: s.Id, run: UseCases, who: Principal = Depends(READ)) -> s.ReferralOut:
    query = m.GetReferralQuery(referral_id, may_read_confidential(who))
    return s.ReferralOut.of_referral(await run.query(queries.get_referral, query))


async def _move(
    run: UseCases, referral_id: str, status: ReferralStatus, body: s.ReferralMoveIn, who: Principal
) -> s.ReferralOut:
    command = m.MoveReferral(referral_id, status, body.staff, may_read_confidential(who), body.reason)
    return s.ReferralOut.of_referral(await run.command(commands.move_referral, command))


@router.post("/referrals/{referral_id}/accept")
async def accept_referral(
    referral_id: s.Id, body: s.ReferralMoveIn, run: UseCases, who: Principal = Depends(WRITE)
) -> s.ReferralOut:
    return await _move(run, referral_id, ReferralStatus.ACCEPTED, body, who)


@router.post("/referrals/{referral_id}/reject")
async def reject_referral(
    referral_id: s.Id, body: s.ReferralMoveIn, run: UseCases, who: Principal = Depends(WRITE)
) -> s.ReferralOut:
    """Refuse a pending referral; `reason` is required."""
    return await _move(run, referral_id, ReferralStatus.REJECTED, body, who)


@router.post("/referrals/{referral_id}/complete")
async def complete_referral(
    referral_id: s.Id, body: s.ReferralMoveIn, run: UseCases, who: Principal = Depends(WRITE)
) -> s.ReferralOut:
    return await _move(run, referral_id, ReferralStatus.COMPLETED, body, who)
