"""What the scenario reads from Kafka: every catalogue topic from the offsets it had at the start.

`Offsets.capture` records the end offset of every partition of every catalogue topic and its
dead-letter topic before the scenario does anything; `TopicReader` then reads the topics the
report needs from exactly there, so only this run's events are counted (even on a platform that
has been running for weeks), and `dead_letters` sums what landed in the `.dlq` topics since.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from chasqui_common.kafka_security import KafkaSecurity
from chasqui_common.topics import TOPICS

CATALOGUE = tuple(t.name for t in TOPICS)
DEAD_LETTER_TOPICS = tuple(t.dlq.name for t in TOPICS)


@dataclass(frozen=True)
class Event:
    topic: str
    type: str
    time: datetime
    subject: str | None
    data: dict[str, Any]


def _consumer(bootstrap: str) -> AIOKafkaConsumer:
    return AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        request_timeout_ms=15_000,
        **KafkaSecurity.from_env().client_options(),
    )


async def _partitions(bootstrap: str, topics: Iterable[str]) -> list[TopicPartition]:
    """Every partition of `topics` as the cluster knows it now (topics created since a client
    started are included; a consumer's own metadata cache could miss them)."""
    wanted = list(topics)
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=15_000, **KafkaSecurity.from_env().client_options()
    )
    await admin.start()
    try:
        described = await admin.describe_topics(wanted)
    finally:
        await admin.close()
    found = {
        entry["topic"]: sorted(p["partition"] for p in entry["partitions"])
        for entry in described
        if entry.get("error_code", 0) == 0
    }
    return [TopicPartition(topic, partition) for topic in wanted for partition in found.get(topic, ())]


async def end_offsets(bootstrap: str, topics: Iterable[str]) -> dict[TopicPartition, int]:
    consumer = _consumer(bootstrap)
    await consumer.start()
    try:
        partitions = await _partitions(bootstrap, topics)
        if not partitions:
            return {}
        offsets: dict[TopicPartition, int] = await consumer.end_offsets(partitions)
        return offsets
    finally:
        await consumer.stop()


@dataclass(frozen=True)
class Offsets:
    """End offsets of the catalogue and dead-letter topics at one moment (missing = 0)."""

    values: dict[TopicPartition, int]

    @classmethod
    async def capture(cls, bootstrap: str) -> Offsets:
        return cls(await end_offsets(bootstrap, CATALOGUE + DEAD_LETTER_TOPICS))

    def of(self, partition: TopicPartition) -> int:
        return self.values.get(partition, 0)


async def dead_letters(bootstrap: str, since: Offsets) -> dict[str, int]:
    """Messages written to each dead-letter topic after `since` (every `<topic>.dlq` is listed)."""
    now = await end_offsets(bootstrap, DEAD_LETTER_TOPICS)
    counts = dict.fromkeys(DEAD_LETTER_TOPICS, 0)
    for partition, end in now.items():
        counts[partition.topic] += max(0, end - since.of(partition))
    return counts


@dataclass
class TopicReader:
    """Reads topics from the captured offsets in the background and keeps every event in memory."""

    bootstrap: str
    topics: tuple[str, ...]
    start: Offsets
    events: list[Event] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _consumer: AIOKafkaConsumer | None = None
    _error: BaseException | None = None

    async def __aenter__(self) -> TopicReader:
        consumer = _consumer(self.bootstrap)
        await consumer.start()
        partitions = await _partitions(self.bootstrap, self.topics)
        consumer.assign(partitions)
        for partition in partitions:
            consumer.seek(partition, self.start.of(partition))
        self._consumer = consumer
        self._task = asyncio.create_task(self._read(consumer), name="scenario-topic-reader")
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()

    async def _read(self, consumer: AIOKafkaConsumer) -> None:
        try:
            while True:
                batches = await consumer.getmany(timeout_ms=200, max_records=2000)
                for records in batches.values():
                    for record in records:
                        event = _decode(record)
                        if event is not None:
                            self.events.append(event)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # surfaced by `check()` in the scenario's loop
            self._error = exc

    def check(self) -> None:
        if self._error is not None:
            raise RuntimeError(f"reading {', '.join(self.topics)} failed: {self._error}") from self._error

    def of_type(self, suffix: str) -> list[Event]:
        """Events whose CloudEvents type contains `suffix`, e.g. `household.registered`."""
        return [e for e in self.events if suffix in e.type]

    def on(self, topic: str) -> list[Event]:
        return [e for e in self.events if e.topic == topic]


def _decode(record: Any) -> Event | None:
    headers = {name: (value or b"").decode("utf-8", "replace") for name, value in record.headers or ()}
    kind, when = headers.get("ce_type"), headers.get("ce_time")
    if not kind or not when:
        return None
    try:
        data = json.loads(record.value or b"{}")
        time = datetime.fromisoformat(when.replace("Z", "+00:00"))
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return Event(record.topic, kind, time, headers.get("ce_subject"), data)
