"""The event path as it was before it was optimised (kept for the benchmark's baseline only).

A faithful copy of the previous handler: cel-python's tree-walking interpreter with the facts
converted to CEL values again for every decision, and five SQL round trips per household
(upsert household, delete members, insert members, read decisions, then two inserts and an
update). Not used by the service.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.db.pool import Connection
from chasqui_common.events.eligibility import DecisionCause, DecisionChanged
from chasqui_common.events.registry import Household, HouseholdStatus, Member, Relationship
from chasqui_common.messaging.consumer import EventConsumer
from chasqui_common.topics import REGISTRY_HOUSEHOLDS
from chasqui_eligibility.adapters import repository
from chasqui_eligibility.application.event_handlers import REGISTRY_EVENTS, HouseholdEvent
from chasqui_eligibility.domain.decisions import Change, CriterionResult, Decision, changes
from chasqui_eligibility.domain.evaluation import CompiledRuleSet, _values_seen, compile_rule_set
from chasqui_eligibility.domain.expressions import ExpressionError, activation
from chasqui_eligibility.domain.facts import household_facts
from chasqui_eligibility.domain.rules import RuleBook, Unit


def make_legacy_consumer(book: RuleBook, name: str) -> EventConsumer:
    consumer = EventConsumer(name, topics=[REGISTRY_HOUSEHOLDS])

    async def on_household_event(uow: UnitOfWork, event: HouseholdEvent) -> None:
        await upsert_household(uow.conn, event.household, uow.event.id)
        on = uow.clock.today()
        household = event.household
        stored = await repository.stored_decisions(uow.conn, household.household_id)
        reason = "household deregistered" if household.status.value != "active" else "no longer a member"
        found = changes(
            household.household_id,
            evaluate_household(book, household, on),
            stored,
            on,
            gone_reason=reason,
        )
        ids = [uuid.uuid4() for _ in found]
        if found:
            await record_changes(uow.conn, found, ids, DecisionCause.REGISTRY_EVENT, uow.event.id)
        await repository.mark_evaluated(uow.conn, household.household_id, on)
        events = [
            _event(change, decision_id, household, DecisionCause.REGISTRY_EVENT, uow.event.id)
            for change, decision_id in zip(found, ids, strict=True)
            if change.announce
        ]
        if events:
            await uow.publish(*events)

    for model in REGISTRY_EVENTS:
        consumer.on(model)(on_household_event)
    return consumer


def evaluate_household(book: RuleBook, household: Household, on: date) -> list[Decision]:
    if household.status != HouseholdStatus.ACTIVE:
        return []
    facts = household_facts(household, on)
    decisions: list[Decision] = []
    for program, rule_set in book.in_force(on):
        compiled = compile_rule_set(program.code, program.unit, rule_set)
        if program.unit == Unit.HOUSEHOLD:
            decisions.append(_decide(compiled, household.household_id, None, facts, None, on))
        else:
            decisions.extend(
                _decide(compiled, household.household_id, p["person_id"], facts, p, on)
                for p in facts["members"]
            )
    return decisions


def _decide(
    compiled: CompiledRuleSet,
    household_id: str,
    person_id: str | None,
    household: dict[str, Any],
    person: dict[str, Any] | None,
    on: date,
) -> Decision:
    env = activation(household, person)
    results = []
    for item in compiled.criteria:
        value = item.cel.evaluate(env, "interpreted")
        if not isinstance(value, bool) and type(value).__name__ != "BoolType":
            raise ExpressionError(f"expected a boolean, got {value!r}")
        results.append(
            CriterionResult(
                name=item.criterion.name,
                passed=bool(value),
                values=_values_seen(item.cel, household, person),
                explanation_es=item.criterion.explanation.es,
                explanation_en=item.criterion.explanation.en,
            )
        )
    eligible = all(r.passed for r in results)
    benefit = compiled.rule_set.benefit
    points = None
    if eligible and compiled.points is not None:
        points = int(compiled.points.evaluate(env, "interpreted"))
    return Decision(
        program=compiled.program,
        household_id=household_id,
        person_id=person_id,
        eligible=eligible,
        criteria=tuple(results),
        rule_set_version=compiled.rule_set.version,
        as_of=on,
        benefit_kind=benefit.kind,
        benefit_amount_centimos=benefit.amount_centimos,
        benefit_period_months=benefit.period_months,
        priority_points=points,
    )


async def upsert_household(conn: Connection, household: Household, event_id: UUID | None) -> None:
    """Replace the household's projection with the snapshot (every registry event carries one)."""
    cse = household.classification
    await conn.execute(
        """
        INSERT INTO households (household_id, snapshot, active, ubigeo, cse_level, cse_valid_from,
                                cse_valid_until, residence_since, last_event_id)
        VALUES ($1, $2::jsonb, $3, $4, $5, $6, $7, $8, $9)
        ON CONFLICT (household_id) DO UPDATE SET
            snapshot = EXCLUDED.snapshot, active = EXCLUDED.active, ubigeo = EXCLUDED.ubigeo,
            cse_level = EXCLUDED.cse_level, cse_valid_from = EXCLUDED.cse_valid_from,
            cse_valid_until = EXCLUDED.cse_valid_until, residence_since = EXCLUDED.residence_since,
            last_event_id = EXCLUDED.last_event_id, seq = nextval('projection_seq'), updated_at = now()
        """,
        household.household_id,
        household.model_dump_json(),
        household.status == HouseholdStatus.ACTIVE,
        household.ubigeo,
        cse.level.value if cse else None,
        cse.valid_from if cse else None,
        cse.valid_until if cse else None,
        household.residence_since,
        event_id,
    )
    await conn.execute("DELETE FROM members WHERE household_id = $1", household.household_id)
    await conn.executemany(
        """
        INSERT INTO members (household_id, person_id, birth_date, document_type, pension,
            disability_severity, disability_certified, pregnant, secondary_last_year,
            secondary_completed, in_school)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        """,
        [
            (
                household.household_id,
                m.person_id,
                m.birth_date,
                m.document.type.value,
                m.pension.value,
                m.disability.severity.value,
                m.disability.certified,
                m.pregnant,
                m.education.secondary_last_year,
                m.education.secondary_completed,
                m.education.in_school,
            )
            for m in household.members
        ],
    )


