"""CloudEvents 1.0 envelope in Kafka binary content mode, with trace, correlation and causation."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr

SPEC_VERSION = "1.0"
JSON_CONTENT_TYPE = "application/json"

# Kafka protocol binding: every context attribute is a `ce_`-prefixed header and
# the datacontenttype travels as the plain `content-type` header.
H_SPECVERSION = "ce_specversion"
H_ID = "ce_id"
H_SOURCE = "ce_source"
H_TYPE = "ce_type"
H_SUBJECT = "ce_subject"
H_TIME = "ce_time"
H_DATASCHEMA = "ce_dataschema"
H_CORRELATION = "ce_correlationid"
H_CAUSATION = "ce_causationid"
H_CONTENT_TYPE = "content-type"
# W3C trace context travels as the plain header OpenTelemetry propagators read.
H_TRACEPARENT = "traceparent"
H_TRACESTATE = "tracestate"

REQUIRED_HEADERS = (H_SPECVERSION, H_ID, H_SOURCE, H_TYPE)

KafkaHeaders = Sequence[tuple[str, bytes]]


class EnvelopeError(ValueError):
    """A Kafka message is not a valid Chasqui CloudEvent; `reason` is a stable code."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


class Envelope(BaseModel):
    """The context attributes of one event plus its JSON data, as it travels on Kafka."""

    model_config = ConfigDict(frozen=True)

    id: UUID = Field(default_factory=uuid4)
    source: str
    type: str
    subject: str | None = None
    time: datetime = Field(default_factory=lambda: datetime.now(UTC))
    datacontenttype: str = JSON_CONTENT_TYPE
    dataschema: str | None = None
    correlationid: str | None = None
    causationid: str | None = None
    traceparent: str | None = None
    tracestate: str | None = None
    data: dict[str, Any]
    _body: tuple[bytes, dict[str, Any]] | None = PrivateAttr(default=None)

    def body(self) -> bytes:
        """The Kafka message value: the event data as compact UTF-8 JSON."""
        kept = self._body
        if kept is not None and kept[1] is self.data:  # not a copy with other data
            return kept[0]
        return json.dumps(self.data, separators=(",", ":"), ensure_ascii=False).encode()

    def keep_body(self, body: bytes) -> Envelope:
        """Remember `body` as `body()`: the bytes the data was serialised to when the envelope was
        built (`Outbox.envelope`), so they are not serialised again. The caller vouches that
        `body` is what `body()` would give. Returns the envelope itself."""
        self._body = (body, self.data)
        return self

    def headers(self) -> dict[str, str]:
        """The Kafka headers of binary content mode (absent attributes are omitted)."""
        headers = {
            H_SPECVERSION: SPEC_VERSION,
            H_ID: str(self.id),
            H_SOURCE: self.source,
            H_TYPE: self.type,
            H_TIME: self.time.astimezone(UTC).isoformat().replace("+00:00", "Z"),
            H_CONTENT_TYPE: self.datacontenttype,
        }
        optional = {
            H_SUBJECT: self.subject,
            H_DATASCHEMA: self.dataschema,
            H_CORRELATION: self.correlationid,
            H_CAUSATION: self.causationid,
            H_TRACEPARENT: self.traceparent,
            H_TRACESTATE: self.tracestate,
        }
        headers.update({name: value for name, value in optional.items() if value is not None})
        return headers

    def kafka_headers(self) -> list[tuple[str, bytes]]:
        return [(name, value.encode()) for name, value in self.headers().items()]

    @classmethod
    def from_kafka(
        cls, headers: Mapping[str, str] | Iterable[tuple[str, bytes]], body: bytes | None
    ) -> Envelope:
        """Parse a consumed message; raises EnvelopeError naming what is wrong."""
        decoded = decode_headers(headers)
        missing = [name for name in REQUIRED_HEADERS if not decoded.get(name)]
        if missing:
            raise EnvelopeError(
                "envelope.missing_header",
                f"missing CloudEvents header(s) {', '.join(missing)}; expected binary content mode",
            )
        if decoded[H_SPECVERSION] != SPEC_VERSION:
            raise EnvelopeError(
                "envelope.bad_specversion",
                f"{H_SPECVERSION}={decoded[H_SPECVERSION]!r}, expected {SPEC_VERSION!r}",
            )
        content_type = decoded.get(H_CONTENT_TYPE) or JSON_CONTENT_TYPE
        if not content_type.split(";")[0].strip().endswith("json"):
            raise EnvelopeError(
                "envelope.bad_content_type",
                f"content-type={content_type!r}, expected {JSON_CONTENT_TYPE!r}",
            )
        data = _parse_json_object(body)
        try:
            event_id = UUID(decoded[H_ID])
        except ValueError:
            raise EnvelopeError("envelope.bad_id", f"{H_ID}={decoded[H_ID]!r}, expected a UUID") from None
        try:
            time = (
                datetime.fromisoformat(decoded[H_TIME].replace("Z", "+00:00"))
                if decoded.get(H_TIME)
                else datetime.now(UTC)
            )
        except ValueError:
            raise EnvelopeError(
                "envelope.bad_time", f"{H_TIME}={decoded[H_TIME]!r}, expected RFC 3339"
            ) from None
        # Every attribute was checked above (text, a UUID, an RFC 3339 time, a JSON object):
        # constructing does not validate them, nor walk the data, a second time.
        return cls.model_construct(
            id=event_id,
            source=decoded[H_SOURCE],
            type=decoded[H_TYPE],
            subject=decoded.get(H_SUBJECT),
            time=time,
            datacontenttype=content_type,
            dataschema=decoded.get(H_DATASCHEMA),
            correlationid=decoded.get(H_CORRELATION),
            causationid=decoded.get(H_CAUSATION),
            traceparent=decoded.get(H_TRACEPARENT),
            tracestate=decoded.get(H_TRACESTATE),
            data=data,
        )


def decode_headers(headers: Mapping[str, str] | Iterable[tuple[str, bytes]]) -> dict[str, str]:
    """Kafka headers as text; a header that is not UTF-8 is an envelope error."""
    if isinstance(headers, Mapping):
        return dict(headers)
    decoded: dict[str, str] = {}
    for name, raw in headers:
        try:
            decoded[name] = raw.decode() if raw is not None else ""
        except UnicodeDecodeError:
            raise EnvelopeError("envelope.bad_header", f"header {name!r} is not UTF-8 text") from None
    return decoded


def _parse_json_object(body: bytes | None) -> dict[str, Any]:
    if not body:
        raise EnvelopeError("body.empty", "message value is empty; expected a JSON object")
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        preview = body[:40]
        raise EnvelopeError(
            "body.not_json",
            f"message value {preview!r} is not JSON ({exc}); expected a JSON object",
        ) from None
    if not isinstance(data, dict):
        raise EnvelopeError(
            "body.not_object", f"message value is a JSON {type(data).__name__}; expected an object"
        )
    return data
