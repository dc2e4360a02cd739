"""Issue 13 at the HTTP API: path, query and body values follow the shared value rules; a fault
is a 422 problem naming the field, never a 500 and never a date read as Unix time."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import date
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from chasqui_common.envelope import Envelope, decode_headers
from chasqui_common.events.registry import HouseholdRegistered, Relationship
from chasqui_common.messaging.deadletter import dead_letter_topic
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.topics import REGISTRY_HOUSEHOLDS
from chasqui_eligibility.main import build_definition
from chasqui_scenario.synthetic import household, member
from chasqui_testing import collect_records, running_service

REGISTRY = Outbox("/chasqui/registry")


async def publish(bootstrap: str, *envelopes: Envelope) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for env in envelopes:
            await producer.send_and_wait(
                REGISTRY_HOUSEHOLDS.name,
                env.body(),
                key=env.subject.encode() if env.subject else None,
                headers=env.kafka_headers(),
            )
    finally:
        await producer.stop()


async def dead_letters_about(bootstrap: str, needle: str, timeout: float = 40.0) -> list[Any]:
    deadline = time.monotonic() + timeout
    topic = dead_letter_topic(REGISTRY_HOUSEHOLDS.name)
    while True:
        records = await collect_records(bootstrap, topic, count=10**9, timeout=1.5)
        found = [r for r in records if r.value is not None and needle.encode() in r.value]
        if found or time.monotonic() > deadline:
            return found


async def test_a_registry_event_with_a_date_given_as_unix_time_is_dead_lettered_naming_the_field(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    """Issue 13, item 3: `"birth_date": 0` used to be read as 1970-01-01 (age 56)."""
    hh_id = f"HH-VAL-{uuid.uuid4().hex[:10]}"
    snapshot = household(hh_id, [member(f"{hh_id}-H", date(1961, 3, 11), relationship=Relationship.HEAD)])
    good = REGISTRY.envelope(HouseholdRegistered(household_id=hh_id, household=snapshot))
    bad = []
    for written in (0, "86400"):
        data = json.loads(good.body())
        data["household"]["members"][0]["birth_date"] = written
        bad.append(good.model_copy(update={"id": uuid.uuid4(), "data": data}))
    async with running_service(
        build_definition(consumer_name="eligibility-values"),
        database_url=service_db.dsn,
        schema=service_db.schema,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        auth_dir=tmp_path / "auth",
    ) as svc:
        await publish(kafka_bootstrap_servers, *bad, good)  # same key: one partition, in order
        deadline = time.monotonic() + 60
        while not await svc.runtime.pool.fetchval(
            "SELECT count(*) FROM households WHERE household_id = $1", hh_id
        ):
            assert time.monotonic() < deadline, "the valid event after the dead letters was not applied"
            await asyncio.sleep(0.2)
        letters = await dead_letters_about(kafka_bootstrap_servers, hh_id)
        name = svc.runtime.consumers[0].consumer.name
        ages = await svc.runtime.pool.fetch("SELECT birth_date FROM members WHERE household_id = $1", hh_id)
    # Other consumers of the shared topic (a running platform) may dead-letter the same records.
    ours = [h for h in (decode_headers(r.headers) for r in letters) if h["dlq_consumer"] == name]
    assert len(ours) == 2
    for headers in ours:
        assert headers["dlq_reason"] == "payload.invalid"
        assert "household.members.0.birth_date=" in headers["dlq_detail"]
        assert "YYYY-MM-DD" in headers["dlq_detail"]
    assert [row["birth_date"] for row in ages] == [date(1961, 3, 11)]  # never 1970-01-01


async def test_control_characters_and_non_iso_dates_are_refused_naming_the_field(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    async with (
        running_service(
            build_definition(),
            database_url=service_db.dsn,
            schema=service_db.schema,
            kafka_bootstrap_servers=kafka_bootstrap_servers,
            auth_dir=tmp_path / "auth",
        ) as svc,
        svc.client("eligibility:read", "eligibility:write") as http,
    ):
        ciam = (await http.get("/v1/programs/CIAM")).json()["versions"][0]
        criterion = ciam["criteria"][0]
        answers = {
            "query.as_of": [
                await http.get("/v1/households/hh-1/eligibility", params={"as_of": written})
                for written in ("0", "86400", "2026-03-11T00:00:00", "11/03/2026", "2026-13-01")
            ],
            "path.household_id": [
                await http.get("/v1/households/Ana%00Maria/eligibility"),
                await http.get("/v1/households/hh%C2%851/eligibility"),  # U+0085, a C1 control
            ],
            "path.code": [
                await http.get("/v1/programs/CIAM%00"),
                await http.post("/v1/programs/CI%1BAM/simulate", json={"rule_set": ciam}),
            ],
            "as_of": [
                await http.post("/v1/programs/CIAM/simulate", json={"rule_set": ciam, "as_of": 0}),
                await http.post("/v1/programs/CIAM/simulate", json={"rule_set": ciam, "as_of": "86400"}),
            ],
            "rule_set.effective_from": [
                await http.post(
                    "/v1/programs/CIAM/simulate", json={"rule_set": {**ciam, "effective_from": 0}}
                ),
            ],
            "rule_set.criteria.0.explanation.es": [
                await http.post(
                    "/v1/programs/CIAM/simulate",
                    json={
                        "rule_set": {
                            **ciam,
                            "criteria": [
                                {
                                    **criterion,
                                    "explanation": {**criterion["explanation"], "es": "Ana\u0000Maria"},
                                }
                            ],
                        }
                    },
                ),
            ],
        }
        ok = await http.get("/v1/households/nope/eligibility", params={"as_of": "2026-03-11"})
    for field, responses in answers.items():
        for answer in responses:
            assert answer.status_code == 422, (field, answer.text)
            assert answer.headers["content-type"].startswith("application/problem+json")
            assert answer.json()["errors"][0]["field"] == field, answer.text
    assert ok.status_code == 404  # a well-formed date and id: the household is just not there
