"""A registered DCI sender: who it is, the keys its messages are signed with, where its callbacks
may go, and which record fields it may receive."""

from __future__ import annotations

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

    def key(self, key_id: str) -> bytes | None:
        return next((k.public_key for k in self.keys if k.key_id == key_id), None)

    def callback_for(self, sender_uri: str | None) -> str:
        """Where this sender's callback goes: `sender_uri` if it is one of its registered URIs, its
        first registered URI when none is given; SenderUriInvalid otherwise (callbacks go nowhere
        else)."""
        if sender_uri is None:
            if not self.callback_uris:
                raise SenderUriInvalid(f"sender {self.sender_id!r} has no callback URI registered")
            return self.callback_uris[0]
        if sender_uri not in self.callback_uris:
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
