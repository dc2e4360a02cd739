"""The registry's SQL for ARCO requests: a person's memberships and households, found, erased or
their contact consent withdrawn (chasqui_registry.application.arco)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from chasqui_common.db.pool import Connection


@dataclass(frozen=True)
class Membership:
    """One row of `persons` (a person's membership of a household) as stored."""

    membership_id: int
    person_id: str
    household_id: str
    fields: dict[str, Any]


@dataclass(frozen=True)
class HouseholdRow:
    household_id: str
    fields: dict[str, Any]


def _ids(values: Sequence[str]) -> list[UUID]:
    found = []
    for value in values:
        try:
            found.append(UUID(value))
        except ValueError:
            continue  # an id another service gave the person: not a registry person id
    return found


async def memberships(
    conn: Connection, document_type: str, document_number: str | None, person_ids: Sequence[str]
) -> list[Membership]:
    """Every membership (current or former) of the person: by document or by person id."""
    rows = await conn.fetch(
        """
        SELECT membership_id, person_id, household_id, position, document_type, document_number,
               registered, removed_reason, removed_at, data
        FROM persons
        WHERE (document_type = $1 AND document_number = $2) OR person_id = ANY($3::uuid[])
        ORDER BY membership_id
        """,
        document_type,
        document_number,
        _ids(person_ids),
    )
    return [
        Membership(
            row["membership_id"],
            str(row["person_id"]),
            str(row["household_id"]),
            {**dict(row), "data": json.loads(row["data"])},
        )
        for row in rows
    ]


async def households(conn: Connection, household_ids: Sequence[str]) -> list[HouseholdRow]:
    rows = await conn.fetch(
        """
        SELECT household_id, ubigeo, address, residence_since, registering_unit, status,
               classification, deregistered_reason, created_at, updated_at
        FROM households WHERE household_id = ANY($1::uuid[]) ORDER BY household_id
        """,
        _ids(household_ids),
    )
    return [
        HouseholdRow(
            str(row["household_id"]),
            {
                **dict(row),
                "classification": json.loads(row["classification"]) if row["classification"] else None,
            },
        )
        for row in rows
    ]


async def delete_memberships(conn: Connection, membership_ids: Sequence[int]) -> int:
    status = await conn.execute(
        "DELETE FROM persons WHERE membership_id = ANY($1::bigint[])", list(membership_ids)
    )
    return int(status.split()[-1])


async def delete_empty_households(conn: Connection, household_ids: Sequence[str]) -> int:
    """Delete those of `household_ids` with no member left, and their CSE history."""
    empty = await conn.fetch(
        """
        SELECT h.household_id FROM households h
        WHERE h.household_id = ANY($1::uuid[])
          AND NOT EXISTS (SELECT 1 FROM persons p WHERE p.household_id = h.household_id)
        """,
        _ids(household_ids),
    )
    keys = [row["household_id"] for row in empty]
    if not keys:
        return 0
    classifications = await conn.execute(
        "DELETE FROM classifications WHERE household_id = ANY($1::uuid[])", keys
    )
    status = await conn.execute("DELETE FROM households WHERE household_id = ANY($1::uuid[])", keys)
    return int(status.split()[-1]) + int(classifications.split()[-1])


async def delete_import_errors_mentioning(conn: Connection, needles: Sequence[str]) -> int:
    """Import error rows whose echoed value or household key holds the person's document."""
    status = await conn.execute(
        """
        DELETE FROM import_errors e
        WHERE EXISTS (SELECT 1 FROM unnest($1::text[]) AS n (needle)
                      WHERE position(n.needle IN coalesce(e.value, '')) > 0
                         OR position(n.needle IN coalesce(e.household_key, '')) > 0)
        """,
        [n for n in needles if n],
    )
    return int(status.split()[-1])


async def withdraw_consent(conn: Connection, membership_ids: Sequence[int], channels: Sequence[str]) -> int:
    """Set `contact.consent.<channel>` to false on the memberships; returns the rows changed."""
    off = json.dumps(dict.fromkeys(channels, False))
    status = await conn.execute(
        """
        UPDATE persons
        SET data = jsonb_set(data, '{contact,consent}',
                             coalesce(data #> '{contact,consent}', '{}'::jsonb) || $2::jsonb, true)
        WHERE membership_id = ANY($1::bigint[]) AND data ? 'contact'
        """,
        list(membership_ids),
        off,
    )
    return int(status.split()[-1])
