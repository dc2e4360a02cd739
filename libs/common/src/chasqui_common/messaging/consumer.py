"""The consumer pipeline: decode, validate, apply once (inbox), or dead-letter and move on.

`EventConsumer` holds the handlers and the pipeline (`process_batch`); `ConsumerRunner` runs it on
a Kafka consumer group with aiokafka: poll a batch, take every record to its outcome, then commit
(docs/adr/0005-consumers-on-aiokafka.md).

Two kinds of failure, two answers. A failure the *message* causes (it cannot be decoded, its
payload is invalid, its handler raises a DomainError or a bug) dead-letters that message and the
partition moves on. A failure of the *environment* (`retry.is_transient`: the database or the
broker unreachable, restarting, out of connections, a timeout, a deadlock) is no fault of the
message: the runner pauses its partitions, commits nothing, and applies the same batch again
after a capped backoff, as long as it takes; nothing is dead-lettered for an outage."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Generic, Literal, TypeVar

import asyncpg
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from pydantic import ValidationError

from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.clock import SYSTEM_CLOCK, Clock
from chasqui_common.db.pool import Connection
from chasqui_common.envelope import H_TRACEPARENT, H_TRACESTATE, Envelope, EnvelopeError
from chasqui_common.events.catalogue import CATALOGUE, EventCatalogue, EventPayload
from chasqui_common.kafka_security import PLAINTEXT, KafkaSecurity
from chasqui_common.messaging import inbox
from chasqui_common.messaging.context import handling
from chasqui_common.messaging.deadletter import RawRecord, describe_failure, send_to_dead_letters
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.messaging.retry import RetryPolicy, environment_reason, is_transient
from chasqui_common.messaging.sink import MessageSink
from chasqui_common.redaction import echo, real_cause
from chasqui_common.telemetry import metrics
from chasqui_common.topics import Topic

log = logging.getLogger(__name__)
P = TypeVar("P", bound=EventPayload)
T_co = TypeVar("T_co", covariant=True)


class Outcome(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    IGNORED = "ignored"
    DEAD_LETTERED = "dead_lettered"


Handler = Callable[[UnitOfWork, Any], Awaitable[None]]
"""An event handler: `async def on_x(uow: UnitOfWork, event: X) -> None`; `uow.event` is the envelope."""


@dataclass(frozen=True)
class Received(Generic[T_co]):
    """One event handed to a batch handler: its envelope and its validated payload."""

    envelope: Envelope
    payload: T_co


BatchHandler = Callable[[UnitOfWork, list[Any]], Awaitable[None]]
"""A batch handler: `async def on_xs(uow: UnitOfWork, events: list[Received[X]]) -> None`.

