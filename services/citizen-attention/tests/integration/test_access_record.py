"""The access record and the lookup limit (docs/privacy.md, ADR 0011), on the real Postgres and Kafka.

Looking a person up by document, reading their page, their timeline and an attention (DEMUNA
included) each leave a record in `access_records` and on `chasqui.audit`, with the document only as
a keyed hash; lookups by document are throttled per client like the registry's.
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import asyncpg
from chasqui_common.audit import document_ref
from chasqui_common.ratelimit import DOCUMENT_LOOKUPS
from chasqui_testing import collect_records

from .conftest import DEMUNA, READ, VES, WRITE, Attention, dni


async def _access_rows(service_db: Any, resource_id: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(service_db.dsn, server_settings={"search_path": service_db.schema})
    try:
        return await conn.fetch(
            "SELECT * FROM access_records WHERE $1 = ANY(resource_ids) ORDER BY occurred_at",
            resource_id,
        )
    finally:
        await conn.close()


async def test_reads_of_a_person_and_of_demuna_records_are_recorded_and_published(
    attention: Attention, service_db: Any
) -> None:
    number = dni()
    citizen_id = await attention.counter_citizen(number, name="Killa")
    async with attention.service.client(READ, WRITE, DEMUNA, subject="demuna-ves") as clerk:
        recorded = await clerk.post(
            "/v1/attentions",
            json={
                "municipality": VES, "office": "DEMUNA", "procedure": "orientacion", "step": "orientacion",
                "citizen_id": citizen_id, "staff": "demuna-ves", "channel": "in_person",
                "outcome": "resolved", "duration_seconds": 600, "notes": "Consulta sobre alimentos",
            },
        )  # fmt: skip
        assert recorded.status_code == 201, recorded.text
        attention_id = recorded.json()["attention_id"]
        purpose = {"X-Purpose": "atencion DEMUNA"}
        found = await clerk.get(
            "/v1/citizens", params={"document_type": "DNI", "document_number": number}, headers=purpose
        )
        assert found.status_code == 200, found.text
        assert found.json()["citizen_id"] == citizen_id
        assert (await clerk.get(f"/v1/citizens/{citizen_id}")).status_code == 200
        assert (await clerk.get(f"/v1/citizens/{citizen_id}/timeline")).status_code == 200
        assert (await clerk.get(f"/v1/attentions/{attention_id}")).status_code == 200
    async with attention.service.client(READ, subject="ciam-ves") as ciam:
        timeline = await ciam.get(f"/v1/citizens/{citizen_id}/timeline")
        assert timeline.status_code == 200
        refused = await ciam.get(f"/v1/attentions/{attention_id}")
        assert refused.status_code == 403  # refused reads disclose nothing and leave no record

    rows = await _access_rows(service_db, citizen_id)
    by = {(r["subject"], r["operation"]): r for r in rows}
    assert len(by) == len(rows)
    assert set(by) == {
        ("demuna-ves", "citizen-attention.citizen.lookup"),
        ("demuna-ves", "citizen-attention.citizen.read"),
        ("demuna-ves", "citizen-attention.demuna.timeline.read"),
        ("demuna-ves", "citizen-attention.demuna.attention.read"),
        ("ciam-ves", "citizen-attention.timeline.read"),
    }
    assert by["demuna-ves", "citizen-attention.citizen.lookup"]["purpose"] == "atencion DEMUNA"
    assert {r["outcome"] for r in rows} == {"ok"}
    assert all(r["person_refs"] == [document_ref("DNI", number)] for r in rows)
    # The DEMUNA entry was shown in full to DEMUNA's clerk, redacted to CIAM's.
    assert attention_id in by["demuna-ves", "citizen-attention.demuna.timeline.read"]["resource_ids"]
    assert attention_id not in by["ciam-ves", "citizen-attention.timeline.read"]["resource_ids"]
    assert attention_id in by["demuna-ves", "citizen-attention.demuna.attention.read"]["resource_ids"]

    published = await collect_records(attention.bootstrap, "chasqui.audit", count=1_000_000, timeout=5)
    records = [json.loads(r.value) for r in published]
    ours = [r for r in records if citizen_id in r["resource_ids"]]
    assert sorted(r["operation"] for r in ours) == sorted(r["operation"] for r in rows)
    assert {r["service"] for r in ours} == {"citizen-attention"}
    assert all(number not in json.dumps(r) for r in ours)


async def test_a_lookup_that_finds_nobody_is_recorded(attention: Attention, service_db: Any) -> None:
    number = dni()
    async with attention.service.client(READ, subject="curious-clerk") as clerk:
        missing = await clerk.get("/v1/citizens", params={"document_type": "DNI", "document_number": number})
    assert missing.status_code == 404
    assert missing.json()["type"] == "https://chasqui.pe/problems/citizen-not-found"
    conn = await asyncpg.connect(service_db.dsn, server_settings={"search_path": service_db.schema})
    try:
        rows = await conn.fetch(
            "SELECT * FROM access_records WHERE $1 = ANY(person_refs)", document_ref("DNI", number)
        )
    finally:
        await conn.close()
    assert [(r["subject"], r["operation"], r["outcome"]) for r in rows] == [
        ("curious-clerk", "citizen-attention.citizen.lookup", "none-found")
    ]


async def test_two_hundred_document_lookups_in_a_minute_are_throttled(attention: Attention) -> None:
    # The service's clock is fixed: the 200 lookups fall in one instant, so exactly the capacity passes.
    # Numbers nobody holds: a 404 still takes its token, or enumerating would cost nothing.
    async with (
        attention.service.client(READ, subject="enumerator") as client,
        attention.service.client(READ, subject="someone-else") as other,
    ):
        statuses = []
        first_refusal: Any = None
        for n in range(200):
            params = {"document_type": "DNI", "document_number": f"{70_000_000 + n:08d}"}
            response = await client.get("/v1/citizens", params=params)
            statuses.append(response.status_code)
            if response.status_code == 429 and first_refusal is None:
                first_refusal = response
        capacity = DOCUMENT_LOOKUPS.capacity
        assert statuses == [404] * capacity + [429] * (200 - capacity)
        assert first_refusal.headers["content-type"] == "application/problem+json"
        assert first_refusal.headers["Retry-After"] == "1"
        assert first_refusal.json()["type"] == "https://chasqui.pe/problems/rate-limited"
        params = {"document_type": "DNI", "document_number": "70000000"}
        assert (await other.get("/v1/citizens", params=params)).status_code == 404  # its own bucket
        attention.clock.advance(timedelta(seconds=1))
        assert (await client.get("/v1/citizens", params=params)).status_code == 404
        assert (await client.get("/v1/citizens", params=params)).status_code == 429
