"""Employment matching's SQL for ARCO requests: a job seeker and everything linked to them, found,
erased, or their contact consent withdrawn (chasqui_employment_matching.application.arco)."""

from __future__ import annotations

from collections.abc import Sequence

from chasqui_common.db.pool import Connection
from chasqui_common.db.rows import StoredRow, uuids_of

LINKED = ("job_fair_attendees", "matches", "proposals", "applications", "placements")
"""Tables with a row per (seeker, something): deleted before the seeker."""


async def seekers(
    conn: Connection, document_type: str, document_number: str | None, person_ids: Sequence[str]
) -> list[StoredRow]:
    rows = await conn.fetch(
        """
        SELECT * FROM job_seekers
        WHERE (document_type = $1 AND document_number = $2)
           OR person_id = ANY($3::text[]) OR seeker_id = ANY($4::uuid[])
        ORDER BY seeker_id
        """,
        document_type,
        document_number,
        list(person_ids),
        uuids_of(person_ids),
    )
    return [StoredRow("job_seekers", str(row["seeker_id"]), dict(row)) for row in rows]


async def linked(conn: Connection, seeker_ids: Sequence[str]) -> list[StoredRow]:
    """The seekers' rows in every linked table (fair attendance, matches, proposals, ...)."""
    found: list[StoredRow] = []
    for table in LINKED:
        rows = await conn.fetch(
            f"SELECT * FROM {table} WHERE seeker_id = ANY($1::uuid[])",
            uuids_of(seeker_ids),
        )
        found += [
            StoredRow(table, f"{row['seeker_id']}/{row.get('vacancy_id') or row.get('fair_id')}", dict(row))
            for row in rows
        ]
    return found


async def delete_seekers(conn: Connection, seeker_ids: Sequence[str]) -> int:
    ids = uuids_of(seeker_ids)
    deleted = 0
    for table in (*LINKED, "job_seekers"):
        status = await conn.execute(f"DELETE FROM {table} WHERE seeker_id = ANY($1::uuid[])", ids)
        deleted += int(status.split()[-1])
    return deleted


async def withdraw_consent(conn: Connection, seeker_ids: Sequence[str], columns: Sequence[str]) -> int:
    """Set the consent `columns` (from CONSENT_COLUMNS only) to false for the seekers."""
    assignments = ", ".join(f"{column} = false" for column in columns)
    status = await conn.execute(
        f"UPDATE job_seekers SET {assignments}, updated_at = now() WHERE seeker_id = ANY($1::uuid[])",
        uuids_of(seeker_ids),
    )
    return int(status.split()[-1])
