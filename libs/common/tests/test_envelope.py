"""The CloudEvents envelope: binary content mode headers out, precise errors in."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest
from chasqui_common.envelope import Envelope, EnvelopeError


def _envelope() -> Envelope:
    return Envelope(
        source="/chasqui/registry",
        type="pe.chasqui.registry.household.registered.v1",
        subject="hh-1",
        time=datetime(2026, 11, 26, 10, 0, tzinfo=UTC),
        correlationid="corr-1",
        causationid=str(uuid4()),
        data={"household_id": "hh-1", "ubigeo": "150142", "nombre": "Ñuñoa Quispe"},
    )


def test_envelope_round_trips_through_kafka_headers_and_body() -> None:
    original = _envelope()
    parsed = Envelope.from_kafka(original.kafka_headers(), original.body())
    assert parsed == original


def test_headers_follow_the_kafka_protocol_binding() -> None:
    headers = _envelope().headers()
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_time"] == "2026-11-26T10:00:00Z"
    assert headers["content-type"] == "application/json"
    assert headers["ce_subject"] == "hh-1"
    assert "traceparent" not in headers  # absent attributes are omitted, not empty


def test_body_is_utf8_json_keeping_spanish_characters() -> None:
    assert "Ñuñoa".encode() in _envelope().body()


@pytest.mark.parametrize(
    ("drop", "reason"),
    [("ce_type", "envelope.missing_header"), ("ce_id", "envelope.missing_header")],
)
def test_missing_required_header_names_it(drop: str, reason: str) -> None:
    env = _envelope()
    headers = [(k, v) for k, v in env.kafka_headers() if k != drop]
    with pytest.raises(EnvelopeError) as caught:
        Envelope.from_kafka(headers, env.body())
    assert caught.value.reason == reason
    assert drop in caught.value.detail


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"not json{", "body.not_json"),
        (b"[1,2]", "body.not_object"),
        (b"", "body.empty"),
        (b"\xff\xfe", "body.not_json"),
    ],
)
def test_bad_body_is_refused_with_its_reason(body: bytes, reason: str) -> None:
    with pytest.raises(EnvelopeError) as caught:
        Envelope.from_kafka(_envelope().kafka_headers(), body)
    assert caught.value.reason == reason


def test_bad_id_time_and_specversion_are_named() -> None:
    env = _envelope()
    for header, value, reason in [
        ("ce_id", b"42", "envelope.bad_id"),
        ("ce_time", b"yesterday", "envelope.bad_time"),
        ("ce_specversion", b"0.3", "envelope.bad_specversion"),
        ("content-type", b"application/xml", "envelope.bad_content_type"),
    ]:
        headers = [(k, value if k == header else v) for k, v in env.kafka_headers()]
        with pytest.raises(EnvelopeError) as caught:
            Envelope.from_kafka(headers, env.body())
        assert caught.value.reason == reason, header


def test_non_utf8_header_is_an_envelope_error() -> None:
    headers = [*_envelope().kafka_headers(), ("ce_subject", b"\xff")]
    with pytest.raises(EnvelopeError) as caught:
        Envelope.from_kafka(headers, b"{}")
    assert caught.value.reason == "envelope.bad_header"
