"""Registry HTTP API on the real Postgres and Kafka: answers, problem details, and the events each call emits."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from chasqui_registry.main import DEFINITION
from chasqui_testing import collect_records, running_service

pytestmark = pytest.mark.asyncio(loop_scope="session")


def dni(seed: int) -> str:
    """A fresh valid DNI (8 digits; the check character is optional and omitted)."""
    return f"{seed % 100_000_000:08d}"


def fresh_dni() -> str:
    return dni(uuid.uuid4().int)


def head(number: str, **overrides: Any) -> dict[str, Any]:
    data = {
        "document": {"type": "DNI", "number": number},
        "given_names": "Rosa Ñusta",
        "paternal_surname": "Quispe",
        "maternal_surname": "Huamán",
        "birth_date": "1958-03-14",
        "sex": "F",
        "relationship": "HEAD",
        "pension": "none",
        "contact": {"phone": "+51987654321", "consent": {"sms": True}},
    }
    data.update(overrides)
    return data


def household_body(*members: dict[str, Any]) -> dict[str, Any]:
    return {
        "ubigeo": "150142",
        "address": "Sector 2, Grupo 5, Mz. K Lt. 3, Villa El Salvador",
        "residence_since": "2012-07-01",
        "registering_unit": "ULE-150142",
        "members": list(members),
    }


async def events_for(bootstrap: str, household_id: str, expected: int) -> list[tuple[str, dict[str, Any]]]:
    """The events of one household on the shared topic, in order (a short wait catches extras)."""
    found: list[tuple[str, dict[str, Any]]] = []
    for _ in range(20):
        records = await collect_records(
            bootstrap, "registry.households", count=1, timeout=5, idle_after_count=1
        )
        found = [
            (dict(r.headers)["ce_type"].decode(), json.loads(r.value))
            for r in records
            if r.key == household_id.encode()
        ]
        if len(found) >= expected:
            break
    return found


async def test_household_lifecycle_emits_exactly_the_documented_events(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    async with (
        running_service(
            DEFINITION,
            database_url=service_db.dsn,
            schema=service_db.schema,
            kafka_bootstrap_servers=kafka_bootstrap_servers,
            auth_dir=tmp_path / "auth",
        ) as service,
        service.client("registry:write", "registry:read") as client,
    ):
        response = await client.post("/v1/households", json=household_body(head(fresh_dni())))
        assert response.status_code == 201, response.text
        household = response.json()["household"]
        hid = household["household_id"]
        head_id = household["members"][0]["person_id"]

        response = await client.patch(f"/v1/households/{hid}", json={"address": "Av. Revolución 1450"})
        assert response.status_code == 200, response.text
        # A PATCH that changes nothing emits nothing.
        assert (
            await client.patch(f"/v1/households/{hid}", json={"address": "Av. Revolución 1450"})
        ).status_code == 200

        child = {
            "document": {"type": "NONE"},
            "given_names": "Killa",
            "paternal_surname": "Condori",
            "birth_date": "2024-02-10",
            "sex": "F",
            "relationship": "GRANDCHILD",
        }
        response = await client.post(f"/v1/households/{hid}/members", json=child)
        assert response.status_code == 201, response.text
        child_id = response.json()["person_id"]

        response = await client.patch(
            f"/v1/households/{hid}/members/{head_id}",
            json={"disability": {"severity": "severe", "certified": True}},
        )
        assert response.status_code == 200, response.text

        response = await client.request(
            "DELETE", f"/v1/households/{hid}/members/{child_id}", json={"reason": "moved out"}
        )
        assert response.status_code == 200, response.text

        cse = {
            "level": "POBRE_EXTREMO",
            "valid_from": "2025-01-01",
            "valid_until": "2028-01-01",
            "source": "ULE",
        }
        response = await client.post(f"/v1/households/{hid}/classification", json=cse)
        assert response.status_code == 200, response.text

        response = await client.get(f"/v1/households/{hid}")
        assert response.status_code == 200
        body = response.json()
        assert body["household"]["classification"]["level"] == "POBRE_EXTREMO"
        assert len(body["classification_history"]) == 1

        response = await client.post(
            f"/v1/households/{hid}/deregister", json={"reason": "duplicate registration"}
        )
        assert response.status_code == 200, response.text
        assert response.json()["household"]["status"] == "deregistered"

        events = await events_for(kafka_bootstrap_servers, hid, 7)
        assert [t.removeprefix("pe.chasqui.registry.") for t, _ in events] == [
            "household.registered.v1",
            "household.updated.v1",
            "member.added.v1",
            "member.updated.v1",
            "member.removed.v1",
            "household.classified.v1",
            "household.deregistered.v1",
        ]
        data = [d for _, d in events]
        assert data[0]["household"]["members"][0]["contact"]["consent"]["sms"] is True
        assert data[0]["household"]["ubigeo"] == "150142"
        assert data[1]["changed"] == ["address"]
        assert data[2]["person_id"] == child_id
        assert data[3]["person_id"] == head_id
        assert data[3]["changed"] == ["disability"]
        assert data[3]["household"]["members"][0]["disability"] == {"severity": "severe", "certified": True}
        assert data[4]["reason"] == "moved out"
        assert len(data[4]["household"]["members"]) == 1
        assert data[5]["classification"]["level"] == "POBRE_EXTREMO"
        assert data[6]["household"]["status"] == "deregistered"
        assert data[6]["reason"] == "duplicate registration"


async def test_errors_are_problem_details_naming_field_value_and_expectation(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    async with (
        running_service(
            DEFINITION,
            database_url=service_db.dsn,
            schema=service_db.schema,
            kafka_bootstrap_servers=kafka_bootstrap_servers,
            auth_dir=tmp_path / "auth",
        ) as service,
        service.client("registry:write", "registry:read") as client,
    ):
        taken = fresh_dni()
        first = await client.post("/v1/households", json=household_body(head(taken)))
        assert first.status_code == 201
        owner = first.json()["household"]["household_id"]

        # The same document in another household: 409 naming the household that has it.
        response = await client.post("/v1/households", json=household_body(head(taken, given_names="Otra")))
        assert response.status_code == 409
        problem = response.json()
        assert response.headers["content-type"].startswith("application/problem+json")
        assert problem["existing_household_id"] == owner
        assert problem["type"] == "https://chasqui.pe/problems/registry-document-taken"
        # (The detail names the household too, but redaction masks runs of 7+ digits, which a UUID
        # can hold: `existing_household_id` is the field to read.)
        assert "household" in problem["detail"]
        assert problem["errors"][0]["field"] == "members.0.document.number"

        # A bad DNI check character is refused by the shared document rule as the body is read:
        # 422 naming the number's field, with the rule's expectation.
        response = await client.post("/v1/households", json=household_body(head("10117410-3")))
        assert response.status_code == 422
        errors = {e["field"]: e for e in response.json()["errors"]}
        assert list(errors) == ["members.0.document.number"]
        # Document numbers echoed in errors are masked (issue 13, item 9): never the whole number.
        assert errors["members.0.document.number"]["value"] != "10117410-3"
        assert str(errors["members.0.document.number"]["value"]).endswith("3")
        assert "DNI" in errors["members.0.document.number"]["expected"]

        # Unknown ubigeo and two heads: every registry rule violation named at once.
        body = household_body(head(fresh_dni()), head(fresh_dni()))
        body["ubigeo"] = "150199"
        response = await client.post("/v1/households", json=body)
        assert response.status_code == 422
        assert response.json()["type"] == "https://chasqui.pe/problems/registry-invalid-household"
        errors = {e["field"]: e for e in response.json()["errors"]}
        assert errors["ubigeo"]["value"] == "150199"
        assert "members.1.relationship" in errors

        # Unknown enum value: request validation, still naming the field and value.
        response = await client.post("/v1/households", json=household_body(head(fresh_dni(), sex="X")))
        assert response.status_code == 422
        assert response.json()["errors"][0]["field"] == "members.0.sex"
        assert response.json()["errors"][0]["value"] == "X"

        missing = await client.get(f"/v1/households/{uuid.uuid4()}")
        assert missing.status_code == 404
        assert missing.json()["type"] == "https://chasqui.pe/problems/not-found"
        assert missing.json()["errors"][0]["field"] == "household_id"
        no_member = await client.patch(
            f"/v1/households/{owner}/members/{uuid.uuid4()}", json={"given_names": "Ana"}
        )
        assert no_member.status_code == 404
        assert no_member.json()["errors"][0]["field"] == "person_id"

        # A document number that fits no DNI: 422 naming the query parameter.
        bad = await client.get("/v1/persons", params={"document_type": "DNI", "document_number": "1234"})
        assert bad.status_code == 422
        assert bad.json()["errors"][0]["field"] == "document_number"
        assert bad.json()["errors"][0]["value"] == "***"  # masked: a document number
        assert "DNI" in bad.json()["errors"][0]["expected"]

        # Persons by document, with or without the DNI check character.
        found = await client.get("/v1/persons", params={"document_type": "DNI", "document_number": taken})
        assert found.status_code == 200
        assert [p["household_id"] for p in found.json()] == [owner]

        # Deregistering frees the document for another household; the household can no longer change.
        await client.post(f"/v1/households/{owner}/deregister", json={"reason": "moved abroad"})
        frozen = await client.patch(f"/v1/households/{owner}", json={"address": "Jr. Nuevo 1"})
        assert frozen.status_code == 409
        assert frozen.json()["type"] == "https://chasqui.pe/problems/registry-household-deregistered"
        assert frozen.json()["errors"][0]["field"] == "household_id"
        again = await client.post("/v1/households", json=household_body(head(taken)))
        assert again.status_code == 201, again.text

        async with service.client("registry:read") as reader:
            forbidden = await reader.post("/v1/households", json=household_body(head(fresh_dni())))
            assert forbidden.status_code == 403
        async with service.client() as anonymous:
            assert (await anonymous.get(f"/v1/households/{owner}")).status_code == 401
