"""A registered DCI sender: who it is, the keys its messages are signed with, where its callbacks
may go (its HTTPS callback URIs, and its own Kafka topic if it takes callbacks as CloudEvents), and
which record fields it may receive."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from chasqui_common.errors import InvalidValue

from chasqui_dci_gateway.domain.errors import SenderUriInvalid
from chasqui_dci_gateway.domain.records import RECORD_FIELDS, unknown_fields
from chasqui_dci_gateway.domain.signatures import jwk_public_key

MAX_PAGE_SIZE = 1000
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
KAFKA_SCHEME = "kafka:"
NOTIFY_TOPIC_PREFIX = "dci-gateway.notify."
# Kafka's rule for a topic name (kafka.common.internals.Topic): at most 249 of [a-zA-Z0-9._-].
_TOPIC_NAME = re.compile(r"[a-zA-Z0-9._-]{1,249}")


def notify_topic(sender_id: str) -> str:
    """The Kafka topic of a sender's callbacks: `dci-gateway.notify.<sender_id>`."""
    return NOTIFY_TOPIC_PREFIX + sender_id


def kafka_uri(topic: str) -> str:
    """The delivery URI naming a Kafka topic, as a subscriber gives it in `header.sender_uri`."""
    return KAFKA_SCHEME + topic


def kafka_topic_of(uri: str) -> str | None:
    """The topic a `kafka:<topic>` delivery URI names; None for an HTTP callback URI."""
    return uri[len(KAFKA_SCHEME) :] if uri.startswith(KAFKA_SCHEME) else None


def check_kafka_delivery(sender_id: str, wanted: bool) -> bool:
    """Whether the sender takes callbacks on its own topic; InvalidValue if its id cannot name
    one (Kafka allows letters, digits, '.', '_' and '-', 249 characters in all)."""
    topic = notify_topic(sender_id)
    if wanted and not _TOPIC_NAME.fullmatch(topic):
        expected = "a sender_id of letters, digits, '.', '_' and '-' (the topic name is dci-gateway.notify.<sender_id>)"
        raise InvalidValue(
            f"sender {sender_id!r} cannot have a Kafka topic: {topic!r} is not a Kafka topic name",
            field="kafka_delivery",
            value=sender_id,
            expected=expected,
        )
    return wanted


@dataclass(frozen=True)
class SenderKey:
    key_id: str
    public_key: bytes
    jwk: Mapping[str, str]


@dataclass(frozen=True)
class Sender:
    sender_id: str
    name: str
    token_subject: str | None
    callback_uris: tuple[str, ...]
    entitled_fields: frozenset[str]
    max_page_size: int
    active: bool = True
    keys: tuple[SenderKey, ...] = field(default=())
    requests_per_minute: int = 600
    kafka_delivery: bool = False

    @property
    def delivery_uris(self) -> tuple[str, ...]:
        """Where its callbacks may go: its callback URIs, then `kafka:dci-gateway.notify.<id>` if
        it takes them on its own Kafka topic."""
        topic = (kafka_uri(notify_topic(self.sender_id)),) if self.kafka_delivery else ()
        return self.callback_uris + topic

    def key(self, key_id: str) -> bytes | None:
        return next((k.public_key for k in self.keys if k.key_id == key_id), None)

    def callback_for(self, sender_uri: str | None) -> str:
        """Where this sender's callback goes: `sender_uri` if it is one of its delivery URIs (a
        registered callback URI, or `kafka:dci-gateway.notify.<sender_id>` when it takes callbacks
        on Kafka), its first one when none is given; SenderUriInvalid otherwise (callbacks go
        nowhere else)."""
        uris = self.delivery_uris
        if sender_uri is None:
            if not uris:
                raise SenderUriInvalid(f"sender {self.sender_id!r} has no callback URI registered")
            return uris[0]
        if sender_uri not in uris:
            raise SenderUriInvalid(
                f"sender_uri {sender_uri!r} is not a callback URI registered for sender {self.sender_id!r}"
            )
        return sender_uri


def check_callback_uri(uri: Any, where: str) -> str:
    """An absolute https URL (http only to a loopback host, for local runs), else InvalidValue."""
    expected = "an absolute https:// URL (http:// only for 127.0.0.1 or localhost)"
    parts = urlsplit(uri) if isinstance(uri, str) else None
    if (
        parts is None
        or not parts.hostname
        or parts.scheme not in ("https", "http")
        or (parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS)
        or parts.username
        or parts.password
    ):
        raise InvalidValue(f"{where} {uri!r} is not {expected}", field=where, value=uri, expected=expected)
    return str(uri)


def check_keys(jwks: Sequence[Any]) -> tuple[SenderKey, ...]:
    """The sender's Ed25519 keys from its JWKS; InvalidValue naming the first unusable key."""
    if not jwks:
        raise InvalidValue(
            "a sender needs at least one key",
            field="jwks.keys",
            value=[],
            expected="one or more Ed25519 JWKs",
        )
    keys: list[SenderKey] = []
    for position, jwk in enumerate(jwks):
        where = f"jwks.keys[{position}]"
        raw = jwk_public_key(jwk)
        kid = jwk.get("kid") if isinstance(jwk, dict) else None
        if raw is None or not isinstance(kid, str) or not kid or "|" in kid or len(kid) > 200:
            raise InvalidValue(
                f"{where} is not a usable signing key",
                field=where,
                value=jwk.get("kid") if isinstance(jwk, dict) else None,
                expected='an OKP Ed25519 JWK ({"kty": "OKP", "crv": "Ed25519", "x": ..., "kid": ...}) '
                "with a kid without '|'",
            )
        if any(k.key_id == kid for k in keys):
            raise InvalidValue(
                f"{where}: kid {kid!r} appears twice", field=where, value=kid, expected="unique kids"
            )
        keys.append(SenderKey(kid, raw, {k: str(v) for k, v in jwk.items() if isinstance(v, str)}))
    return tuple(keys)


def check_fields(fields: Sequence[str]) -> frozenset[str]:
    unknown = unknown_fields(frozenset(fields))
    if unknown:
        raise InvalidValue(
            f"entitled_fields names unknown record field(s) {', '.join(unknown)}",
            field="entitled_fields",
            value=unknown,
            expected="fields among " + ", ".join(RECORD_FIELDS),
        )
    return frozenset(fields)


MAX_REQUESTS_PER_MINUTE = 100_000


def check_rate(per_minute: int) -> int:
    if not 1 <= per_minute <= MAX_REQUESTS_PER_MINUTE:
        raise InvalidValue(
            f"requests_per_minute {per_minute} is out of range",
            field="requests_per_minute",
            value=per_minute,
            expected=f"1 to {MAX_REQUESTS_PER_MINUTE}",
        )
    return per_minute


def check_page_size(size: int) -> int:
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidValue(
            f"max_page_size {size} is out of range",
            field="max_page_size",
            value=size,
            expected=f"1 to {MAX_PAGE_SIZE}",
        )
    return size
