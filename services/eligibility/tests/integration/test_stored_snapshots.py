"""Data stored before the rules (docs/values.md): a household snapshot the projection stored when
its value rules were looser (a phone kept as typed, `987654321`; a ubigeo since removed) is read
as stored: evaluating it answers 200, never 500, and the value is not re-validated on the way out."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from chasqui_common.events.registry import Relationship
from chasqui_eligibility.adapters import repository
from chasqui_eligibility.main import build_definition
from chasqui_scenario.synthetic import household, member
from chasqui_testing import running_service


async def test_a_snapshot_stored_with_an_old_format_phone_is_read_without_a_500(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    hh_id = f"HH-OLD-{uuid.uuid4().hex[:10]}"
    snapshot = household(hh_id, [member(f"{hh_id}-H", date(1950, 3, 14), relationship=Relationship.HEAD)])
    async with running_service(
        replace(build_definition(consumer_name="eligibility-stored"), consumers=[]),
        database_url=service_db.dsn,
        schema=service_db.schema,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        auth_dir=tmp_path / "auth",
    ) as svc:
        pool = svc.runtime.pool
        async with pool.acquire() as conn:
            await repository.apply_snapshot(conn, snapshot, None, date(2026, 1, 1))
            await conn.execute(
                """
                UPDATE households SET snapshot = jsonb_set(jsonb_set(snapshot,
                    '{members,0,contact}', '{"phone": "987654321", "consent": {"sms": true}}'),
                    '{ubigeo}', '"090708"')
                WHERE household_id = $1
                """,
                hh_id,
            )
            stored = await repository.get_household(conn, hh_id)
            [listed] = await repository.get_households(conn, [hh_id])
        assert stored is not None
        assert stored.members[0].contact.phone == "987654321"  # as stored, not re-validated
        assert listed.ubigeo == "090708"
        async with svc.client("eligibility:read") as client:
            response = await client.get(f"/v1/households/{hh_id}/eligibility")
        assert response.status_code == 200, response.text
        assert response.json()["household_id"] == hh_id
