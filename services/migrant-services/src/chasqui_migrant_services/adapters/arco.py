"""Migrant services' SQL for ARCO requests: a migrant and their documents, cases, history,
appointments and referrals, found, erased, or their contact consent withdrawn
(chasqui_migrant_services.application.arco)."""

from __future__ import annotations

from collections.abc import Sequence

from chasqui_common.db.pool import Connection
from chasqui_common.db.rows import StoredRow, uuids_of

CONSENT_COLUMNS = ("consent_sms", "consent_email", "consent_whatsapp")


async def migrant_ids(
    conn: Connection, document_type: str, document_number: str | None, person_ids: Sequence[str]
) -> list[str]:
    rows = await conn.fetch(
        """
        SELECT id FROM migrants
        WHERE id = ANY($3::uuid[])
           OR id IN (SELECT migrant_id FROM migrant_documents WHERE type = $1 AND number = $2)
        ORDER BY id
        """,
        document_type,
        document_number,
        uuids_of(person_ids),
    )
    return [str(row["id"]) for row in rows]


_READS = (
    ("migrants", "SELECT * FROM migrants WHERE id = ANY($1::uuid[])", "id"),
    ("migrant_documents", "SELECT * FROM migrant_documents WHERE migrant_id = ANY($1::uuid[])", "id"),
    (
        "document_expiry_alerts",
        "SELECT a.* FROM document_expiry_alerts a JOIN migrant_documents d ON d.id = a.document_id "
        "WHERE d.migrant_id = ANY($1::uuid[])",
        "document_id",
    ),
    ("cases", "SELECT * FROM cases WHERE migrant_id = ANY($1::uuid[])", "id"),
    (
        "case_history",
        "SELECT h.* FROM case_history h JOIN cases c ON c.id = h.case_id WHERE c.migrant_id = ANY($1::uuid[])",
        "id",
    ),
    ("appointments", "SELECT * FROM appointments WHERE migrant_id = ANY($1::uuid[])", "id"),
    ("referrals", "SELECT * FROM referrals WHERE migrant_id = ANY($1::uuid[])", "id"),
)


async def records(conn: Connection, ids: Sequence[str]) -> list[StoredRow]:
    found: list[StoredRow] = []
    for store, sql, key in _READS:
        found += [StoredRow(store, str(row[key]), dict(row)) for row in await conn.fetch(sql, uuids_of(ids))]
    return found


async def delete_migrants(conn: Connection, ids: Sequence[str]) -> int:
    """Delete the migrants and every row about them; live bookings give their slot back."""
    keys = uuids_of(ids)
    statements = (
        """
        UPDATE slot_days s SET booked = s.booked - b.n
        FROM (SELECT attention_point, service, day, count(*) AS n FROM appointments
              WHERE migrant_id = ANY($1::uuid[]) AND status = 'booked'
              GROUP BY attention_point, service, day) b
        WHERE (s.attention_point, s.service, s.day) = (b.attention_point, b.service, b.day)
        """,
        "DELETE FROM appointments WHERE migrant_id = ANY($1::uuid[])",
        "DELETE FROM referrals WHERE migrant_id = ANY($1::uuid[])",
        "DELETE FROM case_history WHERE case_id IN (SELECT id FROM cases WHERE migrant_id = ANY($1::uuid[]))",
        "DELETE FROM cases WHERE migrant_id = ANY($1::uuid[])",
        "DELETE FROM document_expiry_alerts WHERE document_id IN "
        "(SELECT id FROM migrant_documents WHERE migrant_id = ANY($1::uuid[]))",
        "DELETE FROM migrant_documents WHERE migrant_id = ANY($1::uuid[])",
        "DELETE FROM migrants WHERE id = ANY($1::uuid[])",
    )
    deleted = 0
    for sql in statements:
        status = await conn.execute(sql, keys)
        if status.startswith("DELETE"):
            deleted += int(status.split()[-1])
    return deleted


async def withdraw_consent(conn: Connection, ids: Sequence[str], columns: Sequence[str]) -> int:
    """Set consent `columns` (from CONSENT_COLUMNS only) to false for the migrants."""
    assignments = ", ".join(f"{column} = false" for column in columns if column in CONSENT_COLUMNS)
    status = await conn.execute(
        f"UPDATE migrants SET {assignments} WHERE id = ANY($1::uuid[])",
        uuids_of(ids),
    )
    return int(status.split()[-1])
