"""One chaos scenario: workload, one fault, recovery, settle, check; and its row for the table."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import asyncpg
from aiokafka.admin import AIOKafkaAdminClient

from .checker import Accepted, Findings, check, end_offsets, read_topics, tally
from .harness import ChaosPlatform, definitions
from .workload import Workload

Fault = Callable[[ChaosPlatform], None]
HOUSEHOLD_REGISTERED = "pe.chasqui.registry.household.registered.v1"


@dataclass(frozen=True)
class Outcome:
    scenario: str
    households: int
    events: int
    accepted_writes: int
    refused_writes: int
    lost: int
    duplicated_effects: int
    dead_letters: int
    order_violations: int
    wire_duplicates: int
    recovery_s: float
    problems: tuple[str, ...]


async def lag(bootstrap: str) -> int:
    """Messages the platform's consumer groups have not committed yet, over every group."""
    groups = {c.name: {t.name for t in c.topics} for d in definitions() for c in d.consumers}
    ends = await end_offsets(bootstrap)
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    await admin.start()
    try:
        total = 0
        for group, topics in groups.items():
            committed = await admin.list_consumer_group_offsets(group)
            for tp, end in ends.items():
                if tp.topic in topics:
                    meta = committed.get(tp)
                    total += max(0, end - (meta.offset if meta is not None and meta.offset >= 0 else 0))
        return total
    finally:
        await admin.close()


async def pending_outbox(admin_dsn: str) -> int:
    conn = await asyncpg.connect(admin_dsn)
    try:
        total = 0
        for definition in definitions():
            total += int(
                await conn.fetchval(
                    f"SELECT count(*) FROM \"{definition.schema}\".outbox WHERE state <> 'published'"
                )
            )
            if definition.schema == "notifications":
                total += int(
                    await conn.fetchval(
                        "SELECT count(*) FROM notifications.deliveries WHERE status IN ('queued', 'sending')"
                    )
                )
        return total
    finally:
        await conn.close()


async def settle(platform: ChaosPlatform, timeout: float, quiet_s: float = 3.0) -> None:
    """Until every consumer group is at the end, every outbox published, every message sent."""
    deadline = time.monotonic() + timeout
    quiet_since: float | None = None
    last = ""
    while True:
        try:
            backlog = (await lag(platform.bootstrap), await pending_outbox(platform.admin_dsn))
        except Exception as exc:  # the broker or the database is still coming back
            backlog, last = (-1, -1), f"{type(exc).__name__}: {exc}"
        if backlog == (0, 0):
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= quiet_s:
                return
        else:
            quiet_since = None
            last = f"lag {backlog[0]}, unpublished/unsent {backlog[1]}"
        if time.monotonic() > deadline:
            raise AssertionError(f"the platform did not settle within {timeout:.0f}s: {last}")
        await asyncio.sleep(1.0)


async def play(
    platform: ChaosPlatform,
    name: str,
    *,
    run: int,
    households: int,
    fault: Fault,
    recover: Fault,
    fault_after_s: float = 8.0,
    fault_for_s: float = 0.0,
    writes_per_second: float = 4.0,
    settle_timeout: float = 300.0,
) -> tuple[Outcome, Findings]:
    """Run the workload, inject the fault mid-stream, recover, settle and check."""
    baseline = await end_offsets(platform.bootstrap)
    before = tally(await read_topics(platform.bootstrap))
    events_before, duplicates_before = before.events, before.wire_duplicates
    registered_before = before.types.get(HOUSEHOLD_REGISTERED, 0)
    async with Workload(platform.config, households=households, seed=1000 + run, run=run) as workload:
        writes = asyncio.create_task(workload.steady_writes(writes_per_second))
        importing = asyncio.create_task(workload.import_households(timeout=settle_timeout + 300))
        await asyncio.sleep(fault_after_s)
        await asyncio.to_thread(fault, platform)
        await asyncio.sleep(fault_for_s)
        await asyncio.to_thread(recover, platform)
        recovered_at = time.monotonic()
        await importing
        await asyncio.sleep(3)
        workload.stop()
        await writes
        unsettled = None
        try:
            await settle(platform, settle_timeout)
        except AssertionError as exc:  # still check and record what reached where
            unsettled = str(exc)
        settled_at = time.monotonic()
    findings = await check(
        platform.bootstrap,
        platform.admin_dsn,
        definitions(),
        baseline=baseline,
        accepted=Accepted(workload.tally.accepted_keys),
    )
    if unsettled is not None:
        findings.problems.insert(0, unsettled)
    if workload.tally.import_status != "completed":
        findings.problems.append(f"the import ended {workload.tally.import_status}")
    registered = findings.types.get(HOUSEHOLD_REGISTERED, 0) - registered_before
    if registered != workload.tally.households_imported:
        findings.lost += abs(workload.tally.households_imported - registered)
        findings.problems.append(
            f"the import registered {workload.tally.households_imported} households but "
            f"{registered} household.registered events reached the topic"
        )
    row = findings.row()
    outcome = Outcome(
        scenario=name,
        households=workload.tally.households_imported,
        events=row["events"] - events_before,
        accepted_writes=workload.tally.accepted,
        refused_writes=workload.tally.refused,
        lost=row["lost"],
        duplicated_effects=row["duplicated_effects"],
        dead_letters=row["dead_letters"],
        order_violations=row["order_violations"],
        wire_duplicates=row["wire_duplicates"] - duplicates_before,
        recovery_s=round(settled_at - recovered_at, 1) if unsettled is None else -1.0,
        problems=tuple(findings.problems[:20]),
    )
    record(platform, outcome)
    return outcome, findings


def record(platform: ChaosPlatform, outcome: Outcome) -> None:
    """Print the row and append it to <state>/chaos-results.jsonl and CHASQUI_CHAOS_RESULTS."""
    import os

    line = json.dumps(asdict(outcome), ensure_ascii=False)
    print(f"[chaos result] {line}", flush=True)
    targets = [platform.config.state_dir / "chaos-results.jsonl"]
    if extra := os.environ.get("CHASQUI_CHAOS_RESULTS"):
        targets.append(Path(extra))
    for target in targets:
        with target.open("a", encoding="utf-8") as out:
            out.write(line + "\n")
