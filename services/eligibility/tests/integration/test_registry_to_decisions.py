"""From registry events on the real broker to decisions, decision.changed events, the sweep
with a moved clock, and the HTTP API, against the real Postgres."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from chasqui_common.auth.devtokens import ensure_signing_key
from chasqui_common.bootstrap import create_app
from chasqui_common.clock import FixedClock
from chasqui_common.envelope import Envelope
from chasqui_common.events.registry import (
    CseLevel,
    HouseholdRegistered,
    HouseholdUpdated,
    MemberRemoved,
    Relationship,
)
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.settings import ServiceSettings
from chasqui_common.topics import (
    ELIGIBILITY_DECISIONS,
    PROGRAM_DECISIONS,
    REGISTRY_HOUSEHOLDS,
    program_decisions_topic,
)
from chasqui_eligibility.main import build_definition
from chasqui_scenario.synthetic import household, member
from chasqui_testing import RunningService, end_offsets, records_since, serve_app

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
                headers=[(k, v.encode()) for k, v in env.headers().items()],
            )
    finally:
        await producer.stop()


async def decisions_for(
    bootstrap: str, household_id: str, want: int, pool: Any, timeout: float = 40
) -> list[dict[str, Any]]:
    """decision.changed payloads keyed by `household_id` that this test's service decided (its
    decision log has them: an eligibility service of a running platform consumes the same
    registry events and publishes to the same topic), waiting until `want` arrived. Reads what
    was written since the test started (`since`): the shared topic holds every test's decisions."""
    deadline = time.monotonic() + timeout
    while True:
        records = (await records_since(bootstrap, SINCE[ELIGIBILITY_DECISIONS.name])).get(
            ELIGIBILITY_DECISIONS.name, []
        )
        ours = {
            str(r["decision_id"])
            for r in await pool.fetch(
                "SELECT decision_id FROM decision_log WHERE household_id = $1", household_id
            )
        }
        mine = [
            event
            for event in (json.loads(r.value) for r in records if r.key == household_id.encode())
            if event["decision_id"] in ours
        ]
        if len(mine) >= want or time.monotonic() > deadline:
            return mine
        await asyncio.sleep(0.5)


SINCE: dict[str, Any] = {}
"""Per topic, the end offsets when the test began (`chasqui_testing.end_offsets`)."""


async def program_copies(bootstrap: str, program: str, decision_id: str, timeout: float = 20) -> list[Any]:
    """The records of `eligibility.decisions.<program>` about decision `decision_id`."""
    topic = program_decisions_topic(program).name
    deadline = time.monotonic() + timeout
    while True:
        records = (await records_since(bootstrap, SINCE[topic])).get(topic, [])
        found = [r for r in records if json.loads(r.value)["decision_id"] == decision_id]
        if found or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.5)


