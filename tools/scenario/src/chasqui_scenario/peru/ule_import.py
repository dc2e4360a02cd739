"""Registering the sample through the registry's ULE bulk import, then assigning missing CSE.

Over HTTP only: `POST /v1/imports` (multipart CSV), `GET /v1/imports/{id}` until it completes,
the `household.registered` events to learn each household's id, and
`POST /v1/households/{id}/classification` for the households the ULE registered without CSE.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from .clients import ScenarioError, ServiceClient
from .events import TopicReader
from .households import CSE_LEVELS, Sample, SampleHousehold, document_span

Tick = Callable[[int, int], None]  # (done, total)


@dataclass
class RegisteredHousehold:
    sample: SampleHousehold
    household_id: str
    registered_at: datetime
    members: list[dict[str, Any]]

    @property
    def person_ids(self) -> list[str]:
        return [str(m["person_id"]) for m in self.members]


@dataclass
class ImportOutcome:
    import_id: str
    status: dict[str, Any]
    households: list[RegisteredHousehold] = field(default_factory=list)
    classified: dict[str, int] = field(default_factory=dict)

    @property
    def people(self) -> int:
        return sum(len(h.members) for h in self.households)


async def free_document_block(registry: ServiceClient, households: int) -> int:
    """The first number of a block of DNIs no registered person holds (probed at both ends)."""
    span = document_span(households)
    pick = random.SystemRandom()
    for _ in range(10):
        first = pick.randrange(20_000_000, 99_000_000 - span)
        taken = False
        for number in (first, first + span - 1):
            found = await registry.get(
                "/v1/persons", params={"document_type": "DNI", "document_number": f"{number:08d}"}
            )
            taken = taken or bool(found)
        if not taken:
            return first
    raise ScenarioError("registry: found no free block of DNI numbers for the sample after 10 tries")


async def run_import(
    registry: ServiceClient, sample: Sample, on_progress: Tick, timeout: float
) -> dict[str, Any]:
    accepted = await registry.post(
        "/v1/imports",
        files={"file": ("ule-padron-scenario.csv", sample.csv_bytes(), "text/csv")},
        data={"format": "csv"},
    )
    import_id = str(accepted["import_id"])
    deadline = time.monotonic() + timeout
    while True:
        status: dict[str, Any] = await registry.get(f"/v1/imports/{import_id}")
        done = (
            int(status["households_imported"])
            + int(status["households_skipped"])
            + int(status["households_rejected"])
        )
        on_progress(done, len(sample.households))
        if status["status"] == "failed":
            raise registry.failure(f"import {import_id} failed: {status.get('error')}")
        if status["status"] == "completed":
            return status
        if time.monotonic() > deadline:
            raise registry.failure(f"import {import_id} still {status['status']} after {timeout:.0f}s")
        await asyncio.sleep(0.5)


async def await_registered(
    registry: ServiceClient,
    reader: TopicReader,
    sample: Sample,
    expected: int,
    on_progress: Tick,
    timeout: float,
) -> list[RegisteredHousehold]:
    """Each imported household's `household.registered` event, matched by its head's document."""
    by_head = {h.head_document[1]: h for h in sample.households}
    found: dict[str, RegisteredHousehold] = {}
    deadline = time.monotonic() + timeout
    while True:
        reader.check()
        for event in reader.of_type("registry.household.registered"):
            household = event.data.get("household") or {}
            for member in household.get("members", ()):
                if member.get("relationship") != "HEAD":
                    continue
                number = (member.get("document") or {}).get("number")
                origin = by_head.get(str(number))
                if origin is not None and origin.key not in found:
                    found[origin.key] = RegisteredHousehold(
                        origin, str(event.data["household_id"]), event.time, list(household["members"])
                    )
        on_progress(len(found), expected)
        if len(found) >= expected:
            return [found[h.key] for h in sample.households if h.key in found]
        if time.monotonic() > deadline:
            raise registry.failure(
                f"only {len(found)} of {expected} imported households reached registry.households "
                f"within {timeout:.0f}s (is its outbox relay publishing?)"
            )
        await asyncio.sleep(0.3)


async def classify_missing(
    registry: ServiceClient, households: list[RegisteredHousehold], seed: int, today: date
) -> dict[str, int]:
    """The ULE assigns a CSE to every household imported without one (seeded levels)."""
    rng = random.Random(seed + 1)
    counts: dict[str, int] = {}
    for household in households:
        if household.sample.cse_level:
            continue
        level = rng.choices(CSE_LEVELS, weights=(35, 45, 20))[0]
        await registry.post(
            f"/v1/households/{household.household_id}/classification",
            json={
                "level": level,
                "valid_from": today.isoformat(),
                "valid_until": today.replace(year=today.year + 3).isoformat()
                if not (today.month == 2 and today.day == 29)
                else date(today.year + 3, 3, 1).isoformat(),
                "source": "ULE",
            },
        )
        counts[level] = counts.get(level, 0) + 1
    return counts


async def register_households(
    registry: ServiceClient,
    reader: TopicReader,
    sample: Sample,
    *,
    seed: int,
    today: date,
    on_import: Tick,
    on_events: Tick,
    timeout: float,
) -> ImportOutcome:
    status = await run_import(registry, sample, on_import, timeout)
    imported = int(status["households_imported"])
    if imported == 0:
        errors = status.get("errors") or []
        raise registry.failure(
            f"the ULE import registered no household ({status['households_rejected']} rejected, "
            f"{status['households_skipped']} skipped); first errors: {errors[:3]}"
        )
    households = await await_registered(registry, reader, sample, imported, on_events, timeout)
    outcome = ImportOutcome(str(status["import_id"]), status, households)
    outcome.classified = await classify_missing(registry, households, seed, today)
    return outcome
