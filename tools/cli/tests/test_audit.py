"""`chasqui audit` answers who read or changed a person's data across services, from `chasqui.audit`.

The registry and migrant-services run on the real Postgres and Kafka; a person known to both by
one CE is registered and read by different clients; the CLI, run as a real process, lists each
access with its service, client and purpose, and nothing of another person.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from chasqui_cli.audit import AuditEntry, matching, window
from chasqui_common.audit import document_ref
from chasqui_common.events.audit import AccessRecorded
from chasqui_common.values import IdentityDocument
from chasqui_local.roles import database_of, drop_service_schema, provision_service_roles
from chasqui_migrant_services.main import DEFINITION as MIGRANTS
from chasqui_registry.main import DEFINITION as REGISTRY
from chasqui_testing import running_service

from .conftest import Cli

ASYNC = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(loop_scope="session")
async def second_db(postgres_admin_dsn: str) -> AsyncIterator[Any]:
    """Another fresh service schema (the second service of the test)."""
    name = f"t_{uuid.uuid4().hex[:8]}"
    database = database_of(postgres_admin_dsn)
    roles = await provision_service_roles(
        postgres_admin_dsn, database=database, schema=name, role=name, password=f"{name}-pw"
    )
    try:
        yield type("Db", (), {"dsn": roles.owner_dsn, "schema": name})
    finally:
        await drop_service_schema(postgres_admin_dsn, schema=name, role=name, database=database)


def household_with(ce: str) -> dict[str, Any]:
    return {
        "ubigeo": "150142",
        "address": "Sector 3, Villa El Salvador",
        "residence_since": "2021-07-01",
        "registering_unit": "ULE-150142",
        "members": [
            {
                "document": {"type": "CE", "number": ce},
                "given_names": "Yohana",
                "paternal_surname": "Rivas",
                "birth_date": "1991-02-03",
                "sex": "F",
                "relationship": "HEAD",
            }
        ],
    }


def migrant_with(ce: str) -> dict[str, Any]:
    return {
        "attention_point": "VMT",
        "documents": [{"type": "CE", "number": ce, "expires_on": "2030-01-01"}],
        "nationality": "VEN",
        "entry_date": "2019-06-14",
        "given_names": "Yohana",
        "paternal_surname": "Rivas",
        "birth_date": "1991-02-03",
        "sex": "F",
        "contact": {"consent": {}},
    }


@ASYNC
async def test_chasqui_audit_lists_every_access_to_a_person_across_services(
    cli: Cli, service_db: Any, second_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    ce = "E" + uuid.uuid4().hex[:9].upper()
    other_ce = "E" + uuid.uuid4().hex[:9].upper()
    common = {"kafka_bootstrap_servers": kafka_bootstrap_servers, "auth_dir": tmp_path / "auth"}
    async with (
        running_service(
            REGISTRY, database_url=service_db.dsn, schema=service_db.schema, **common
        ) as registry,
        running_service(MIGRANTS, database_url=second_db.dsn, schema=second_db.schema, **common) as migrants,
        registry.client(
            "registry:read", "registry:write", subject="ule-ves", claims={"chasqui:ubigeo": "150142"}
        ) as ule,
        registry.client("registry:read", subject="ofis") as ofis,
        migrants.client(
            "migrants:read",
            "migrants:write",
            subject="migracentro-vmt",
            claims={"chasqui:migracentro": "VMT"},
        ) as vmt,
    ):
        created = await ule.post("/v1/households", json=household_with(ce))
        assert created.status_code == 201, created.text
        assert (await ule.post("/v1/households", json=household_with(other_ce))).status_code == 201
        found = await ofis.get(
            "/v1/persons",
            params={"document_type": "CE", "document_number": ce},
            headers={"X-Purpose": "focalizacion"},
        )
        assert len(found.json()) == 1
        registered = await vmt.post("/v1/migrants", json=migrant_with(ce))
        assert registered.status_code == 201, registered.text

        today = datetime.now(UTC).date().isoformat()
        entries: list[dict[str, Any]] = []
        for _ in range(30):  # the outbox relays publish within a second or two
            result = await cli("audit", "--document", f"CE:{ce}", "--since", today, "--json")
            entries = result.json()
            if len(entries) >= 3:
                break
    seen = [(e["service"], e["subject"], e["operation"], e["purpose"]) for e in entries]
    assert seen == [
        ("registry", "ule-ves", "registry.household.register", None),
        ("registry", "ofis", "registry.persons.lookup", "focalizacion"),
        ("migrant-services", "migracentro-vmt", "migrant-services.migrant.register", None),
    ]
    assert created.json()["household"]["household_id"] in entries[0]["resource_ids"]

    table = await cli("audit", "--document", f"CE:{ce}", "--since", today)
    assert table.code == 0, table.stderr
    assert "registry.persons.lookup" in table.stdout
    assert ce not in table.stdout.replace(f"CE {ce}", "")  # the title names it; no record carries it


@ASYNC
async def test_bad_dates_and_documents_are_one_clear_line(cli: Cli) -> None:
    bad_day = await cli("audit", "--document", "DNI:41835127", "--since", "2026-13-01")
    assert bad_day.code == 1
    assert "--since '2026-13-01': expected a date YYYY-MM-DD" in bad_day.stderr
    bad_document = await cli("audit", "--document", "41835127", "--since", "2026-01-01")
    assert bad_document.code == 1
    assert "expected TYPE:NUMBER" in bad_document.stderr


def _record(ref: str, at: datetime, record_id: str | None = None) -> AccessRecorded:
    return AccessRecorded(
        record_id=record_id or str(uuid.uuid4()),
        service="registry",
        occurred_at=at,
        subject="ofis",
        operation="registry.household.read",
        outcome="ok",
        resource_type="household",
        resource_ids=["h1"],
        person_refs=[ref],
    )


def test_matching_keeps_the_person_s_records_in_the_window_once_each() -> None:
    person = IdentityDocument(type="DNI", number="41835127")
    mine, theirs = document_ref("DNI", "41835127"), document_ref("DNI", "41835128")
    start, end = window(
        datetime(2026, 1, 1).date(), datetime(2026, 1, 31).date(), datetime(2026, 6, 1).date()
    )
    inside = datetime(2026, 1, 15, 12, tzinfo=UTC)
    twice = _record(mine, inside)
    records = [
        twice,
        twice,  # published twice (at least once)
        _record(theirs, inside),
        _record(mine, start - timedelta(seconds=1)),
        _record(mine, end),
        _record(mine, start),
    ]
    found = matching(records, person, start, end)
    assert [e.occurred_at for e in found] == [start, inside]
    assert all(isinstance(e, AuditEntry) for e in found)
