"""Citizen attention's SQL for ARCO requests: a citizen of the projection and every row about them
(tickets, attentions, referrals, S100 requests, worklist entries), found or erased
(chasqui_citizen_attention.application.arco)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from chasqui_common.db.pool import Connection
from chasqui_common.db.rows import StoredRow


@dataclass(frozen=True)
class CitizenIds:
    """A citizen's own id and the ids other services gave the same person (registry person id,
    migrant id, job-seeker id), each None when not known."""

    citizen_id: str
    person_id: str | None
    migrant_id: str | None
    seeker_id: str | None

    @property
    def all(self) -> list[str]:
        return [i for i in (self.citizen_id, self.person_id, self.migrant_id, self.seeker_id) if i]


async def citizens(
    conn: Connection, document_type: str, document_number: str | None, person_ids: Sequence[str]
) -> list[CitizenIds]:
    """The citizens with this document, or known by any of `person_ids` (this service's citizen id
    or the registry, migrant or job-seeker id the projection took from events)."""
    rows = await conn.fetch(
        """
        SELECT citizen_id, person_id, migrant_id, seeker_id FROM citizens
        WHERE (document_type = $1 AND document_number = $2)
           OR citizen_id = ANY($3::text[]) OR person_id = ANY($3::text[])
           OR migrant_id = ANY($3::text[]) OR seeker_id = ANY($3::text[])
        ORDER BY citizen_id
        """,
        document_type,
        document_number,
        list(person_ids),
    )
    return [
        CitizenIds(row["citizen_id"], row["person_id"], row["migrant_id"], row["seeker_id"]) for row in rows
    ]


_READS = (
    (
        "citizens",
        "SELECT * FROM citizens WHERE citizen_id = ANY($1::text[]) ORDER BY citizen_id",
        "citizen_id",
    ),
    ("tickets", "SELECT * FROM tickets WHERE citizen_id = ANY($1::text[]) ORDER BY issued_at", "ticket_id"),
    (
        "attentions",
        "SELECT * FROM attentions WHERE citizen_id = ANY($1::text[]) ORDER BY started_at",
        "attention_id",
    ),
    (
        "referrals",
        "SELECT * FROM referrals WHERE citizen_id = ANY($1::text[]) ORDER BY made_at",
        "referral_id",
    ),
    (
        "classification_requests",
        "SELECT * FROM classification_requests WHERE citizen_id = ANY($1::text[]) ORDER BY created_at",
        "request_id",
    ),
)

_WORKLIST = """
SELECT * FROM worklist_entries
WHERE subject_id = ANY($1::text[]) OR person_id = ANY($1::text[]) OR recipient_person_id = ANY($1::text[])
ORDER BY office, subject_id
"""


async def records(
    conn: Connection, citizen_ids: Sequence[str], registry_ids: Sequence[str]
) -> list[StoredRow]:
    """Every row about the citizens, DEMUNA records included (the person's own data); worklist
    entries that name them by registry person id (as the person decided about or the household's
    recipient)."""
    found: list[StoredRow] = []
    for store, sql, key in _READS:
        found += [
            StoredRow(store, str(row[key]), dict(row)) for row in await conn.fetch(sql, list(citizen_ids))
        ]
    if registry_ids:
        found += [
            StoredRow("worklist_entries", f"{row['office']}/{row['subject_id']}", dict(row))
            for row in await conn.fetch(_WORKLIST, list(registry_ids))
        ]
    return found


def _count(status: str) -> int:
    return int(status.split()[-1]) if status.startswith(("DELETE", "UPDATE")) else 0


async def delete_citizens(conn: Connection, citizen_ids: Sequence[str], registry_ids: Sequence[str]) -> int:
    """Delete the citizens and every row about them; a household's ULE worklist entry whose
    recipient is the person stays (it is the household's) without naming them. Returns the rows
    deleted or anonymised."""
    ids = list(citizen_ids)
    changed = 0
    for sql in (
        "DELETE FROM attentions WHERE citizen_id = ANY($1::text[])",
        "DELETE FROM tickets WHERE citizen_id = ANY($1::text[])",
        "DELETE FROM referrals WHERE citizen_id = ANY($1::text[])",
        "DELETE FROM classification_requests WHERE citizen_id = ANY($1::text[])",
        "DELETE FROM citizens WHERE citizen_id = ANY($1::text[])",
    ):
        changed += _count(await conn.execute(sql, ids))
    if registry_ids:
        for sql in (
            "DELETE FROM worklist_entries WHERE subject_id = ANY($1::text[]) OR person_id = ANY($1::text[])",
            "UPDATE worklist_entries SET recipient_person_id = NULL WHERE recipient_person_id = ANY($1::text[])",
            "DELETE FROM worklist_seen WHERE subject_id = ANY($1::text[])",
        ):
            changed += _count(await conn.execute(sql, list(registry_ids)))
    return changed
