"""Eligibility's SQL for ARCO requests: the person in the household projection and the decisions
about them, found or erased (chasqui_eligibility.application.arco)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from chasqui_common.db.pool import Connection


@dataclass(frozen=True)
class ProjectedMember:
    """The person as a member of one projected household (the registry snapshot's entry)."""

    household_id: str
    person_id: str
    snapshot_entry: dict[str, Any]


@dataclass(frozen=True)
class StoredRow:
    key: str
    fields: dict[str, Any]


async def projected_members(
    conn: Connection, document_type: str, document_number: str | None, person_ids: Sequence[str]
) -> list[ProjectedMember]:
    rows = await conn.fetch(
        """
        SELECT h.household_id, m.value AS member
        FROM households h CROSS JOIN LATERAL jsonb_array_elements(h.snapshot -> 'members') AS m (value)
        WHERE (m.value #>> '{document,type}' = $1 AND m.value #>> '{document,number}' = $2)
           OR m.value ->> 'person_id' = ANY($3::text[])
        ORDER BY h.household_id
        """,
        document_type,
        document_number,
        list(person_ids),
    )
    found = []
    for row in rows:
        member = json.loads(row["member"])
        found.append(ProjectedMember(row["household_id"], str(member.get("person_id")), member))
    return found


async def households(conn: Connection, household_ids: Sequence[str]) -> list[StoredRow]:
    """The projected households, without their members' entries (those of other people)."""
    rows = await conn.fetch(
        """
        SELECT household_id, active, ubigeo, cse_level, cse_valid_from, cse_valid_until,
               residence_since, evaluated_on, updated_at
        FROM households WHERE household_id = ANY($1::text[]) ORDER BY household_id
        """,
        list(household_ids),
    )
    return [StoredRow(row["household_id"], dict(row)) for row in rows]


async def decisions(conn: Connection, person_ids: Sequence[str]) -> list[StoredRow]:
    rows = await conn.fetch(
        """
        SELECT household_id, program, person_id, decision_id, eligible, benefit_kind, benefit_centimos,
               benefit_period_months, priority_points, rule_set_version, as_of, failed_criteria,
               cause, decided_at
        FROM decisions WHERE person_id = ANY($1::text[]) ORDER BY household_id, program
        """,
        list(person_ids),
    )
    return [StoredRow(str(row["decision_id"]), dict(row)) for row in rows]


async def decision_history(conn: Connection, person_ids: Sequence[str]) -> list[StoredRow]:
    rows = await conn.fetch(
        """
        SELECT decision_id, household_id, program, person_id, eligible, previous_eligible,
               benefit_centimos, rule_set_version, as_of, failed_criteria, cause, decided_at
        FROM decision_log WHERE person_id = ANY($1::text[]) ORDER BY decided_at
        """,
        list(person_ids),
    )
    return [StoredRow(str(row["decision_id"]), dict(row)) for row in rows]


async def erase_members(conn: Connection, household_ids: Sequence[str], person_ids: Sequence[str]) -> int:
    """Remove the people from the households' snapshots and member rows, with the decisions about
    them; then delete each household left with no member, with all of its decisions."""
    ids, households_ = list(person_ids), list(household_ids)
    counts = [
        await conn.execute(
            """
            UPDATE households SET snapshot = jsonb_set(snapshot, '{members}', (
                SELECT coalesce(jsonb_agg(m.value ORDER BY m.ord), '[]'::jsonb)
                FROM jsonb_array_elements(snapshot -> 'members') WITH ORDINALITY AS m (value, ord)
                WHERE NOT (m.value ->> 'person_id' = ANY($2::text[]))))
            WHERE household_id = ANY($1::text[])
            """,
            households_,
            ids,
        ),
        await conn.execute("DELETE FROM members WHERE person_id = ANY($1::text[])", ids),
        await conn.execute("DELETE FROM decisions WHERE person_id = ANY($1::text[])", ids),
        await conn.execute("DELETE FROM decision_log WHERE person_id = ANY($1::text[])", ids),
    ]
    empty = [
        row["household_id"]
        for row in await conn.fetch(
            "SELECT household_id FROM households WHERE household_id = ANY($1::text[]) "
            "AND jsonb_array_length(snapshot -> 'members') = 0",
            households_,
        )
    ]
    if empty:
        counts += [
            await conn.execute("DELETE FROM decisions WHERE household_id = ANY($1::text[])", empty),
            await conn.execute("DELETE FROM decision_log WHERE household_id = ANY($1::text[])", empty),
            await conn.execute("DELETE FROM members WHERE household_id = ANY($1::text[])", empty),
            await conn.execute("DELETE FROM households WHERE household_id = ANY($1::text[])", empty),
        ]
    return sum(int(status.split()[-1]) for status in counts)
