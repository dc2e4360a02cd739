"""Read side for the API: a person's message history, preferences and totals per channel."""

from __future__ import annotations

from typing import Any

import asyncpg

from chasqui_notifications.adapters import repository
from chasqui_notifications.adapters.repository import Delivery
from chasqui_notifications.domain.consent import ContactCard


async def history(pool: asyncpg.Pool, person_id: str, limit: int) -> list[Delivery]:
    async with pool.acquire() as conn:
        return await repository.history(conn, person_id, limit)


async def preferences(pool: asyncpg.Pool, person_id: str) -> ContactCard | None:
    async with pool.acquire() as conn:
        return await repository.card(conn, person_id)


async def totals(pool: asyncpg.Pool) -> dict[str, dict[str, int]]:
    """Messages per channel and status, e.g. {"sms": {"sent": 3, "deferred_quiet_hours": 1}}."""
    async with pool.acquire() as conn:
        rows = await repository.summary(conn)
    out: dict[str, dict[str, Any]] = {}
    for row in rows:
        out.setdefault(row["channel"], {})[row["status"]] = int(row["n"])
    return out