It receives, in order, every record of a run of consecutive records it handles within a consumer
batch, already claimed in the inbox (duplicates removed), in one savepoint; `uow.event` is not set
(use `publish_caused` so that each event published names its own cause). If it fails for good,
the run is rolled back and each record is applied again on its own (`[one]`, its own savepoint),
so only the records that fail are dead-lettered."""

WaitForEnvironment = Callable[[BaseException, int], Awaitable[None]]
"""Called between attempts while the environment fails: `(error, attempt)`; returns when the next
attempt may start, or raises to abandon the batch (nothing of it is committed)."""


@dataclass(frozen=True)
class _Prepared:
    """A record decoded and validated, ready for its handler."""

    record: RawRecord
    envelope: Envelope
    payload: EventPayload
    handler: Handler | None
    batch: BatchHandler | None = None


class _EnvironmentFailed(Exception):
    """A transient failure inside a batch transaction: nothing of it was applied; try it again."""


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
    batch_handlers: dict[str, tuple[type[EventPayload], BatchHandler]] = field(default_factory=dict)
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

    def on_batch(self, model: type[EventPayload]) -> Callable[[BatchHandler], Any]:
        """Decorator: handle events of `model` a run at a time (see `BatchHandler`)."""
        spec = self.catalogue.spec_for(model)
        if spec.topic.name not in {topic.name for topic in self.topics}:
            raise ValueError(
                f"consumer {self.name} handles {spec.type} but does not subscribe to {spec.topic.name}"
            )

        def register(handler: BatchHandler) -> Any:
            self.handlers.pop(spec.type, None)
            self.batch_handlers[spec.type] = (model, handler)
            return handler

        return register

    def bind(
        self, pool: asyncpg.Pool, outbox: Outbox, dead_letters: MessageSink, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self._bindings = _Bindings(pool, outbox, dead_letters, clock)

    async def start(
        self,
        bootstrap_servers: str | list[str],
        *,
        group_suffix: str = "",
        security: KafkaSecurity = PLAINTEXT,
        client_id: str | None = None,
        auto_offset_reset: Literal["earliest", "latest"] = "earliest",
        max_records: int = 500,
        max_poll_interval_ms: int = 300_000,
    ) -> ConsumerRunner:
        """Join the consumer group `name + group_suffix` and process until the runner is stopped."""
        runner = ConsumerRunner(
            self,
            bootstrap_servers,
            group_id=self.name + group_suffix,
            security=security,
            client_id=client_id,
            auto_offset_reset=auto_offset_reset,
            max_records=max_records,
            max_poll_interval_ms=max_poll_interval_ms,
        )
        await runner.start()
        return runner

    async def process(self, record: RawRecord, *, wait: WaitForEnvironment | None = None) -> Outcome:
        """Handle one record to a final outcome (see `process_batch`)."""
        [outcome] = await self.process_batch([record], wait=wait)
        return outcome

    async def process_batch(
        self, records: Sequence[RawRecord], *, wait: WaitForEnvironment | None = None
    ) -> list[Outcome]:
        """Handle a batch in order. The records to apply share one transaction, each in its own
        savepoint with its inbox claim, so a batch costs one commit. A record whose handler fails
        for good is rolled back to its savepoint and dead-lettered. A transient failure (the
        database or the broker unreachable) abandons the batch transaction: `wait(error, attempt)`
        is awaited and the same batch is applied again, without limit, until it passes; `wait`
        may raise to give the batch up (nothing is committed then). Without `wait`, the consumer
        sleeps its retry policy's backoff. Raises only if a dead letter cannot be written for a
        reason that is not transient (the message is then redelivered, never skipped)."""
        wait = wait or self._sleep_between_attempts
        started = time.perf_counter()
        outcomes: dict[int, Outcome] = {}
        pending: list[tuple[int, _Prepared]] = []
        for index, record in enumerate(records):
            prepared = await self._prepare(record, wait)
            if isinstance(prepared, Outcome):
                outcomes[index] = prepared
            else:
                pending.append((index, prepared))
        if pending:
            attempt = 0
            while True:
                attempt += 1
                try:
                    applied, failed = await self._apply_together([item for _, item in pending])
                    break
                except _EnvironmentFailed as exc:
                    cause = exc.__cause__ or exc
                    for _, item in pending:
                        metrics.MESSAGES_FAILED.labels(self.name, item.record.topic, "true").inc()
                    await wait(cause, attempt)
            for position, ((index, item), outcome) in enumerate(zip(pending, applied, strict=True)):
                outcomes[index] = (
                    outcome
                    if outcome is not None
                    else await self._give_up(item, failed[position], attempts=attempt, wait=wait)
                )
        elapsed = (time.perf_counter() - started) / max(1, len(records))
        result = [outcomes[index] for index in range(len(records))]
        for record, outcome in zip(records, result, strict=True):
            self._count(record, outcome, elapsed)
        return result

    async def _sleep_between_attempts(self, exc: BaseException, attempt: int) -> None:
        delay = self.retry.delay(attempt)
        log.warning(
            "consumer %s: environment failure (attempt %d, retry in %.2fs): %s: %s",
            self.name,
            attempt,
            delay,
            type(exc).__name__,
            exc,
        )
        await asyncio.sleep(delay)

    def _count(self, record: RawRecord, outcome: Outcome, seconds: float) -> None:
        metrics.HANDLER_SECONDS.labels(self.name, record.topic).observe(seconds)
        metrics.MESSAGES_PROCESSED.labels(self.name, record.topic, outcome.value).inc()

    async def _prepare(self, record: RawRecord, wait: WaitForEnvironment) -> _Prepared | Outcome:
        """Decode, look up and validate: a final outcome for what cannot or need not be applied."""
        try:
            envelope = Envelope.from_kafka(record.headers, record.value)
        except EnvelopeError as exc:
            return await self._dead_letter(record, exc.reason, exc.detail, attempts=0, wait=wait)
        spec = self.catalogue.get(envelope.type)
        if spec is None:
            return await self._dead_letter(
                record,
                "type.unknown",
                f"ce_type={envelope.type!r} is not in the event catalogue",
                attempts=0,
                wait=wait,
            )
        entry = self.handlers.get(envelope.type)
        batch_entry = self.batch_handlers.get(envelope.type)
        if entry is None and batch_entry is None:
            return Outcome.IGNORED
        model = entry[0] if entry is not None else batch_entry[0]  # type: ignore[index]
        try:
            payload = model.model_validate(envelope.data)
        except ValidationError as exc:
            # dlq_detail lists every failing field; dlq_field/dlq_value/dlq_expected name the
            # first one, as for a handler failure (the value cut and masked).
            return await self._dead_letter(
                record,
                "payload.invalid",
                describe_validation_error(envelope.type, exc),
                attempts=0,
                extra=describe_failure(exc).headers,
                wait=wait,
            )
        return _Prepared(
            record,
            envelope,
            payload,
            entry[1] if entry is not None else None,
            batch_entry[1] if batch_entry is not None else None,
        )

    def _span(self, item: _Prepared) -> Any:
        return trace.get_tracer("chasqui.consumer").start_as_current_span(
            f"{item.envelope.type} process",
            context=propagate.extract(_trace_headers(item.envelope)),
            kind=SpanKind.CONSUMER,
            attributes=self._span_attributes(item),
        )

    def _run_spans(self, run: list[_Prepared]) -> list[Any]:
        """One consumer span per record of a run handled together, each in its producer's trace
        (not made current: the run's handler serves many traces at once)."""
        tracer = trace.get_tracer("chasqui.consumer")
        return [
            tracer.start_span(
                f"{item.envelope.type} process",
                context=propagate.extract(_trace_headers(item.envelope)),
                kind=SpanKind.CONSUMER,
                attributes=self._span_attributes(item),
            )
            for item in run
        ]

    def _span_attributes(self, item: _Prepared) -> dict[str, Any]:
        record, envelope = item.record, item.envelope
        return {
            "messaging.system": "kafka",
            "messaging.destination.name": record.topic,
            "messaging.kafka.destination.partition": record.partition,
            "messaging.kafka.message.offset": record.offset,
            "messaging.message.id": str(envelope.id),
            "messaging.consumer.group.name": self.name,
        }

    async def _apply_together(
        self, items: list[_Prepared]
    ) -> tuple[list[Outcome | None], dict[int, Exception]]:
        """Apply `items` in one transaction; None marks an item that failed for good."""
        bindings = self._require_bindings()
        outcomes: list[Outcome | None] = []
        failed: dict[int, Exception] = {}
        try:
            async with bindings.pool.acquire() as conn, conn.transaction():
                position = 0
                while position < len(items):
                    run = _run_of(items, position)
                    claims = await self._apply_run(conn, bindings, run) if len(run) > 1 else None
                    if claims is not None:
                        outcomes.extend(
                            Outcome.APPLIED if claimed else Outcome.DUPLICATE for claimed in claims
                        )
                        position += len(run)
                        continue
                    item = items[position]
                    with self._span(item) as span:
                        try:
                            async with conn.transaction():  # a savepoint per record
                                applied = await self._claim_and_handle(conn, bindings, item)
                            outcomes.append(Outcome.APPLIED if applied else Outcome.DUPLICATE)
                        except Exception as exc:
                            if is_transient(real_cause(exc)):
                                raise _EnvironmentFailed from exc
                            span.set_status(Status(StatusCode.ERROR, str(exc)))
                            metrics.MESSAGES_FAILED.labels(self.name, item.record.topic, "false").inc()
                            outcomes.append(None)
                            failed[position] = exc
                    position += 1
        except _EnvironmentFailed:
            raise
        except Exception as exc:
            if is_transient(exc):  # the commit or the connection failed: nothing was applied
                raise _EnvironmentFailed from exc
            raise
        return outcomes, failed

    async def _apply_run(
        self, conn: Connection, bindings: _Bindings, run: list[_Prepared]
    ) -> list[bool] | None:
        """Apply a run of records of one batch handler together in one savepoint: their inbox
        claims if it was applied, None if it failed for good and was rolled back (the caller then
        applies each record on its own). Transient failures propagate."""
        handler = run[0].batch
        assert handler is not None
        spans = self._run_spans(run)
        try:
            async with conn.transaction():
                claims = await _claim_all(conn, self.name, [item.envelope for item in run])
                todo = [
                    Received(item.envelope, item.payload)
                    for item, claimed in zip(run, claims, strict=True)
                    if claimed
                ]
                if todo:
                    await handler(UnitOfWork(conn, bindings.outbox, bindings.clock), todo)
        except Exception as exc:
            for span in spans:
                span.set_status(Status(StatusCode.ERROR, str(exc)))
                span.end()
            if is_transient(real_cause(exc)):
                raise _EnvironmentFailed from exc
            log.warning(
                "consumer %s: a run of %d record(s) failed together (%s: %s); applying them one by one",
                self.name,
                len(run),
                type(exc).__name__,
                exc,
            )
            return None
        for span in spans:
            span.end()
        return claims

    async def _give_up(
        self, item: _Prepared, exc: BaseException, *, attempts: int, wait: WaitForEnvironment
    ) -> Outcome:
        record, envelope = item.record, item.envelope
        cause = real_cause(exc)  # not the FrozenInstanceError a frozen-dataclass exception turns into
        reason = "handler.retries_exhausted" if is_transient(cause) else "handler.failed"
        failure = describe_failure(exc)
        log.error(
            "consumer %s gives up on %s %s at %s[%d]@%d: %s: %s",
            self.name,
            envelope.type,
            envelope.id,
            record.topic,
            record.partition,
            record.offset,
            reason,
            failure.detail,
            exc_info=cause,
        )
        return await self._dead_letter(
            record, reason, failure.detail, attempts=attempts, extra=failure.headers, wait=wait
        )

    async def _claim_and_handle(self, conn: Connection, bindings: _Bindings, item: _Prepared) -> bool:
        if not await inbox.claim(conn, self.name, item.envelope):
            return False
        if item.batch is not None:
            uow = UnitOfWork(conn, bindings.outbox, bindings.clock)
            await item.batch(uow, [Received(item.envelope, item.payload)])
            return True
        # Entered and left by hand, never with the handler's exception: a @contextmanager that is
        # given an exception sets its __traceback__, which an exception class that is a frozen
        # dataclass refuses (FrozenInstanceError would replace the handler's real error).
        assert item.handler is not None
        scope = handling(item.envelope)
        scope.__enter__()
        try:
            await item.handler(UnitOfWork(conn, bindings.outbox, bindings.clock, item.envelope), item.payload)
        finally:
            scope.__exit__(None, None, None)
        return True

    async def _dead_letter(
        self,
        record: RawRecord,
        reason: str,
        detail: str,
        *,
        attempts: int,
        extra: dict[str, str] | None = None,
        wait: WaitForEnvironment | None = None,
    ) -> Outcome:
        """Write the dead letter; while the broker is unreachable, wait and write it again."""
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
        attempt = 0
        while True:
            attempt += 1
            try:
                await send_to_dead_letters(
                    bindings.dead_letters,
                    record,
                    consumer=self.name,
                    reason=reason,
                    detail=detail,
                    attempts=attempts,
                    extra=extra,
                )
                break
            except Exception as exc:
                if wait is None or not is_transient(exc):
                    raise
                await wait(exc, attempt)
        metrics.DEAD_LETTERS.labels(self.name, record.topic, reason).inc()
        return Outcome.DEAD_LETTERED

    def _require_bindings(self) -> _Bindings:
        if self._bindings is None:
            raise RuntimeError(f"consumer {self.name} is not bound to a pool and outbox yet")
        return self._bindings


def _run_of(items: list[_Prepared], start: int) -> list[_Prepared]:
    """The records from `start` on that the same batch handler takes (one record otherwise)."""
    handler = items[start].batch
    end = start + 1
    if handler is not None:
        while end < len(items) and items[end].batch is handler:
            end += 1
    return items[start:end]


async def _claim_all(conn: Connection, consumer: str, envelopes: list[Envelope]) -> list[bool]:
    """The inbox claims of a run in one statement: True for each event applied now, False for one
    applied before (or repeated earlier in the run)."""
    rows = await conn.fetch(
        """
        INSERT INTO inbox (consumer, event_id, event_type)
        SELECT $1, e.id, e.type FROM unnest($2::uuid[], $3::text[]) AS e(id, type)
        ON CONFLICT (consumer, event_id) DO NOTHING
        RETURNING event_id
        """,
        consumer,
        [e.id for e in envelopes],
        [e.type for e in envelopes],
    )
    fresh = {row[0] for row in rows}
    claims = []
    for envelope in envelopes:
        claims.append(envelope.id in fresh)
        fresh.discard(envelope.id)
    return claims


async def publish_caused(uow: UnitOfWork, caused: Sequence[tuple[Envelope, Sequence[EventPayload]]]) -> int:
    """Record the events a batch handler publishes, each pair `(cause, payloads)` carrying its
    cause's correlation, causation and trace, with one COPY into the outbox; returns how many."""
    outbox = uow.outbox
    rows: list[tuple[Any, ...]] = []
    for cause, payloads in caused:
        if not payloads:
            continue
        token = otel_context.attach(propagate.extract(_trace_headers(cause)))
        try:
            with handling(cause):
                rows += outbox.rows_of(payloads)
        finally:
            otel_context.detach(token)
    await outbox.copy_rows(uow.conn, rows)
    return len(rows)


def _trace_headers(envelope: Envelope) -> dict[str, str]:
    """The envelope's W3C trace context, all the propagators read of its headers."""
    headers = {}
    if envelope.traceparent is not None:
        headers[H_TRACEPARENT] = envelope.traceparent
    if envelope.tracestate is not None:
        headers[H_TRACESTATE] = envelope.tracestate
    return headers


def describe_validation_error(event_type: str, exc: ValidationError) -> str:
    """Every failing field with the value it had (cut, personal values masked) and what was expected."""
    problems = []
    for error in exc.errors(include_url=False):
        location = ".".join(str(part) for part in error["loc"]) or "(payload)"
        shown = repr(echo(error.get("input"), location)) if error["type"] != "missing" else "missing"
        problems.append(f"{location}={shown}: {error['msg']}")
    return f"{event_type} payload invalid: " + "; ".join(problems)


class ConsumerRunner:
    """One EventConsumer on its Kafka consumer group (aiokafka, manual commits).

    Each poll returns up to `max_records` records, in order per partition; the whole batch goes
    through `process_batch` (one transaction, a savepoint per record) and only once every record
    reached its outcome (applied, duplicate, ignored or dead-lettered) are the offsets committed,
    `last offset + 1` per partition. If an outcome cannot be reached (a dead letter cannot be
    written), nothing is committed and the partitions are rewound to the batch's first records:
    they come again, and the inbox turns those already applied into no-ops. A rebalance waits for
    the batch in flight to finish and commit; `stop` does the same, then leaves the group.

    When the environment fails (the database or the broker unreachable), the runner pauses every
    assigned partition (aiokafka `pause`), commits nothing, and keeps calling `getmany` (which
    returns nothing from paused partitions) so it stays in its group while it waits; it retries
    the same batch with capped backoff until it passes, then resumes. `chasqui_consumer_paused`
    and a log line say when and why it paused, and when it resumed. A stop or a rebalance during
    the pause gives the batch up uncommitted: it comes again, to this member or the next owner.
    """

    def __init__(
        self,
        consumer: EventConsumer,
        bootstrap_servers: str | list[str],
        *,
        group_id: str,
        security: KafkaSecurity = PLAINTEXT,
        client_id: str | None = None,
        auto_offset_reset: Literal["earliest", "latest"] = "earliest",
        max_records: int = 500,
        poll_timeout_ms: int = 100,
        max_poll_interval_ms: int = 300_000,
    ) -> None:
        self.consumer = consumer
        self.group_id = group_id
        self.max_records = max_records
        self.poll_timeout_ms = poll_timeout_ms
        self.kafka = AIOKafkaConsumer(
            bootstrap_servers=bootstrap_servers,
            group_id=group_id,
            client_id=client_id or f"chasqui-{group_id}",
            enable_auto_commit=False,
            auto_offset_reset=auto_offset_reset,
            max_poll_interval_ms=max_poll_interval_ms,
            **security.client_options(),
        )
        self._in_flight = asyncio.Lock()  # held from a batch's first record to its commit
        self._stopping = asyncio.Event()
        self._handover = asyncio.Event()  # a rebalance waits for the batch in flight
        self._task: asyncio.Task[None] | None = None
        self._failures = 0
        self._paused_reason: str | None = None
        self._paused_since = 0.0
        self._pause_attempts = 0

    @property
    def paused_reason(self) -> str | None:
        """Why the runner is paused (e.g. `database_unavailable`), or None while it consumes."""
        return self._paused_reason

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        self.kafka.subscribe(
            topics=[topic.name for topic in self.consumer.topics],
            listener=_Rebalance(self._in_flight, self._handover),
        )
        try:
            await self.kafka.start()
        except BaseException:
            await self.kafka.stop()
            raise
        self._task = asyncio.create_task(self._run(), name=f"consumer-{self.group_id}")

    async def stop(self, timeout: float = 20.0) -> None:
        """Finish the batch in flight and commit it, then leave the group. After `timeout`
        seconds the batch is abandoned instead: nothing of it is committed, so it comes again."""
        self._stopping.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), timeout)
            except TimeoutError:
                log.warning(
                    "consumer %s did not finish its batch in %.1fs; abandoning it", self.group_id, timeout
                )
                self._task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await self._task
            except Exception:
                log.exception("consumer %s stopped with an error", self.group_id)
        await self.kafka.stop()

    async def lag(self) -> dict[TopicPartition, int]:
        """Records behind the end of each assigned partition (those whose end is known yet)."""
        behind: dict[TopicPartition, int] = {}
        for tp in self.kafka.assignment():
            highwater = self.kafka.highwater(tp)
            if highwater is None:
                continue
            behind[tp] = max(0, highwater - await self.kafka.position(tp))
        return behind

    async def _run(self) -> None:
        while not self._stopping.is_set():
            try:
                batch = await self.kafka.getmany(
                    timeout_ms=self.poll_timeout_ms, max_records=self.max_records
                )
            except KafkaError as exc:
                log.warning("consumer %s: poll failed: %s", self.group_id, exc)
                await self._back_off()
                continue
            if batch:
                async with self._in_flight:
                    await self._handle(batch)

    async def _handle(self, batch: dict[TopicPartition, list[Any]]) -> None:
        records = [
            RawRecord(
                topic=record.topic,
                partition=record.partition,
                offset=record.offset,
                key=record.key,
                value=record.value,
                headers=tuple((name, value if value is not None else b"") for name, value in record.headers),
            )
            for partition_records in batch.values()
            for record in partition_records
        ]
        try:
            await self.consumer.process_batch(records, wait=self._wait_for_environment)
        except _GiveUpBatch as why:
            # A stop or a rebalance while paused: nothing of the batch is committed; it comes again.
            self._rewind(batch)
            self._resume()
            log.warning(
                "consumer %s: gave up its paused batch of %d record(s) uncommitted (%s)",
                self.group_id,
                len(records),
                why,
            )
            return
        except Exception as exc:
            # Not every record reached an outcome: commit nothing, read the batch again.
            self._rewind(batch)
            self._resume()
            log.error(
                "consumer %s: batch of %d record(s) not finished, rewinding it: %s: %s",
                self.group_id,
                len(records),
                type(exc).__name__,
                exc,
                exc_info=exc,
            )
            self._failures += 1
            await self._back_off()
            return
        self._failures = 0
        self._resume()
        await self._commit({tp: partition_records[-1].offset + 1 for tp, partition_records in batch.items()})

    def _rewind(self, batch: dict[TopicPartition, list[Any]]) -> None:
        assigned = self.kafka.assignment()
        for tp, partition_records in batch.items():
            if tp in assigned:
                self.kafka.seek(tp, partition_records[0].offset)

    async def _wait_for_environment(self, exc: BaseException, attempt: int) -> None:
        """Between two attempts at a batch whose environment failed: pause the partitions (once),
        say so, then wait the backoff while polling (paused partitions return nothing; polling
        keeps this member in its group past max.poll.interval). Raises `_GiveUpBatch` on a stop
        or a rebalance, so they never wait for an outage to end."""
        reason = environment_reason(exc)
        delay = self.consumer.retry.delay(attempt)
        name = self.consumer.name
        if self._paused_reason is None:
            assigned = self.kafka.assignment()
            self.kafka.pause(*assigned)
            self._paused_since = time.monotonic()
            metrics.CONSUMER_PAUSES.labels(name, reason).inc()
            log.warning(
                "consumer %s paused: %s (%s: %s); %d partition(s) paused, nothing committed, the batch "
                "is retried until it passes (next attempt in %.2fs)",
                self.group_id,
                reason,
                type(exc).__name__,
                exc,
                len(assigned),
                delay,
            )
        elif reason != self._paused_reason or attempt % 10 == 0:
            log.warning(
                "consumer %s still paused after %.1fs (attempt %d): %s (%s: %s)",
                self.group_id,
                time.monotonic() - self._paused_since,
                attempt,
                reason,
                type(exc).__name__,
                exc,
            )
        if reason != self._paused_reason:
            if self._paused_reason is not None:
                metrics.CONSUMER_PAUSED.labels(name, self._paused_reason).set(0)
            metrics.CONSUMER_PAUSED.labels(name, reason).set(1)
            self._paused_reason = reason
        self._pause_attempts = attempt
        deadline = time.monotonic() + delay
        while True:
            if self._stopping.is_set():
                raise _GiveUpBatch("the consumer is stopping")
            if self._handover.is_set():
                raise _GiveUpBatch("its partitions are being reassigned")
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            try:
                await self.kafka.getmany(timeout_ms=int(min(remaining, 0.2) * 1000) or 1, max_records=1)
            except KafkaError as poll_error:  # the broker may be down too: wait without polling
                log.debug("consumer %s: poll while paused failed: %s", self.group_id, poll_error)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), min(remaining, 0.2))

    def _resume(self) -> None:
        if self._paused_reason is None:
            return
        self.kafka.resume(*self.kafka.paused())
        metrics.CONSUMER_PAUSED.labels(self.consumer.name, self._paused_reason).set(0)
        log.warning(
            "consumer %s resumed after %.1fs paused (%s, %d attempt(s))",
            self.group_id,
            time.monotonic() - self._paused_since,
            self._paused_reason,
            self._pause_attempts + 1,
        )
        self._paused_reason = None

    async def _commit(self, offsets: dict[TopicPartition, int]) -> None:
        assigned = self.kafka.assignment()
        offsets = {tp: offset for tp, offset in offsets.items() if tp in assigned}
        if not offsets:
            return
        try:
            await self.kafka.commit(offsets)
        except KafkaError as exc:  # CommitFailedError: the group rebalanced meanwhile
            # The batch was applied; the partition's next owner (or this consumer after a commit
            # that succeeds) reads from the last commit and the inbox skips what was applied.
            log.warning("consumer %s: commit of %s failed: %s", self.group_id, offsets, exc)

    async def _back_off(self) -> None:
        """Back off before reading again, without delaying a stop."""
        delay = self.consumer.retry.delay(max(1, min(self._failures, 10)))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), delay)


class _GiveUpBatch(Exception):
    """A paused batch is given up, uncommitted, because the runner stops or its partitions go."""


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]
    """Partitions are handed over only after the batch in flight finished and committed (or, if
    it is paused for an outage, was given up uncommitted)."""

    def __init__(self, in_flight: asyncio.Lock, handover: asyncio.Event) -> None:
        self._in_flight = in_flight
        self._handover = handover

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        self._handover.set()  # a paused batch stops waiting for the outage to end
        try:
            async with self._in_flight:  # the batch in flight commits while its partitions are ours
                pass
        finally:
            self._handover.clear()

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        return None
