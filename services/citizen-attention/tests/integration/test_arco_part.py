"""Citizen attention's part in ARCO requests (docs/privacy.md, "ARCO rights"), on the real Postgres:
an access lists everything held about the person, DEMUNA records included; a cancellation deletes
it, leaves a household's worklist entry without naming them, and touches no one else."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
from chasqui_citizen_attention.application.arco import PART
from chasqui_common.application.arco import answer_request
from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.clock import FixedClock
from chasqui_common.events.arco import ArcoAnswered, ArcoRequested, ArcoRight, Purpose
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.values import IdentityDocument

from .conftest import DEMUNA, READ, VES, WRITE, Attention, dni

NOW = datetime(2026, 3, 9, 15, 0, tzinfo=UTC)


async def _answer(service_db: Any, right: ArcoRight, number: str, *purposes: Purpose) -> ArcoAnswered:
    request = ArcoRequested(
        request_id=str(uuid.uuid4()),
        right=right,
        document=IdentityDocument(type="DNI", number=number),
        purposes=list(purposes),
        requested_by="dpo-team",
        requested_at=NOW,
    )
    conn = await asyncpg.connect(service_db.dsn, server_settings={"search_path": service_db.schema})
    try:
        async with conn.transaction():
            uow = UnitOfWork(conn, Outbox("/chasqui/citizen-attention"), FixedClock(NOW))
            answered = await answer_request(uow, PART, request)
    finally:
        await conn.close()
    assert answered is not None
    return answered


async def _sql(service_db: Any, sql: str, *args: Any) -> Any:
    conn = await asyncpg.connect(service_db.dsn, server_settings={"search_path": service_db.schema})
    try:
        return await conn.fetch(sql, *args)
    finally:
        await conn.close()


async def test_access_lists_every_record_and_cancellation_erases_them(
    attention: Attention, service_db: Any
) -> None:
    number, other_number = dni(), dni()
    citizen_id = await attention.counter_citizen(number, name="Killa")
    other_id = await attention.counter_citizen(other_number, name="Sumaq")
    person_id, household_id = f"P-{uuid.uuid4().hex[:10]}", f"H-{uuid.uuid4().hex[:10]}"
    ticket = await attention.post(
        "/v1/tickets", {"municipality": VES, "office": "CIAM", "citizen_id": citizen_id}
    )
    assert ticket.status_code == 201, ticket.text
    for who in (citizen_id, other_id):
        demuna = await attention.post(
            "/v1/attentions",
            {
                "municipality": VES, "office": "DEMUNA", "procedure": "orientacion", "step": "orientacion",
                "citizen_id": who, "staff": "demuna-ves", "outcome": "resolved", "duration_seconds": 300,
                "notes": "Consulta por alimentos",
            },
            READ, WRITE, DEMUNA,
        )  # fmt: skip
        assert demuna.status_code == 201, demuna.text
    referral = await attention.post(
        "/v1/referrals",
        {
            "municipality": VES,
            "from_office": "CIAM",
            "to_office": "OMAPED",
            "citizen_id": citizen_id,
            "staff": "ana.ciam",
        },
    )
    assert referral.status_code == 201, referral.text
    # The projection's registry id and two worklist entries naming the person: their own (CIAM)
    # and their household's (ULE, with them as the recipient).
    await _sql(service_db, "UPDATE citizens SET person_id = $2 WHERE citizen_id = $1", citizen_id, person_id)
    for office, subject, person in (("CIAM", person_id, person_id), ("ULE", household_id, None)):
        await _sql(
            service_db,
            """
            INSERT INTO worklist_entries (office, subject_id, household_id, person_id, recipient_person_id,
                                          program, reason, decision_id, since, decided_at)
            VALUES ($1, $2, $3, $4, $5, 'CIAM', 'eligible', 'd-1', $6, $7)
            """,
            office, subject, household_id, person, person_id, date(2026, 3, 1), NOW,
        )  # fmt: skip

    access = await _answer(service_db, ArcoRight.ACCESS, number)
    assert access.service == "citizen-attention"
    assert {citizen_id, person_id} <= set(access.person_ids)
    stores = [r.store for r in access.records]
    assert sorted(set(stores)) == ["attentions", "citizens", "referrals", "tickets", "worklist_entries"]
    assert stores.count("worklist_entries") == 2
    [held_attention] = [r for r in access.records if r.store == "attentions"]
    assert held_attention.fields["office"] == "DEMUNA"  # the person's own DEMUNA record, in full
    assert held_attention.fields["notes"] == "Consulta por alimentos"
    assert other_id not in str([r.fields for r in access.records])

    opposed = await _answer(service_db, ArcoRight.OPPOSITION, number, Purpose.NOTIFICATIONS_SMS)
    assert opposed.withdrawn == []  # no consent is kept here

    cancelled = await _answer(service_db, ArcoRight.CANCELLATION, number)
    assert cancelled.erased >= 6
    assert (await _answer(service_db, ArcoRight.ACCESS, number)).records == []
    missing = await attention.get(f"/v1/citizens/{citizen_id}")
    assert missing.status_code == 404
    [household_entry] = await _sql(
        service_db, "SELECT * FROM worklist_entries WHERE household_id = $1", household_id
    )
    assert (household_entry["office"], household_entry["recipient_person_id"]) == ("ULE", None)
    # Nobody else lost anything.
    assert (await attention.get(f"/v1/citizens/{other_id}")).status_code == 200
    others = await _sql(service_db, "SELECT count(*) AS n FROM attentions WHERE citizen_id = $1", other_id)
    assert others[0]["n"] == 1
    completed = await _sql(
        service_db,
        "SELECT right_kind, outcome FROM arco_requests WHERE completed_at IS NOT NULL ORDER BY received_at",
    )
    assert [r["right_kind"] for r in completed][-4:] == ["access", "opposition", "cancellation", "access"]