async def record_changes(
    conn: Connection,
    changes: Sequence[Change],
    ids: Sequence[UUID],
    cause: DecisionCause,
    caused_by: UUID | None,
) -> None:
    """Upsert the current decisions and append them to the log, in the caller's transaction."""
    rows = []
    for change, decision_id in zip(changes, ids, strict=True):
        d = change.decision
        rows.append(
            (
                d.household_id,
                d.program,
                d.person_id or "",
                decision_id,
                d.eligible,
                d.benefit_kind.value,
                d.benefit_amount_centimos,
                d.benefit_period_months,
                d.priority_points,
                d.rule_set_version,
                d.as_of,
                json.dumps([c.as_json() for c in d.criteria], ensure_ascii=False),
                cause.value,
                caused_by,
                change.previous_eligible,
            )
        )
    await conn.executemany(
        """
        INSERT INTO decisions (household_id, program, person_id, decision_id, eligible, benefit_kind,
            benefit_centimos, benefit_period_months, priority_points, rule_set_version, as_of,
            criteria, cause, caused_by_event_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14)
        ON CONFLICT (household_id, program, person_id) DO UPDATE SET
            decision_id = EXCLUDED.decision_id, eligible = EXCLUDED.eligible,
            benefit_kind = EXCLUDED.benefit_kind, benefit_centimos = EXCLUDED.benefit_centimos,
            benefit_period_months = EXCLUDED.benefit_period_months,
            priority_points = EXCLUDED.priority_points, rule_set_version = EXCLUDED.rule_set_version,
            as_of = EXCLUDED.as_of, criteria = EXCLUDED.criteria, cause = EXCLUDED.cause,
            caused_by_event_id = EXCLUDED.caused_by_event_id, decided_at = now()
        """,
        [row[:14] for row in rows],
    )
    await conn.executemany(
        """
        INSERT INTO decision_log (decision_id, household_id, program, person_id, eligible,
            previous_eligible, benefit_centimos, rule_set_version, as_of, criteria, cause,
            caused_by_event_id)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12)
        """,
        [
            (
                row[3],
                row[0],
                row[1],
                row[2],
                row[4],
                row[14],
                row[6],
                row[9],
                row[10],
                row[11],
                row[12],
                row[13],
            )
            for row in rows
        ],
    )


# The event and recipient as the handler built them then (validated pydantic models).


def _event(
    change: Change, decision_id: UUID, household: Household, cause: DecisionCause, caused_by: UUID | None
) -> DecisionChanged:
    d = change.decision
    previous = change.previous
    return DecisionChanged(
        decision_id=str(decision_id),
        household_id=d.household_id,
        program=d.program,
        person_id=d.person_id,
        eligible=d.eligible,
        previous_eligible=change.previous_eligible,
        benefit_kind=d.benefit_kind,
        benefit_amount_centimos=d.paid_amount,
        previous_benefit_amount_centimos=previous.paid_amount if previous is not None else None,
        benefit_period_months=d.benefit_period_months if d.eligible else None,
        priority_points=d.priority_points,
        rule_set_version=d.rule_set_version,
        as_of=d.as_of,
        failed_criteria=d.failed_criteria,
        cause=cause,
        caused_by_event_id=str(caused_by) if caused_by else None,
        recipient_person_id=_recipient_person_id(household, d.person_id),
    )


def _recipient_person_id(household: Household, person_id: str | None) -> str | None:
    # decision.changed.v2 names who is told, without contact details (ADR 0008).
    if person_id is not None:
        return person_id
    member: Member | None = next((m for m in household.members if m.relationship == Relationship.HEAD), None)
    member = member or (household.members[0] if household.members else None)
    return member.person_id if member is not None else None
