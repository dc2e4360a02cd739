"""DCI message signatures (ed25519), in the form of the standard's `MsgSignature` example:

    Signature: namespace="dci", kidId="{sender_id}|{key_id}|ed25519", algorithm="ed25519",
      created="1606970629", expires="1607030629", headers="(created) (expires) digest",
      signature="<base64 of the ed25519 signature of the signing string>"

The signing string is, as in G2P Connect and Beckn (whose scheme the standard's example follows):

    (created): 1606970629
    (expires): 1607030629
    digest: BLAKE-512=<base64 of the BLAKE2b-512 hash of the signed content>

and the signed content is `{header}+{message}` as one canonical JSON text: the object
`{"header": ..., "message": ...}` (message omitted when absent) with keys sorted, no insignificant
whitespace, UTF-8 (`canonical_content`). Pure functions: no clock, no key storage.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from chasqui_dci_gateway.domain.errors import SignatureInvalid

ALGORITHM = "ed25519"
SIGNED_HEADERS = "(created) (expires) digest"
MAX_VALIDITY_SECONDS = 3600
CLOCK_SKEW_SECONDS = 300
_PARAM = re.compile(r'\s*([A-Za-z]+)="([^"]*)"\s*(?:,|$)')


@dataclass(frozen=True)
class SignatureParts:
    sender_id: str
    key_id: str
    algorithm: str
    created: int
    expires: int
    headers: str
    signature: bytes


def canonical_content(header: Any, message: Any) -> bytes:
    """The bytes a DCI signature covers: `{"header": ..., "message": ...}` as canonical JSON."""
    content = {"header": header} if message is None else {"header": header, "message": message}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8", "surrogatepass")  # a lone surrogate is refused later, not a crash


def digest(content: bytes) -> str:
    return "BLAKE-512=" + base64.b64encode(hashlib.blake2b(content, digest_size=64).digest()).decode()


def signing_string(created: int, expires: int, content: bytes) -> bytes:
    return f"(created): {created}\n(expires): {expires}\ndigest: {digest(content)}".encode()


def sign(
    content: bytes,
    private_key: Ed25519PrivateKey,
    *,
    signer_id: str,
    key_id: str,
    now: int,
    validity: int = 600,
) -> str:
    """The `Signature: ...` value of `content` signed by `signer_id`'s key `key_id` at `now` (epoch s)."""
    expires = now + validity
    signature = private_key.sign(signing_string(now, expires, content))
    return (
        f'Signature: namespace="dci", kidId="{signer_id}|{key_id}|{ALGORITHM}", algorithm="{ALGORITHM}", '
        f'created="{now}", expires="{expires}", headers="{SIGNED_HEADERS}", '
        f'signature="{base64.b64encode(signature).decode()}"'
    )


def parse_signature(value: str) -> SignatureParts:
    """The parts of a `Signature: ...` value; SignatureInvalid naming what is malformed."""
    text = value.strip()
    if text.lower().startswith("signature:"):
        text = text[len("signature:") :]
    params: dict[str, str] = {}
    position = 0
    while position < len(text):
        found = _PARAM.match(text, position)
        if found is None or found.end() == position:
            raise SignatureInvalid('the signature is not a list of name="value" parameters')
        params[found.group(1)] = found.group(2)
        position = found.end()
    missing = [p for p in ("kidId", "created", "expires", "signature") if p not in params]
    if missing:
        raise SignatureInvalid(f"the signature lacks the parameter(s) {', '.join(missing)}")
    kid = params["kidId"].split("|")
    if len(kid) != 3:
        raise SignatureInvalid('kidId is not "{sender_id}|{key_id}|{algorithm}"')
    algorithm = params.get("algorithm", kid[2]).lower()
    if algorithm != ALGORITHM or kid[2].lower() != ALGORITHM:
        raise SignatureInvalid(f"signature algorithm {algorithm!r} is not {ALGORITHM}")
    headers = params.get("headers", SIGNED_HEADERS)
    if headers != SIGNED_HEADERS:
        raise SignatureInvalid(f'signature headers {headers!r} are not "{SIGNED_HEADERS}"')
    if not (params["created"].isdigit() and params["expires"].isdigit()):
        raise SignatureInvalid("created and expires must be Unix times in seconds")
    try:
        raw = base64.b64decode(params["signature"], validate=True)
    except ValueError:
        raise SignatureInvalid("signature is not base64") from None
    return SignatureParts(
        kid[0], kid[1], algorithm, int(params["created"]), int(params["expires"]), headers, raw
    )


def verify(parts: SignatureParts, content: bytes, public_key: bytes, *, now: int) -> None:
    """Nothing if `parts` is a valid, current signature of `content` by `public_key` (raw 32-byte
    Ed25519); SignatureInvalid saying why not."""
    if parts.created > now + CLOCK_SKEW_SECONDS:
        raise SignatureInvalid("the signature was created in the future")
    if parts.expires < now - CLOCK_SKEW_SECONDS:
        raise SignatureInvalid("the signature has expired")
    if parts.expires <= parts.created or parts.expires - parts.created > MAX_VALIDITY_SECONDS:
        raise SignatureInvalid(f"a signature is valid for 1 to {MAX_VALIDITY_SECONDS} seconds")
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(
            parts.signature, signing_string(parts.created, parts.expires, content)
        )
    except (InvalidSignature, ValueError):
        raise SignatureInvalid(
            f"the signature does not verify with key {parts.key_id!r} of sender {parts.sender_id!r}"
        ) from None


def public_jwk(public_key: bytes, key_id: str) -> dict[str, str]:
    """The JWK (RFC 8037, OKP Ed25519) of a raw public key."""
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": base64.urlsafe_b64encode(public_key).rstrip(b"=").decode(),
        "kid": key_id,
        "use": "sig",
        "alg": "EdDSA",
    }


def jwk_public_key(jwk: Any) -> bytes | None:
    """The raw 32-byte key of an OKP Ed25519 JWK, or None if `jwk` is not one."""
    if not isinstance(jwk, dict) or jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519":
        return None
    x = jwk.get("x")
    if not isinstance(x, str):
        return None
    try:
        raw = base64.urlsafe_b64decode(x + "=" * (-len(x) % 4))
    except ValueError:
        return None
    return raw if len(raw) == 32 else None


def key_thumbprint(public_key: bytes) -> str:
    """RFC 7638 thumbprint of the key's JWK: a stable key id."""
    jwk = public_jwk(public_key, "")
    members = {"crv": jwk["crv"], "kty": jwk["kty"], "x": jwk["x"]}
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()
