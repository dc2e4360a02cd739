"""The chaos checker: reads every topic and every service's state, and says what a fault cost.

Generic: it knows the services only through their `ServiceDefinition` (schema, published topics,
consumers and the event types each handles), so a new service is checked by adding its
definition. It asserts the platform's guarantees (docs/reliability.md):

- every accepted change reached each consuming service's state exactly once: every event on a
  topic whose type a consumer handles is in that consumer's inbox (the inbox's primary key makes
  it once), and every write the workload saw accepted is on its topic;
- order per key held: per key, the first delivery of each event follows the order in which the
  producer's outbox relay handed the events over (its batch, `published_at`, then `position`);
  a re-sent older event after a newer one is a wire duplicate the inbox absorbs, counted. (The
  outbox position alone is not the commit order: two concurrent transactions take positions in
  one order and may commit in the other; the relay publishes only committed rows, so a later
  position published first is the commit order, not a violation.)
- no dead letter was caused by the fault: no record on any `.dlq` topic after the baseline;
- no message was sent twice: at most one `sent` delivery status per delivery and at most one
  delivery per (fact, person, channel).

At least once on the wire is allowed: the same event id twice on a topic is counted, not failed.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from chasqui_common.bootstrap import ServiceDefinition
from chasqui_common.topics import DLQ_SUFFIX, TOPICS


@dataclass(frozen=True)
class WireRecord:
    topic: str
    partition: int
    offset: int
    key: str | None
    event_id: str | None
    event_type: str | None
    data: Mapping[str, Any]


Baseline = dict[TopicPartition, int]


async def _partitions(consumer: AIOKafkaConsumer, topics: Iterable[str]) -> list[TopicPartition]:
    await consumer._client.force_metadata_update()  # topics created since the client started
    found = []
    for topic in topics:
        for partition in consumer.partitions_for_topic(topic) or ():
            found.append(TopicPartition(topic, partition))
    return found


def every_topic() -> list[str]:
    return [name for topic in TOPICS for name in (topic.name, topic.dlq.name)]


async def end_offsets(bootstrap: str, topics: Iterable[str] | None = None) -> Baseline:
    """Where each partition ends now: the baseline a scenario's dead letters are counted from."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = await _partitions(consumer, topics or every_topic())
        return dict(await consumer.end_offsets(partitions)) if partitions else {}
    finally:
        await consumer.stop()


