"""SQL of the worklists fed by eligibility decisions (migration 0002_worklists.sql)."""

from __future__ import annotations

from datetime import date, datetime

from chasqui_common.db.pool import Connection
from chasqui_common.db.rows import from_row

from chasqui_citizen_attention.domain.municipalities import Office
from chasqui_citizen_attention.domain.worklists import WorklistEntry


async def newer_than_seen(conn: Connection, office: Office, subject_id: str, decided_at: datetime) -> bool:
    """Record `decided_at` as the latest decision time seen for (office, subject) and say whether
    it is newer than any seen before (an older or equal one changes nothing)."""
    row = await conn.fetchrow(
        """
        INSERT INTO worklist_seen (office, subject_id, decided_at) VALUES ($1, $2, $3)
        ON CONFLICT (office, subject_id) DO UPDATE SET decided_at = EXCLUDED.decided_at
            WHERE worklist_seen.decided_at < EXCLUDED.decided_at
        RETURNING 1
        """,
        office.value,
        subject_id,
        decided_at,
    )
    return row is not None


async def put_entry(
    conn: Connection,
    *,
    office: Office,
    subject_id: str,
    household_id: str,
    person_id: str | None,
    recipient_person_id: str | None,
    program: str,
    reason: str,
    decision_id: str,
    since: date,
    decided_at: datetime,
) -> None:
    await conn.execute(
        """
        INSERT INTO worklist_entries (office, subject_id, household_id, person_id, recipient_person_id,
                                      program, reason, decision_id, since, decided_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        ON CONFLICT (office, subject_id) DO UPDATE SET
            household_id = EXCLUDED.household_id, person_id = EXCLUDED.person_id,
            recipient_person_id = EXCLUDED.recipient_person_id, program = EXCLUDED.program,
            reason = EXCLUDED.reason, decision_id = EXCLUDED.decision_id, since = EXCLUDED.since,
            decided_at = EXCLUDED.decided_at
        """,
        office.value,
        subject_id,
        household_id,
        person_id,
        recipient_person_id,
        program,
        reason,
        decision_id,
        since,
        decided_at,
    )


async def remove_entry(conn: Connection, office: Office, subject_id: str) -> None:
    await conn.execute(
        "DELETE FROM worklist_entries WHERE office = $1 AND subject_id = $2", office.value, subject_id
    )


async def list_entries(
    conn: Connection, office: Office, municipality: str | None, limit: int
) -> list[WorklistEntry]:
    """The office's entries, newest first, each with the person the citizen projection knows (the
    person decided about; for the ULE the household's head); with `municipality`, only people of
    households in that district."""
    rows = await conn.fetch(
        """
        SELECT w.office, w.household_id, w.person_id, w.recipient_person_id, w.program, w.reason,
               w.decision_id, w.since, w.decided_at, c.citizen_id, c.household_ubigeo AS municipality,
               c.document_type, c.document_number, c.given_names, c.paternal_surname, c.maternal_surname
        FROM worklist_entries w
        LEFT JOIN LATERAL (
            SELECT * FROM citizens c
            WHERE c.person_id = coalesce(w.person_id, w.recipient_person_id)
            ORDER BY c.updated_at DESC LIMIT 1
        ) c ON true
        WHERE w.office = $1 AND ($2::text IS NULL OR c.household_ubigeo = $2)
        ORDER BY w.since DESC, w.decided_at DESC, w.subject_id
        LIMIT $3
        """,
        office.value,
        municipality,
        limit,
    )
    return [from_row(WorklistEntry, row) for row in rows]
