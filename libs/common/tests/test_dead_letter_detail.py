"""Issue 13, item 8, on the real broker: a handler that fails in each way is dead-lettered with a
detail naming the real cause (field, masked value and expectation when it is a value), never
`FrozenInstanceError: cannot assign to field '__traceback__'`."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaProducer
from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.errors import InvalidValue
from chasqui_common.messaging.consumer import EventConsumer
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.messaging.sink import ProducerSink
from chasqui_testing import collect_records
from pydantic import BaseModel, Field


@dataclass(frozen=True)
class RefugeeDocumentRefused(Exception):
    """As employment's old `InvalidValue`: an exception class that is a frozen dataclass."""

    field: str
    value: object
    expected: str

    def __str__(self) -> str:
        return f"{self.field}={self.value!r}: expected {self.expected}"


class Contact(BaseModel):
    phone: str = Field(pattern=r"^\+51\d{9}$")


@contextlib.contextmanager
def _step() -> Iterator[None]:
    yield


async def test_each_kind_of_handler_failure_is_dead_lettered_with_its_real_cause(
    pool: asyncpg.Pool, sink: ProducerSink, contract, kafka_bootstrap_servers: str, service_db
) -> None:  # type: ignore[no-untyped-def]
    async with pool.acquire() as conn:
        await conn.execute("CREATE TABLE effects (seq int PRIMARY KEY)")
    outbox = Outbox("/chasqui/test", contract.catalogue)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap_servers)
    await producer.start()
    try:
        for seq in range(6):
            envelope = outbox.envelope(contract.model(key="hh-1", seq=seq))
            await producer.send_and_wait(
                contract.topic.name, envelope.body(), key=b"hh-1", headers=envelope.kafka_headers()
            )
    finally:
        await producer.stop()

    consumer = EventConsumer(
        f"why-{service_db.schema}", topics=[contract.topic], catalogue=contract.catalogue
    )

    @consumer.on(contract.model)
    async def apply(uow: UnitOfWork, parcel) -> None:  # type: ignore[no-untyped-def]
        if parcel.seq == 0:
            raise InvalidValue(
                "passport number too long",
                field="document.number",
                value="AB1234567890123",
                expected="6 to 12 letters or digits",
            )
        if parcel.seq == 1:
            Contact(phone="+5198765432")
        if parcel.seq == 2:
            raise RuntimeError("printer on fire")
        if parcel.seq == 3:  # raised straight out of the handler
            raise RefugeeDocumentRefused("document.type", "REFUGEE_APPLICANT", "one of DNI, CE, PASSPORT")
        if parcel.seq == 4:  # raised through a @contextmanager, which sets __traceback__ on it
            with _step():
                raise RefugeeDocumentRefused("document.type", "REFUGEE_APPLICANT", "one of DNI, CE, PASSPORT")
        await uow.conn.execute("INSERT INTO effects VALUES ($1)", parcel.seq)

    consumer.bind(pool, outbox, sink)
    runner = await consumer.start(kafka_bootstrap_servers)
    try:
        deadline = time.monotonic() + 30
        while await pool.fetchval("SELECT count(*) FROM effects") < 1:
            assert time.monotonic() < deadline, "the good message behind the failing ones was not applied"
            await asyncio.sleep(0.1)
    finally:
        await runner.stop()

    dead = await collect_records(kafka_bootstrap_servers, contract.topic.dlq.name, count=5, timeout=20)
    assert len(dead) == 5
    by_offset = {}
    for record in dead:
        headers = {k: v.decode() for k, v in record.headers}
        assert headers["dlq_reason"] == "handler.failed"
        assert "FrozenInstanceError: cannot assign" not in headers["dlq_detail"]
        by_offset[int(headers["dlq_original_offset"])] = headers
    domain, validation, plain, frozen, frozen_via_context = (
        by_offset[offset] for offset in sorted(by_offset)
    )

    assert domain["dlq_error"] == "chasqui_common.errors.InvalidValue"
    assert domain["dlq_detail"] == (
        'InvalidValue [invalid-value]: passport number too long; field document.number="***123": '
        "expected 6 to 12 letters or digits"
    )
    assert (domain["dlq_field"], domain["dlq_value"], domain["dlq_expected"]) == (
        "document.number",
        '"***123"',
        "6 to 12 letters or digits",
    )
    assert "AB1234567890123" not in str(domain)

    assert validation["dlq_error"] == "pydantic_core._pydantic_core.ValidationError"
    assert validation["dlq_field"] == "phone"
    assert validation["dlq_value"] == '"***432"'
    assert "String should match pattern" in validation["dlq_expected"]
    assert validation["dlq_detail"].startswith(
        "ValidationError: 1 invalid value(s) for Contact; field phone="
    )
    assert "5198765432" not in str(validation)

    assert plain["dlq_error"] == "builtins.RuntimeError"
    assert plain["dlq_detail"] == "RuntimeError: printer on fire"
    assert "dlq_field" not in plain

    for headers in (frozen, frozen_via_context):
        assert headers["dlq_error"].endswith("RefugeeDocumentRefused")
        assert headers["dlq_detail"].startswith(
            "RefugeeDocumentRefused: document.type='REFUGEE_APPLICANT': expected one of DNI, CE, PASSPORT; "
            'field document.type="REFUGEE_APPLICANT": expected one of DNI, CE, PASSPORT'
        )
        assert "is a frozen dataclass" in headers["dlq_detail"]
        assert headers["dlq_field"] == "document.type"
        assert headers["dlq_value"] == '"REFUGEE_APPLICANT"'
