"""ARCO requests answered by a service's part (chasqui_common.application.arco): each request is
recorded with its completion, answered once on chasqui.arco-answers through the outbox, and a
cancellation scrubs the outbox and stored Idempotency-Key answers that mention the person."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime

import asyncpg
import pytest
from chasqui_common.application.arco import (
    Erasure,
    Holdings,
    PersonalDataPart,
    Subject,
    answer_request,
    held,
    scrub_traces,
)
from chasqui_common.application.unit_of_work import Transactions, UnitOfWork
from chasqui_common.clock import FixedClock
from chasqui_common.events.arco import ArcoAnswered, ArcoRequested, ArcoRight, Purpose
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.values import IdentityDocument

NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
DOCUMENT = IdentityDocument(type="CPP", number="A7731904")


async def _find(uow: UnitOfWork, subject: Subject) -> Holdings:
    rows = await uow.conn.fetch(
        "SELECT * FROM people WHERE number = $1 OR person_id = ANY($2::text[])",
        subject.document.number,
        list(subject.person_ids),
    )
    return Holdings([r["person_id"] for r in rows], [held("people", r["person_id"], dict(r)) for r in rows])


async def _erase(uow: UnitOfWork, subject: Subject) -> Erasure:
    ids = [r.key for r in (await _find(uow, subject)).records]
    status = await uow.conn.execute("DELETE FROM people WHERE person_id = ANY($1::text[])", ids)
    return Erasure(int(status.split()[-1]), traces=ids)


async def _withdraw(uow: UnitOfWork, subject: Subject, purposes: frozenset[Purpose]) -> list[Purpose]:
    stopped: list[Purpose] = sorted(p for p in purposes if p is Purpose.NOTIFICATIONS_SMS)
    if stopped:
        await uow.conn.execute("UPDATE people SET sms = false WHERE number = $1", subject.document.number)
    return stopped


PART = PersonalDataPart("test-service", find=_find, erase=_erase, withdraw=_withdraw)


@pytest.fixture
async def people(pool: asyncpg.Pool) -> Transactions:
    await pool.execute(
        "CREATE TABLE people (person_id text PRIMARY KEY, number text, name text, sms boolean NOT NULL)"
    )
    await pool.execute(
        "INSERT INTO people VALUES ('p-1', 'A7731904', 'Yusmary', true), ('p-2', '55500011', 'Rosa', true)"
    )
    return Transactions(pool, Outbox("/chasqui/test-service"), FixedClock(NOW))


def _request(right: ArcoRight, **extra: object) -> ArcoRequested:
    return ArcoRequested(
        request_id=str(uuid.uuid4()),
        right=right,
        document=DOCUMENT,
        requested_by="operator-1",
        requested_at=NOW,
        **extra,
    )


async def _answers(pool: asyncpg.Pool) -> list[ArcoAnswered]:
    rows = await pool.fetch(
        "SELECT body FROM outbox WHERE event_type = 'pe.chasqui.arco.request.answered.v1' ORDER BY position"
    )
    return [ArcoAnswered.model_validate(json.loads(r["body"])) for r in rows]


async def test_access_answers_what_the_service_holds_once_and_records_the_request(
    pool: asyncpg.Pool, people: Transactions
) -> None:
    request = _request(ArcoRight.ACCESS)
    async with people.begin() as uow:
        answer = await answer_request(uow, PART, request)
    async with people.begin() as uow:
        again = await answer_request(uow, PART, request)

    assert again is None, "a redelivered request is answered once"
    assert answer is not None
    assert answer.service == "test-service"
    assert answer.person_ids == ["p-1"]
    assert [(r.store, r.key, r.fields["name"]) for r in answer.records] == [("people", "p-1", "Yusmary")]
    [recorded] = await pool.fetch("SELECT * FROM arco_requests")
    assert recorded["right_kind"] == "access"
    assert recorded["requested_by"] == "operator-1"
    assert recorded["completed_at"] == NOW
    assert recorded["outcome"] == "found 1 record(s)"
    assert len(await _answers(pool)) == 1


async def test_cancellation_erases_the_person_and_every_outbox_row_and_stored_answer_naming_them(
    pool: asyncpg.Pool, people: Transactions
) -> None:
    async with people.begin() as uow:
        await answer_request(uow, PART, _request(ArcoRight.ACCESS))  # its answer holds the document
        await uow.conn.execute(
            "INSERT INTO idempotency_keys VALUES ('c', 'POST /v1/x', 'k1', 'f', 201, '{}'::jsonb, $1, $2, $2), "
            "('c', 'POST /v1/x', 'k2', 'f', 201, '{}'::jsonb, $3, $2, $2)",
            b'{"document": {"type": "CPP", "number": "A7731904"}}',
            NOW,
            b'{"document": {"type": "DNI", "number": "55500011"}}',
        )
    before = await pool.fetchval("SELECT count(*) FROM outbox WHERE position('A7731904'::bytea IN body) > 0")
    assert before == 1

    async with people.begin() as uow:
        answer = await answer_request(uow, PART, _request(ArcoRight.CANCELLATION, person_ids=["p-1"]))

    assert answer is not None
    assert answer.erased == 3, "the row, the access answer, the stored answer"
    assert await pool.fetchval("SELECT array_agg(person_id) FROM people") == ["p-2"]
    assert (
        await pool.fetchval("SELECT count(*) FROM outbox WHERE position('A7731904'::bytea IN body) > 0") == 0
    )
    assert await pool.fetchval("SELECT count(*) FROM outbox WHERE position('p-1'::bytea IN body) > 0") == 0
    assert await pool.fetchval("SELECT array_agg(key) FROM idempotency_keys") == ["k2"]
    outcomes = [
        r["outcome"] for r in await pool.fetch("SELECT outcome FROM arco_requests ORDER BY received_at")
    ]
    assert any(o.startswith("erased 1 record(s)") for o in outcomes)
    assert not await pool.fetchval("SELECT count(*) FROM arco_requests a WHERE a::text LIKE '%A7731904%'")


async def test_opposition_reports_the_purposes_stopped(pool: asyncpg.Pool, people: Transactions) -> None:
    request = _request(ArcoRight.OPPOSITION, purposes=[Purpose.NOTIFICATIONS_SMS, Purpose.EMPLOYMENT_CONTACT])
    async with people.begin() as uow:
        answer = await answer_request(uow, PART, request)

    assert answer is not None
    assert answer.withdrawn == [Purpose.NOTIFICATIONS_SMS]
    assert await pool.fetchval("SELECT sms FROM people WHERE person_id = 'p-1'") is False
    assert await pool.fetchval("SELECT sms FROM people WHERE person_id = 'p-2'") is True


async def test_scrub_ignores_empty_traces(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        assert await scrub_traces(conn, ["", ""]) == 0
