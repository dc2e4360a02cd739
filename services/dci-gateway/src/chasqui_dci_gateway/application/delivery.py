"""Background tasks: deliver queued callbacks (signed at send time, at least once, retried with
backoff, never dropped) by HTTP POST or, to a `kafka:` delivery URI, as a CloudEvent on the
sender's own topic; create the topics of senders that take callbacks on Kafka; forget kept
answers and message ids past their retention."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from chasqui_common.bootstrap import ServiceRuntime

from chasqui_dci_gateway.adapters.callbacks import CallbackTransport
from chasqui_dci_gateway.adapters.repository import QueuedCallback
from chasqui_dci_gateway.adapters.topics import KafkaCallbackTransport, NotifyTopics
from chasqui_dci_gateway.application.commands import (
    claim_callbacks,
    mark_topic_ready,
    purge_expired,
    record_deliveries,
)
from chasqui_dci_gateway.application.messages import DciCallbackHeader
from chasqui_dci_gateway.application.models import (
    ClaimCallbacks,
    MarkTopicReady,
    PurgeExpired,
    RecordDeliveries,
    RecordDelivery,
)
from chasqui_dci_gateway.application.queries import senders_without_topic
from chasqui_dci_gateway.application.signing import GatewaySigner, signer_for
from chasqui_dci_gateway.domain.senders import kafka_topic_of, notify_topic
from chasqui_dci_gateway.domain.signatures import canonical_content

log = logging.getLogger(__name__)


def runtime_signer(rt: ServiceRuntime) -> GatewaySigner:
    settings: Any = rt.settings
    return signer_for(settings.dci_signing_key_file, settings.dci_gateway_id)


@dataclass(frozen=True)
class SignedCallback:
    """A callback as it goes out: the standard's `signature`, `header` and `message` (JSON)."""

    signature: str
    header: Mapping[str, object]
    message: Mapping[str, object]

    def wire(self) -> dict[str, object]:
        return {"signature": self.signature, "header": dict(self.header), "message": dict(self.message)}

    def body(self) -> bytes:
        return json.dumps(self.wire(), ensure_ascii=False).encode()


def callback_envelope(callback: QueuedCallback, signer: GatewaySigner, rt: ServiceRuntime) -> SignedCallback:
    """The signed envelope (`signature`, `header`, `message`) of a queued callback; the message_id
    is the queue's, so a retry of the same callback carries the same id and the receiver can
    deduplicate it."""
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
    header_json = header.model_dump(mode="json", by_alias=True, exclude_none=True)  # = wire(header)
    signature = signer.sign_content(canonical_content(header_json, message), now)
    return SignedCallback(signature, header_json, message)


def callback_subject(callback: QueuedCallback) -> str | None:
    """What a Kafka callback is about, its record key: the subscription code of a notification,
    else the correlation id of the answer."""
    message = json.loads(callback.message_json)
    events = message.get("notify_event")
    if isinstance(events, list) and events and isinstance(events[0], dict):
        code = events[0].get("reference_id")
        if isinstance(code, str):
            return code
    return callback.correlation_id


class CallbackDeliveries:
    """Sends a queued callback where its URI says: HTTP POST, or the sender's Kafka topic for a
    `kafka:<topic>` URI (the producer is started at the first such callback, so a broker outage
    at start-up delays only Kafka deliveries)."""

    def __init__(self, rt: ServiceRuntime, signer: GatewaySigner, http: CallbackTransport) -> None:
        self._rt = rt
        self._signer = signer
        self._http = http
        self._kafka: KafkaCallbackTransport | None = None

    async def send(self, callback: QueuedCallback) -> str | None:
        """Deliver one callback; what went wrong, or None when the receiver (or broker) took it."""
        envelope = callback_envelope(callback, self._signer, self._rt)
        topic = kafka_topic_of(callback.uri)
        if topic is None:
            return await self._http.post(callback.uri, envelope.body())
        kafka = await self._kafka_transport()
        return await kafka.publish(
            topic,
            message_id=callback.message_id,
            action=callback.action,
            subject=callback_subject(callback),
            envelope=envelope.wire(),
            at=self._rt.clock.now(),
        )

    async def _kafka_transport(self) -> KafkaCallbackTransport:
        if self._kafka is None:
            settings = self._rt.settings
            kafka = KafkaCallbackTransport(
                settings.kafka_bootstrap_servers,
                NotifyTopics(self._rt.kafka_admin),
                ssl_context=settings.kafka_ssl_context(),
            )
            await kafka.start()
            self._kafka = kafka
        return self._kafka

    async def close(self) -> None:
        await self._http.close()
        if self._kafka is not None:
            await self._kafka.close()


