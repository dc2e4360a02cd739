"""Dead letters: the original message, untouched, plus headers that say why and where it came from."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, is_dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import ValidationError

from chasqui_common.errors import DomainError
from chasqui_common.messaging.sink import MessageSink
from chasqui_common.redaction import describe_exception, echo_text, real_cause, redact_text
from chasqui_common.topics import DLQ_SUFFIX

H_REASON = "dlq_reason"
H_DETAIL = "dlq_detail"
H_TOPIC = "dlq_original_topic"
H_PARTITION = "dlq_original_partition"
H_OFFSET = "dlq_original_offset"
H_CONSUMER = "dlq_consumer"
H_ATTEMPTS = "dlq_attempts"
H_FAILED_AT = "dlq_failed_at"
H_ERROR = "dlq_error"
"""The class of the exception that failed the handler (module and name)."""
H_FIELD = "dlq_field"
H_VALUE = "dlq_value"
H_EXPECTED = "dlq_expected"
"""When the failure is about one value: its field, the value (cut, masked) and what was expected."""
_MAX_LISTED = 10


@dataclass(frozen=True)
class FailureDescription:
    """Why a handler failed, as the dead letter says it: one line, plus the value's headers."""

    detail: str
    headers: dict[str, str]


def describe_failure(exc: BaseException) -> FailureDescription:
    """The real cause of a handler failure in one line (`dlq_detail`), and `dlq_error`,
    `dlq_field`, `dlq_value`, `dlq_expected` headers.

    A `FrozenInstanceError` about `__traceback__` (a frozen-dataclass exception passing through
    a `@contextmanager`) is replaced by the exception it hid. A `DomainError` gives its code,
    detail and every violation; a pydantic `ValidationError` every failing field; anything that
    has `field`/`value`/`expected` attributes the same. Values are cut and masked
    (`chasqui_common.redaction`)."""
    cause = real_cause(exc)
    kind = type(cause)
    headers = {H_ERROR: f"{kind.__module__}.{kind.__qualname__}"}
    name = kind.__name__
    violations: list[tuple[str, Any, str]] = []
    if isinstance(cause, DomainError):
        head = f"{name} [{cause.code}]: {redact_text(cause.detail)}"
        violations = [(v.field, v.value, v.expected) for v in cause.violations]
    elif isinstance(cause, ValidationError):
        head = f"{name}: {cause.error_count()} invalid value(s) for {cause.title}"
        violations = [
            (
                ".".join(str(part) for part in error["loc"]) or "(model)",
                error.get("input") if error["type"] != "missing" else None,
                error["msg"],
            )
            for error in cause.errors(include_url=False)
        ]
    elif isinstance(named := getattr(cause, "field", None), str) and hasattr(cause, "expected"):
        head = describe_exception(cause)
        violations = [(named, getattr(cause, "value", None), str(getattr(cause, "expected", None)))]
    else:
        head = describe_exception(cause, 500)
    parts = [head]
    for field, value, expected in violations[:_MAX_LISTED]:
        parts.append(f"field {field}={echo_text(value, field)}: expected {redact_text(expected)}")
    if len(violations) > _MAX_LISTED:
        parts.append(f"and {len(violations) - _MAX_LISTED} more")
    if violations:
        field, value, expected = violations[0]
        headers.update({H_FIELD: field, H_VALUE: echo_text(value, field), H_EXPECTED: redact_text(expected)})
    params = getattr(kind, "__dataclass_params__", None)
    if is_dataclass(cause) and getattr(params, "frozen", False):
        parts.append(
            f"note: {name} is a frozen dataclass, which Python cannot attach a traceback to "
            "in a @contextmanager (FrozenInstanceError); make it a plain exception class"
        )
    return FailureDescription("; ".join(parts), headers)


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
    extra: Mapping[str, str] | None = None,
) -> None:
    """Publish the record to `<topic>.dlq` and wait for the broker's acknowledgement.

    `extra` adds headers (e.g. `dlq_error`, `dlq_field`, `dlq_value`, `dlq_expected`)."""
    headers = {
        name: raw.decode("utf-8", errors="replace")
        for name, raw in record.headers
        if not name.startswith("dlq_")
    }
    headers.update({name: _header_text(text) for name, text in (extra or {}).items()})
    headers.update(
        {
            H_REASON: reason,
            H_DETAIL: _header_text(detail[:4000]),
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


def _header_text(text: str) -> str:
    """Header values are sent as UTF-8: a lone surrogate is escaped rather than failing the send."""
    return text.encode("utf-8", errors="backslashreplace").decode("utf-8")
