"""A ULE classification result travels the platform (issue 15, point 5; ADR 0007), on the real
broker and database: the ULE records the S100 result through citizen-attention's API, the
registry takes it as the household's CSE in force, and eligibility publishes a new decision.

Registry, eligibility and citizen-attention run each on its own schema and meet only on Kafka;
their consumer groups start at the end of the shared topics (what other runs left is not theirs).
"""

from __future__ import annotations

import json
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from chasqui_common.topics import ELIGIBILITY_DECISIONS
from chasqui_testing import end_offsets, records_since
from chasqui_testing.together import ServicePlan, services_together, until

registry = pytest.importorskip("chasqui_registry.main")
eligibility = pytest.importorskip("chasqui_eligibility.main")
attention = pytest.importorskip("chasqui_citizen_attention.main")
attention_settings = pytest.importorskip("chasqui_citizen_attention.settings")

pytestmark = [pytest.mark.timeout(300), pytest.mark.asyncio(loop_scope="session")]

VES = "150142"


def _plan() -> list[ServicePlan]:
    return [
        ("registry", registry.DEFINITION, {}),
        ("eligibility", eligibility.build_definition(), {}),
        (
            "citizen-attention",
            attention.build_definition(),
            {"settings_class": attention_settings.AttentionSettings, "referral_watch_interval_seconds": 0},
        ),
    ]


async def test_a_ule_result_recorded_at_the_counter_reaches_the_registry_and_eligibility_re_decides(
    postgres_admin_dsn: str, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    today = date.today()
    number = f"{uuid.uuid4().int % 10**8:08d}"
    async with services_together(
        postgres_admin_dsn, kafka_bootstrap_servers, tmp_path / "auth", _plan()
    ) as together:
        services = together.services
        ule = services["citizen-attention"]
        # A household of Villa El Salvador whose CSE (no pobre) expired: its elder gets no Pensión 65.
        async with services["registry"].client("registry:write", "registry:read") as http:
            created = await http.post(
                "/v1/households",
                json={
                    "ubigeo": VES,
                    "address": "Sector 3, Grupo 12, Mz. B Lt. 7, Villa El Salvador",
                    "residence_since": "2010-05-01",
                    "registering_unit": "ULE-150142",
                    "classification": {
                        "level": "NO_POBRE",
                        "valid_from": (today - timedelta(days=1500)).isoformat(),
                        "valid_until": (today - timedelta(days=30)).isoformat(),
                        "source": "SISFOH",
                    },
                    "members": [
                        {
                            "document": {"type": "DNI", "number": number},
                            "given_names": "Teodora",
                            "paternal_surname": "Mamani",
                            "birth_date": (today - timedelta(days=365 * 72)).isoformat(),
                            "sex": "F",
                            "relationship": "HEAD",
                            "pension": "none",
                        }
                    ],
                },
            )
            assert created.status_code == 201, created.text
            household_id = created.json()["household"]["household_id"]

        async with ule.client("attention:read", "attention:write") as http:

            async def known() -> str | None:
                found = await http.get(
                    "/v1/citizens", params={"document_type": "DNI", "document_number": number}
                )
                return str(found.json()["citizen_id"]) if found.status_code == 200 else None

            citizen_id = await until("the registry's household in citizen-attention", known)

            async def loaded() -> bool:
                return (await http.get(f"/v1/municipalities/{VES}")).status_code == 200

            await until("Villa El Salvador's data file loaded", loaded)
            request = await http.post(
                "/v1/classification-requests",
                json={"municipality": VES, "citizen_id": citizen_id, "staff": "ule-registradora-1"},
            )
            assert request.status_code == 201, request.text
            request_id = request.json()["request_id"]
            assert request.json()["household_id"] == household_id
            visited = await http.post(f"/v1/classification-requests/{request_id}/home-visit", json={})
            assert visited.status_code == 200, visited.text
            start = await end_offsets(kafka_bootstrap_servers, [ELIGIBILITY_DECISIONS.name])
            valid_until = today + timedelta(days=3 * 365)
            result = await http.post(
                f"/v1/classification-requests/{request_id}/result",
                json={
                    "level": "POBRE_EXTREMO",
                    "valid_from": today.isoformat(),
                    "valid_until": valid_until.isoformat(),
                },
            )
            assert result.status_code == 200, result.text

        async with services["registry"].client("registry:read") as http:

            async def classified() -> dict[str, Any] | None:
                body = (await http.get(f"/v1/households/{household_id}")).json()["household"]
                return body["classification"] if body["classification"]["level"] == "POBRE_EXTREMO" else None

            classification = await until("the registry's household classified by the ULE", classified)
        assert classification == {
            "level": "POBRE_EXTREMO",
            "valid_from": today.isoformat(),
            "valid_until": valid_until.isoformat(),
            "source": f"ULE {VES} S100 {request_id}",
        }

        async def decided() -> list[dict[str, Any]]:
            records = (await records_since(kafka_bootstrap_servers, start)).get(
                ELIGIBILITY_DECISIONS.name, []
            )
            return [
                json.loads(r.value)
                for r in records
                if r.key == household_id.encode() and json.loads(r.value)["program"] == "PENSION_65"
            ]

        [decision] = await until("eligibility's new Pensión 65 decision for the household", decided)
        assert decision["eligible"] is True
        assert decision["previous_eligible"] is False