@contextlib.asynccontextmanager
async def running_with_clock(
    definition: Any, clock: FixedClock, *, service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> AsyncIterator[RunningService]:
    """The service under uvicorn as `chasqui_testing.running_service` starts it, on `clock`."""
    auth_dir = tmp_path / "auth"
    settings = ServiceSettings(
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        database_url=service_db.dsn,
        db_schema=service_db.schema,
        auth_jwks_file=ensure_signing_key(auth_dir),
        outbox_poll_interval=0.2,
        retry_base_delay=0.05,
        consumer_group_suffix=f"-{service_db.schema}",
    )
    app = create_app(definition, settings, clock=clock)
    async with serve_app(app) as base_url:
        yield RunningService(base_url, app, auth_dir)


def outcomes(events: list[dict[str, Any]]) -> set[tuple[str, str | None, bool]]:
    return {(e["program"], e["person_id"], e["eligible"]) for e in events}


async def test_registry_events_drive_decisions_sweeps_and_the_api(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    hh_id = f"HH-IT-{uuid.uuid4().hex[:10]}"
    grandma, child = f"{hh_id}-G", f"{hh_id}-C"
    clock = FixedClock(date(2026, 3, 10))
    definition = build_definition(consumer_name="eligibility-it")
    snapshot = household(
        hh_id,
        [
            member(grandma, date(1961, 3, 11), relationship=Relationship.HEAD, given_names="Juana"),
            member(child, date(2016, 5, 1), relationship=Relationship.GRANDCHILD, given_names="Luz"),
        ],
        cse=CseLevel.POBRE_EXTREMO,
    )
    async with running_with_clock(
        definition,
        clock,
        service_db=service_db,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        tmp_path=tmp_path,
    ) as svc:
        rt = svc.runtime
        for topic in (ELIGIBILITY_DECISIONS, *PROGRAM_DECISIONS):
            SINCE[topic.name] = await end_offsets(kafka_bootstrap_servers, [topic.name])
        registered = REGISTRY.envelope(HouseholdRegistered(household_id=hh_id, household=snapshot))
        await publish(kafka_bootstrap_servers, registered)

        first = await decisions_for(kafka_bootstrap_servers, hh_id, want=2, pool=rt.pool)
        assert outcomes(first) == {("JUNTOS", None, True), ("CIAM", grandma, True)}
        juntos = next(e for e in first if e["program"] == "JUNTOS")
        assert juntos["benefit_amount_centimos"] == 20000
        assert juntos["benefit_period_months"] == 2
        assert juntos["recipient_person_id"] == grandma  # household programs tell the head
        assert "recipient" not in juntos  # no names, phone, e-mail or consent (ADR 0008)
        # Each decision also goes, as its own event, to its program's topic only.
        copies = await program_copies(kafka_bootstrap_servers, "JUNTOS", juntos["decision_id"])
        assert [c.key for c in copies] == [hh_id.encode()]
        assert json.loads(copies[0].value) == juntos
        headers = dict(copies[0].headers)
        assert headers["ce_type"] == b"pe.chasqui.eligibility.decision.changed.v2"
        assert headers["ce_causationid"] == str(registered.id).encode()
        assert not await program_copies(kafka_bootstrap_servers, "PENSION_65", juntos["decision_id"], 1)
        assert juntos["caused_by_event_id"] == str(registered.id)
        assert juntos["previous_eligible"] is False

        # A redelivered event and an address change decide nothing new and publish nothing.
        moved = REGISTRY.envelope(
            HouseholdUpdated(
                household_id=hh_id,
                household=snapshot.model_copy(update={"address": "Av. Grau 1"}),
                changed=("address",),
            )
        )
        await publish(kafka_bootstrap_servers, registered, moved)
        deadline = time.monotonic() + 30
        while not await rt.pool.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", moved.id):
            assert time.monotonic() < deadline, "the address change was never consumed"
            await asyncio.sleep(0.2)
        await asyncio.sleep(1.5)  # let the relay publish anything it (wrongly) would
        assert len(await decisions_for(kafka_bootstrap_servers, hh_id, want=2, pool=rt.pool, timeout=2)) == 2

        async with svc.client("eligibility:read") as http:
            answer = (await http.get(f"/v1/households/{hh_id}/eligibility")).json()
            pension = next(p for p in answer["programs"] if p["code"] == "PENSION_65")
            mine = next(d for d in pension["decisions"] if d["person_id"] == grandma)
            assert mine["eligible"] is False
            assert mine["criteria"][0]["values"] == {"person.age_years": 64}
            later = (
                await http.get(f"/v1/households/{hh_id}/eligibility", params={"as_of": "2026-03-11"})
            ).json()
            pension = next(p for p in later["programs"] if p["code"] == "PENSION_65")
            assert next(d for d in pension["decisions"] if d["person_id"] == grandma)["eligible"] is True
            bad = await http.get(f"/v1/households/{hh_id}/eligibility", params={"as_of": "2026-13-01"})
            assert bad.status_code == 422
            missing = await http.get("/v1/households/nope/eligibility")
            assert missing.status_code == 404
            assert missing.json()["type"] == "https://chasqui.pe/problems/household-not-found"
            unknown = await http.get("/v1/programs/NOPE")
            assert unknown.status_code == 404
            assert unknown.json()["type"] == "https://chasqui.pe/problems/program-not-found"
            programs = (await http.get("/v1/programs")).json()
            assert len(programs) == 9
            assert (await http.get("/v1/programs/JUNTOS")).json()["current_version"] == "JUNTOS-2024.1"

        # Time alone: Juana turns 65 on 11 March; the sweep finds it without a registry event.
        clock.set(date(2026, 3, 11))
        async with svc.client("eligibility:write") as http:
            report = (await http.post("/v1/sweeps")).json()
        assert report["swept_to"] == "2026-03-11"
        assert report["events_published"] >= 1
        swept = await decisions_for(kafka_bootstrap_servers, hh_id, want=3, pool=rt.pool)
        pension_event = next(e for e in swept if e["program"] == "PENSION_65")
        assert (pension_event["person_id"], pension_event["eligible"], pension_event["cause"]) == (
            grandma,
            True,
            "sweep",
        )
        assert pension_event["benefit_amount_centimos"] == 35000
        async with svc.client("eligibility:write") as http:  # a second sweep the same day: nothing
            again = (await http.post("/v1/sweeps")).json()
        assert again["events_published"] == 0

        # She leaves the household: her person programs close.
        removed = REGISTRY.envelope(
            MemberRemoved(
                household_id=hh_id,
                person_id=grandma,
                reason="moved out",
                household=snapshot.model_copy(update={"members": snapshot.members[1:]}),
            )
        )
        await publish(kafka_bootstrap_servers, removed)
        final = await decisions_for(kafka_bootstrap_servers, hh_id, want=5, pool=rt.pool)
        lost = {
            (e["program"], e["eligible"])
            for e in final
            if e["person_id"] == grandma and e["caused_by_event_id"] == str(removed.id)
        }
        assert lost == {("PENSION_65", False), ("CIAM", False)}

        async with svc.client("eligibility:read", "eligibility:write") as http:
            current = (await http.get("/v1/programs/CIAM")).json()["versions"][0]
            candidate = {**current, "version": "CIAM-2027.1"}
            candidate["criteria"] = [{**current["criteria"][0], "expression": "person.age_years >= 5"}]
            simulated = await http.post(
                "/v1/programs/CIAM/simulate",
                json={"rule_set": candidate, "as_of": "2026-03-11", "sample_size": 1000},
            )
            assert simulated.status_code == 200, simulated.text
            body = simulated.json()
            # the shared topic may have brought other tests' households into the projection
            assert body["people_gaining"] >= 1
            sampled = {s["person_id"] for s in body["sample_gaining"]}
            # the sample is the first 1,000 gaining rows of the projection: when the shared topic
            # brought more than that before this household, it cannot hold the child
            assert child in sampled or len(sampled) == 1000
            broken = {
                **candidate,
                "criteria": [{**candidate["criteria"][0], "expression": "person.income > 1"}],
            }
            refused = await http.post("/v1/programs/CIAM/simulate", json={"rule_set": broken})
            assert refused.status_code == 422
            assert "income" in refused.text
            problem = refused.json()
            assert problem["type"] == "https://chasqui.pe/problems/rule-set-invalid"
            assert problem["errors"][0]["field"] == "rule_set.criteria.0.expression"
        async with svc.client("eligibility:read") as http:
            assert (await http.post("/v1/sweeps")).status_code == 403
