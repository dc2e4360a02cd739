"""SQL of the office heads (migration 0003_office_heads.sql) and of who a citizen is to notifications."""

from __future__ import annotations

from chasqui_common.db.pool import Connection
from chasqui_common.db.rows import from_row

from chasqui_citizen_attention.domain.municipalities import Office
from chasqui_citizen_attention.domain.office_heads import OfficeHead


async def office_heads(conn: Connection, ubigeo: str) -> list[OfficeHead]:
    rows = await conn.fetch(
        "SELECT ubigeo, office, role, email, phone, channels FROM office_heads WHERE ubigeo = $1", ubigeo
    )
    return [from_row(OfficeHead, row) for row in rows]


async def replace_office_heads(conn: Connection, ubigeo: str, heads: tuple[OfficeHead, ...]) -> None:
    await conn.execute("DELETE FROM office_heads WHERE ubigeo = $1", ubigeo)
    await conn.executemany(
        """
        INSERT INTO office_heads (ubigeo, office, office_head_id, role, email, phone, channels)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        """,
        [
            (h.ubigeo, h.office.value, h.office_head_id, h.role, h.email, h.phone, list(h.channels))
            for h in heads
        ],
    )


async def office_head_id(conn: Connection, ubigeo: str | None, office: Office) -> str | None:
    if ubigeo is None:
        return None
    found = await conn.fetchval(
        "SELECT office_head_id FROM office_heads WHERE ubigeo = $1 AND office = $2", ubigeo, office.value
    )
    return str(found) if found is not None else None


async def recipient_person_id(conn: Connection, citizen_id: str) -> str | None:
    """The id other services know the citizen by (registry person id, else migrant id), if any."""
    found = await conn.fetchval(
        "SELECT coalesce(person_id, migrant_id) FROM citizens WHERE citizen_id = $1", citizen_id
    )
    return str(found) if found is not None else None
