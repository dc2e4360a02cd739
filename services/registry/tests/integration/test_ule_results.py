"""The registry takes a ULE's classification result (citizen-attention's
`classification-request.result-recorded`, ADR 0007) as the household's CSE in force, on the real
broker and database; a result it cannot apply is dead-lettered naming why."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from chasqui_common.events.citizen_attention import ClassificationResultRecorded
from chasqui_common.events.registry import CseLevel
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.topics import CITIZEN_ATTENTION_REQUESTS, REGISTRY_HOUSEHOLDS
from chasqui_registry.main import DEFINITION
from chasqui_testing import end_offsets, records_since, running_service
from chasqui_testing.consumer_groups import pin_groups_at_end

pytestmark = pytest.mark.asyncio(loop_scope="session")

VES = "150142"
DLQ = f"{CITIZEN_ATTENTION_REQUESTS.name}.dlq"


def _household() -> dict[str, Any]:
    return {
        "ubigeo": VES,
        "address": "Sector 2, Grupo 5, Mz. K Lt. 3, Villa El Salvador",
        "residence_since": "2012-07-01",
        "registering_unit": "ULE-150142",
        "classification": {
            "level": "NO_POBRE",
            "valid_from": "2022-01-01",
            "valid_until": "2025-01-01",
            "source": "SISFOH",
        },
        "members": [
            {
                "document": {"type": "DNI", "number": f"{uuid.uuid4().int % 10**8:08d}"},
                "given_names": "Rosa Ñusta",
                "paternal_surname": "Quispe",
                "birth_date": "1958-03-14",
                "sex": "F",
                "relationship": "HEAD",
                "pension": "none",
            }
        ],
    }


def _result(household_id: str, *, municipality: str = VES) -> ClassificationResultRecorded:
    return ClassificationResultRecorded(
        request_id=str(uuid.uuid4()),
        municipality=municipality,
        household_id=household_id,
        citizen_id=str(uuid.uuid4()),
        level=CseLevel.POBRE_EXTREMO,
        valid_from=date(2026, 3, 2),
        valid_until=date(2029, 3, 2),
        source=f"ULE {municipality}",
        recorded_on=date(2026, 3, 2),
        on_time=True,
    )


async def _send(bootstrap: str, payload: ClassificationResultRecorded, **data_overrides: Any) -> None:
    """Publish as citizen-attention's outbox would; `data_overrides` change the JSON data as
    written (to send what the model itself would refuse)."""
    envelope = Outbox("/chasqui/citizen-attention").envelope(payload)
    body = envelope.body()
    if data_overrides:
        body = json.dumps({**json.loads(body), **data_overrides}).encode()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        await producer.send_and_wait(
            CITIZEN_ATTENTION_REQUESTS.name,
            body,
            key=payload.request_id.encode(),
            headers=[(k, v.encode()) for k, v in envelope.headers().items()],
        )
    finally:
        await producer.stop()


async def _eventually(probe: Any, what: str, timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if found := await probe():
            return found
        await asyncio.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_ule_result_becomes_the_households_classification_and_is_announced(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    await pin_groups_at_end(DEFINITION, kafka_bootstrap_servers, f"-{service_db.schema}")
    async with running_service(
        DEFINITION,
        database_url=service_db.dsn,
        schema=service_db.schema,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        auth_dir=tmp_path / "auth",
    ) as service:
        async with service.client("registry:write", "registry:read") as http:
            created = await http.post("/v1/households", json=_household())
            assert created.status_code == 201, created.text
            household_id = created.json()["household"]["household_id"]
            start = await end_offsets(kafka_bootstrap_servers, [REGISTRY_HOUSEHOLDS.name])
            result = _result(household_id)
            await _send(kafka_bootstrap_servers, result)
            source = f"ULE {VES} S100 {result.request_id}"

            async def classified() -> dict[str, Any] | None:
                body = (await http.get(f"/v1/households/{household_id}")).json()["household"]
                return body if (body.get("classification") or {}).get("source") == source else None

            household = await _eventually(classified, "the household classified by the ULE's result")
        assert household["classification"] == {
            "level": "POBRE_EXTREMO",
            "valid_from": "2026-03-02",
            "valid_until": "2029-03-02",
            "source": source,
        }

        async def announced() -> list[dict[str, Any]]:
            records = (await records_since(kafka_bootstrap_servers, start)).get(REGISTRY_HOUSEHOLDS.name, [])
            return [
                {"type": dict(r.headers)["ce_type"].decode(), "data": json.loads(r.value)}
                for r in records
                if r.key == household_id.encode()
            ]

        [event] = await _eventually(announced, "registry.household.classified")
        assert event["type"] == "pe.chasqui.registry.household.classified.v1"
        assert event["data"]["classification"]["source"] == source
        assert event["data"]["actor"] == f"citizen-attention/ule-{VES}"
        # the same event again (a redelivery) is applied once: one more row in the history, never two
        history = await service.runtime.pool.fetchval(
            "SELECT count(*) FROM classifications WHERE household_id = $1", household_id
        )
        assert history == 2  # the registration's and the ULE's


async def test_results_the_registry_cannot_apply_are_dead_lettered_with_their_reason(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    await pin_groups_at_end(DEFINITION, kafka_bootstrap_servers, f"-{service_db.schema}")
    async with running_service(
        DEFINITION,
        database_url=service_db.dsn,
        schema=service_db.schema,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        auth_dir=tmp_path / "auth",
    ) as service:
        async with service.client("registry:write", "registry:read") as http:
            created = await http.post("/v1/households", json=_household())
            assert created.status_code == 201, created.text
            household_id = created.json()["household"]["household_id"]
        start = await end_offsets(kafka_bootstrap_servers, [DLQ])
        unknown = _result(str(uuid.uuid4()))
        not_an_id = _result("H-0001")
        bad_level = _result(household_id)
        elsewhere = _result(household_id, municipality="150143")
        await _send(kafka_bootstrap_servers, unknown)
        await _send(kafka_bootstrap_servers, not_an_id)
        await _send(kafka_bootstrap_servers, bad_level, level="MUY_POBRE")
        await _send(kafka_bootstrap_servers, elsewhere)
        name = service.runtime.consumers[-1].consumer.name

        async def letters() -> dict[str, dict[str, str]] | None:
            records = (await records_since(kafka_bootstrap_servers, start)).get(DLQ, []) if start else []
            ours = {}
            for record in records:
                headers = {k: v.decode() for k, v in record.headers}
                if headers.get("dlq_consumer") == name:
                    ours[record.key.decode() if record.key else ""] = headers
            return ours if len(ours) >= 4 else None

        found = await _eventually(letters, "four dead letters")
        assert found[unknown.request_id]["dlq_reason"] == "handler.failed"
        assert found[unknown.request_id]["dlq_field"] == "household_id"
        assert "[not-found]" in found[unknown.request_id]["dlq_detail"]
        assert found[not_an_id.request_id]["dlq_field"] == "household_id"
        assert "[not-found]" in found[not_an_id.request_id]["dlq_detail"]
        assert found[bad_level.request_id]["dlq_reason"] == "payload.invalid"
        assert found[bad_level.request_id]["dlq_field"] == "level"
        assert found[elsewhere.request_id]["dlq_reason"] == "handler.failed"
        assert "[registry-outside-district]" in found[elsewhere.request_id]["dlq_detail"]
        kept = await service.runtime.pool.fetchval(
            "SELECT level FROM classifications WHERE household_id = $1 ORDER BY valid_from DESC LIMIT 1",
            household_id,
        )
        assert kept == "NO_POBRE", "nothing refused reached the household"
