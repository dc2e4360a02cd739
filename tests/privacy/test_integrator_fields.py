"""Issue 14, point 1 (minimal events): each integrator's topics carry only the fields listed for it
in deploy/k8s/base/kafka/integrator-entitlements.yaml, only its own program's decisions, and no
decision event carries contact details (Ley 29733 art. 8, DS 016-2024-JUS: minimisation).

The contract checks are milliseconds; the run checks read the real broker after households were
registered (registry events, as the registry publishes them) and eligibility decided them.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiokafka import AIOKafkaProducer
from chasqui_common.events import CATALOGUE
from chasqui_common.events.eligibility import DecisionChanged
from chasqui_common.events.registry import CseLevel, DisabilitySeverity, HouseholdRegistered, Relationship
from chasqui_common.kafka_security import KafkaSecurity
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.topics import ELIGIBILITY_DECISIONS, PROGRAM_DECISIONS, REGISTRY_HOUSEHOLDS
from chasqui_scenario.synthetic import household, member
from chasqui_testing import end_offsets, records_since, running_service

from tests.privacy.entitlements import Entitlements, load_entitlements

REGISTRY = Outbox("/chasqui/registry")
DECISION_TYPE = CATALOGUE.spec_for(DecisionChanged).type


def keys_at_every_depth(value: Any) -> set[str]:
    """Every object key in a JSON value, nested objects and arrays included."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_at_every_depth(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_at_every_depth(v)}
    return set()


def schema_properties(schema: dict[str, Any]) -> set[str]:
    """Every property name a JSON Schema allows, in `$defs` too."""
    found: set[str] = set()
    for node in [schema, *schema.get("$defs", {}).values()]:
        found |= set(node.get("properties", {}))
    return found


# --- the contract (no broker) ------------------------------------------------------------------


def test_the_decision_event_has_no_contact_field_and_fits_every_integrator_topic() -> None:
    entitlements = load_entitlements()
    allowed = schema_properties(CATALOGUE.spec_for(DecisionChanged).json_schema())
    assert not allowed & entitlements.contact_fields, "decision.changed may not carry contact details"
    for topic in entitlements.topics.values():
        assert topic.event_types == {DECISION_TYPE}, topic.name
        # A new field on the model must be granted (or not) to each reader, deliberately.
        assert allowed <= topic.fields, f"{topic.name}: {sorted(allowed - topic.fields)} not in its list"
        assert not topic.fields & entitlements.contact_fields, topic.name


def test_every_program_topic_with_a_reader_has_a_field_list() -> None:
    entitlements = load_entitlements()
    read = {t for i in entitlements.integrators.values() for t in i.topics}
    assert read <= {t.name for t in PROGRAM_DECISIONS}
    assert read == set(entitlements.topics), "a field list nobody reads, or a read topic without one"


def test_docs_integrators_names_every_reader_topic_and_field() -> None:
    docs = (Path(__file__).resolve().parents[2] / "docs" / "integrators.md").read_text(encoding="utf-8")
    entitlements = load_entitlements()
    for name, integrator in entitlements.integrators.items():
        assert f"`{name}`" in docs, name
        assert f"`{integrator.group_prefix}`" in docs, name
    for topic in entitlements.topics.values():
        assert f"`{topic.name}`" in docs, topic.name
        for field in topic.fields:
            assert f"`{field}`" in docs, field


def test_a_field_outside_the_list_is_found() -> None:
    """The check below can fail: a record with an extra field is reported."""
    record = {"decision_id": "d", "program": "JUNTOS", "recipient": {"phone": "+51987654321"}}
    topic = load_entitlements().topics["eligibility.decisions.juntos"]
    assert violations(topic.name, record, load_entitlements()) == [
        "eligibility.decisions.juntos: fields ['recipient'] are outside its list",
        "eligibility.decisions.juntos: contact fields ['phone', 'recipient']",
    ]


def violations(topic_name: str, payload: dict[str, Any], entitlements: Entitlements) -> list[str]:
    """What is wrong with one record of `topic_name` for the readers of that topic."""
    problems = []
    topic = entitlements.topics.get(topic_name)
    if topic is not None:
        extra = set(payload) - topic.fields
        if extra:
            problems.append(f"{topic_name}: fields {sorted(extra)} are outside its list")
        if payload.get("program") != topic.program:
            problems.append(f"{topic_name}: a {payload.get('program')} decision")
    contact = keys_at_every_depth(payload) & entitlements.contact_fields
    if contact:
        problems.append(f"{topic_name}: contact fields {sorted(contact)}")
    return problems


# --- a realistic run on the real broker ----------------------------------------------------------


def reader_security(principal: str) -> KafkaSecurity | None:
    """On the local secure broker (SASL, `chasqui-local start --secure`) the integrator's own
    principal, so its ACLs apply; otherwise None (the environment's security)."""
    if not KafkaSecurity.from_env().protocol.startswith("SASL"):
        return None
    from chasqui_local.kafka_secure import security_for

    return security_for(principal)


