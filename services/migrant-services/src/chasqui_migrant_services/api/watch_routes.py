"""/v1/document-expiry/sweeps and /v1/stats: run the expiry watch on demand; activity per attention point."""

from __future__ import annotations

from chasqui_common.auth import Principal
from chasqui_common.bootstrap import UseCases
from chasqui_common.values import IsoDate
from fastapi import APIRouter, Depends, Query

from chasqui_migrant_services.application import commands, queries

from . import schemas as s
from .scopes import READ, WRITE

router = APIRouter()


@router.post("/document-expiry/sweeps")
async def sweep_expiring_documents(
    run: UseCases,
    as_of: IsoDate | None = Query(
        None, description="Sweep as if today were this date (default: today, Lima)"
    ),
    _: Principal = Depends(WRITE),
) -> s.SweepOut:
    """Run the expiry watch now; documents already announced for their expiry are not announced again."""
    command = commands.SweepExpiringDocuments(as_of=as_of)
    return s.SweepOut.of(await run.command(commands.sweep_expiring_documents, command))


@router.get("/stats/attention-points", response_model_by_alias=True)
async def attention_point_stats(
    run: UseCases,
    start: IsoDate | None = Query(None, alias="from", description="First day (default: 30 days ago)"),
    end: IsoDate | None = Query(None, alias="to", description="Last day, inclusive (default: today)"),
    _: Principal = Depends(READ),
) -> s.StatsOut:
    """Cases opened and closed, appointments (by appointment day) and referrals per attention point."""
    query = queries.GetAttentionPointStatsQuery(start=start, end=end)
    return s.StatsOut.of(await run.query(queries.get_attention_point_stats, query))
