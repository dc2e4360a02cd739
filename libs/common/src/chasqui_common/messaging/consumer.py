"""The consumer pipeline: decode, validate, apply once (inbox), retry, or dead-letter and move on."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any, Literal, TypeVar

import asyncpg
from faststream import AckPolicy
from faststream.kafka import KafkaBroker
from faststream.kafka.annotations import KafkaMessage
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from pydantic import ValidationError

from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.clock import SYSTEM_CLOCK, Clock
from chasqui_common.db.pool import Connection
from chasqui_common.envelope import Envelope, EnvelopeError
from chasqui_common.events.catalogue import CATALOGUE, EventCatalogue, EventPayload
from chasqui_common.messaging import inbox
from chasqui_common.messaging.context import handling
from chasqui_common.messaging.deadletter import RawRecord, send_to_dead_letters
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.messaging.retry import RetryPolicy, is_transient
from chasqui_common.messaging.sink import MessageSink
from chasqui_common.telemetry import metrics
from chasqui_common.topics import Topic

log = logging.getLogger(__name__)
P = TypeVar("P", bound=EventPayload)


class Outcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    DEAD_LETTERED = "dead_lettered"


Handler = Callable[[UnitOfWork, Any], Awaitable[None]]
"""An event handler: `async def on_x(uow: UnitOfWork, event: X) -> None`; `uow.event` is the envelope."""


@dataclass(frozen=True)
class _Prepared:
    """A record decoded and validated, ready for its handler."""

    record: RawRecord
    envelope: Envelope
    payload: EventPayload
    handler: Handler


class _RetryOneByOne(Exception):
    """A transient failure inside a batch transaction: apply the batch record by record."""


@dataclass
class _Bindings:
    pool: asyncpg.Pool
    outbox: Outbox
    dead_letters: MessageSink
    clock: Clock


@dataclass
class EventConsumer:
    """A named consumer (its Kafka group id and inbox name) with one handler per event type.

    Events known to the catalogue but without a handler here are ignored; types the
    catalogue does not know, undecodable messages and invalid payloads are dead-lettered.
    """

    name: str
    topics: Sequence[Topic]
    catalogue: EventCatalogue = CATALOGUE
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    handlers: dict[str, tuple[type[EventPayload], Handler]] = field(default_factory=dict)
    _bindings: _Bindings | None = None

    def on(self, model: type[P]) -> Callable[[Callable[[UnitOfWork, P], Awaitable[None]]], Any]:
        """Decorator: handle events whose payload model is `model`."""
        spec = self.catalogue.spec_for(model)
        if spec.topic.name not in {topic.name for topic in self.topics}:
            raise ValueError(
                f"consumer {self.name} handles {spec.type} but does not subscribe to {spec.topic.name}"
            )

        def register(handler: Callable[[UnitOfWork, P], Awaitable[None]]) -> Any:
            self.handlers[spec.type] = (model, handler)
            return handler

        return register

    def bind(
        self, pool: asyncpg.Pool, outbox: Outbox, dead_letters: MessageSink, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self._bindings = _Bindings(pool, outbox, dead_letters, clock)

    def subscribe(
        self,
        broker: KafkaBroker,
        *,
        auto_offset_reset: Literal["earliest", "latest"] = "earliest",
        max_records: int = 500,
        group_suffix: str = "",
    ) -> None:
        """Register with FastStream: records come in batches (in partition order) and the offsets
        are committed once the whole batch reached its outcomes. A failure to dead-letter rewinds
        the batch; the inbox turns the records already applied into no-ops on redelivery."""

        async def on_batch(body: Any, message: KafkaMessage) -> None:
            records = message.raw_message
            await self.process_batch(
                [
                    RawRecord(
                        topic=record.topic,
                        partition=record.partition,
                        offset=record.offset,
                        key=record.key,
                        value=record.value,
                        headers=tuple(record.headers),
                    )
                    for record in (records if isinstance(records, tuple) else (records,))
                ]
            )

        broker.subscriber(
            *[topic.name for topic in self.topics],
            batch=True,
            max_records=max_records,
            batch_timeout_ms=100,
            group_id=self.name + group_suffix,
            auto_offset_reset=auto_offset_reset,
            ack_policy=AckPolicy.NACK_ON_ERROR,
            parser=_tolerant_parser,
            decoder=_raw_body,
            title=f"{self.name}:consume",
            description=f"Consumer group {self.name}",
        )(on_batch)

    async def process(self, record: RawRecord) -> Outcome:
        """Handle one record to a final outcome; raises only if a dead letter cannot be written
        (the message is then redelivered, never skipped)."""
        started = time.perf_counter()
        prepared = await self._prepare(record)
        outcome = prepared if isinstance(prepared, Outcome) else await self._apply_with_retries(prepared)
        self._count(record, outcome, time.perf_counter() - started)
        return outcome

    async def process_batch(self, records: Sequence[RawRecord]) -> list[Outcome]:
        """Handle a batch in order. The records to apply share one transaction, each in its own
        savepoint with its inbox claim, so a batch costs one commit. A record whose handler fails
        for good is rolled back to its savepoint and dead-lettered; a transient failure abandons
        the batch transaction and every record is applied again on its own, with retries."""
        started = time.perf_counter()
        outcomes: dict[int, Outcome] = {}
        pending: list[tuple[int, _Prepared]] = []
        for index, record in enumerate(records):
            prepared = await self._prepare(record)
            if isinstance(prepared, Outcome):
                outcomes[index] = prepared
            else:
                pending.append((index, prepared))
        if pending:
            try:
                applied, failed = await self._apply_together([item for _, item in pending])
            except _RetryOneByOne:
                for index, item in pending:
                    outcomes[index] = await self._apply_with_retries(item)
            else:
                for position, ((index, item), outcome) in enumerate(zip(pending, applied, strict=True)):
                    outcomes[index] = (
                        outcome
                        if outcome is not None
                        else await self._give_up(item, failed[position], attempts=1)
                    )
        elapsed = (time.perf_counter() - started) / max(1, len(records))
        result = [outcomes[index] for index in range(len(records))]
        for record, outcome in zip(records, result, strict=True):
            self._count(record, outcome, elapsed)
        return result

    def _count(self, record: RawRecord, outcome: Outcome, seconds: float) -> None:
        metrics.HANDLER_SECONDS.labels(self.name, record.topic).observe(seconds)
        metrics.MESSAGES_PROCESSED.labels(self.name, record.topic, outcome.value).inc()

    async def _prepare(self, record: RawRecord) -> _Prepared | Outcome:
        """Decode, look up and validate: a final outcome for what cannot or need not be applied."""
        try:
            envelope = Envelope.from_kafka(record.headers, record.value)
        except EnvelopeError as exc:
            return await self._dead_letter(record, exc.reason, exc.detail, attempts=0)
        spec = self.catalogue.get(envelope.type)
        if spec is None:
            return await self._dead_letter(
                record,
                "type.unknown",
                f"ce_type={envelope.type!r} is not in the event catalogue",
                attempts=0,
            )
        entry = self.handlers.get(envelope.type)
        if entry is None:
            return Outcome.IGNORED
        model, handler = entry
        try:
            payload = model.model_validate(envelope.data)
        except ValidationError as exc:
            return await self._dead_letter(
                record, "payload.invalid", describe_validation_error(envelope.type, exc), attempts=0
            )
        return _Prepared(record, envelope, payload, handler)

    def _span(self, item: _Prepared) -> Any:
        record, envelope = item.record, item.envelope
        return trace.get_tracer("chasqui.consumer").start_as_current_span(
            f"{envelope.type} process",
            context=propagate.extract(dict(envelope.headers())),
            kind=SpanKind.CONSUMER,
            attributes={
                "messaging.system": "kafka",
                "messaging.destination.name": record.topic,
                "messaging.kafka.destination.partition": record.partition,
                "messaging.kafka.message.offset": record.offset,
                "messaging.message.id": str(envelope.id),
                "messaging.consumer.group.name": self.name,
            },
        )

    async def _apply_together(
        self, items: list[_Prepared]
    ) -> tuple[list[Outcome | None], dict[int, Exception]]:
        """Apply `items` in one transaction; None marks an item that failed for good."""
        bindings = self._require_bindings()
        outcomes: list[Outcome | None] = []
        failed: dict[int, Exception] = {}
        try:
            async with bindings.pool.acquire() as conn, conn.transaction():
                for position, item in enumerate(items):
                    with self._span(item) as span:
                        try:
                            async with conn.transaction():  # a savepoint per record
                                applied = await self._claim_and_handle(conn, bindings, item)
                            outcomes.append(Outcome.APPLIED if applied else Outcome.DUPLICATE)
                        except Exception as exc:
                            if is_transient(exc):
                                raise _RetryOneByOne from exc
                            span.set_status(Status(StatusCode.ERROR, str(exc)))
                            metrics.MESSAGES_FAILED.labels(self.name, item.record.topic, "false").inc()
                            outcomes.append(None)
                            failed[position] = exc
        except _RetryOneByOne:
            raise
        except Exception as exc:
            if is_transient(exc):  # the commit or the connection failed: nothing was applied
                raise _RetryOneByOne from exc
            raise
        return outcomes, failed

    async def _apply_with_retries(self, item: _Prepared) -> Outcome:
        bindings = self._require_bindings()
        record, envelope = item.record, item.envelope
        with self._span(item) as span:
            attempt = 0
            while True:
                attempt += 1
                try:
                    async with bindings.pool.acquire() as conn, conn.transaction():
                        applied = await self._claim_and_handle(conn, bindings, item)
                    return Outcome.APPLIED if applied else Outcome.DUPLICATE
                except Exception as exc:
                    transient = is_transient(exc)
                    metrics.MESSAGES_FAILED.labels(self.name, record.topic, str(transient).lower()).inc()
                    if not transient or attempt >= self.retry.max_attempts:
                        span.set_status(Status(StatusCode.ERROR, str(exc)))
                        return await self._give_up(item, exc, attempts=attempt)
                    delay = self.retry.delay(attempt)
                    log.warning(
                        "consumer %s: transient failure on %s (attempt %d/%d, retry in %.2fs): %s",
                        self.name,
                        envelope.id,
                        attempt,
                        self.retry.max_attempts,
                        delay,
                        exc,
                    )
                    await asyncio.sleep(delay)

    async def _give_up(self, item: _Prepared, exc: BaseException, *, attempts: int) -> Outcome:
        record, envelope = item.record, item.envelope
        reason = "handler.retries_exhausted" if is_transient(exc) else "handler.failed"
        log.error(
            "consumer %s gives up on %s %s at %s[%d]@%d: %s: %s",
            self.name,
            envelope.type,
            envelope.id,
            record.topic,
            record.partition,
            record.offset,
            reason,
            exc,
            exc_info=exc,
        )
        return await self._dead_letter(record, reason, f"{type(exc).__name__}: {exc}", attempts=attempts)

    async def _claim_and_handle(self, conn: Connection, bindings: _Bindings, item: _Prepared) -> bool:
        if not await inbox.claim(conn, self.name, item.envelope):
            return False
        with handling(item.envelope):
            await item.handler(UnitOfWork(conn, bindings.outbox, bindings.clock, item.envelope), item.payload)
        return True

    async def _dead_letter(self, record: RawRecord, reason: str, detail: str, *, attempts: int) -> Outcome:
        bindings = self._require_bindings()
        log.warning(
            "consumer %s dead-letters %s[%d]@%d: %s: %s",
            self.name,
            record.topic,
            record.partition,
            record.offset,
            reason,
            detail,
        )
        await send_to_dead_letters(
            bindings.dead_letters,
            record,
            consumer=self.name,
            reason=reason,
            detail=detail,
            attempts=attempts,
        )
        metrics.DEAD_LETTERS.labels(self.name, record.topic, reason).inc()
        return Outcome.DEAD_LETTERED

    def _require_bindings(self) -> _Bindings:
        if self._bindings is None:
            raise RuntimeError(f"consumer {self.name} is not bound to a pool and outbox yet")
        return self._bindings


def describe_validation_error(event_type: str, exc: ValidationError) -> str:
    """Every failing field with the value it had and what was expected."""
    problems = []
    for error in exc.errors(include_url=False):
        location = ".".join(str(part) for part in error["loc"]) or "(payload)"
        value = error.get("input")
        shown = repr(value) if error["type"] != "missing" else "missing"
        problems.append(f"{location}={shown[:80]}: {error['msg']}")
    return f"{event_type} payload invalid: " + "; ".join(problems)


async def _raw_body(message: Any) -> bytes:
    body: bytes = message.body
    return body


async def _tolerant_parser(record: Any, original: Callable[[Any], Awaitable[Any]]) -> Any:
    """FastStream's parser decodes every header as UTF-8; one bad header must not wedge the
    partition. Parse a copy without the undecodable values, keep the original record so the
    pipeline can dead-letter it with the precise reason."""
    try:
        return await original(record)
    except UnicodeDecodeError:
        sanitized = replace(record, headers=[(name, _utf8_or_empty(raw)) for name, raw in record.headers])
        message = await original(sanitized)
        message.raw_message = record
        return message


def _utf8_or_empty(raw: bytes) -> bytes:
    try:
        raw.decode()
    except UnicodeDecodeError:
        return b""
    return raw
