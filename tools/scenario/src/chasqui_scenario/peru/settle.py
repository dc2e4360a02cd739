"""Waiting until the platform has done everything the scenario caused.

Settled means: every service's consumer group has committed up to the end of the topics it reads
(lag 0), no message to this run's people is still waiting to be sent (each delivery's last
status is final or deferred to the morning by quiet hours), and no new delivery status for them
appeared for a moment (an outbox relay may still hold an event a consumer will then receive).
Only this run's people count: other clients of a shared broker may leave messages unsent.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Set
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient
from chasqui_common.kafka_security import KafkaSecurity
from chasqui_common.topics import (
    ELIGIBILITY_DECISIONS,
    EMPLOYMENT_JOB_SEEKERS,
    EMPLOYMENT_VACANCIES,
    MIGRANT_SERVICES_CASES,
    MIGRANT_SERVICES_MIGRANTS,
    REGISTRY_HOUSEHOLDS,
)

from .events import CATALOGUE, Event, TopicReader, end_offsets

# Consumer group (= service name) -> the topics it reads (see each service's event_handlers).
GROUPS: Mapping[str, tuple[str, ...]] = {
    "eligibility": (REGISTRY_HOUSEHOLDS.name,),
    "employment-matching": (MIGRANT_SERVICES_CASES.name,),
    "notifications": (
        REGISTRY_HOUSEHOLDS.name,
        MIGRANT_SERVICES_MIGRANTS.name,
        MIGRANT_SERVICES_CASES.name,
        ELIGIBILITY_DECISIONS.name,
        EMPLOYMENT_JOB_SEEKERS.name,
        EMPLOYMENT_VACANCIES.name,
    ),
}
FINAL_STATUSES = frozenset({"sent", "failed", "suppressed_consent", "deferred_quiet_hours"})


@dataclass(frozen=True)
class Backlog:
    lag: dict[str, int]  # per consumer group
    pending_deliveries: int

    @property
    def settled(self) -> bool:
        return not any(self.lag.values()) and self.pending_deliveries == 0

    def describe(self) -> str:
        parts = [f"{group} lag {lag}" for group, lag in self.lag.items()]
        return ", ".join([*parts, f"{self.pending_deliveries} messages to send"])


async def consumer_lag(bootstrap: str) -> dict[str, int]:
    ends = await end_offsets(bootstrap, CATALOGUE)
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=15_000, **KafkaSecurity.from_env().client_options()
    )
    await admin.start()
    try:
        lag: dict[str, int] = {}
        for group, topics in GROUPS.items():
            committed = await admin.list_consumer_group_offsets(group)
            total = 0
            for partition, end in ends.items():
                if partition.topic not in topics:
                    continue
                meta = committed.get(partition)
                done = meta.offset if meta is not None and meta.offset >= 0 else 0
                total += max(0, end - done)
            lag[group] = total
        return lag
    finally:
        await admin.close()


def deliveries(reader: TopicReader, persons: Set[str]) -> list[Event]:
    """Delivery status events of this run's people (the broker may carry other traffic too)."""
    return [e for e in reader.on("notifications.deliveries") if str(e.data.get("person_id")) in persons]


def pending_deliveries(reader: TopicReader, persons: Set[str]) -> int:
    """Messages to this run's people whose last status is not final (queued or retrying)."""
    last: dict[str, str] = {}
    for event in deliveries(reader, persons):
        last[str(event.data.get("delivery_id"))] = str(event.data.get("status"))
    return sum(1 for status in last.values() if status not in FINAL_STATUSES)


async def wait_until_settled(
    bootstrap: str,
    reader: TopicReader,
    persons: Set[str],
    *,
    timeout: float,
    on_progress: Callable[[Backlog], None],
    quiet_seconds: float = 2.0,
) -> Backlog:
    """Poll until settled and quiet for `quiet_seconds`; raise TimeoutError with the last backlog."""
    deadline = time.monotonic() + timeout
    quiet_since: float | None = None
    last_seen = -1
    while True:
        reader.check()
        backlog = Backlog(await consumer_lag(bootstrap), pending_deliveries(reader, persons))
        on_progress(backlog)
        seen = len(deliveries(reader, persons))
        if backlog.settled and seen == last_seen:
            quiet_since = quiet_since or time.monotonic()
            if time.monotonic() - quiet_since >= quiet_seconds:
                return backlog
        else:
            quiet_since = None
        last_seen = seen
        if time.monotonic() > deadline:
            raise TimeoutError(backlog.describe())
        await asyncio.sleep(0.5)
