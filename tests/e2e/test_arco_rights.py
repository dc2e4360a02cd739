"""ARCO rights across the platform (issue 14, points 4 and 5), on the real broker and database.

All seven services that hold personal data run, each on its own schema; they meet only on Kafka. A
migrant attended at a Migracentro is referred to employment, registered in a household of the
registry and attended at the counters of a municipality (citizen attention, a DEMUNA consultation
among them), so every service holds a part of them (notifications builds their contact cards). Then,
through the operator CLI's assembler (`chasqui_cli.arco`): an access report has each service's
part; an opposition stops SMS everywhere it is stored; a cancellation erases the person, and
afterwards no service returns them and no table or outbox of any service holds their document.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from chasqui_cli import arco
from chasqui_cli.main import main as cli_main
from chasqui_common.application.arco import ARCO_SERVICES
from chasqui_common.events.arco import ArcoRight, Purpose
from chasqui_common.values import IdentityDocument
from chasqui_testing import RunningService
from chasqui_testing.together import ServicePlan, services_together, until

registry = pytest.importorskip("chasqui_registry.main")
eligibility = pytest.importorskip("chasqui_eligibility.main")
employment = pytest.importorskip("chasqui_employment_matching.main")
migrants = pytest.importorskip("chasqui_migrant_services.main")
notifications = pytest.importorskip("chasqui_notifications.main")
dci = pytest.importorskip("chasqui_dci_gateway.main")
attention = pytest.importorskip("chasqui_citizen_attention.main")

pytestmark = pytest.mark.timeout(420)


@dataclass
class Platform:
    services: dict[str, RunningService]
    schemas: dict[str, str]
    admin_dsn: str
    bootstrap: str


@pytest.fixture
async def platform(
    postgres_admin_dsn: str, kafka_bootstrap_servers: str, tmp_path: Path
) -> AsyncIterator[Platform]:
    plan: list[ServicePlan] = [
        ("registry", registry.DEFINITION, {}),
        ("eligibility", eligibility.build_definition(), {}),
        ("employment-matching", employment.DEFINITION, {}),
        (
            "migrant-services",
            migrants.DEFINITION,
            {"settings_class": migrants.MigrantsSettings, "expiry_watch_interval_seconds": 0},
        ),
        (
            "notifications",
            notifications.build_definition(),
            {"settings_class": notifications.NotificationsSettings},
        ),
        (
            "dci-gateway",
            dci.build_definition(),
            {
                "settings_class": dci.DciSettings,
                "dci_signing_key_file": tmp_path / "dci" / "gateway.pem",
                "callback_poll_interval": 0.2,
            },
        ),
        (
            "citizen-attention",
            attention.build_definition(),
            {"settings_class": attention.AttentionSettings, "referral_watch_interval_seconds": 0},
        ),
    ]
    async with services_together(
        postgres_admin_dsn, kafka_bootstrap_servers, tmp_path / "auth", plan
    ) as together:
        yield Platform(together.services, together.schemas, postgres_admin_dsn, kafka_bootstrap_servers)


def _household(document: IdentityDocument) -> dict[str, Any]:
    today = date.today()
    return {
        "ubigeo": "110101",
        "address": "Av. San Martín 455, Ica",
        "residence_since": "2020-03-01",
        "registering_unit": "ULE-110101",
        "classification": {
            "level": "POBRE",
            "valid_from": f"{today.year - 1}-01-01",
            "valid_until": f"{today.year + 2}-01-01",
            "source": "ULE",
        },
        "members": [
            {
                "document": {"type": document.type.value, "number": document.number},
                "given_names": "Yusmary Carolina",
                "paternal_surname": "Briceño",
                "maternal_surname": "Lugo",
                "birth_date": "1991-07-19",
                "sex": "F",
                "relationship": "HEAD",
                "pension": "none",
                "pregnant": True,
                "contact": {
                    "phone": "+51987001122",
                    "email": None,
                    "consent": {"sms": True, "email": False, "whatsapp": False},
                },
            }
        ],
    }


def _migrant(document: IdentityDocument) -> dict[str, Any]:
    return {
        "attention_point": "ICA",
        "documents": [
            {
                "type": document.type.value,
                "number": document.number,
                "expires_on": (date.today() + timedelta(days=300)).isoformat(),
            }
        ],
        "nationality": "VEN",
        "entry_date": "2019-06-14",
        "given_names": "Yusmary Carolina",
        "paternal_surname": "Briceño",
        "maternal_surname": "Lugo",
        "birth_date": "1991-07-19",
        "sex": "F",
        "contact": {
            "phone": "+51987001122",
            "email": "yusmary.briceno@example.com",
            "consent": {"sms": True, "email": True, "whatsapp": False},
        },
        "occupations": ["5120"],
        "skills": ["cocina"],
    }


async def _count(admin_dsn: str, schema: str, sql: str, *args: Any) -> int:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'SET search_path TO "{schema}"')
        return int(await conn.fetchval(sql, *args))
    finally:
        await conn.close()


async def _traces(admin_dsn: str, schemas: list[str], needle: str) -> list[str]:
    """Every table of the schemas, every column as text (bytea decoded as UTF-8, as the outbox
    and stored answers hold JSON): `schema.table` of each row that contains `needle`."""
    conn = await asyncpg.connect(admin_dsn)
    try:
        columns = await conn.fetch(
            """
            SELECT c.table_schema, c.table_name, c.column_name, c.data_type
            FROM information_schema.columns c
            JOIN information_schema.tables t USING (table_schema, table_name)
            WHERE c.table_schema = ANY($1::text[]) AND t.table_type = 'BASE TABLE'
            ORDER BY 1, 2, c.ordinal_position
            """,
            schemas,
        )
        tables: dict[tuple[str, str], list[str]] = {}
        for row in columns:
            text = (
                f"convert_from(\"{row['column_name']}\", 'UTF8')"
                if row["data_type"] == "bytea"
                else f'"{row["column_name"]}"::text'
            )
            tables.setdefault((row["table_schema"], row["table_name"]), []).append(f"coalesce({text}, '')")
        found = []
        for (schema, table), texts in tables.items():
            hits = await conn.fetchval(
                f'SELECT count(*) FROM "{schema}"."{table}" WHERE position($1 IN concat_ws(\'|\', {", ".join(texts)})) > 0',
                needle,
            )
            found += [f"{schema}.{table}"] * int(hits)
        return found
    finally:
        await conn.close()


async def test_access_opposition_and_cancellation_reach_every_service_and_leave_no_trace(
    platform: Platform, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    document = IdentityDocument(type="CPP", number=f"Y{uuid.uuid4().hex[:9].upper()}")
    services, schemas, admin = platform.services, platform.schemas, platform.admin_dsn

    # A migrant at Migracentro Ica, referred to employment, and a member of a registered household.
    async with services["migrant-services"].client("migrants:write") as http:
        created = await http.post("/v1/migrants", json=_migrant(document))
        assert created.status_code == 201, created.text
        migrant_id = created.json()["migrant_id"]
        case = await http.post(
            "/v1/cases",
            json={
                "migrant_id": migrant_id,
                "attention_point": "ICA",
                "requested_services": ["employment_orientation"],
            },
        )
        assert case.status_code == 201, case.text
        case_id = case.json()["case_id"]
        await http.post(f"/v1/cases/{case_id}/transitions", json={"status": "in_progress"})
        referral = await http.post(f"/v1/cases/{case_id}/referrals", json={"target": "employment"})
        assert referral.status_code == 201, referral.text
    async with services["registry"].client("registry:write") as http:
        household = await http.post("/v1/households", json=_household(document))
        assert household.status_code == 201, household.text
        person_id = household.json()["household"]["members"][0]["person_id"]

    await until(
        "the job seeker",
        lambda: _count(
            admin,
            schemas["employment-matching"],
            "SELECT count(*) FROM job_seekers WHERE person_id = $1",
            migrant_id,
        ),
    )
    await until(
        "the eligibility projection",
        lambda: _count(
            admin, schemas["eligibility"], "SELECT count(*) FROM members WHERE person_id = $1", person_id
        ),
    )
    await until(
        "the DCI projection",
        lambda: _count(
            admin, schemas["dci-gateway"], "SELECT count(*) FROM members WHERE person_id = $1", person_id
        ),
    )
    await until(
        "both contact cards",
        lambda: _count(
            admin,
            schemas["notifications"],
            "SELECT count(*) = 2 FROM contacts WHERE person_id = ANY($1::text[])",
            [person_id, migrant_id],
        ),
    )

    await until(
        "a message to the person (notified)",
        lambda: _count(
            admin,
            schemas["notifications"],
            "SELECT count(*) FROM deliveries WHERE person_id = ANY($1::text[])",
            [person_id, migrant_id],
        ),
    )

    # Citizen attention knows the person from the registry, the Migracentro and employment; they
    # are attended at the ULE's counter with a ticket, and at DEMUNA (a consultation about a child).
    await until(
        "the citizen projection",
        lambda: _count(
            admin,
            schemas["citizen-attention"],
            "SELECT count(*) FROM citizens WHERE document_number = $1 AND person_id = $2 AND migrant_id = $3"
            " AND seeker_id IS NOT NULL",
            document.number,
            person_id,
            migrant_id,
        ),
    )
    demuna_notes = "Consulta sobre la tenencia de su hija"
    async with services["citizen-attention"].client(
        "attention:read", "attention:write", "attention:demuna"
    ) as http:

        async def municipality_loaded() -> bool:
            return (await http.get("/v1/municipalities/150142")).status_code == 200

        await until("Villa El Salvador's data", municipality_loaded)
        found = await http.get(
            "/v1/citizens", params={"document_type": document.type.value, "document_number": document.number}
        )
        assert found.status_code == 200, found.text
        citizen_id = found.json()["citizen_id"]
        ticket = await http.post(
            "/v1/tickets",
            json={
                "municipality": "150142",
                "office": "ULE",
                "citizen_id": citizen_id,
                "procedure": "actualizacion",
            },
        )
        assert ticket.status_code == 201, ticket.text
        ticket_id = ticket.json()["ticket_id"]
        for move in ("call", "attend"):
            moved = await http.post(f"/v1/tickets/{ticket_id}/{move}", json={"staff": "ule.ves"})
            assert moved.status_code == 200, moved.text
        base = {
            "municipality": "150142",
            "citizen_id": citizen_id,
            "channel": "in_person",
            "duration_seconds": 600,
        }
        counter = await http.post(
            "/v1/attentions",
            json={
                **base, "office": "ULE", "procedure": "actualizacion", "step": "recepcion",
                "staff": "ule.ves", "outcome": "in_progress", "ticket_id": ticket_id,
            },
        )  # fmt: skip
        assert counter.status_code == 201, counter.text
        demuna = await http.post(
            "/v1/attentions",
            json={
                **base, "office": "DEMUNA", "procedure": "orientacion", "step": "orientacion",
                "staff": "demuna.ves", "outcome": "resolved", "notes": demuna_notes,
            },
        )  # fmt: skip
        assert demuna.status_code == 201, demuna.text

    # Access: one report, a part from every service.
    report = await arco.exercise(platform.bootstrap, ArcoRight.ACCESS, document, timeout=60, linger=1.5)
    assert report.complete, f"no answer from {report.missing}"
    parts = {part.service: part for part in report.parts}
    assert set(ARCO_SERVICES) <= set(parts)
    for service in ARCO_SERVICES:
        assert parts[service].records, f"{service} returned nothing about the person"
    assert {person_id, migrant_id} <= set(report.person_ids)
    stores = {(part.service, record.store) for part in report.parts for record in part.records}
    assert {
        ("registry", "persons"),
        ("eligibility", "decisions"),
        ("employment-matching", "job_seekers"),
        ("migrant-services", "referrals"),
        ("notifications", "contacts"),
        ("notifications", "deliveries"),
        ("dci-gateway", "members"),
        ("citizen-attention", "citizens"),
        ("citizen-attention", "tickets"),
        ("citizen-attention", "attentions"),
    } <= stores
    assert citizen_id in report.person_ids
    # DEMUNA's records are confidential to other readers, not to the person they are about.
    held_attentions = [r.fields for r in parts["citizen-attention"].records if r.store == "attentions"]
    assert {a["office"] for a in held_attentions} == {"ULE", "DEMUNA"}
    assert demuna_notes in {a["notes"] for a in held_attentions}

    # Opposition: no more SMS, wherever consent to SMS is kept.
    opposed = await arco.exercise(
        platform.bootstrap,
        ArcoRight.OPPOSITION,
        document,
        purposes=[Purpose.NOTIFICATIONS_SMS],
        timeout=60,
        linger=1.5,
    )
    assert opposed.complete
    stopped = {part.service for part in opposed.parts if "notifications.sms" in part.withdrawn}
    assert stopped == {"registry", "employment-matching", "migrant-services", "notifications"}
    assert not await _count(
        admin,
        schemas["notifications"],
        "SELECT count(*) FROM contacts WHERE person_id = ANY($1::text[]) AND (consent -> 'sms' ->> 'granted')::boolean",
        [person_id, migrant_id],
    )
    assert not await _count(
        admin, schemas["migrant-services"], "SELECT count(*) FROM migrants WHERE consent_sms"
    )
    assert not await _count(
        admin,
        schemas["registry"],
        "SELECT count(*) FROM persons WHERE (data #>> '{contact,consent,sms}')::boolean",
    )

    # Cancellation: erased everywhere, nothing returned, no trace of the document anywhere.
    before = set(await _traces(admin, list(schemas.values()), document.number or ""))
    held_by = {schema: name for name, schema in schemas.items()}
    # Notifications keys people by id and holds no document: it is checked by the access report.
    assert {held_by[found.split(".")[0]] for found in before} == set(ARCO_SERVICES) - {"notifications"}, (
        f"the scan finds the document in every service before the cancellation: {sorted(before)}"
    )
    assert {found.split(".")[1] for found in before} >= {
        "outbox",
        "persons",
        "job_seekers",
        "migrant_documents",
    }
    cancelled = await arco.exercise(
        platform.bootstrap, ArcoRight.CANCELLATION, document, timeout=60, linger=1.5
    )
    assert cancelled.complete
    for part in cancelled.parts:
        assert part.erased > 0, f"{part.service} erased nothing"

    async with services["registry"].client("registry:read") as http:
        lookup = await http.get(
            "/v1/persons", params={"document_type": document.type.value, "document_number": document.number}
        )
        assert lookup.status_code in (200, 404), lookup.text
        assert lookup.status_code == 404 or lookup.json() == []
    async with services["citizen-attention"].client("attention:read", "attention:demuna") as http:
        gone = await http.get(
            "/v1/citizens", params={"document_type": document.type.value, "document_number": document.number}
        )
        assert gone.status_code == 404, gone.text
        assert (await http.get(f"/v1/citizens/{citizen_id}")).status_code == 404
    # The operator's command itself: `chasqui arco access --document CPP:…` prints the JSON report.
    monkeypatch.setenv("KAFKA_BOOTSTRAP_SERVERS", platform.bootstrap)
    capsys.readouterr()
    code = await asyncio.to_thread(
        cli_main, ["arco", "access", "--document", f"CPP:{document.number}", "--timeout", "60"]
    )
    after = json.loads(capsys.readouterr().out)
    assert code == 0
    assert after["complete"]
    assert set(ARCO_SERVICES) <= {part["service"] for part in after["parts"]}
    assert {part["service"]: part["records"] for part in after["parts"] if part["records"]} == {}

    # The answers of this last access went through the outboxes too (they carry no record now).
    traces = await _traces(admin, list(schemas.values()), document.number or "")
    assert traces == [], f"the document is still stored in {traces}"
    for detail in ("Briceño", "+51987001122"):  # nor the surname, nor the phone (notifications' cards)
        assert await _traces(admin, list(schemas.values()), detail) == [], detail
    recorded = [
        await _count(admin, schema, "SELECT count(*) FROM arco_requests WHERE completed_at IS NOT NULL")
        for schema in schemas.values()
    ]
    assert all(count >= 5 for count in recorded), "every request and its completion is recorded"
