"""/v1/figures: the attention figures of a municipality and the process map of a procedure (JSON,
and as an SVG picture)."""

from __future__ import annotations

from chasqui_common.auth import Principal
from chasqui_common.bootstrap import UseCases
from chasqui_common.values import IsoDate, Ubigeo
from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from chasqui_citizen_attention.application import models as m
from chasqui_citizen_attention.application import queries
from chasqui_citizen_attention.application.process_map_picture import process_map_svg
from chasqui_citizen_attention.domain.municipalities import Office

from . import schemas as s
from .scopes import READ, may_read_confidential

router = APIRouter()


@router.get("/figures/attention")
async def attention_figures(
    run: UseCases,
    municipality: Ubigeo,
    first: IsoDate = Query(alias="from"),
    last: IsoDate = Query(alias="to"),
    office: Office | None = None,
    _: Principal = Depends(READ),
) -> s.AttentionFiguresOut:
    """Per office, procedure, day and sector: attentions and service/waiting times (p50, p90 in
    seconds); per office and day: tickets, no-shows, referrals; and deadline compliance."""
    query = m.AttentionFiguresQuery(municipality, first, last, office)
    return s.AttentionFiguresOut.of(await run.query(queries.get_attention_figures, query))


@router.get("/figures/process-map")
async def process_map(
    run: UseCases,
    municipality: Ubigeo,
    office: Office,
    procedure: s.Code,
    first: IsoDate = Query(alias="from"),
    last: IsoDate = Query(alias="to"),
    who: Principal = Depends(READ),
) -> s.ProcessMapOut:
    """Steps and transitions (counts, median seconds) of one procedure, from recorded attentions."""
    query = m.ProcessMapQuery(municipality, office, procedure, first, last, may_read_confidential(who))
    return s.ProcessMapOut.of(await run.query(queries.get_process_map, query))


@router.get(
    "/figures/process-map.svg",
    response_class=Response,
    responses={
        200: {
            "description": "The process map drawn as SVG (the console's picture)",
            "content": {"image/svg+xml": {"schema": {"type": "string"}}},
        }
    },
)
async def process_map_picture(
    run: UseCases,
    municipality: Ubigeo,
    office: Office,
    procedure: s.Code,
    first: IsoDate = Query(alias="from"),
    last: IsoDate = Query(alias="to"),
    who: Principal = Depends(READ),
) -> Response:
    """The same process map as `/figures/process-map`, drawn as an SVG picture (image/svg+xml):
    steps in order with their attentions, arrows with the people who went on to the next step."""
    query = m.ProcessMapQuery(municipality, office, procedure, first, last, may_read_confidential(who))
    picture = process_map_svg(await run.query(queries.get_process_map, query))
    return Response(picture, media_type="image/svg+xml")
