"""The sender registry (Chasqui's own API, not part of DCI): who may call the DCI API, with which
keys, where its callbacks go and which fields it receives; and the gateway's public keys."""

from __future__ import annotations

from chasqui_common.auth import Principal
from chasqui_common.bootstrap import UseCases
from fastapi import APIRouter, Depends

from chasqui_dci_gateway.application import commands, queries
from chasqui_dci_gateway.application.models import GetSender
from chasqui_dci_gateway.application.signing import Jwks

from . import schemas as s
from .envelope import Signer
from .scopes import ADMIN

router = APIRouter(tags=["dci-senders"])


@router.put("/v1/dci/senders/{sender_id}")
async def register_sender(
    sender_id: str, body: s.SenderIn, run: UseCases, _: Principal = Depends(ADMIN)
) -> s.SenderOut:
    """Register a DCI sender, or replace its registration (keys, callbacks, entitlements)."""
    return s.SenderOut.of(await run.command(commands.register_sender, body.command(sender_id)))


@router.get("/v1/dci/senders/{sender_id}")
async def get_sender(sender_id: str, run: UseCases, _: Principal = Depends(ADMIN)) -> s.SenderOut:
    return s.SenderOut.of(await run.query(queries.get_sender, GetSender(sender_id)))


@router.get("/v1/dci/callbacks/stats")
async def callback_stats(run: UseCases, _: Principal = Depends(ADMIN)) -> s.CallbackStatsOut:
    """How many callbacks wait, fail repeatedly (still retried) or were delivered."""
    stats = await run.query(queries.callback_stats, None)
    return s.CallbackStatsOut(pending=stats.pending, failing=stats.failing, delivered=stats.delivered)


@router.get("/.well-known/jwks.json")
async def jwks(signer: Signer) -> Jwks:
    """The gateway's public signing keys: verify its answers and callbacks with them."""
    return signer.jwks()
