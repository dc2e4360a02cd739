"""Data stored before the rules (docs/values.md): the registry's migration 0003 rewrites stored
phones to E.164 or clears those that cannot be valid (with their SMS/WhatsApp consent), maps the
removed ubigeos to the codes kept, and reads never re-apply the rules to stored data."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from chasqui_registry.adapters import repository

from .test_registry_field_input import dni, household_body, member, service_for

pytestmark = pytest.mark.asyncio(loop_scope="session")


async def test_phones_and_ubigeos_stored_before_the_rules_are_migrated_and_read_without_a_500(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    numbers = [dni() for _ in range(3)]
    async with (
        service_for(service_db, kafka_bootstrap_servers, tmp_path) as svc,
        svc.client("registry:write", "registry:read") as client,
    ):
        created = await client.post(
            "/v1/households",
            json=household_body(
                member(numbers[0]),
                member(numbers[1], relationship="SPOUSE", sex="F"),
                member(numbers[2], relationship="CHILD", birth_date="1990-01-01"),
            ),
        )
        assert created.status_code == 201, created.text
        household_id = created.json()["household"]["household_id"]
        pool = svc.runtime.pool
        old = {numbers[0]: "987654321", numbers[1]: "+5198765432", numbers[2]: "014567890"}
        async with pool.acquire() as conn:
            for number, phone in old.items():
                await conn.execute(
                    "UPDATE persons SET data = jsonb_set(data, '{contact,phone}', to_jsonb($2::text)) "
                    "WHERE data #>> '{document,number}' = $1",
                    number,
                    phone,
                )
            await conn.execute(
                "UPDATE households SET ubigeo = '090708' WHERE household_id = $1::uuid", household_id
            )
            before = await repository.load_household(conn, household_id)  # tolerant read
            assert before is not None
            assert before.ubigeo == "090708"
            assert {m.contact.phone for m in before.members} == set(old.values())
            migration = (
                resources.files("chasqui_registry.migrations")
                .joinpath("0003_values_stored_before_the_rules.sql")
                .read_text(encoding="utf-8")
            )
            await conn.execute(migration)
        response = await client.get(f"/v1/households/{household_id}")
    assert response.status_code == 200, response.text
    stored = response.json()["household"]
    assert stored["ubigeo"] == "090709"
    contacts = {m["document"]["number"]: m["contact"] for m in stored["members"]}
    assert contacts[numbers[0]]["phone"] == "+51987654321"
    assert contacts[numbers[0]]["consent"]["sms"] is True
    assert contacts[numbers[1]]["phone"] is None  # +5198765432 is no phone: cleared, consent too
    assert contacts[numbers[1]]["consent"]["sms"] is False
    assert contacts[numbers[2]]["phone"] == "+5114567890"  # a landline: no SMS consent
    assert contacts[numbers[2]]["consent"]["sms"] is False
