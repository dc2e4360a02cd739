"""The event path decides a whole consumer batch at once with the fast path; it must record the
same decisions, log and `decision.changed` events as deciding each event on its own with CEL
(the reference), including several events about one household in the same batch, members
leaving and households deregistered."""

from __future__ import annotations

import json
import uuid
from datetime import date
from typing import Any

import asyncpg
import pytest
from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.bootstrap import ServiceDefinition, migrate
from chasqui_common.clock import FixedClock
from chasqui_common.db.pool import create_pool
from chasqui_common.events.eligibility import DecisionCause, DecisionChanged
from chasqui_common.events.registry import (
    HouseholdDeregistered,
    HouseholdRegistered,
    HouseholdStatus,
    HouseholdUpdated,
    MemberRemoved,
)
from chasqui_common.messaging.consumer import Received
from chasqui_common.messaging.outbox import Outbox
from chasqui_eligibility.adapters import repository
from chasqui_eligibility.application.decide import decide_and_record
from chasqui_eligibility.application.event_handlers import on_household_events
from chasqui_eligibility.application.rule_book import rule_book
from chasqui_eligibility.main import MIGRATIONS
from chasqui_scenario.synthetic import population

ON = date(2026, 3, 1)
REGISTRY = Outbox("/chasqui/registry")
ELIGIBILITY = Outbox("/chasqui/eligibility")


def _events() -> list[Received[Any]]:
    """300 registrations, then updates: a member leaves (some in the same batch as the
    registration), households deregistered, a household re-registered unchanged."""
    households = population(300, seed=11, today=ON)
    events: list[Any] = [HouseholdRegistered(household_id=h.household_id, household=h) for h in households]
    for h in households[:60]:
        if len(h.members) > 1:
            smaller = h.model_copy(update={"members": h.members[:-1]})
            events.append(
                MemberRemoved(
                    household_id=h.household_id,
                    person_id=h.members[-1].person_id,
                    household=smaller,
                    reason="moved out",
                )
            )
    for h in households[60:80]:
        gone = h.model_copy(update={"status": HouseholdStatus.DEREGISTERED})
        events.append(HouseholdDeregistered(household_id=h.household_id, household=gone, reason="duplicate"))
    for h in households[80:90]:
        events.append(HouseholdUpdated(household_id=h.household_id, household=h))
    return [Received(REGISTRY.envelope(e), e) for e in events]


async def _state(conn: asyncpg.Connection) -> dict[str, Any]:
    decisions = await conn.fetch(
        """
        SELECT household_id, program, person_id, eligible, benefit_kind, benefit_centimos,
               benefit_period_months, priority_points, rule_set_version, as_of, failed_criteria,
               cause, caused_by_event_id
        FROM decisions ORDER BY household_id, program, person_id
        """
    )
    log = await conn.fetch(
        """
        SELECT household_id, program, person_id, eligible, previous_eligible, benefit_centimos,
               rule_set_version, as_of, failed_criteria, cause, caused_by_event_id
        FROM decision_log
        """
    )
    events: dict[str, list[dict[str, Any]]] = {}
    for row in await conn.fetch("SELECT message_key, headers, body FROM outbox ORDER BY position"):
        body = json.loads(row["body"])
        body.pop("decision_id")
        headers = json.loads(row["headers"])
        events.setdefault(row["message_key"], []).append({**body, "causation": headers.get("ce_causationid")})
    return {
        "decisions": [tuple(r) for r in decisions],
        "log": sorted((tuple(r) for r in log), key=repr),
        "events": events,
    }


@pytest.mark.asyncio(loop_scope="session")
async def test_the_batch_path_records_and_announces_what_cel_does_event_by_event(service_db) -> None:  # type: ignore[no-untyped-def]
    events = _events()
    pool = await create_pool(service_db.dsn, schema=service_db.schema, min_size=1, max_size=2)
    try:
        await migrate(
            ServiceDefinition(name="eligibility", title="t", migrations=MIGRATIONS), pool, service_db.schema
        )
        async with pool.acquire() as conn:
            # The reference: each event on its own, decided with CEL.
            for event in events:
                async with conn.transaction():
                    hh = event.payload.household
                    stored = await repository.apply_snapshots(conn, [hh], [event.envelope.id], ON)
                    outcome = await decide_and_record(
                        conn,
                        rule_book(),
                        hh,
                        stored[hh.household_id],
                        ON,
                        cause=DecisionCause.REGISTRY_EVENT,
                        caused_by=event.envelope.id,
                    )
                    uow = UnitOfWork(conn, ELIGIBILITY, FixedClock(ON), event.envelope)
                    from chasqui_common.messaging.context import handling

                    with handling(event.envelope):
                        await uow.publish(*outcome.announced)
            reference = await _state(conn)
            await conn.execute("TRUNCATE households, members, decisions, decision_log, outbox, inbox")
            # The event path: batches of 128 (registrations and updates of one household meet).
            for start in range(0, len(events), 128):
                async with conn.transaction():
                    await on_household_events(
                        UnitOfWork(conn, ELIGIBILITY, FixedClock(ON)), events[start : start + 128]
                    )
            batched = await _state(conn)
    finally:
        await pool.close()
    assert len(reference["decisions"]) > 1000
    assert sum(len(v) for v in reference["events"].values()) > 100
    assert batched["decisions"] == reference["decisions"]
    assert batched["log"] == reference["log"]
    assert batched["events"] == reference["events"]


def test_constructed_decision_events_validate_to_themselves() -> None:
    """The event path constructs `DecisionChanged` (and its recipient) without validating values
    that were validated upstream; validating what it constructed gives the same event."""
    from chasqui_eligibility.adapters.repository import NewDecision
    from chasqui_eligibility.application.decide import (
        _event,
        decide_batch,  # noqa: F401 (the path under test)
    )
    from chasqui_eligibility.domain.decisions import verdict_changes
    from chasqui_eligibility.domain.evaluation import verdicts_vector

    households = population(200, seed=3, today=ON)
    checked = 0
    for household, verdicts in zip(households, verdicts_vector(rule_book(), households, ON), strict=True):
        for change in verdict_changes(household.household_id, verdicts, []):
            if not change.announce:
                continue
            event = _event(
                NewDecision(change, uuid.uuid4(), ON, uuid.uuid4()), household, DecisionCause.REGISTRY_EVENT
            )
            dumped = event.model_dump(mode="json")
            assert DecisionChanged.model_validate(dumped).model_dump(mode="json") == dumped
            assert DecisionChanged.model_validate(dumped) == event
            checked += 1
    assert checked > 100