async def read_topics(bootstrap: str, topics: Iterable[str] | None = None) -> list[WireRecord]:
    """Every record of the topics from the beginning to their current end, in offset order."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, auto_offset_reset="earliest"
    )
    await consumer.start()
    records: list[WireRecord] = []
    try:
        partitions = await _partitions(consumer, topics or every_topic())
        if not partitions:
            return records
        ends = await consumer.end_offsets(partitions)
        wanted = {tp for tp in partitions if ends[tp] > 0}
        consumer.assign(list(wanted))
        for tp in wanted:
            consumer.seek(tp, 0)
        while wanted:
            batch = await consumer.getmany(*wanted, timeout_ms=2000, max_records=5000)
            for tp, items in batch.items():
                for item in items:
                    records.append(_decode(tp, item))
                if items and items[-1].offset + 1 >= ends[tp]:
                    wanted.discard(tp)
        return records
    finally:
        await consumer.stop()


def _decode(tp: TopicPartition, item: Any) -> WireRecord:
    headers = {name: value.decode(errors="replace") for name, value in (item.headers or ())}
    try:
        body = json.loads(item.value) if item.value else {}
    except ValueError:
        body = {}
    return WireRecord(
        topic=tp.topic,
        partition=tp.partition,
        offset=item.offset,
        key=item.key.decode(errors="replace") if item.key is not None else None,
        event_id=headers.get("ce_id"),
        event_type=headers.get("ce_type"),
        data=body if isinstance(body, dict) else {},
    )


@dataclass
class Findings:
    """What the checker saw; `problems` empty means every guarantee held."""

    events: int = 0
    wire_duplicates: int = 0
    lost: int = 0
    duplicate_effects: int = 0
    dead_letters: int = 0
    order_violations: int = 0
    accepted_missing: int = 0
    types: Counter[str] = field(default_factory=Counter)
    per_consumer: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def row(self) -> dict[str, int]:
        return {
            "events": self.events,
            "lost": self.lost + self.accepted_missing,
            "duplicated_effects": self.duplicate_effects,
            "dead_letters": self.dead_letters,
            "order_violations": self.order_violations,
            "wire_duplicates": self.wire_duplicates,
        }

    def assert_clean(self) -> None:
        assert not self.problems, "\n".join(self.problems[:40])


@dataclass(frozen=True)
class Accepted:
    """Keys the workload saw accepted (2xx) per topic: each must appear there."""

    keys: Mapping[str, set[str]]


async def check(
    bootstrap: str,
    admin_dsn: str,
    definitions: Sequence[ServiceDefinition],
    *,
    baseline: Baseline | None = None,
    accepted: Accepted | None = None,
) -> Findings:
    """Read every topic and every service's inbox, outbox and deliveries; return the findings."""
    records = await read_topics(bootstrap)
    findings = Findings()
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute("SET default_transaction_read_only = on")
        positions = await _outbox_positions(conn, definitions)
        inboxes = await _inboxes(conn, definitions)
        await _deliveries(conn, definitions, findings)
    finally:
        await conn.close()
    events = [r for r in records if not r.topic.endswith(DLQ_SUFFIX)]
    _wire(events, findings)
    _order(events, positions, findings)
    _reached(events, definitions, inboxes, findings)
    _dead_letters(records, baseline or {}, findings)
    _sent_once(events, findings)
    if accepted is not None:
        _accepted(events, accepted, findings)
    return findings


SendOrder = tuple[datetime, int]


async def _outbox_positions(
    conn: asyncpg.Connection, definitions: Sequence[ServiceDefinition]
) -> dict[str, SendOrder]:
    """Each published event's place in its relay's send order: (batch time, position)."""
    positions: dict[str, SendOrder] = {}
    for definition in definitions:
        if not definition.publishes:
            continue
        rows = await conn.fetch(
            f'SELECT event_id::text AS id, published_at, position FROM "{definition.schema}".outbox '
            "WHERE published_at IS NOT NULL"
        )
        positions.update({row["id"]: (row["published_at"], int(row["position"])) for row in rows})
    return positions


async def _inboxes(
    conn: asyncpg.Connection, definitions: Sequence[ServiceDefinition]
) -> dict[str, Counter[str]]:
    inboxes: dict[str, Counter[str]] = {}
    for definition in definitions:
        if not definition.consumers:
            continue
        rows = await conn.fetch(f'SELECT consumer, event_id::text AS id FROM "{definition.schema}".inbox')
        for row in rows:
            inboxes.setdefault(f"{definition.schema}/{row['consumer']}", Counter())[row["id"]] += 1
    return inboxes


async def _deliveries(
    conn: asyncpg.Connection, definitions: Sequence[ServiceDefinition], findings: Findings
) -> None:
    """At most one delivery per (fact, person, channel) where a service keeps deliveries."""
    for definition in definitions:
        exists = await conn.fetchval(
            "SELECT 1 FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'deliveries'",
            definition.schema,
        )
        if not exists:
            continue
        twice = await conn.fetch(
            f'SELECT event_id, person_id, channel, count(*) AS n FROM "{definition.schema}".deliveries '
            "GROUP BY 1, 2, 3 HAVING count(*) > 1"
        )
        for row in twice:
            findings.duplicate_effects += int(row["n"]) - 1
            findings.problems.append(
                f"{definition.schema}: {row['n']} deliveries of event {row['event_id']} to "
                f"{row['person_id']} by {row['channel']}"
            )


def tally(records: Iterable[WireRecord]) -> Findings:
    """Distinct events, wire duplicates and events per type (DLQ topics left out)."""
    findings = Findings()
    _wire([r for r in records if not r.topic.endswith(DLQ_SUFFIX)], findings)
    return findings


