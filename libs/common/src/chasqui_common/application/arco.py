"""ARCO rights over events: each service registers its part (what it holds about a person, how to
erase it, which purposes it can stop) and this module answers the requests for it.

Ley 29733 arts. 19-22 and DS 016-2024-JUS title IV: access, rectification, cancellation and
opposition. Rectification goes through each service's own API; the other three arrive as
`ArcoRequested` events on `chasqui.arco-requests`. For every request a service records it in its
`arco_requests` table, runs its part, and publishes one `ArcoAnswered` on `chasqui.arco-answers`,
all in the consumer's transaction: the effect, the record of completion and the answer commit
together, and a redelivered request is applied once (inbox). A cancellation also scrubs the
plumbing: outbox rows and stored Idempotency-Key answers that mention the person's document or
ids are deleted (`scrub_traces`); the inbox holds event ids and types only.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import JsonValue

from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.db.pool import Connection
from chasqui_common.events.arco import ArcoAnswered, ArcoRequested, ArcoRight, HeldRecord, Purpose
from chasqui_common.messaging.consumer import EventConsumer
from chasqui_common.topics import ARCO_REQUESTS
from chasqui_common.values import IdentityDocument

__all__ = [
    "ARCO_SERVICES",
    "Erasure",
    "Holdings",
    "PersonalDataPart",
    "Subject",
    "answer_request",
    "arco_consumer",
    "held",
    "scrub_traces",
]

ARCO_SERVICES: tuple[str, ...] = (
    "registry",
    "eligibility",
    "employment-matching",
    "migrant-services",
    "notifications",
    "dci-gateway",
    "citizen-attention",
)
"""The services that hold personal data and answer every ARCO request (the CLI waits for each)."""


@dataclass(frozen=True)
class Subject:
    """The person a request is about: their document, and the ids services gave them
    (`identify` answers; empty on the first step)."""

    document: IdentityDocument
    person_ids: tuple[str, ...] = ()

    @property
    def traces(self) -> tuple[str, ...]:
        """The strings that identify the person in stored payloads: document number and ids."""
        number = (self.document.number,) if self.document.number else ()
        return number + self.person_ids


@dataclass(frozen=True)
class Holdings:
    """What a service holds about the person: the ids it knows them by and its records."""

    person_ids: list[str] = field(default_factory=list)
    records: list[HeldRecord] = field(default_factory=list)


@dataclass(frozen=True)
class Erasure:
    """What a cancellation removed or anonymised: `records` rows, and `traces`, further strings
    (ids the service found, e.g. its own person id) whose presence in the plumbing is scrubbed."""

    records: int = 0
    traces: list[str] = field(default_factory=list)


Find = Callable[[UnitOfWork, Subject], Awaitable[Holdings]]
"""`find(uow, subject) -> Holdings`: read only; by document and by any of `subject.person_ids`."""
Erase = Callable[[UnitOfWork, Subject], Awaitable[Erasure]]
"""`erase(uow, subject) -> Erasure`: remove or anonymise every record of the person."""
Withdraw = Callable[[UnitOfWork, Subject, frozenset[Purpose]], Awaitable[list[Purpose]]]
"""`withdraw(uow, subject, purposes) -> purposes stopped`: record the opposition (consent off)."""


async def _no_purposes(uow: UnitOfWork, subject: Subject, purposes: frozenset[Purpose]) -> list[Purpose]:
    return []


@dataclass(frozen=True)
class PersonalDataPart:
    """One service's part in ARCO requests; `withdraw` defaults to stopping nothing (a service
    that contacts no one and offers no one has no purpose to oppose)."""

    service: str
    find: Find
    erase: Erase
    withdraw: Withdraw = _no_purposes


def held(store: str, key: object, row: Mapping[str, Any]) -> HeldRecord:
    """A record for an access report: `row`'s columns as JSON values (dates and times ISO 8601,
    UUIDs and decimals as text, arrays as lists, JSON columns as they are)."""
    return HeldRecord(store=store, key=str(key), fields={name: _json(value) for name, value in row.items()})


def _json(value: Any) -> JsonValue:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID | decimal.Decimal):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(item) for item in value]
    return str(value)


async def scrub_traces(conn: Connection, traces: Iterable[str]) -> int:
    """Delete the outbox rows (published or not) and stored Idempotency-Key answers whose body,
    headers or key contain any of `traces`; returns how many rows went.

    A pending row about a cancelled person goes too: its receivers are erasing the person in
    the same request, and publishing it would bring them back."""
    needles = sorted({t for t in traces if t})
    if not needles:
        return 0
    outbox = await conn.fetchval(
        """
        WITH gone AS (
            DELETE FROM outbox o
            WHERE o.message_key = ANY($1::text[])
               OR EXISTS (SELECT 1 FROM unnest($1::text[]) AS n (needle)
                          WHERE position(convert_to(n.needle, 'UTF8') IN o.body) > 0
                             OR position(n.needle IN o.headers::text) > 0)
            RETURNING 1)
        SELECT count(*) FROM gone
        """,
        needles,
    )
    answers = await conn.fetchval(
        """
        WITH gone AS (
            DELETE FROM idempotency_keys k
            WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) AS n (needle)
                          WHERE position(convert_to(n.needle, 'UTF8') IN k.body) > 0)
            RETURNING 1)
        SELECT count(*) FROM gone
        """,
        needles,
    )
    return int(outbox) + int(answers)


async def _record_request(uow: UnitOfWork, request: ArcoRequested) -> bool:
    """Record that the request arrived; False if this service has completed it already."""
    inserted = await uow.conn.fetchval(
        """
        INSERT INTO arco_requests (request_id, right_kind, requested_by, requested_at, received_at)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (request_id) DO NOTHING
        RETURNING true
        """,
        uuid.UUID(request.request_id),
        request.right.value,
        request.requested_by,
        request.requested_at,
        uow.clock.now(),
    )
    return bool(inserted)


async def _complete_request(uow: UnitOfWork, request_id: str, outcome: str) -> None:
    await uow.conn.execute(
        "UPDATE arco_requests SET completed_at = $2, outcome = $3 WHERE request_id = $1",
        uuid.UUID(request_id),
        uow.clock.now(),
        outcome,
    )


async def answer_request(
    uow: UnitOfWork, part: PersonalDataPart, request: ArcoRequested
) -> ArcoAnswered | None:
    """Serve one ARCO request with `part`: record it, apply it, record its completion and publish
    the answer; None (and nothing done) if this service answered the same request id before."""
    if not await _record_request(uow, request):
        return None
    subject = Subject(request.document, tuple(request.person_ids))
    answer: dict[str, Any] = {}
    if request.right in (ArcoRight.IDENTIFY, ArcoRight.ACCESS):
        holdings = await part.find(uow, subject)
        answer["person_ids"] = sorted(set(holdings.person_ids))
        if request.right is ArcoRight.ACCESS:
            answer["records"] = holdings.records
        outcome = f"found {len(holdings.records)} record(s)"
    elif request.right is ArcoRight.CANCELLATION:
        erasure = await part.erase(uow, subject)
        scrubbed = await scrub_traces(uow.conn, [*subject.traces, *erasure.traces])
        answer["erased"] = erasure.records + scrubbed
        outcome = f"erased {erasure.records} record(s), {scrubbed} outbox row(s) and stored answer(s)"
    else:
        withdrawn = await part.withdraw(uow, subject, frozenset(request.purposes))
        answer["withdrawn"] = withdrawn
        outcome = "stopped " + (", ".join(p.value for p in withdrawn) or "nothing")
    await _complete_request(uow, request.request_id, outcome)
    answered = ArcoAnswered(
        request_id=request.request_id,
        right=request.right,
        service=part.service,
        answered_at=uow.clock.now(),
        **answer,
    )
    await uow.publish(answered)
    return answered


def arco_consumer(part: PersonalDataPart, name: str | None = None) -> EventConsumer:
    """The consumer through which `part`'s service answers ARCO requests (group and inbox
    `<service>-arco` unless `name` is given)."""
    consumer = EventConsumer(name or f"{part.service}-arco", topics=[ARCO_REQUESTS])

    @consumer.on(ArcoRequested)
    async def on_arco_requested(uow: UnitOfWork, event: ArcoRequested) -> None:
        await answer_request(uow, part, event)

    return consumer