def households(run: str, today: date) -> list[HouseholdRegistered]:
    """Households that JUNTOS, Pension 65, Contigo, Cuna Mas and Beca 18 decide about, with
    phones, e-mails and consent the decisions must not carry."""

    def born(years: int, months: int = 0) -> date:
        return today.replace(day=1, year=today.year - years) - timedelta(days=30 * months)

    def hh(name: str, members: list[Any]) -> HouseholdRegistered:
        hid = f"HH-PRIV-{run}-{name}"
        return HouseholdRegistered(
            household_id=hid, household=household(hid, members, cse=CseLevel.POBRE_EXTREMO)
        )

    return [
        hh(
            "family",
            [
                member(f"{run}-F1", born(34), given_names="Juana", phone="+51987654321", sms=True),
                member(f"{run}-F2", born(0, 12), relationship=Relationship.CHILD, phone=None),
                member(
                    f"{run}-F3",
                    born(17),
                    relationship=Relationship.CHILD,
                    secondary_last_year=True,
                    phone=None,
                ),
            ],
        ),
        hh("elder", [member(f"{run}-E1", born(71), given_names="Teodora", phone="+51912345678", sms=False)]),
        hh(
            "disability",
            [
                member(f"{run}-D1", born(45), given_names="Rosa"),
                member(
                    f"{run}-D2",
                    born(20),
                    relationship=Relationship.CHILD,
                    disability=DisabilitySeverity.SEVERE,
                    certified=True,
                    phone="+51923456789",
                ),
            ],
        ),
    ]


async def publish(bootstrap: str, events: list[HouseholdRegistered]) -> list[str]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True)
    await producer.start()
    try:
        for payload in events:
            env = REGISTRY.envelope(payload)
            await producer.send_and_wait(
                REGISTRY_HOUSEHOLDS.name,
                env.body(),
                key=env.subject.encode(),
                headers=[(k, v.encode()) for k, v in env.headers().items()],
            )
    finally:
        await producer.stop()
    return [e.household_id for e in events]


@pytest.mark.asyncio(loop_scope="session")
@pytest.mark.timeout(240)
async def test_after_a_run_every_integrator_topic_carries_only_its_fields_and_its_program(
    service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    from chasqui_eligibility.main import build_definition

    entitlements = load_entitlements()
    watched = [ELIGIBILITY_DECISIONS.name, *sorted(entitlements.topics)]
    run = uuid.uuid4().hex[:8]
    events = households(run, date.today())
    mine = {e.household_id.encode() for e in events}
    wanted = {"JUNTOS", "PENSION_65", "CONTIGO", "CUNA_MAS_DAY_CARE", "CUNA_MAS_HOME_VISITS", "BECA_18"}
    async with running_service(
        build_definition(consumer_name="eligibility-privacy"),
        database_url=service_db.dsn,
        schema=service_db.schema,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        auth_dir=tmp_path / "auth",
    ):
        # The service created its topics at start: what is written from here on is this run's.
        start = await end_offsets(kafka_bootstrap_servers, watched)
        await publish(kafka_bootstrap_servers, events)
        deadline = time.monotonic() + 150
        while True:
            by_topic = await records_since(kafka_bootstrap_servers, start)
            seen = {
                json.loads(r.value)["program"]
                for name in entitlements.topics
                for r in by_topic.get(name, [])
                if r.key in mine
            }
            if wanted <= seen and not unmatched_copies(by_topic, mine, entitlements):
                break
            assert time.monotonic() < deadline, (
                f"only {sorted(seen)} of {sorted(wanted)} were decided; "
                f"copies not matching: {unmatched_copies(by_topic, mine, entitlements)}"
            )
            await asyncio.sleep(1)

    problems: list[str] = []
    for integrator in entitlements.integrators.values():
        # Read as the integrator reads: its principal on the local secure broker, its group prefix.
        theirs = {tp: offset for tp, offset in start.items() if tp.topic in integrator.topics}
        read = await records_since(
            kafka_bootstrap_servers,
            theirs,
            security=reader_security(integrator.name),
            group_prefix=integrator.group_prefix,
        )
        for name in integrator.topics:
            # Every record since the run began, this run's or another's: none may carry more.
            for record in read.get(name, []):
                headers = dict(record.headers)
                if headers["ce_type"].decode() not in entitlements.topics[name].event_types:
                    problems.append(f"{name}: an event of type {headers['ce_type'].decode()}")
                problems += violations(name, json.loads(record.value), entitlements)
    decisions = [r for r in by_topic.get(ELIGIBILITY_DECISIONS.name, []) if r.key in mine]
    assert decisions, "eligibility decided nothing for this run's households"
    for record in decisions:
        problems += violations(ELIGIBILITY_DECISIONS.name, json.loads(record.value), entitlements)
    assert not problems, "\n".join(problems[:50])

    # Each program topic has exactly the decisions of its program, one per decision of the full topic.
    assert not unmatched_copies(by_topic, mine, entitlements)


def unmatched_copies(
    by_topic: dict[str, list[Any]], mine: set[bytes], entitlements: Entitlements
) -> list[str]:
    """The program topics whose decisions about `mine` are not exactly that program's decisions
    on the full topic (one copy each)."""
    full = [json.loads(r.value) for r in by_topic.get(ELIGIBILITY_DECISIONS.name, []) if r.key in mine]
    wrong = []
    for name, topic in entitlements.topics.items():
        expected = sorted(d["decision_id"] for d in full if d["program"] == topic.program)
        copied = sorted(json.loads(r.value)["decision_id"] for r in by_topic.get(name, []) if r.key in mine)
        if copied != expected:
            wrong.append(name)
    return wrong
