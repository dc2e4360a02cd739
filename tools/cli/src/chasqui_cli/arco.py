"""`chasqui arco`: serve a person's ARCO rights (Ley 29733 arts. 19-22) over events.

The CLI is the assembler. A request goes in two steps, each an `ArcoRequested` on
`chasqui.arco-requests` answered by every service with one `ArcoAnswered` on
`chasqui.arco-answers` (chasqui_common.application.arco):

1. `identify`: every service answers with the ids it knows the person by (no data);
2. the right itself (`access`, `cancellation`, `opposition`), naming the person by document and
   by all those ids, so that a service that keys people by id only (notifications) finds them.

The CLI waits for every service in ARCO_SERVICES, at most `timeout` seconds a step, and reports
who answered what and who did not answer (a missing answer is a failure: exit status 1). Every
service records the request and its completion in its `arco_requests` table; a request resent
with the same id is answered once.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import os
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.errors import KafkaError
from chasqui_common.application.arco import ARCO_SERVICES
from chasqui_common.envelope import Envelope, EnvelopeError
from chasqui_common.events.arco import ArcoAnswered, ArcoRequested, ArcoRight, HeldRecord, Purpose
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.topics import ARCO_ANSWERS, ARCO_REQUESTS, ARCO_TOPICS, ensure_topics
from chasqui_common.values import IdentityDocument

from chasqui_cli.errors import CliError
from chasqui_cli.kafka import TIMEOUT_MS, _unreachable, security, topic_reader

SOURCE = "/chasqui/operators"


@dataclass(frozen=True)
class ServicePart:
    """One service's answer, as the report shows it."""

    service: str
    person_ids: list[str]
    records: list[HeldRecord]
    erased: int
    withdrawn: list[str]
    answered_at: str


@dataclass(frozen=True)
class ArcoReport:
    """The assembled answer to one request: each service's part, and who did not answer."""

    request_id: str
    right: str
    document: str
    person_ids: list[str]
    parts: list[ServicePart] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.missing


def parse_document(text: str) -> IdentityDocument:
    """`TYPE:NUMBER` (e.g. `DNI:41835127`, `CPP:A1234567`) as a validated IdentityDocument;
    CliError naming the expected form otherwise."""
    type_, sep, number = text.partition(":")
    if not sep:
        raise CliError(f"--document {text!r}: expected TYPE:NUMBER, e.g. DNI:41835127")
    try:
        return IdentityDocument.model_validate({"type": type_.strip().upper(), "number": number.strip()})
    except ValueError as exc:
        first = str(exc).splitlines()
        raise CliError(f"--document {text!r}: {first[-1].strip() if first else exc}") from None


def assemble(
    request: ArcoRequested, answers: Iterable[ArcoAnswered], expected: Sequence[str] = ARCO_SERVICES
) -> ArcoReport:
    """One report from the answers to `request` (answers to other requests are ignored), in
    `expected` order, with the services that did not answer. Several answers from one service
    (its deployments in two places, or a test's second instance) are merged: ids, records and
    purposes joined, erasures added up."""
    by_service: dict[str, list[ArcoAnswered]] = {}
    for answer in answers:
        if answer.request_id == request.request_id and answer.right == request.right:
            by_service.setdefault(answer.service, []).append(answer)
    order = [s for s in expected if s in by_service] + sorted(set(by_service) - set(expected))
    parts = [_merged(name, by_service[name]) for name in order]
    return ArcoReport(
        request_id=request.request_id,
        right=request.right.value,
        document=f"{request.document.type.value}:{request.document.number or ''}",
        person_ids=sorted({i for part in parts for i in part.person_ids} | set(request.person_ids)),
        parts=parts,
        missing=[s for s in expected if s not in by_service],
    )


def _merged(service: str, answers: list[ArcoAnswered]) -> ServicePart:
    records: list[HeldRecord] = []
    for answer in answers:
        records += [r for r in answer.records if r not in records]
    return ServicePart(
        service=service,
        person_ids=sorted({i for a in answers for i in a.person_ids}),
        records=records,
        erased=sum(a.erased for a in answers),
        withdrawn=sorted({p.value for a in answers for p in a.withdrawn}),
        answered_at=max(a.answered_at for a in answers).isoformat(),
    )


