"""Read-side use cases: free slots per day, and activity per attention point and period."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from chasqui_common.db.pool import Connection
from chasqui_common.events.migrants import CaseService

from chasqui_migrant_services.adapters import repository
from chasqui_migrant_services.domain.appointments import SlotDay, open_days
from chasqui_migrant_services.domain.attention_points import AttentionPoint


@dataclass(frozen=True)
class DaySlots:
    day: date
    opens: str
    closes: str
    services: list[SlotDay]


async def free_slots(
    conn: Connection, point: AttentionPoint, start: date, days: int, service: CaseService | None
) -> list[DaySlots]:
    end = start + timedelta(days=days - 1)
    used = await repository.slot_days(conn, point.code, start, end, service)
    services = [s for s, c in point.daily_capacity.items() if c > 0 and (service is None or s is service)]
    result: list[DaySlots] = []
    for day in open_days(point, start, days):
        hours = point.hours_on(day)
        assert hours is not None
        result.append(
            DaySlots(
                day,
                f"{hours.opens:%H:%M}",
                f"{hours.closes:%H:%M}",
                [
                    used.get((s, day)) or SlotDay(point.code, s, day, point.daily_capacity[s], 0)
                    for s in services
                ],
            )
        )
    return result


async def attention_point_stats(conn: Connection, start: date, end: date) -> list[dict[str, Any]]:
    rows = await repository.attention_point_stats(conn, start, end)
    result = []
    for row in rows:
        referrals = row["referrals"]
        by_target = json.loads(referrals) if isinstance(referrals, str) else dict(referrals)
        result.append(
            {
                "attention_point": row["code"],
                "name": row["name"],
                "cases_opened": row["cases_opened"],
                "cases_closed": row["cases_closed"],
                "appointments_booked": row["appointments_booked"],
                "appointments_cancelled": row["appointments_cancelled"],
                "referrals": sum(by_target.values()),
                "referrals_by_target": by_target,
            }
        )
    return result