def _wire(events: list[WireRecord], findings: Findings) -> None:
    counts = Counter((r.topic, r.event_id) for r in events)
    findings.events = len(counts)
    findings.wire_duplicates = sum(n - 1 for n in counts.values())
    distinct = {(r.topic, r.event_id): r for r in events}.values()
    findings.types = Counter(r.event_type or "" for r in distinct)


def _order(events: list[WireRecord], positions: Mapping[str, SendOrder], findings: Findings) -> None:
    """Per (topic, key): first deliveries must follow the relay's send order."""
    seen: set[tuple[str, str | None]] = set()
    last: dict[tuple[str, str | None], tuple[SendOrder, str]] = {}
    for record in sorted(events, key=lambda r: (r.topic, r.partition, r.offset)):
        if (record.topic, record.event_id) in seen:
            continue  # a re-send: the inbox absorbs it
        seen.add((record.topic, record.event_id))
        position = positions.get(record.event_id or "")
        if position is None:
            continue  # purged from the outbox, or not published through one
        key = (record.topic, record.key)
        previous = last.get(key)
        if previous is not None and position < previous[0]:
            findings.order_violations += 1
            findings.problems.append(
                f"{record.topic} key {record.key}: event {record.event_id} (outbox {position[1]}, "
                f"sent {position[0]:%H:%M:%S.%f}) arrived after {previous[1]} (outbox {previous[0][1]}, "
                f"sent {previous[0][0]:%H:%M:%S.%f})"
            )
        last[key] = (position, record.event_id or "")


def _reached(
    events: list[WireRecord],
    definitions: Sequence[ServiceDefinition],
    inboxes: Mapping[str, Counter[str]],
    findings: Findings,
) -> None:
    by_type: dict[str, set[str]] = defaultdict(set)
    for record in events:
        if record.event_type and record.event_id:
            by_type[record.event_type].add(record.event_id)
    for definition in definitions:
        for consumer in definition.consumers:
            name = f"{definition.schema}/{consumer.name}"
            inbox = inboxes.get(name, Counter())
            expected = set().union(*(by_type.get(t, set()) for t in consumer.handlers))
            missing = expected - set(inbox)
            findings.per_consumer[name] = len(expected)
            findings.lost += len(missing)
            if missing:
                findings.problems.append(
                    f"{name}: {len(missing)} of {len(expected)} events it handles never applied, "
                    f"e.g. {sorted(missing)[:3]}"
                )


def _dead_letters(records: list[WireRecord], baseline: Baseline, findings: Findings) -> None:
    for record in records:
        if not record.topic.endswith(DLQ_SUFFIX):
            continue
        if record.offset < baseline.get(TopicPartition(record.topic, record.partition), 0):
            continue
        findings.dead_letters += 1
        if findings.dead_letters <= 10:
            findings.problems.append(
                f"dead letter on {record.topic}[{record.partition}]@{record.offset}: "
                f"{record.event_type} {record.event_id}"
            )


def _sent_once(events: list[WireRecord], findings: Findings) -> None:
    sent: Counter[str] = Counter()
    for record in {(r.topic, r.event_id): r for r in events}.values():
        if record.data.get("status") == "sent" and record.data.get("delivery_id"):
            sent[str(record.data["delivery_id"])] += 1
    for delivery, n in sent.items():
        if n > 1:
            findings.duplicate_effects += n - 1
            findings.problems.append(f"delivery {delivery} reported sent {n} times")


def _accepted(events: list[WireRecord], accepted: Accepted, findings: Findings) -> None:
    on_wire: dict[str, set[str]] = defaultdict(set)
    for record in events:
        if record.key is not None:
            on_wire[record.topic].add(record.key)
    for topic, keys in accepted.keys.items():
        missing = keys - on_wire[topic]
        findings.accepted_missing += len(missing)
        if missing:
            findings.problems.append(
                f"{len(missing)} of {len(keys)} accepted writes never reached {topic}, e.g. {sorted(missing)[:3]}"
            )
