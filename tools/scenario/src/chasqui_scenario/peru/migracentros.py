"""Migrants attended at Migracentro Ica and the three in Lima, some referred to employment.

The day itself is `chasqui_scenario.migracentro_day.attend_at_migracentros` (over HTTP), played
once per 100 households (at least once). Its appointments are for the next weekday; when
repeated runs have filled a service's slots for that day, the Migracentro opens more through `PUT /v1/attention-points/{code}/capacity/{service}`.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

import httpx
from chasqui_common.clock import LIMA

from ..migracentro_day import PEOPLE, attend_at_migracentros, next_open_weekday
from .clients import ScenarioError, ServiceClient


async def _open_enough_slots(migrants: ServiceClient, rounds: int) -> int:
    """Make room for `rounds` plays of the day; returns how many capacities were raised."""
    day = next_open_weekday(datetime.now(LIMA).date())
    needed = Counter((person[0], person[7]) for person in PEOPLE for _ in range(rounds))
    raised = 0
    for (point, service), count in needed.items():
        slots = await migrants.get(
            f"/v1/attention-points/{point}/slots",
            params={"service": service, "from": day.isoformat(), "days": 1},
        )
        for entry in (s for d in slots["days"] for s in d["services"] if s["service"] == service):
            if entry["free"] < count:
                await migrants.put(
                    f"/v1/attention-points/{point}/capacity/{service}",
                    json={"daily_capacity": entry["capacity"] + count - entry["free"]},
                )
                raised += 1
    return raised


async def attend(migrants: ServiceClient, rounds: int) -> dict[str, Any]:
    """Play the Migracentros' day `rounds` times; returns the ids created and capacities raised."""
    raised = await _open_enough_slots(migrants, rounds)
    created: dict[str, Any] = {"migrants": [], "cases": [], "appointments": [], "referrals": []}
    for _ in range(rounds):
        try:
            done = await attend_at_migracentros(migrants.http)
        except RuntimeError as exc:  # the scenario's own "request failed" error
            raise migrants.failure(str(exc)) from None
        except ScenarioError:
            raise
        except httpx.HTTPError as exc:
            raise migrants.failure(f"got no answer ({type(exc).__name__}: {exc})") from None
        for key, ids in done.items():
            created[key].extend(ids)
    created["capacity_raised"] = raised
    return created
