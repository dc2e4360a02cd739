"""Idempotency-Key on the services' creating POSTs (issue 18, item 1), on the real database and broker:
a retried request acts once and answers the same; another body with the same key is 422."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from chasqui_testing import running_service
from stdnum.pe import ruc

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


async def _twice(http: httpx.AsyncClient, path: str, body: dict[str, Any]) -> httpx.Response:
    """POST with a key, then again with the same key and body: both answers must be the same."""
    headers = _key()
    first = await http.post(path, json=body, headers=headers)
    assert first.status_code in (201, 202), first.text
    second = await http.post(path, json=body, headers=headers)
    assert (second.status_code, second.json()) == (first.status_code, first.json())
    assert second.headers["idempotent-replayed"] == "true"
    changed = await http.post(path, json={**body, "_other": 1}, headers=headers)
    assert changed.status_code == 422, changed.text
    assert changed.json()["type"].endswith("/idempotency-key-reused")
    return first


@pytest.fixture
def running(service_db, kafka_bootstrap_servers: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    def start(definition: Any, **settings: Any) -> Any:
        return running_service(
            definition,
            database_url=service_db.dsn,
            schema=service_db.schema,
            kafka_bootstrap_servers=kafka_bootstrap_servers,
            auth_dir=tmp_path / "auth",
            **settings,
        )

    return start


async def test_a_timed_out_case_opening_retried_with_its_key_opens_one_case(running) -> None:  # type: ignore[no-untyped-def]
    from chasqui_migrant_services.main import DEFINITION
    from chasqui_migrant_services.settings import MigrantsSettings

    settings = {"settings_class": MigrantsSettings, "expiry_watch_interval_seconds": 0}
    async with running(DEFINITION, **settings) as svc, svc.client("migrants:write", "migrants:read") as http:
        migrant = await http.post(
            "/v1/migrants",
            headers=_key(),
            json={
                "attention_point": "ICA",
                "documents": [{"type": "PASSPORT", "number": "P" + uuid.uuid4().hex[:8].upper()}],
                "nationality": "VEN",
                "entry_date": "2019-06-14",
                "given_names": "María José",
                "paternal_surname": "Rondón",
                "birth_date": "1990-04-02",
                "sex": "F",
            },
        )
        assert migrant.status_code == 201, migrant.text
        migrant_id = migrant.json()["migrant_id"]
        body = {
            "migrant_id": migrant_id,
            "attention_point": "ICA",
            "requested_services": ["document_procedure"],
        }
        headers = _key()
        # The first attempt "times out" at the client: it is sent, and the client gives up at once.
        with pytest.raises(httpx.TimeoutException):
            await http.post("/v1/cases", json=body, headers=headers, timeout=0.001)
        for _ in range(50):
            retry = await http.post("/v1/cases", json=body, headers=headers)
            if retry.status_code != 409:  # in flight: the draft's answer, retry later
                break
            await asyncio.sleep(0.1)
        assert retry.status_code == 201, retry.text
        again = await http.post("/v1/cases", json=body, headers=headers)
        assert again.json() == retry.json()
        cases = await http.get("/v1/cases", params={"migrant_id": migrant_id})
        assert len(cases.json()) == 1, cases.json()
        # Concurrent requests with one key: one case.
        concurrent = {
            "migrant_id": migrant_id,
            "attention_point": "ICA",
            "requested_services": ["health_affiliation"],
        }
        key = _key()
        answers = await asyncio.gather(
            *(http.post("/v1/cases", json=concurrent, headers=key) for _ in range(4))
        )
        assert {a.status_code for a in answers} <= {201, 409}
        assert len({a.json()["case_id"] for a in answers if a.status_code == 201}) == 1
        cases = await http.get("/v1/cases", params={"migrant_id": migrant_id})
        assert len(cases.json()) == 2, cases.json()


async def test_vacancies_and_job_fairs_are_created_once_per_key(running) -> None:  # type: ignore[no-untyped-def]
    from chasqui_employment_matching.main import DEFINITION

    digits = f"20{random.randint(10_000_000, 99_999_999)}"
    employer_ruc = digits + ruc.calc_check_digit(digits)
    async with running(DEFINITION) as svc, svc.client("employment:write", "employment:read") as http:
        await _twice(http, "/v1/employers", {"ruc": employer_ruc, "name": "Pollería El Chasqui SAC"})
        vacancy = {
            "employer_ruc": employer_ruc,
            "title": "Cocinero(a)",
            "occupation_code": "5120",
            "skills": ["cocina"],
            "ubigeo": "150132",
            "positions": 1,
            "formal": True,
            "closes_on": (date.today() + timedelta(days=30)).isoformat(),
        }
        await _twice(http, "/v1/vacancies", vacancy)
        await _twice(
            http,
            "/v1/job-fairs",
            {"name": "Feria", "held_on": "2030-05-01", "ubigeo": "150101", "venue": "Plaza"},
        )
        vacancies = await svc.runtime.pool.fetchval("SELECT count(*) FROM vacancies")
        fairs = await svc.runtime.pool.fetchval("SELECT count(*) FROM job_fairs")
        assert (vacancies, fairs) == (1, 1)


async def test_a_member_without_a_document_is_added_once_per_key(running) -> None:  # type: ignore[no-untyped-def]
    from chasqui_registry.main import DEFINITION

    head = {
        "document": {"type": "DNI", "number": f"{uuid.uuid4().int % 100_000_000:08d}"},
        "given_names": "Rosa",
        "paternal_surname": "Quispe",
        "birth_date": "1950-03-14",
        "sex": "F",
        "relationship": "HEAD",
    }
    household = {
        "ubigeo": "150142",
        "address": "Sector 2, Grupo 5, Mz. K Lt. 3",
        "residence_since": "2012-07-01",
        "registering_unit": "ULE-150142",
        "members": [head],
    }
    async with running(DEFINITION) as svc, svc.client("registry:write", "registry:read") as http:
        created = await _twice(http, "/v1/households", household)
        household_id = created.json()["household"]["household_id"]
        child = {
            "document": {"type": "NONE"},
            "given_names": "Luz",
            "paternal_surname": "Quispe",
            "birth_date": "2020-01-02",
            "sex": "F",
            "relationship": "CHILD",
        }
        await _twice(http, f"/v1/households/{household_id}/members", child)
        found = (await http.get(f"/v1/households/{household_id}")).json()
        assert len(found["household"]["members"]) == 2, found
