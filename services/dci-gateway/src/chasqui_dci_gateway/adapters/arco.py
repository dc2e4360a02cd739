"""The DCI gateway's SQL for ARCO requests: the person in the registry projection, and the stored
answers, callbacks and subscriptions that name them (chasqui_dci_gateway.application.arco)."""

from __future__ import annotations

from collections.abc import Sequence

from chasqui_common.db.pool import Connection
from chasqui_common.db.rows import StoredRow


async def members(
    conn: Connection, document_type: str, document_number: str | None, person_ids: Sequence[str]
) -> list[StoredRow]:
    rows = await conn.fetch(
        """
        SELECT m.*, h.ubigeo, h.address, h.cse_level, h.cse_valid_until
        FROM members m JOIN households h USING (household_id)
        WHERE (m.document_type = $1 AND m.document_number = $2) OR m.person_id = ANY($3::text[])
        ORDER BY m.household_id
        """,
        document_type,
        document_number,
        list(person_ids),
    )
    return [StoredRow("members", f"{row['household_id']}/{row['person_id']}", dict(row)) for row in rows]


_MENTIONS = """EXISTS (SELECT 1 FROM unnest($1::text[]) AS n (needle)
                       WHERE position(n.needle IN {column}::text) > 0)"""


async def mentions(conn: Connection, needles: Sequence[str]) -> list[StoredRow]:
    """Stored search answers, queued callbacks and subscriptions whose content names the person."""
    found: list[StoredRow] = []
    for store, key, column in (
        ("transactions", "correlation_id", "response"),
        ("callbacks", "callback_id", "message"),
        ("subscriptions", "subscription_code", "filter"),
    ):
        rows = await conn.fetch(
            f"SELECT * FROM {store} WHERE {_MENTIONS.format(column=column)}",
            list(needles),
        )
        found += [StoredRow(store, str(row[key]), dict(row)) for row in rows]
    return found


async def erase(
    conn: Connection, household_ids: Sequence[str], person_ids: Sequence[str], needles: Sequence[str]
) -> int:
    """Delete the person's member rows, households left empty, and the stored answers, callbacks
    and subscriptions that name them; a stored answer only loses its content (its status stays
    for txn/status)."""
    statements = (
        ("DELETE FROM members WHERE person_id = ANY($1::text[])", list(person_ids)),
        (
            "DELETE FROM households h WHERE h.household_id = ANY($1::text[]) "
            "AND NOT EXISTS (SELECT 1 FROM members m WHERE m.household_id = h.household_id)",
            list(household_ids),
        ),
        (
            f"UPDATE transactions SET response = NULL WHERE {_MENTIONS.format(column='response')}",
            list(needles),
        ),
        (f"DELETE FROM callbacks WHERE {_MENTIONS.format(column='message')}", list(needles)),
        (f"DELETE FROM subscriptions WHERE {_MENTIONS.format(column='filter')}", list(needles)),
    )
    changed = 0
    for sql, argument in statements:
        status = await conn.execute(sql, argument)
        changed += int(status.split()[-1])
    return changed
