"""Background tasks: deliver queued callbacks (signed at send time, at least once, retried with
backoff, never dropped) and forget kept answers and message ids past their retention."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from chasqui_common.bootstrap import ServiceRuntime

from chasqui_dci_gateway.adapters.callbacks import CallbackTransport
from chasqui_dci_gateway.adapters.repository import QueuedCallback
from chasqui_dci_gateway.application.commands import claim_callbacks, purge_expired, record_delivery
from chasqui_dci_gateway.application.messages import DciCallbackHeader, wire
from chasqui_dci_gateway.application.models import ClaimCallbacks, PurgeExpired, RecordDelivery
from chasqui_dci_gateway.application.signing import GatewaySigner, signer_for
from chasqui_dci_gateway.domain.signatures import canonical_content

log = logging.getLogger(__name__)


def runtime_signer(rt: ServiceRuntime) -> GatewaySigner:
    settings: Any = rt.settings
    return signer_for(settings.dci_signing_key_file, settings.dci_gateway_id)


def callback_body(callback: QueuedCallback, signer: GatewaySigner, rt: ServiceRuntime) -> bytes:
    """The signed envelope of a queued callback; the message_id is the queue's, so a retry of the
    same callback carries the same id and the receiver can deduplicate it."""
    message = json.loads(callback.message_json)
    now = rt.clock.now()
    items = next(
        (
            len(message[key])
            for key in ("search_response", "subscribe_response", "notify_event")
            if isinstance(message.get(key), list)
        ),
        0,
    )
    header = DciCallbackHeader(
        message_id=callback.message_id,
        message_ts=now,
        action=callback.action,
        status="succ",
        total_count=items or 1,
        completed_count=items or 1,
        sender_id=signer.gateway_id,
        receiver_id=callback.sender_id,
    )
    header_json = wire(header)
    signature = signer.sign_content(canonical_content(header_json, message), now)
    envelope = {"signature": signature, "header": header_json, "message": message}
    return json.dumps(envelope, ensure_ascii=False).encode()


def retry_policy(rt: ServiceRuntime) -> tuple[float, float]:
    """(first delay, longest delay) between attempts of a failed callback, in seconds."""
    settings: Any = rt.settings
    return (
        float(getattr(settings, "callback_retry_base_seconds", 1.0)),
        float(getattr(settings, "callback_retry_max_seconds", 300.0)),
    )


async def deliver_due(rt: ServiceRuntime, transport: CallbackTransport, signer: GatewaySigner) -> int:
    """One round: lease the due callbacks, POST each, record the outcome; returns how many were due."""
    due = await rt.transactions.command(claim_callbacks, ClaimCallbacks())
    base, cap = retry_policy(rt)
    for callback in due:
        error = await transport.post(callback.uri, callback_body(callback, signer, rt))
        recorded = await rt.transactions.command(
            record_delivery, RecordDelivery(callback.callback_id, error, base, cap)
        )
        if error is not None:
            log.warning(
                "callback %s to sender %s failed (attempt %d, next at %s): %s",
                callback.message_id,
                callback.sender_id,
                recorded.attempts,
                recorded.next_attempt_at,
                error,
            )
    return len(due)


async def deliver_callbacks(rt: ServiceRuntime) -> None:
    settings: Any = rt.settings
    interval = float(getattr(settings, "callback_poll_interval", 1.0))
    if interval <= 0:
        return
    signer = runtime_signer(rt)
    transport = CallbackTransport(timeout=float(getattr(settings, "callback_timeout_seconds", 10.0)))
    try:
        while True:
            try:
                due = await deliver_due(rt, transport, signer)
            except Exception:  # a database hiccup must not end delivery: log, wait, go on
                log.exception("callback delivery round failed")
                due = 0
            if not due:
                await asyncio.sleep(interval)
    finally:
        await transport.close()


async def purge_retention(rt: ServiceRuntime) -> None:
    settings: Any = rt.settings
    policy = PurgeExpired(
        keep_responses_hours=float(getattr(settings, "keep_responses_hours", 24.0)),
        keep_message_ids_days=float(getattr(settings, "keep_message_ids_days", 30.0)),
    )
    while True:
        try:
            purged = await rt.transactions.command(purge_expired, policy)
            if purged.responses or purged.message_ids:
                log.info(
                    "retention: forgot %d answers and %d message ids", purged.responses, purged.message_ids
                )
        except Exception:
            log.exception("retention purge failed")
        await asyncio.sleep(3600)
