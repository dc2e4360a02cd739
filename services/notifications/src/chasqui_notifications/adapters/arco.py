"""Notifications' SQL for ARCO requests: a person's contact card and messages, found or erased
(chasqui_notifications.application.arco). Notifications keys people by the ids upstream services
gave them (registry person id, migrant id, job seeker's person id), never by document."""

from __future__ import annotations

import json
from collections.abc import Sequence

from chasqui_common.db.pool import Connection
from chasqui_common.db.rows import StoredRow


async def contacts(conn: Connection, person_ids: Sequence[str]) -> list[StoredRow]:
    rows = await conn.fetch(
        "SELECT * FROM contacts WHERE person_id = ANY($1::text[]) ORDER BY person_id", list(person_ids)
    )
    return [
        StoredRow("contacts", row["person_id"], {**dict(row), "consent": json.loads(row["consent"])})
        for row in rows
    ]


async def deliveries(conn: Connection, person_ids: Sequence[str]) -> list[StoredRow]:
    rows = await conn.fetch(
        "SELECT * FROM deliveries WHERE person_id = ANY($1::text[]) ORDER BY created_at", list(person_ids)
    )
    return [StoredRow("deliveries", str(row["delivery_id"]), dict(row)) for row in rows]


async def delete_person(conn: Connection, person_ids: Sequence[str]) -> int:
    deleted = 0
    for table in ("deliveries", "contacts"):
        status = await conn.execute(
            f"DELETE FROM {table} WHERE person_id = ANY($1::text[])",
            list(person_ids),
        )
        deleted += int(status.split()[-1])
    return deleted


async def stop_employment_contact(conn: Connection, person_ids: Sequence[str]) -> int:
    status = await conn.execute(
        "UPDATE contacts SET employment_contact = false, updated_at = now() WHERE person_id = ANY($1::text[])",
        list(person_ids),
    )
    return int(status.split()[-1])
