"""Scoped access, rate-limited lookups and the access record, on the real Postgres and Kafka.

A ULE token (`chasqui:ubigeo`) reads and writes households of its district only; a national one
(`registry:national`, what dev tokens carry by default) reaches every district; document lookups
are throttled per client; every read and write leaves an access record in the same transaction,
published on `chasqui.audit` with documents only as keyed hashes.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from chasqui_common.audit import document_ref
from chasqui_common.clock import FixedClock
from chasqui_registry.application.queries import DOCUMENT_LOOKUPS
from chasqui_registry.main import DEFINITION
from chasqui_testing import end_offsets, records_since, running_service

pytestmark = pytest.mark.asyncio(loop_scope="session")

VES = "150142"  # Villa El Salvador
ATE = "150103"
ULE_VES = {"chasqui:ubigeo": VES}
SCOPES = ("registry:read", "registry:write")


def fresh_dni() -> str:
    return f"{uuid.uuid4().int % 100_000_000:08d}"


def household_body(ubigeo: str, number: str) -> dict[str, Any]:
    return {
        "ubigeo": ubigeo,
        "address": "Sector 2, Grupo 5, Mz. K Lt. 3",
        "residence_since": "2012-07-01",
        "registering_unit": f"ULE-{ubigeo}",
        "members": [
            {
                "document": {"type": "DNI", "number": number},
                "given_names": "Rosa",
                "paternal_surname": "Quispe",
                "birth_date": "1958-03-14",
                "sex": "F",
                "relationship": "HEAD",
            }
        ],
    }


def service_of(service_db: Any, kafka: str, tmp_path: Path) -> Any:
    return running_service(
        DEFINITION,
        database_url=service_db.dsn,
        schema=service_db.schema,
        kafka_bootstrap_servers=kafka,
        auth_dir=tmp_path / "auth",
    )


async def access_rows(service_db: Any, household_or_person: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(service_db.dsn, server_settings={"search_path": service_db.schema})
    try:
        return await conn.fetch(
            "SELECT * FROM access_records WHERE $1 = ANY(resource_ids) ORDER BY occurred_at",
            household_or_person,
        )
    finally:
        await conn.close()


async def test_a_ule_reads_and_writes_its_own_district_only(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    async with (
        service_of(service_db, kafka_bootstrap_servers, tmp_path) as service,
        service.client(*SCOPES, subject="ule-ves", claims=ULE_VES) as ule,
        service.client(*SCOPES, subject="ofis") as national,
    ):
        own = await ule.post("/v1/households", json=household_body(VES, fresh_dni()))
        assert own.status_code == 201, own.text
        own_id = own.json()["household"]["household_id"]

        refused = await ule.post("/v1/households", json=household_body(ATE, fresh_dni()))
        assert refused.status_code == 403, refused.text
        problem = refused.json()
        assert problem["type"] == "https://chasqui.pe/problems/registry-outside-district"
        assert problem["errors"][0]["field"] == "ubigeo"
        assert problem["errors"][0]["value"] == ATE

        ate_dni = fresh_dni()
        other = await national.post("/v1/households", json=household_body(ATE, ate_dni))
        assert other.status_code == 201, other.text
        other_id = other.json()["household"]["household_id"]

        assert (await ule.get(f"/v1/households/{own_id}")).status_code == 200
        assert (await ule.get(f"/v1/households/{other_id}")).status_code == 403
        moved = await ule.patch(f"/v1/households/{own_id}", json={"ubigeo": ATE})
        assert moved.status_code == 403, moved.text
        patched = await ule.patch(f"/v1/households/{other_id}", json={"address": "Av. Nueva 1"})
        assert patched.status_code == 403
        assert (await national.get(f"/v1/households/{other_id}")).status_code == 200

        # A lookup does not say that the number is registered in another district.
        params = {"document_type": "DNI", "document_number": ate_dni}
        assert (await ule.get("/v1/persons", params=params)).json() == []
        assert len((await national.get("/v1/persons", params=params)).json()) == 1


async def test_a_token_confined_to_nothing_reaches_no_household(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    async with (
        service_of(service_db, kafka_bootstrap_servers, tmp_path) as service,
        service.client(*SCOPES, claims={}) as nobody,
    ):
        response = await nobody.post("/v1/households", json=household_body(VES, fresh_dni()))
        assert response.status_code == 403, response.text


async def test_every_read_and_write_is_recorded_and_published_without_documents_in_clear(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    number = fresh_dni()
    # Shared topics hold every earlier run's records: read only what this test causes.
    start = await end_offsets(kafka_bootstrap_servers, ["registry.households", "chasqui.audit"])
    async with (
        service_of(service_db, kafka_bootstrap_servers, tmp_path) as service,
        service.client(*SCOPES, subject="ule-ves", claims=ULE_VES) as ule,
    ):
        created = await ule.post("/v1/households", json=household_body(VES, number))
        assert created.status_code == 201, created.text
        household_id = created.json()["household"]["household_id"]
        read = await ule.get(f"/v1/households/{household_id}", headers={"X-Purpose": "visita ULE"})
        assert read.status_code == 200
        found = await ule.get("/v1/persons", params={"document_type": "DNI", "document_number": number})
        assert len(found.json()) == 1

        rows = await access_rows(service_db, household_id)
        assert [r["operation"] for r in rows] == ["registry.household.register", "registry.household.read"]
        assert {r["subject"] for r in rows} == {"ule-ves"}
        assert rows[1]["purpose"] == "visita ULE"
        assert rows[1]["outcome"] == "ok"
        assert rows[1]["person_refs"] == [document_ref("DNI", number)]
        person_id = created.json()["household"]["members"][0]["person_id"]
        lookups = [r for r in await access_rows(service_db, person_id) if r["operation"].endswith("lookup")]
        assert len(lookups) == 1

        wanted = {"registry.household.register", "registry.household.read", "registry.persons.lookup"}
        deadline = time.monotonic() + 60
        while True:
            since = await records_since(kafka_bootstrap_servers, start)
            mine = [
                json.loads(r.value)
                for r in since.get("registry.households", [])
                if r.key == household_id.encode()
            ]
            records = [json.loads(r.value) for r in since.get("chasqui.audit", [])]
            ours = [r for r in records if household_id in r["resource_ids"] or person_id in r["resource_ids"]]
            if (mine and {r["operation"] for r in ours} >= wanted) or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.5)
        # The change names its actor in the event.
        assert mine[0]["actor"] == "ule-ves"
        assert {r["operation"] for r in ours} >= {
            "registry.household.register",
            "registry.household.read",
            "registry.persons.lookup",
        }
        assert all(number not in json.dumps(r) for r in records)


async def test_access_log_is_append_only(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    async with (
        service_of(service_db, kafka_bootstrap_servers, tmp_path) as service,
        service.client(*SCOPES) as client,
    ):
        created = await client.post("/v1/households", json=household_body(VES, fresh_dni()))
        household_id = created.json()["household"]["household_id"]
    conn = await asyncpg.connect(service_db.runtime_dsn, server_settings={"search_path": service_db.schema})
    try:
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute(
                "UPDATE access_records SET subject = 'nobody' WHERE $1 = ANY(resource_ids)", household_id
            )
        with pytest.raises(asyncpg.InsufficientPrivilegeError):
            await conn.execute("DELETE FROM access_records WHERE $1 = ANY(resource_ids)", household_id)
    finally:
        await conn.close()


async def test_two_hundred_document_lookups_in_a_minute_are_throttled(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    # A fixed clock: the 200 lookups fall in the same instant, so exactly the bucket's capacity passes.
    clock = FixedClock(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
    async with (
        running_service(
            DEFINITION,
            database_url=service_db.dsn,
            schema=service_db.schema,
            kafka_bootstrap_servers=kafka_bootstrap_servers,
            auth_dir=tmp_path / "auth",
            clock=clock,
        ) as service,
        service.client("registry:read", subject="enumerator") as client,
        service.client("registry:read", subject="someone-else") as other,
    ):
        statuses = []
        first_refusal: Any = None
        for n in range(200):
            params = {"document_type": "DNI", "document_number": f"{40_000_000 + n:08d}"}
            response = await client.get("/v1/persons", params=params)
            statuses.append(response.status_code)
            if response.status_code == 429 and first_refusal is None:
                first_refusal = response
        capacity = DOCUMENT_LOOKUPS.capacity
        assert statuses == [200] * capacity + [429] * (200 - capacity)
        assert first_refusal.headers["content-type"] == "application/problem+json"
        retry_after = int(first_refusal.headers["Retry-After"])
        assert retry_after == 1  # one token comes back each second (60 a minute)
        body = first_refusal.json()
        assert body["type"] == "https://chasqui.pe/problems/rate-limited"
        assert (body["limit"], body["period_seconds"], body["retry_after_seconds"]) == (capacity, 60, 1)
        params = {"document_type": "DNI", "document_number": "40000000"}
        # The bucket is the client's: another client is not throttled by the first one's lookups.
        assert (await other.get("/v1/persons", params=params)).status_code == 200
        # Refused lookups took nothing: after Retry-After exactly one more passes.
        clock.advance(timedelta(seconds=retry_after))
        assert (await client.get("/v1/persons", params=params)).status_code == 200
        assert (await client.get("/v1/persons", params=params)).status_code == 429
