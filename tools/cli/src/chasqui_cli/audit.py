"""`chasqui audit`: who read or changed one person's data, across services, between two dates.

Reads the access record on `chasqui.audit` (every service publishes one `AccessRecorded` per read
or write of personal data; chasqui_common.audit) as the auditor principal, the only one allowed to
read it. Records carry documents only as keyed hashes: the CLI computes the person's hash with the
same key (AUDIT_DOCUMENT_KEY) and keeps the records that carry it. The topic is read from the
offsets of `since` (minus `SLACK`: a record is produced a little after it happened) to its end
when the command starts.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from chasqui_common.audit import document_ref
from chasqui_common.events.audit import AccessRecorded
from chasqui_common.topics import AUDIT
from chasqui_common.values import IdentityDocument

from chasqui_cli.kafka import TIMEOUT_MS, topic_reader

SLACK = timedelta(hours=1)
"""How far before `since` the topic is read: a record's Kafka timestamp is its publication,
which follows its commit by the outbox relay's delay."""


@dataclass(frozen=True)
class AuditEntry:
    """One access to the person's data: when, which service, who (subject, client), why, what, the
    outcome and the ids touched."""

    occurred_at: datetime
    service: str
    subject: str
    client_id: str | None
    purpose: str | None
    operation: str
    outcome: str
    resource_type: str
    resource_ids: list[str]


def window(since: date, until: date | None, today: date) -> tuple[datetime, datetime]:
    """[since 00:00, until+1 00:00) in UTC; `until` defaults to today (inclusive days)."""
    start = datetime.combine(since, time(0), tzinfo=UTC)
    end = datetime.combine((until or today) + timedelta(days=1), time(0), tzinfo=UTC)
    return start, end


def matching(
    records: Iterable[AccessRecorded], person: IdentityDocument, start: datetime, end: datetime
) -> list[AuditEntry]:
    """The records that touched `person` (by the keyed hash of their document) in [start, end),
    oldest first; one record published twice (at-least-once delivery) is listed once."""
    assert person.number is not None
    ref = document_ref(person.type.value, person.number)
    seen: set[str] = set()
    found = []
    for record in records:
        if ref not in record.person_refs or record.record_id in seen:
            continue
        if not start <= record.occurred_at < end:
            continue
        seen.add(record.record_id)
        found.append(
            AuditEntry(
                occurred_at=record.occurred_at,
                service=record.service,
                subject=record.subject,
                client_id=record.client_id,
                purpose=record.purpose,
                operation=record.operation,
                outcome=record.outcome,
                resource_type=record.resource_type,
                resource_ids=list(record.resource_ids),
            )
        )
    return sorted(found, key=lambda entry: (entry.occurred_at, entry.service, entry.operation))


async def read_records(bootstrap: str, start: datetime) -> list[AccessRecorded]:
    """Every access record published from `start - SLACK` to the topic's end as of now."""
    async with topic_reader(bootstrap, AUDIT.name) as (consumer, assigned):
        if not assigned:
            return []
        ends = await consumer.end_offsets(assigned)
        from_ms = int((start - SLACK).timestamp() * 1000)
        starts = await consumer.offsets_for_times(dict.fromkeys(assigned, from_ms))
        pending = {}
        for tp in assigned:
            found = starts.get(tp)
            if found is None:  # nothing at or after that time in this partition
                continue
            consumer.seek(tp, found.offset)
            if found.offset < ends[tp]:
                pending[tp] = ends[tp]
        records: list[AccessRecorded] = []
        while pending:
            batch = await consumer.getmany(*pending, timeout_ms=TIMEOUT_MS)
            if not batch:
                break
            for tp, messages in batch.items():
                for message in messages:
                    if message.value is not None:
                        records.append(_record(message.value))
                    if message.offset + 1 >= pending.get(tp, 0):
                        pending.pop(tp, None)
        return records


def _record(value: bytes) -> AccessRecorded:
    """The payload of a record (CloudEvents binary mode: the value is the event's data)."""
    return AccessRecorded.model_validate_json(value)


async def audit(bootstrap: str, person: IdentityDocument, start: datetime, end: datetime) -> list[AuditEntry]:
    """Who read or changed `person`'s data in [start, end), every service, oldest first."""
    return matching(await read_records(bootstrap, start), person, start, end)
