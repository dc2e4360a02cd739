"""DCI subscriptions (spdci social_api v1.0.0): `subscribe` and `unsubscribe`, acknowledged and
answered by `on-subscribe` / `on-unsubscribe` callbacks; the `notify` callbacks of registry events
follow (docs/dci.md#subscriptions)."""

from __future__ import annotations

from chasqui_common.auth import Principal
from chasqui_common.bootstrap import UseCases
from fastapi import APIRouter, Depends

from chasqui_dci_gateway.application import subscriptions
from chasqui_dci_gateway.application.messages import DciAck

from . import schemas as s
from .envelope import SignedContent, Signer
from .scopes import SEARCH

router = APIRouter(prefix="/registry", tags=["dci"])


@router.post("/subscribe", response_model_exclude_none=True)
async def subscribe(
    envelope: s.SubscribeEnvelopeIn,
    content: SignedContent,
    signer: Signer,
    run: UseCases,
    principal: Principal = Depends(SEARCH),
) -> DciAck:
    """Subscribe to registry events; `on-subscribe` (with the subscription codes) goes to the
    sender's callback URI, and so do the `notify` callbacks."""
    command = envelope.command(content, principal, signer.gateway_id)
    return s.acknowledgement(await run.command(subscriptions.accept_subscription, command))


@router.post("/unsubscribe", response_model_exclude_none=True)
async def unsubscribe(
    envelope: s.UnsubscribeEnvelopeIn,
    content: SignedContent,
    signer: Signer,
    run: UseCases,
    principal: Principal = Depends(SEARCH),
) -> DciAck:
    """End subscriptions by code; `on-unsubscribe` goes to the sender's callback URI."""
    command = envelope.command(content, principal, signer.gateway_id)
    return s.acknowledgement(await run.command(subscriptions.accept_unsubscription, command))
