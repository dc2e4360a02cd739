"""/v1/municipalities: the offices, procedures, non-working days and sectors loaded from data files."""

from __future__ import annotations

from chasqui_common.auth import Principal
from chasqui_common.bootstrap import UseCases
from chasqui_common.values import Ubigeo
from fastapi import APIRouter, Depends

from chasqui_citizen_attention.application import models as m
from chasqui_citizen_attention.application import queries

from . import schemas as s
from .scopes import READ

router = APIRouter()


@router.get("/municipalities")
async def list_municipalities(run: UseCases, _: Principal = Depends(READ)) -> list[s.MunicipalityOut]:
    found = await run.query(queries.list_municipalities, m.ListMunicipalitiesQuery())
    return [s.MunicipalityOut.of(x) for x in found]


@router.get("/municipalities/{ubigeo}")
async def get_municipality(ubigeo: Ubigeo, run: UseCases, _: Principal = Depends(READ)) -> s.MunicipalityOut:
    return s.MunicipalityOut.of(await run.query(queries.get_municipality, m.GetMunicipalityQuery(ubigeo)))
