"""Dead letters: the original message, untouched, plus headers that say why and where it came from."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from chasqui_common.messaging.sink import MessageSink
from chasqui_common.topics import DLQ_SUFFIX

H_REASON = "dlq_reason"
H_DETAIL = "dlq_detail"
H_TOPIC = "dlq_original_topic"
H_PARTITION = "dlq_original_partition"
H_OFFSET = "dlq_original_offset"
H_CONSUMER = "dlq_consumer"
H_ATTEMPTS = "dlq_attempts"
H_FAILED_AT = "dlq_failed_at"


@dataclass(frozen=True)
class RawRecord:
    """A consumed Kafka record as bytes, before any interpretation."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes], ...]


def dead_letter_topic(topic: str) -> str:
    return topic + DLQ_SUFFIX


async def send_to_dead_letters(
    sink: MessageSink,
    record: RawRecord,
    *,
    consumer: str,
    reason: str,
    detail: str,
    attempts: int,
) -> None:
    """Publish the record to `<topic>.dlq` and wait for the broker's acknowledgement."""
    headers = {
        name: raw.decode("utf-8", errors="replace")
        for name, raw in record.headers
        if not name.startswith("dlq_")
    }
    headers.update(
        {
            H_REASON: reason,
            H_DETAIL: detail[:4000],
            H_TOPIC: record.topic,
            H_PARTITION: str(record.partition),
            H_OFFSET: str(record.offset),
            H_CONSUMER: consumer,
            H_ATTEMPTS: str(attempts),
            H_FAILED_AT: datetime.now(UTC).isoformat().replace("+00:00", "Z"),
        }
    )
    future = await sink.send(
        dead_letter_topic(record.topic), key=record.key, value=record.value or b"", headers=headers
    )
    await future
