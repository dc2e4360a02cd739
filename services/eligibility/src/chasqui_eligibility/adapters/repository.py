"""The only module that speaks SQL: the household projection, decisions and sweep state."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

from chasqui_common.db.pool import Connection
from chasqui_common.events.eligibility import DecisionCause
from chasqui_common.events.registry import Household, HouseholdStatus

from chasqui_eligibility.domain.decisions import Change, StoredDecision
from chasqui_eligibility.domain.vectorised import HouseholdRow, PersonRow


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


async def get_household(conn: Connection, household_id: str, *, lock: bool = False) -> Household | None:
    sql = "SELECT snapshot FROM households WHERE household_id = $1" + (" FOR UPDATE" if lock else "")
    raw = await conn.fetchval(sql, household_id)
    return None if raw is None else Household.model_validate_json(raw)


async def get_households(conn: Connection, household_ids: Sequence[str]) -> list[Household]:
    rows = await conn.fetch(
        "SELECT snapshot FROM households WHERE household_id = ANY($1::text[]) ORDER BY household_id",
        list(household_ids),
    )
    return [Household.model_validate_json(row["snapshot"]) for row in rows]


async def mark_evaluated(conn: Connection, household_id: str, on: date) -> None:
    await conn.execute("UPDATE households SET evaluated_on = $2 WHERE household_id = $1", household_id, on)


async def stored_decisions(conn: Connection, household_id: str) -> list[StoredDecision]:
    rows = await conn.fetch(
        """
        SELECT program, person_id, eligible, benefit_centimos, rule_set_version, priority_points
        FROM decisions WHERE household_id = $1
        """,
        household_id,
    )
    return [
        StoredDecision(
            program=r["program"],
            person_id=r["person_id"] or None,
            eligible=r["eligible"],
            benefit_amount_centimos=r["benefit_centimos"],
            rule_set_version=r["rule_set_version"],
            priority_points=r["priority_points"],
        )
        for r in rows
    ]


async def decision_rows(conn: Connection, household_id: str) -> list[dict[str, Any]]:
    rows = await conn.fetch(
        "SELECT * FROM decisions WHERE household_id = $1 ORDER BY program, person_id", household_id
    )
    return [dict(r) for r in rows]


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


# --- bulk reads for the fast path ---------------------------------------------------------------


async def projection_rows(
    conn: Connection, after_seq: int = 0
) -> tuple[list[HouseholdRow], list[PersonRow], int]:
    """Households changed after `after_seq` (all with 0) and their members, as plain rows."""
    top = await conn.fetchval("SELECT coalesce(max(seq), 0) FROM households")
    households = await conn.fetch(
        """
        SELECT household_id, active, ubigeo, cse_level,
               cse_valid_from - DATE '0001-01-01' + 1 AS cse_from,
               cse_valid_until - DATE '0001-01-01' + 1 AS cse_until,
               extract(year FROM residence_since)::int AS ry,
               extract(month FROM residence_since)::int AS rm,
               extract(day FROM residence_since)::int AS rd
        FROM households WHERE seq > $1 AND seq <= $2
        """,
        after_seq,
        top,
    )
    persons = await conn.fetch(
        """
        SELECT m.household_id, m.person_id, extract(year FROM m.birth_date)::int,
               extract(month FROM m.birth_date)::int, extract(day FROM m.birth_date)::int,
               m.document_type, m.pension, m.disability_severity, m.disability_certified,
               m.pregnant, m.secondary_last_year, m.secondary_completed, m.in_school
        FROM members m JOIN households h USING (household_id)
        WHERE h.seq > $1 AND h.seq <= $2
        """,
        after_seq,
        top,
    )
    return (
        [tuple(r) for r in households],
        [tuple(r) for r in persons],
        int(top),
    )


async def evaluated_on_by_household(conn: Connection) -> dict[str, date | None]:
    rows = await conn.fetch("SELECT household_id, evaluated_on FROM households")
    return {r["household_id"]: r["evaluated_on"] for r in rows}


async def last_swept(conn: Connection) -> date | None:
    value: date | None = await conn.fetchval("SELECT last_swept FROM sweep_state WHERE id = 1")
    return value


async def oldest_evaluation(conn: Connection) -> date | None:
    value: date | None = await conn.fetchval("SELECT min(evaluated_on) FROM households")
    return value


async def set_last_swept(conn: Connection, day: date) -> None:
    await conn.execute(
        """
        INSERT INTO sweep_state (id, last_swept) VALUES (1, $1)
        ON CONFLICT (id) DO UPDATE SET last_swept = EXCLUDED.last_swept, finished_at = now()
        """,
        day,
    )


async def try_sweep_lock(conn: Connection) -> bool:
    return bool(await conn.fetchval("SELECT pg_try_advisory_xact_lock(hashtext('eligibility:sweep'))"))
