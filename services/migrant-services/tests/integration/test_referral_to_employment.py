"""End to end: a migrant attended at Migracentro Ica, referred to employment, becomes a job seeker.

Runs the employment service beside this one (each on its own schema); they meet only on Kafka.
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

import pytest
from chasqui_common.topics import EMPLOYMENT_JOB_SEEKERS
from chasqui_local.roles import database_of, drop_service_schema, provision_service_schema
from chasqui_testing import RunningService, collect_records, running_service

from .conftest import register

employment_main = pytest.importorskip("chasqui_employment_matching.main")


async def test_a_migrant_referred_to_employment_at_ica_appears_as_a_job_seeker(
    service: RunningService, postgres_admin_dsn: str, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    name = f"t_{uuid.uuid4().hex[:8]}"
    database = database_of(postgres_admin_dsn)
    dsn = await provision_service_schema(
        postgres_admin_dsn, database=database, schema=name, role=name, password=f"{name}-pw"
    )
    try:
        async with running_service(
            employment_main.DEFINITION,
            database_url=dsn,
            schema=name,
            kafka_bootstrap_servers=kafka_bootstrap_servers,
            auth_dir=tmp_path / "auth",
        ):
            async with service.client("migrants:write") as client:
                person = await register(client, "ICA")
                case_id = (
                    await client.post(
                        "/v1/cases",
                        json={
                            "migrant_id": person["migrant_id"],
                            "attention_point": "ICA",
                            "requested_services": ["employment_orientation"],
                        },
                    )
                ).json()["case_id"]
                await client.post(f"/v1/cases/{case_id}/transitions", json={"status": "in_progress"})
                referral = await client.post(f"/v1/cases/{case_id}/referrals", json={"target": "employment"})
                assert referral.status_code == 201, referral.text
                referral_id = referral.json()["referral_id"]

            seeker = await _seeker_for_referral(kafka_bootstrap_servers, referral_id, timeout=40)
    finally:
        await drop_service_schema(postgres_admin_dsn, schema=name, role=name, database=database)

    assert seeker is not None, (
        f"no job seeker event for referral {referral_id} on {EMPLOYMENT_JOB_SEEKERS.name}"
    )
    assert seeker["person_id"] == person["migrant_id"]


async def _seeker_for_referral(bootstrap: str, referral_id: str, timeout: float) -> dict[str, object] | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for record in await collect_records(bootstrap, EMPLOYMENT_JOB_SEEKERS.name, count=10**9, timeout=1.5):
            if record.value and referral_id.encode() in record.value:
                data: dict[str, object] = json.loads(record.value)
                if data.get("referral_id") == referral_id:
                    return data
    return None