def requested_by() -> str:
    """Who asks: CHASQUI_OPERATOR, else the login name."""
    return os.environ.get("CHASQUI_OPERATOR") or getpass.getuser()


@contextlib.asynccontextmanager
async def _answers_reader(bootstrap: str) -> AsyncIterator[AIOKafkaConsumer]:
    """A consumer of every partition of the answers topic, placed at its end (before the request
    goes out, so no answer is missed)."""
    async with topic_reader(bootstrap, ARCO_ANSWERS.name) as (consumer, assigned):
        await consumer.seek_to_end(*assigned)
        for tp in assigned:  # resolve the end offsets now, before the request is sent
            await consumer.position(tp)
        yield consumer


async def _send(producer: AIOKafkaProducer, request: ArcoRequested) -> None:
    envelope = Outbox(SOURCE).envelope(request)
    await producer.send_and_wait(
        ARCO_REQUESTS.name,
        key=envelope.subject.encode() if envelope.subject else None,
        value=envelope.body(),
        headers=[(name, value.encode()) for name, value in envelope.headers().items()],
    )


async def _collect(
    consumer: AIOKafkaConsumer, request: ArcoRequested, expected: Sequence[str], timeout: float, linger: float
) -> list[ArcoAnswered]:
    """Answers to `request` until every expected service answered and `linger` more seconds
    passed (for further instances), or `timeout` passed."""
    answers: list[ArcoAnswered] = []
    answered: set[str] = set()
    deadline = time.monotonic() + timeout
    lingering = False
    while time.monotonic() < deadline:
        if set(expected) <= answered and not lingering:
            deadline, lingering = min(deadline, time.monotonic() + linger), True
            if linger <= 0:
                break
        batch = await consumer.getmany(timeout_ms=200, max_records=500)
        for records in batch.values():
            for record in records:
                try:
                    envelope = Envelope.from_kafka(record.headers, record.value)
                except EnvelopeError:
                    continue
                if envelope.subject != request.request_id:
                    continue
                answer = ArcoAnswered.model_validate(envelope.data)
                if answer.right == request.right:
                    answers.append(answer)
                    answered.add(answer.service)
    return answers


async def exercise(
    bootstrap: str,
    right: ArcoRight,
    document: IdentityDocument,
    *,
    purposes: Sequence[Purpose] = (),
    expected: Sequence[str] = ARCO_SERVICES,
    timeout: float = 30.0,
    linger: float = 0.0,
    operator: str | None = None,
) -> ArcoReport:
    """Send the `identify` step, then `right` with the ids found, and assemble the answers."""
    options = security()
    with contextlib.suppress(Exception):  # Strimzi creates them in Kubernetes; locally we may
        await ensure_topics(bootstrap, ARCO_TOPICS)
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        request_timeout_ms=TIMEOUT_MS,
        **options,
    )
    try:
        await asyncio.wait_for(producer.start(), TIMEOUT_MS / 1000)
    except (KafkaError, OSError, TimeoutError) as exc:
        with contextlib.suppress(Exception):
            await producer.stop()
        raise _unreachable(bootstrap, exc) from None
    who = operator or requested_by()
    try:
        async with _answers_reader(bootstrap) as consumer:
            identify = ArcoRequested(
                request_id=str(uuid.uuid4()),
                right=ArcoRight.IDENTIFY,
                document=document,
                requested_by=who,
                requested_at=datetime.now(UTC),
            )
            await _send(producer, identify)
            found = assemble(
                identify, await _collect(consumer, identify, expected, timeout, linger), expected
            )
            if right is ArcoRight.IDENTIFY:
                return found
            request = ArcoRequested(
                request_id=str(uuid.uuid4()),
                right=right,
                document=document,
                person_ids=found.person_ids,
                purposes=list(purposes),
                requested_by=who,
                requested_at=datetime.now(UTC),
            )
            await _send(producer, request)
            return assemble(request, await _collect(consumer, request, expected, timeout, linger), expected)
    finally:
        await producer.stop()
