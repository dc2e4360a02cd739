"""The DCI registry API (spdci social_api v1.0.0): search, synchronous and by callback, and
transaction status. Every request is a signed envelope from a registered sender, every answer is
signed by the gateway; refusals carry the standard's codes (docs/dci.md#errors)."""

from __future__ import annotations

import uuid

from chasqui_common.auth import Principal
from chasqui_common.bootstrap import UseCases
from fastapi import APIRouter, Depends

from chasqui_dci_gateway.application import commands
from chasqui_dci_gateway.application.messages import DciAck, DciTxnStatusBody, DciTxnStatusResponse
from chasqui_dci_gateway.application.messages import DciSearchResponse as Answer

from . import schemas as s
from .envelope import SignedContent, Signer
from .scopes import SEARCH

router = APIRouter(prefix="/registry", tags=["dci"])


@router.post("/sync/search", response_model_exclude_none=True)
async def sync_search(
    envelope: s.SearchEnvelopeIn,
    content: SignedContent,
    signer: Signer,
    run: UseCases,
    principal: Principal = Depends(SEARCH),
) -> s.SearchEnvelopeOut:
    """Search the registry and answer at once (`on-search` message in the response)."""
    command = envelope.command(content, principal, signer.gateway_id, by_callback=False)
    outcome = await run.command(commands.search_registry, command)
    header = s.response_header(
        message_id=str(uuid.uuid4()),
        now=run.clock.now(),
        action="on-search",
        gateway_id=signer.gateway_id,
        receiver_id=outcome.sender_id,
        count=len(outcome.items),
    )
    message = Answer.of(outcome)
    return s.SearchEnvelopeOut(
        signature=signer.sign(header, message, run.clock.now()), header=header, message=message
    )


@router.post("/search", response_model_exclude_none=True)
async def search(
    envelope: s.SearchEnvelopeIn,
    content: SignedContent,
    signer: Signer,
    run: UseCases,
    principal: Principal = Depends(SEARCH),
) -> DciAck:
    """Acknowledge a search; the answer is POSTed (`on-search`) to the sender's callback URI."""
    command = envelope.command(content, principal, signer.gateway_id, by_callback=True)
    return s.acknowledgement(await run.command(commands.accept_search, command))


@router.post("/sync/txn/status", response_model_exclude_none=True)
async def sync_txn_status(
    envelope: s.TxnStatusEnvelopeIn,
    content: SignedContent,
    signer: Signer,
    run: UseCases,
    principal: Principal = Depends(SEARCH),
) -> s.TxnStatusEnvelopeOut:
    """The status and answer of an earlier search, named by transaction, correlation or reference ids."""
    command = envelope.command(content, principal, signer.gateway_id, by_callback=False)
    status = await run.command(commands.check_transaction, command)
    header = s.response_header(
        message_id=str(uuid.uuid4()),
        now=run.clock.now(),
        action="txn-on-status",
        gateway_id=signer.gateway_id,
        receiver_id=envelope.header.sender_id,
        count=1,
    )
    message = DciTxnStatusResponse(
        transaction_id=envelope.message.transaction_id,
        correlation_id=status.correlation_id,
        txnstatus_response=DciTxnStatusBody(
            txn_type="search",
            txn_status=Answer.model_validate_json(status.response_json)
            if status.response_json
            else Answer(
                transaction_id=status.transaction_id, correlation_id=status.correlation_id, search_response=[]
            ),
        ),
    )
    return s.TxnStatusEnvelopeOut(
        signature=signer.sign(header, message, run.clock.now()), header=header, message=message
    )


@router.post("/txn/status", response_model_exclude_none=True)
async def txn_status(
    envelope: s.TxnStatusEnvelopeIn,
    content: SignedContent,
    signer: Signer,
    run: UseCases,
    principal: Principal = Depends(SEARCH),
) -> DciAck:
    """Acknowledge a status request; the status is POSTed (`txn/on-status`) to the sender's callback."""
    command = envelope.command(content, principal, signer.gateway_id, by_callback=True)
    return s.acknowledgement(await run.command(commands.accept_transaction_check, command))
