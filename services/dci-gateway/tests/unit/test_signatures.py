"""DCI signatures: what is signed, and every way a signature fails."""

from __future__ import annotations

import pytest
from chasqui_dci_gateway.domain.errors import SignatureInvalid
from chasqui_dci_gateway.domain.signatures import canonical_content, parse_signature, sign, verify
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

KEY = Ed25519PrivateKey.generate()
PUBLIC = KEY.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
NOW = 1_760_000_000


def signed(content: bytes, *, now: int = NOW) -> str:
    return sign(content, KEY, signer_id="juntos.gob.pe", key_id="k1", now=now)


def test_canonical_content_ignores_key_order_and_whitespace() -> None:
    assert canonical_content({"b": 1, "a": "ñ"}, {"x": [1]}) == canonical_content(
        {"a": "ñ", "b": 1}, {"x": [1]}
    )
    assert canonical_content({"a": 1}, None) == b'{"header":{"a":1}}'


def test_a_signature_verifies_with_the_senders_key() -> None:
    content = canonical_content({"message_id": "1"}, {"q": 1})
    parts = parse_signature(signed(content))
    assert (parts.sender_id, parts.key_id, parts.algorithm) == ("juntos.gob.pe", "k1", "ed25519")
    verify(parts, content, PUBLIC, now=NOW + 10)


def test_a_changed_message_does_not_verify() -> None:
    parts = parse_signature(signed(canonical_content({"message_id": "1"}, {"q": 1})))
    with pytest.raises(SignatureInvalid, match="does not verify"):
        verify(parts, canonical_content({"message_id": "1"}, {"q": 2}), PUBLIC, now=NOW)


def test_an_expired_signature_is_refused() -> None:
    content = b"{}"
    with pytest.raises(SignatureInvalid, match="expired"):
        verify(parse_signature(signed(content)), content, PUBLIC, now=NOW + 3600)


@pytest.mark.parametrize(
    "value",
    [
        "Signature: nonsense",
        'Signature: kidId="a|b|rsa", created="1", expires="2", signature="AA=="',
        'Signature: kidId="a|b", created="1", expires="2", signature="AA=="',
        'Signature: kidId="a|b|ed25519", created="x", expires="2", signature="AA=="',
    ],
)
def test_malformed_signatures_are_refused(value: str) -> None:
    with pytest.raises(SignatureInvalid):
        parse_signature(value)