def retry_policy(rt: ServiceRuntime) -> tuple[float, float]:
    """(first delay, longest delay) between attempts of a failed callback, in seconds."""
    settings: Any = rt.settings
    return (
        float(getattr(settings, "callback_retry_base_seconds", 1.0)),
        float(getattr(settings, "callback_retry_max_seconds", 300.0)),
    )


ROUND_SIZE = 200
"""Callbacks leased per delivery round; the lease (ROUND_LEASE_SECONDS) outlasts a round in which
every one of them times out at one URI (sent one after another there)."""
ROUND_LEASE_SECONDS = 600.0
PARALLEL_URIS = 16
"""Delivery URIs served at once in a round: one slow or dead receiver does not hold up the others."""


async def deliver_due(rt: ServiceRuntime, deliveries: CallbackDeliveries) -> int:
    """One round: lease the due callbacks, send them, record the outcomes in one transaction;
    returns how many were due. Callbacks to the same URI go one after another in the order they
    were queued; different URIs are served concurrently. After a failure at a URI, the rest of its
    callbacks wait for the next round (a dead receiver costs one attempt, or one timeout, per
    round, and holds up no one else)."""
    due = await rt.transactions.command(
        claim_callbacks, ClaimCallbacks(limit=ROUND_SIZE, lease_seconds=ROUND_LEASE_SECONDS)
    )
    base, cap = retry_policy(rt)
    by_uri: dict[str, list[QueuedCallback]] = {}
    for callback in due:
        by_uri.setdefault(callback.uri, []).append(callback)
    slots = asyncio.Semaphore(PARALLEL_URIS)
    outcomes: list[RecordDelivery] = []
    not_tried: list[int] = []

    async def serve(callbacks: list[QueuedCallback]) -> None:
        async with slots:
            for position, callback in enumerate(callbacks):
                error = await deliveries.send(callback)
                outcomes.append(RecordDelivery(callback.callback_id, error, base, cap))
                if error is not None:  # the receiver is failing: one attempt per round, not one per callback
                    not_tried.extend(c.callback_id for c in callbacks[position + 1 :])
                    return

    results = await asyncio.gather(
        *(serve(callbacks) for callbacks in by_uri.values()), return_exceptions=True
    )
    recorded = await rt.transactions.command(
        record_deliveries, RecordDeliveries(tuple(outcomes), tuple(not_tried))
    )
    errors = {o.callback_id: o.error for o in outcomes}
    sent = {c.callback_id: c for c in due}
    for outcome in recorded:
        if not outcome.delivered:
            callback = sent[outcome.callback_id]
            log.warning(
                "callback %s to sender %s failed (attempt %d, next at %s): %s",
                callback.message_id,
                callback.sender_id,
                outcome.attempts,
                outcome.next_attempt_at,
                errors[outcome.callback_id],
            )
    failure = next((r for r in results if isinstance(r, BaseException)), None)
    if failure is not None:  # e.g. a database error while signing: the round is logged as failed
        raise failure
    return len(due)


async def deliver_callbacks(rt: ServiceRuntime) -> None:
    settings: Any = rt.settings
    interval = float(getattr(settings, "callback_poll_interval", 1.0))
    if interval <= 0:
        return
    http = CallbackTransport(timeout=float(getattr(settings, "callback_timeout_seconds", 10.0)))
    deliveries = CallbackDeliveries(rt, runtime_signer(rt), http)
    try:
        while True:
            try:
                due = await deliver_due(rt, deliveries)
            except Exception:  # a database hiccup must not end delivery: log, wait, go on
                log.exception("callback delivery round failed")
                due = 0
            if not due:
                await asyncio.sleep(interval)
    finally:
        await deliveries.close()


async def provision_notify_topics(rt: ServiceRuntime) -> None:
    """Create the Kafka topic of every sender registered to take callbacks on Kafka, soon after
    its registration (the delivery makes sure of it again before publishing)."""
    settings: Any = rt.settings
    interval = max(float(getattr(settings, "callback_poll_interval", 1.0)), 0.2)
    topics = NotifyTopics(rt.kafka_admin)
    while True:
        try:
            for sender_id in await rt.transactions.query(senders_without_topic, None):
                await topics.ensure(notify_topic(sender_id))
                await rt.transactions.command(mark_topic_ready, MarkTopicReady(sender_id))
                log.info("created the Kafka callback topic of DCI sender %s", sender_id)
        except Exception:  # a broker or database outage: the next round tries again
            log.exception("creating DCI senders' callback topics failed")
        await asyncio.sleep(interval)


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
