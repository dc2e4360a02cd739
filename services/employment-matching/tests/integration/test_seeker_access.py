"""The access record and the lookup limit for job seekers (docs/privacy.md, ADR 0011), on the real
Postgres and Kafka: registering, reading, updating and looking up a seeker each leave a record in
`access_records` and on `chasqui.audit` (documents only as keyed hashes); lookups by document are
throttled per client like the registry's."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from chasqui_common.audit import document_ref
from chasqui_common.clock import FixedClock
from chasqui_common.ratelimit import DOCUMENT_LOOKUPS
from chasqui_employment_matching.main import DEFINITION
from chasqui_testing import RunningService, collect_records, running_service

from .payloads import seeker

pytestmark = pytest.mark.asyncio(loop_scope="session")
SCOPES = ("employment:read", "employment:write")


async def test_reads_and_writes_of_a_job_seeker_are_recorded_and_published(
    service: RunningService, service_db: Any, kafka_bootstrap_servers: str
) -> None:
    body = seeker()
    number = body["document"]["number"]
    async with service.client(*SCOPES, subject="centro-empleo-ica") as http:
        created = await http.post("/v1/job-seekers", json=body)
        assert created.status_code == 201, created.text
        seeker_id = created.json()["seeker_id"]
        purpose = {"X-Purpose": "orientacion laboral"}
        assert (await http.get(f"/v1/job-seekers/{seeker_id}", headers=purpose)).status_code == 200
        assert (await http.get(f"/v1/job-seekers/{seeker_id}/matches")).status_code == 200
        changed = await http.put(f"/v1/job-seekers/{seeker_id}", json={**body, "experience_years": 4})
        assert changed.status_code == 200, changed.text
        found = await http.get("/v1/job-seekers", params={"document_type": "DNI", "document_number": number})
        assert [s["seeker_id"] for s in found.json()["items"]] == [seeker_id]

    conn = await asyncpg.connect(service_db.dsn, server_settings={"search_path": service_db.schema})
    try:
        rows = await conn.fetch("SELECT * FROM access_records WHERE $1 = ANY(resource_ids)", seeker_id)
    finally:
        await conn.close()
    by = {r["operation"]: r for r in rows}
    assert len(by) == len(rows)
    assert set(by) == {
        "employment-matching.job-seeker.register",
        "employment-matching.job-seeker.read",
        "employment-matching.job-seeker.matches.read",
        "employment-matching.job-seeker.update",
        "employment-matching.job-seeker.lookup",
    }
    assert {r["subject"] for r in rows} == {"centro-empleo-ica"}
    assert by["employment-matching.job-seeker.read"]["purpose"] == "orientacion laboral"
    assert all(r["person_refs"] == [document_ref("DNI", number)] for r in rows)
    assert {r["outcome"] for r in rows} == {"ok"}

    published = await collect_records(kafka_bootstrap_servers, "chasqui.audit", count=1_000_000, timeout=5)
    ours = [json.loads(r.value) for r in published if seeker_id.encode() in r.value]
    assert sorted(r["operation"] for r in ours) == sorted(by)
    assert [r for r in ours if number in json.dumps(r)] == []


async def test_two_hundred_document_lookups_in_a_minute_are_throttled(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    # A fixed clock: the 200 lookups fall in one instant, so exactly the bucket's capacity passes.
    clock = FixedClock(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
    async with (
        running_service(
            replace(DEFINITION, consumers=[]),
            database_url=service_db.dsn,
            schema=service_db.schema,
            kafka_bootstrap_servers=kafka_bootstrap_servers,
            auth_dir=tmp_path / "auth",
            clock=clock,
        ) as service,
        service.client("employment:read", subject="enumerator") as client,
        service.client("employment:read", subject="someone-else") as other,
    ):
        statuses = []
        first_refusal: Any = None
        for n in range(200):
            params = {"document_type": "DNI", "document_number": f"{50_000_000 + n:08d}"}
            response = await client.get("/v1/job-seekers", params=params)
            statuses.append(response.status_code)
            if response.status_code == 429 and first_refusal is None:
                first_refusal = response
        capacity = DOCUMENT_LOOKUPS.capacity
        assert statuses == [200] * capacity + [429] * (200 - capacity)
        assert first_refusal.headers["Retry-After"] == "1"
        assert first_refusal.json()["type"] == "https://chasqui.pe/problems/rate-limited"
        params = {"document_type": "DNI", "document_number": "50000000"}
        assert (await other.get("/v1/job-seekers", params=params)).status_code == 200
        clock.advance(timedelta(seconds=1))
        assert (await client.get("/v1/job-seekers", params=params)).status_code == 200
        assert (await client.get("/v1/job-seekers", params=params)).status_code == 429
