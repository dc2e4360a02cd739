"""The access record of a person's messages and preferences read or changed through the API
(docs/privacy.md, ADR 0011), on the real Postgres and Kafka: each read and change leaves a record in
`access_records` and on `chasqui.audit`; an id made from a document is recorded only as its keyed hash.
"""

from __future__ import annotations

import json
from typing import Any

import asyncpg
from chasqui_common.audit import document_ref
from chasqui_notifications.application.person_access import document_of
from chasqui_testing import collect_records

from . import people
from .conftest import envelope, eventually, publish, statuses


async def _rows(service_db: Any, needle: str) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(service_db.dsn, server_settings={"search_path": service_db.schema})
    try:
        return await conn.fetch(
            "SELECT * FROM access_records WHERE $1 = ANY(resource_ids) OR $1 = ANY(person_refs)", needle
        )
    finally:
        await conn.close()


async def test_reads_and_changes_of_a_persons_messages_and_consent_are_recorded(
    notifications: Any, service_db: Any, kafka_bootstrap_servers: str
) -> None:
    p = people.person()
    async with notifications() as svc:
        await publish(kafka_bootstrap_servers, envelope(people.appointment(p, sms=True, email=True)))

        async def sent() -> bool:
            return (await statuses(svc, p.person_id)).get("email") == "sent"

        await eventually(sent, what="the e-mail sent")
        async with svc.client("notifications:read", "notifications:write", subject="call-centre") as http:
            headers = {"X-Purpose": "consulta del ciudadano"}
            history = await http.get("/v1/notifications", params={"person_id": p.person_id}, headers=headers)
            assert history.status_code == 200
            assert (await http.get(f"/v1/persons/{p.person_id}/preferences")).status_code == 200
            changed = await http.put(
                f"/v1/persons/{p.person_id}/preferences", json={"consent": {"sms": False}}
            )
            assert changed.status_code == 200, changed.text
            assert (await http.get("/v1/notifications/summary")).status_code == 200  # no one's data

    rows = await _rows(service_db, p.person_id)
    by = {r["operation"]: r for r in rows}
    assert len(by) == len(rows)
    assert set(by) == {
        "notifications.deliveries.read",
        "notifications.preferences.read",
        "notifications.preferences.update",
    }
    assert {r["subject"] for r in rows} == {"call-centre"}
    read = by["notifications.deliveries.read"]
    assert read["purpose"] == "consulta del ciudadano"
    assert {item["delivery_id"] for item in history.json()["items"]} <= set(read["resource_ids"])

    published = await collect_records(kafka_bootstrap_servers, "chasqui.audit", count=1_000_000, timeout=5)
    ours = [json.loads(r.value) for r in published if p.person_id.encode() in r.value]
    assert sorted(r["operation"] for r in ours) == sorted(by)
    assert {r["service"] for r in ours} == {"notifications"}


async def test_an_id_made_from_a_document_is_recorded_only_as_its_keyed_hash(
    notifications: Any, service_db: Any
) -> None:
    number = "41835127"
    person_id = f"DNI-{number}"  # how employment-matching names a seeker registered without an id
    assert document_of(person_id) == ("DNI", number)
    assert document_of("mig-0a1b2c") is None
    async with notifications() as svc, svc.client("notifications:read", subject="call-centre") as http:
        found = await http.get("/v1/notifications", params={"person_id": person_id})
        assert found.status_code == 200
    rows = [r for r in await _rows(service_db, document_ref("DNI", number)) if r["subject"] == "call-centre"]
    assert rows, "the read is found by the document's keyed hash"
    assert all(number not in " ".join(r["resource_ids"]) for r in rows)
    assert {r["outcome"] for r in rows} == {"none-found"}
