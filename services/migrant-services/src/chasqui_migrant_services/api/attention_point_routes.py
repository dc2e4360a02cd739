"""/v1/attention-points: the Migracentros, their daily capacity per service, and free slots."""

from __future__ import annotations

from chasqui_common.auth import Principal
from chasqui_common.bootstrap import IdempotentUseCases, UseCases
from chasqui_common.events.migrants import CaseService
from chasqui_common.values import IsoDate
from fastapi import APIRouter, Depends, Query

from chasqui_migrant_services.application import commands, queries

from . import schemas as s
from .scopes import READ, WRITE

router = APIRouter()


@router.get("/attention-points")
async def list_attention_points(run: UseCases, _: Principal = Depends(READ)) -> list[s.AttentionPointOut]:
    points = await run.query(queries.list_attention_points, queries.ListAttentionPointsQuery())
    return [s.AttentionPointOut.of(p) for p in points]


@router.post("/attention-points", status_code=201)
async def create_attention_point(
    body: s.AttentionPointIn, run: IdempotentUseCases, _: Principal = Depends(WRITE)
) -> s.AttentionPointOut:
    command = commands.RegisterAttentionPoint(**body.model_dump())
    return s.AttentionPointOut.of(await run.command(commands.register_attention_point, command))


@router.get("/attention-points/{code}")
async def get_attention_point(
    code: s.Code, run: UseCases, _: Principal = Depends(READ)
) -> s.AttentionPointOut:
    point = await run.query(queries.get_attention_point, queries.GetAttentionPointQuery(code))
    return s.AttentionPointOut.of(point)


@router.put("/attention-points/{code}/capacity/{service}")
async def set_capacity(
    code: s.Code, service: CaseService, body: s.CapacityIn, run: UseCases, _: Principal = Depends(WRITE)
) -> s.AttentionPointOut:
    command = commands.SetCapacity(code=code, service=service, daily_capacity=body.daily_capacity)
    return s.AttentionPointOut.of(await run.command(commands.set_capacity, command))


@router.get("/attention-points/{code}/slots")
async def attention_point_slots(
    code: s.Code,
    run: UseCases,
    service: CaseService | None = None,
    start: IsoDate | None = Query(None, alias="from", description="First day (default: today, Lima)"),
    days: int = Query(14, ge=1, le=92),
    _: Principal = Depends(READ),
) -> s.SlotsOut:
    query = queries.ListFreeSlotsQuery(code=code, start=start, days=days, service=service)
    return s.SlotsOut.of(await run.query(queries.list_free_slots, query))
