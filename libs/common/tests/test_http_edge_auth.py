"""Issue 13, item 10: no header echoes token contents. Every refused token answers 401 problem
details with the one fixed challenge `Bearer error="invalid_token"` (RFC 6750), whatever its
`kid`, `alg` or claims hold; none of them becomes a 500."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from chasqui_common.auth import Principal, TokenVerifier, require_scopes
from chasqui_common.auth.devtokens import DEFAULT_AUDIENCE, DEFAULT_ISSUER, PRIVATE_KEY, ensure_signing_key
from chasqui_common.auth.jwt import INVALID_TOKEN_CHALLENGE
from chasqui_common.http.problems import install_problem_handlers
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import Depends, FastAPI


@pytest.fixture
def keys(tmp_path: Path) -> Path:
    ensure_signing_key(tmp_path / "auth")
    return tmp_path / "auth"


@pytest.fixture
def client(keys: Path) -> httpx.AsyncClient:
    app = FastAPI()
    install_problem_handlers(app)
    app.state.token_verifier = TokenVerifier(
        issuer=DEFAULT_ISSUER, audience=DEFAULT_AUDIENCE, jwks_file=keys / "jwks.json"
    )

    @app.get("/v1/households")
    async def read(principal: Principal = Depends(require_scopes("registry:read"))) -> dict[str, str]:
        return {"subject": principal.subject}

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


def _claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": DEFAULT_ISSUER,
        "aud": DEFAULT_AUDIENCE,
        "sub": "juntos",
        "iat": now,
        "exp": now + 600,
        "scope": "registry:read",
    }
    claims.update(changes)
    return claims


def _signed(keys: Path, *, headers: dict[str, Any] | None = None, **claims: Any) -> str:
    """A token signed with the service's real key, with the header members given."""
    kid = json.loads((keys / "jwks.json").read_text())["keys"][0]["kid"]
    return jwt.encode(
        _claims(**claims),
        (keys / PRIVATE_KEY).read_bytes(),
        algorithm="ES256",
        headers={"kid": kid, **(headers or {})},
    )


def _forged(token: str, **header: Any) -> str:
    """`token` with header members replaced (its signature no longer matches, but is never reached)."""
    encoded_header, payload, signature = token.split(".")
    forged = json.loads(jwt.utils.base64url_decode(encoded_header))
    forged.update(header)
    encoded = jwt.utils.base64url_encode(json.dumps(forged, ensure_ascii=False).encode()).decode()
    return f"{encoded}.{payload}.{signature}"


async def _refused(client: httpx.AsyncClient, token: str | bytes) -> dict[str, Any]:
    raw = token if isinstance(token, bytes) else token.encode()  # UTF-8 on the wire, as clients do
    response = await client.get("/v1/households", headers={"Authorization": b"Bearer " + raw})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"] == INVALID_TOKEN_CHALLENGE == 'Bearer error="invalid_token"'
    body: dict[str, Any] = response.json()
    assert body["status"] == 401
    return body


@pytest.mark.parametrize(
    "kid", ["é", "→", 'x", error_description="injected', "a\r\nSet-Cookie: x=1", "k" * 5000]
)
async def test_a_kid_of_any_content_is_a_401_with_the_fixed_challenge(
    client: httpx.AsyncClient, keys: Path, kid: str
) -> None:
    body = await _refused(client, _signed(keys, headers={"kid": kid}))
    assert "unknown key id" in body["detail"]
    assert len(body["detail"]) < 200


@pytest.mark.parametrize("kid", [["a"], {"x": 1}, 7])
async def test_a_kid_that_is_not_a_string_is_a_401(client: httpx.AsyncClient, keys: Path, kid: Any) -> None:
    body = await _refused(client, _forged(_signed(keys), kid=kid))
    assert "must be a string" in body["detail"] or "is not a string" in body["detail"]


async def test_an_algorithm_that_does_not_fit_the_key_is_a_401(client: httpx.AsyncClient, keys: Path) -> None:
    kid = json.loads((keys / "jwks.json").read_text())["keys"][0]["kid"]
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    await _refused(client, jwt.encode(_claims(), other, algorithm="RS256", headers={"kid": kid}))


@pytest.mark.parametrize("alg", ["none", "HS256", "→"])
async def test_an_algorithm_not_allowed_is_a_401(client: httpx.AsyncClient, keys: Path, alg: str) -> None:
    body = await _refused(client, _forged(_signed(keys), alg=alg))
    assert "is not one of" in body["detail"]


@pytest.mark.parametrize("scope", [5, {"registry:read": True}, ["registry:read", 3]])
async def test_a_scope_claim_of_the_wrong_type_is_a_401(
    client: httpx.AsyncClient, keys: Path, scope: Any
) -> None:
    body = await _refused(client, _signed(keys, scope=scope))
    assert "scope" in body["detail"]


async def test_expired_and_garbage_tokens_keep_the_fixed_challenge(
    client: httpx.AsyncClient, keys: Path
) -> None:
    expired = _signed(keys, iat=int(time.time()) - 7200, exp=int(time.time()) - 3600)
    assert (await _refused(client, expired))["detail"] == "token has expired"
    await _refused(client, "not-a-jwt")
    await _refused(client, "ey→.é.x".encode())
