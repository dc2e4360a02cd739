"""A Migracentro reads and acts on its own cases and people only; every access is recorded.

Tokens name their Migracentro with the `chasqui:migracentro` claim; `migrants:national` (what dev
tokens carry by default) reaches every one. Real Postgres and Kafka.
"""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest
from chasqui_common.audit import document_ref
from chasqui_testing import RunningService

from .conftest import register

pytestmark = pytest.mark.asyncio(loop_scope="session")

SCOPES = ("migrants:read", "migrants:write")
ICA = {"chasqui:migracentro": "ICA"}


async def open_case(client: Any, migrant_id: str, point: str) -> Any:
    return await client.post(
        "/v1/cases",
        json={"migrant_id": migrant_id, "attention_point": point, "requested_services": ["refugee_guidance"]},
    )


async def test_a_migracentro_reads_its_own_cases_only(service: RunningService) -> None:
    async with (
        service.client(*SCOPES, subject="migracentro-ica", claims=ICA) as ica,
        service.client(*SCOPES, subject="national-office") as national,
    ):
        own_person = await register(ica, "ICA")
        own = await open_case(ica, own_person["migrant_id"], "ICA")
        assert own.status_code == 201, own.text
        refused = await open_case(ica, own_person["migrant_id"], "VMT")
        assert refused.status_code == 403, refused.text
        assert refused.json()["type"] == "https://chasqui.pe/problems/migrants-outside-migracentro"
        assert refused.json()["errors"][0]["field"] == "attention_point"

        other_person = await register(national, "VMT")
        other = await open_case(national, other_person["migrant_id"], "VMT")
        assert other.status_code == 201, other.text
        other_id = other.json()["case_id"]

        assert (await ica.get(f"/v1/cases/{own.json()['case_id']}")).status_code == 200
        assert (await ica.get(f"/v1/cases/{other_id}")).status_code == 403
        assert (await ica.get(f"/v1/cases/{other_id}/referrals")).status_code == 403
        assert (await ica.get(f"/v1/migrants/{other_person['migrant_id']}")).status_code == 403
        moved = await ica.post(f"/v1/cases/{other_id}/transitions", json={"status": "in_progress"})
        assert moved.status_code == 403
        assert (await ica.get("/v1/cases", params={"attention_point": "VMT"})).status_code == 403
        listed = (await ica.get("/v1/cases")).json()
        assert listed
        assert {c["attention_point"] for c in listed} == {"ICA"}
        assert {c["attention_point"] for c in (await national.get("/v1/cases")).json()} >= {"ICA", "VMT"}

        # Looking up the other Migracentro's person finds nobody (a 403 would confirm the number).
        document = other_person["documents"][0]
        params = {"document_type": document["type"], "document_number": document["number"]}
        assert (await ica.get("/v1/migrants", params=params)).json() == []
        assert len((await national.get("/v1/migrants", params=params)).json()) == 1


async def test_reading_a_case_is_recorded_with_the_person_s_documents_hashed(
    service: RunningService, service_db: Any
) -> None:
    async with service.client(*SCOPES, subject="migracentro-ica", claims=ICA) as ica:
        person = await register(ica, "ICA")
        case_id = (await open_case(ica, person["migrant_id"], "ICA")).json()["case_id"]
        read = await ica.get(f"/v1/cases/{case_id}", headers={"X-Purpose": "seguimiento del caso"})
        assert read.status_code == 200
    conn = await asyncpg.connect(service_db.dsn, server_settings={"search_path": service_db.schema})
    try:
        rows = await conn.fetch(
            "SELECT * FROM access_records WHERE $1 = ANY(resource_ids) ORDER BY occurred_at", case_id
        )
    finally:
        await conn.close()
    assert [r["operation"] for r in rows] == ["migrant-services.case.open", "migrant-services.case.read"]
    read_row = rows[1]
    assert read_row["subject"] == "migracentro-ica"
    assert read_row["purpose"] == "seguimiento del caso"
    assert person["migrant_id"] in read_row["resource_ids"]
    expected = {document_ref(d["type"], d["number"]) for d in person["documents"]}
    assert set(read_row["person_refs"]) == expected
