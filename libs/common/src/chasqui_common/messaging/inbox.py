"""Idempotent inbox: (consumer, event id) recorded in the same transaction as the event's effect."""

from __future__ import annotations

from chasqui_common.db.pool import Connection
from chasqui_common.envelope import Envelope


async def claim(conn: Connection, consumer: str, envelope: Envelope) -> bool:
    """True if this consumer has not applied the event before; the claim commits with the effect.

    A concurrent claim of the same event waits on the primary key until the first
    transaction ends, so two consumers can never both apply it.
    """
    if not conn.is_in_transaction():
        raise RuntimeError("inbox.claim must run inside the transaction that applies the event")
    claimed = await conn.fetchval(
        """
        INSERT INTO inbox (consumer, event_id, event_type) VALUES ($1, $2, $3)
        ON CONFLICT (consumer, event_id) DO NOTHING
        RETURNING true
        """,
        consumer,
        envelope.id,
        envelope.type,
    )
    return bool(claimed)
