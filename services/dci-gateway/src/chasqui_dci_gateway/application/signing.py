"""The gateway's signer: signs every answer and callback with its Ed25519 key and publishes the
public half as a JWKS document."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from pydantic import BaseModel

from chasqui_dci_gateway.adapters.keys import load_or_create_key, public_bytes
from chasqui_dci_gateway.application.messages import wire
from chasqui_dci_gateway.domain.signatures import canonical_content, key_thumbprint, public_jwk, sign


class PublicJwk(BaseModel):
    kty: str
    crv: str
    x: str
    kid: str
    use: str
    alg: str


class Jwks(BaseModel):
    keys: list[PublicJwk]


@dataclass(frozen=True)
class GatewaySigner:
    gateway_id: str
    key_id: str
    private_key: Ed25519PrivateKey

    def sign(self, header: BaseModel, message: BaseModel | None, now: datetime) -> str:
        """The signature of `{header}+{message}` exactly as they are sent (`messages.wire`)."""
        content = canonical_content(wire(header), None if message is None else wire(message))
        return self.sign_content(content, now)

    def sign_content(self, content: bytes, now: datetime) -> str:
        return sign(
            content, self.private_key, signer_id=self.gateway_id, key_id=self.key_id, now=int(now.timestamp())
        )

    def jwks(self) -> Jwks:
        return Jwks(keys=[PublicJwk(**public_jwk(public_bytes(self.private_key), self.key_id))])


@functools.cache
def signer_for(key_file: Path, gateway_id: str) -> GatewaySigner:
    """The signer with the key in `key_file` (created there if missing); its key id is the key's
    RFC 7638 thumbprint, so a rotated key gets a new id."""
    key = load_or_create_key(key_file)
    return GatewaySigner(gateway_id, key_thumbprint(public_bytes(key)), key)
