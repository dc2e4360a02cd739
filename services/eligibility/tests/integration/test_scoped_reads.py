"""A programme integrator reads its own programme's decisions only; every read is recorded.

Integrator tokens name their programme (`chasqui:programme`); `eligibility:national` (what dev
tokens carry by default) reads every programme. Real Postgres; the projection is seeded directly.
"""

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


async def test_an_integrator_reads_its_own_programme_and_the_read_is_recorded(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    hh_id = f"HH-SCOPE-{uuid.uuid4().hex[:10]}"
    snapshot = household(hh_id, [member(f"{hh_id}-H", date(1950, 3, 14), relationship=Relationship.HEAD)])
    async with running_service(
        replace(build_definition(consumer_name="eligibility-scoped"), consumers=[]),
        database_url=service_db.dsn,
        schema=service_db.schema,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        auth_dir=tmp_path / "auth",
    ) as svc:
        async with svc.runtime.pool.acquire() as conn:
            await repository.apply_snapshot(conn, snapshot, None, date(2026, 1, 1))
        path = f"/v1/households/{hh_id}/eligibility"
        async with (
            svc.client("eligibility:read", subject="ofis") as national,
            svc.client(
                "eligibility:read", subject="integrator-juntos", claims={"chasqui:programme": "JUNTOS"}
            ) as juntos,
            svc.client("eligibility:read", subject="nobody", claims={}) as nobody,
        ):
            everything = await national.get(path)
            assert everything.status_code == 200, everything.text
            assert len({p["code"] for p in everything.json()["programs"]}) > 1
            own = await juntos.get(path, headers={"X-Purpose": "padron JUNTOS"})
            assert own.status_code == 200, own.text
            assert {p["code"] for p in own.json()["programs"]} <= {"JUNTOS"}
            refused = await nobody.get(path)
            assert refused.status_code == 403
            assert refused.json()["type"] == "https://chasqui.pe/problems/eligibility-no-programme-in-scope"
        rows = await svc.runtime.pool.fetch(
            "SELECT * FROM access_records WHERE $1 = ANY(resource_ids) ORDER BY occurred_at", hh_id
        )
    assert [(r["subject"], r["operation"]) for r in rows] == [
        ("ofis", "eligibility.household.read"),
        ("integrator-juntos", "eligibility.household.read"),
    ]
    assert rows[1]["purpose"] == "padron JUNTOS"
