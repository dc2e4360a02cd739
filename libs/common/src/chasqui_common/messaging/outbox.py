"""Transactional outbox: events recorded with the state change, relayed to Kafka in order per key."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import asyncpg
from opentelemetry import propagate

from chasqui_common.db.pool import Connection
from chasqui_common.envelope import (
    H_CAUSATION,
    H_CONTENT_TYPE,
    H_CORRELATION,
    H_DATASCHEMA,
    H_ID,
    H_SOURCE,
    H_SPECVERSION,
    H_SUBJECT,
    H_TIME,
    H_TRACEPARENT,
    H_TRACESTATE,
    H_TYPE,
    JSON_CONTENT_TYPE,
    SPEC_VERSION,
    Envelope,
)
from chasqui_common.events.catalogue import CATALOGUE, EventCatalogue, EventPayload
from chasqui_common.messaging.context import current_event
from chasqui_common.messaging.sink import MessageSink
from chasqui_common.telemetry import metrics

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outbox:
    """Records events in the caller's transaction; `source` is the CloudEvents source of the service."""

    source: str
    catalogue: EventCatalogue = CATALOGUE

    def envelope(self, payload: EventPayload) -> Envelope:
        """The envelope of `payload` in the current cause (`current_event`) and trace context; its
        data serialised once (`EventSpec.payload_json`), kept as its `body()`."""
        spec = self.catalogue.spec_for(payload)
        cause = current_event()
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        body = spec.payload_json(payload)
        # Every attribute is this service's own (source, catalogue, a fresh id and time) or taken
        # from an envelope validated when it was consumed, and the payload is a model instance:
        # constructing skips validating them all again.
        envelope = Envelope.model_construct(
            id=uuid4(),
            source=self.source,
            type=spec.type,
            subject=spec.subject_of(payload),
            time=datetime.now(UTC),
            datacontenttype=JSON_CONTENT_TYPE,
            dataschema=spec.dataschema,
            correlationid=(cause.correlationid or str(cause.id)) if cause else None,
            causationid=str(cause.id) if cause else None,
            traceparent=carrier.get(H_TRACEPARENT),
            tracestate=carrier.get(H_TRACESTATE),
            data=json.loads(body),  # read back from the bytes sent, so data and body cannot differ
        )
        return envelope.keep_body(body)

    def rows_of(self, payloads: Sequence[EventPayload]) -> list[OutboxRow]:
        """The outbox rows of `payloads` and then of their copies (`EventSpec.copies_of`), in the
        current cause and trace context: what `record` writes (the rows of `envelope(p)` for
        each payload), built without envelope objects. Each payload is serialised once; a copy
        shares its original's body bytes, type, subject, time, correlation, causation and
        trace, and has its own id. For `copy_rows` (batch handlers, `publish_caused`)."""
        cause = current_event()
        carrier: dict[str, str] = {}
        propagate.inject(carrier)
        context: dict[str, str] = {H_SPECVERSION: SPEC_VERSION, H_SOURCE: self.source}
        if cause is not None:
            context[H_CORRELATION] = cause.correlationid or str(cause.id)
            context[H_CAUSATION] = str(cause.id)
        for name in (H_TRACEPARENT, H_TRACESTATE):
            if carrier.get(name) is not None:
                context[name] = carrier[name]
        context[H_CONTENT_TYPE] = JSON_CONTENT_TYPE
        rows: list[OutboxRow] = []
        copies: list[OutboxRow] = []
        for payload in payloads:
            spec = self.catalogue.spec_for(payload)
            subject = spec.subject_of(payload)
            body = spec.payload_json(payload)
            headers = dict(context)
            headers[H_TYPE] = spec.type
            headers[H_SUBJECT] = subject
            headers[H_DATASCHEMA] = spec.dataschema
            headers[H_TIME] = datetime.now(UTC).isoformat().replace("+00:00", "Z")
            # The headers' JSON without `ce_id`, once per event; each row prepends its own id.
            rest = json.dumps(headers)
            event_id = uuid4()
            rows.append((event_id, spec.type, spec.topic.name, subject, _with_id(event_id, rest), body))
            for topic in spec.copies_of(payload):
                copy_id = uuid4()
                copies.append((copy_id, spec.type, topic.name, subject, _with_id(copy_id, rest), body))
        rows += copies
        return rows

    async def record(self, conn: Connection, *payloads: EventPayload) -> list[Envelope]:
        """Add events to the outbox; they are published only if the surrounding transaction commits.

        One statement for all of them and their copies (one round trip); rows keep the order of
        `payloads`, copies after the originals."""
        if not conn.is_in_transaction():
            raise RuntimeError("Outbox.record must run inside the transaction of the state change")
        envelopes = [self.envelope(payload) for payload in payloads]
        rows = [
            (
                env.id,
                env.type,
                self.catalogue.spec_for(payload).topic.name,
                env.subject,
                json.dumps(env.headers()),
                env.body(),
            )
            for env, payload in zip(envelopes, payloads, strict=True)
        ]
        rows += self.copy_rows_of(payloads, envelopes)
        if not rows:
            return envelopes
        # ORDER BY the arrays' ordinality: `position` (the relay's order) is drawn in that order.
        await conn.execute(
            """
            INSERT INTO outbox (event_id, event_type, topic, message_key, headers, body)
            SELECT r.event_id, r.event_type, r.topic, r.message_key, r.headers, r.body
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::jsonb[], $6::bytea[])
                 WITH ORDINALITY AS r(event_id, event_type, topic, message_key, headers, body, n)
            ORDER BY r.n
            """,
            *(list(column) for column in zip(*rows, strict=True)),
        )
        return envelopes

    def copy_rows_of(
        self, payloads: Sequence[EventPayload], envelopes: Sequence[Envelope] | None = None
    ) -> list[tuple[Any, ...]]:
        """Outbox rows of the copies the catalogue asks for (`EventSpec.copies_of`), in the order
        of `payloads`; none for most event types. Each copy is the payload's envelope (`envelopes[i]`
        when given, else a new one) with its own id: same type, subject, time, causation and data."""
        rows: list[tuple[Any, ...]] = []
        for index, payload in enumerate(payloads):
            copies = self.catalogue.spec_for(payload).copies_of(payload)
            if not copies:
                continue
            original = envelopes[index] if envelopes is not None else self.envelope(payload)
            body = original.body()
            for topic in copies:
                env = original.model_copy(update={"id": uuid4()})
                rows.append((env.id, env.type, topic.name, env.subject, json.dumps(env.headers()), body))
        return rows

    async def copy_rows(self, conn: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        """Record many events built ahead of time with one binary COPY (bulk imports).

        Each row is `(event_id, event_type, topic, message_key, headers, body)`: the envelope's
        id, CloudEvents type, the topic name, the message key (the subject), the JSON text of
        the envelope's `headers()` and the body bytes — what `record` writes for one payload,
        built elsewhere (e.g. in worker processes, from one `envelope` as a template). Like
        `record`, the rows are published only if the surrounding transaction commits; the COPY
        fires the outbox's statement trigger, so the relay wakes on commit.
        """
        if not conn.is_in_transaction():
            raise RuntimeError("Outbox.copy_rows must run inside the transaction of the state change")
        if rows:
            await conn.copy_records_to_table("outbox", columns=list(_COLUMNS), records=rows)


_COLUMNS = ("event_id", "event_type", "topic", "message_key", "headers", "body")

OutboxRow = tuple[UUID, str, str, str | None, str, bytes]
"""`(event_id, event_type, topic, message_key, headers JSON text, body bytes)`, as `copy_rows` takes."""


def _with_id(event_id: UUID, headers_json: str) -> str:
    """`headers_json` (a JSON object with at least one member) with `ce_id` added first."""
    return f'{{"{H_ID}": "{event_id}", {headers_json[1:]}'


class OutboxRelay:
    """Publishes pending outbox rows in `position` order, batch by batch, at least once.

    One relay per schema publishes at a time, so rows of the same key leave in the order they were
    recorded. Two guards make sure of it:

    - **Leadership, checked before every batch.** A session advisory lock elects the relay; the
      session holding it also LISTENs. Before each batch the relay asks that session whether it
      still holds the lock (`pg_locks`, on its own backend pid). If the session died (a network
      cut, `pg_terminate_backend`, a failover) another replica may have taken the lock: this one
      stops publishing and goes back to waiting for the lock.
    - **Rows claimed by their batch.** A batch reads its rows `FOR UPDATE` and marks them published
      in the same transaction, after the broker acknowledged them. A second relay that reads while
      a batch is in flight waits for those rows, then skips them (already published). So even in
      the moment between a lock session dying and the old leader noticing, no row is published by
      two relays; a batch's own transaction dying after the send (the relay or its connection
      killed mid-batch) leaves its rows pending, and they are sent again: at least once.

    It wakes on NOTIFY and also polls, so a missed notification only delays publishing.
    """

    def __init__(
        self,
        pool: asyncpg.Pool,
        sink: MessageSink,
        *,
        schema: str,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        error_backoff: float = 0.5,
    ) -> None:
        self._pool = pool
        self._sink = sink
        self._schema = schema
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._error_backoff = error_backoff
        self._wake = asyncio.Event()
        self._stopping = False
        self._task: asyncio.Task[None] | None = None
        self.published = 0
        self.retention = timedelta(days=7)
        self.purge_interval = 60.0
        self._purged_at = float("-inf")
        self.leader = False
        """True while this relay holds the lock and publishes."""

    @property
    def channel(self) -> str:
        return f"chasqui_outbox_{self._schema}"

    @property
    def lock_name(self) -> str:
        """The advisory lock's name; its key is `hashtext(lock_name)`."""
        return f"outbox:{self._schema}"

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"outbox-relay-{self._schema}")

    async def stop(self, flush_timeout: float = 10.0) -> None:
        """Stop after publishing what is pending (bounded by `flush_timeout`)."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(asyncio.shield(self._task), flush_timeout)
            except TimeoutError:
                self._task.cancel()
                await asyncio.gather(self._task, return_exceptions=True)

    def notify(self, *_: Any) -> None:
        self._wake.set()

    async def _run(self) -> None:
        while not self._stopping:
            try:
                await self._lead()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database or broker went away: try again
                log.warning("outbox relay for %s failed: %s; retrying", self._schema, exc)
                await asyncio.sleep(self._error_backoff)

    async def _lead(self) -> None:
        async with self._pool.acquire() as conn:  # the lock session, held while leading
            await conn.add_listener(self.channel, self.notify)
            try:
                while not self._stopping:
                    if await conn.fetchval("SELECT pg_try_advisory_lock(hashtext($1))", self.lock_name):
                        break
                    await self._sleep()
                else:
                    return
                self._set_leader(True, conn)
                try:
                    while True:
                        while True:
                            if not await self._still_leader(conn):
                                return
                            if not await self.publish_batch():
                                break
                        await self._report_backlog()
                        if self._stopping:
                            return
                        await self._sleep()
                finally:
                    self._set_leader(False, conn)
                    # The session may be gone (then so is its lock), its proxy detached from it.
                    with contextlib.suppress(Exception):
                        if not conn.is_closed():
                            await conn.execute("SELECT pg_advisory_unlock(hashtext($1))", self.lock_name)
            finally:
                with contextlib.suppress(Exception):
                    if not conn.is_closed():
                        await conn.remove_listener(self.channel, self.notify)

    def _set_leader(self, leading: bool, conn: Connection) -> None:
        self.leader = leading
        metrics.OUTBOX_RELAY_LEADER.labels(self._schema).set(1 if leading else 0)
        if leading:
            log.info("outbox relay for %s leads (lock session pid %s)", self._schema, conn.get_server_pid())

    async def _still_leader(self, conn: Connection) -> bool:
        """Does our lock session still hold the relay lock? Asked before every batch."""
        try:
            held = await conn.fetchval(
                """
                SELECT EXISTS (
                    SELECT 1 FROM pg_locks
                    WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()
                      AND objsubid = 1
                      AND ((classid::bigint << 32) | objid::bigint) = hashtext($1)::bigint)
                """,
                self.lock_name,
                timeout=5,
            )
        except Exception as exc:
            held, reason = False, f"{type(exc).__name__}: {exc}"
        else:
            reason = "the lock is no longer held by its session"
        if not held:
            metrics.OUTBOX_LEADERSHIP_LOST.labels(self._schema).inc()
            log.warning(
                "outbox relay for %s lost its leadership (%s); it stops publishing and waits for the lock",
                self._schema,
                reason,
            )
        return bool(held)

    async def _sleep(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self._poll_interval)
        self._wake.clear()

    async def publish_batch(self) -> int:
        """Publish the oldest pending rows; returns how many were published.

        The rows are claimed (`FOR UPDATE`) by this batch's transaction, which marks them
        published only after the broker acknowledged every one: a concurrent batch waits for them
        and then skips them. If the broker fails, the attempt is recorded on the rows and the
        error raised (the caller backs off and tries again)."""
        failure: Exception | None = None
        async with self._pool.acquire() as conn, conn.transaction():
            rows = await conn.fetch(
                """
                SELECT position, topic, message_key, headers, body
                FROM outbox WHERE state <> 'published'
                ORDER BY position LIMIT $1
                FOR UPDATE
                """,
                self._batch_size,
            )
            if not rows:
                return 0
            positions = [row[0] for row in rows]
            send, loads = self._sink.send, json.loads
            try:
                futures = [
                    await send(
                        topic,
                        key=key.encode() if key is not None else None,
                        value=body,
                        headers=loads(headers),
                    )
                    for _, topic, key, headers, body in rows
                ]
                await asyncio.gather(*futures)
            except Exception as exc:
                failure = exc
                await conn.execute(
                    "UPDATE outbox SET attempts = attempts + 1, last_error = $2 "
                    "WHERE position = ANY($1::bigint[])",
                    positions,
                    f"{type(exc).__name__}: {exc}"[:1000],
                )
            else:
                await conn.execute(
                    """
                    UPDATE outbox SET state = 'published', published_at = now(),
                           attempts = attempts + 1, last_error = NULL
                    WHERE position = ANY($1::bigint[])
                    """,
                    positions,
                )
        if failure is not None:
            raise failure
        self.published += len(rows)
        metrics.OUTBOX_PUBLISHED.labels(self._schema).inc(len(rows))
        return len(rows)

    async def _report_backlog(self) -> None:
        # Published rows are kept a while for audit and forensics, then purged in small bites. The
        # purge scans published rows, so it runs at most once a minute, not after every wake-up.
        if time.monotonic() - self._purged_at >= self.purge_interval:
            self._purged_at = time.monotonic()
            await self._pool.execute(
                "DELETE FROM outbox WHERE position IN (SELECT position FROM outbox "
                "WHERE state = 'published' AND published_at < now() - $1::interval LIMIT 10000)",
                self.retention,
            )
        backlog, oldest = await backlog_of(self._pool)
        metrics.OUTBOX_BACKLOG.labels(self._schema).set(backlog)
        metrics.OUTBOX_OLDEST_AGE.labels(self._schema).set(
            (datetime.now(UTC) - oldest).total_seconds() if oldest else 0
        )


async def backlog_of(pool: asyncpg.Pool) -> tuple[int, datetime | None]:
    """How many events wait to be published, and when the oldest was recorded."""
    row = await pool.fetchrow(
        "SELECT count(*) AS n, min(recorded_at) AS oldest FROM outbox WHERE state <> 'published'"
    )
    assert row is not None
    return int(row["n"]), row["oldest"]
