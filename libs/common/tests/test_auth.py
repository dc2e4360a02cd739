"""Acceptance 7: bearer JWTs are verified (signature, issuer, audience, expiry) and scopes enforced."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from chasqui_common.auth import Principal, TokenVerifier, require_scopes
from chasqui_common.auth.devtokens import DEFAULT_AUDIENCE, DEFAULT_ISSUER, ensure_signing_key, issue_token
from chasqui_common.http.problems import install_problem_handlers
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

    @app.get("/healthz")
    async def health() -> dict[str, str]:
        return {"status": "alive"}

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_no_token_is_401_problem(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/households")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "bearer token is required" in response.json()["detail"]


async def test_expired_token_is_401(client: httpx.AsyncClient, keys: Path) -> None:
    token = issue_token(
        keys, subject="juntos", scopes=["registry:read"], now=time.time() - 7200, ttl_seconds=600
    )
    response = await client.get("/v1/households", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["detail"] == "token has expired"


async def test_wrong_audience_is_401(client: httpx.AsyncClient, keys: Path) -> None:
    token = issue_token(keys, subject="juntos", scopes=["registry:read"], audience="another-platform")
    response = await client.get("/v1/households", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "audience" in response.json()["detail"]


async def test_token_without_the_scope_is_403(client: httpx.AsyncClient, keys: Path) -> None:
    token = issue_token(keys, subject="juntos", scopes=["eligibility:read"])
    response = await client.get("/v1/households", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403
    assert response.json()["detail"] == "token lacks scope(s) registry:read required by this endpoint"
    assert 'error="insufficient_scope"' in response.headers["www-authenticate"]


async def test_token_signed_by_another_key_is_401(client: httpx.AsyncClient, tmp_path: Path) -> None:
    token = issue_token(tmp_path / "intruder", subject="x", scopes=["registry:read"])
    response = await client.get("/v1/households", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "unknown key id" in response.json()["detail"]


async def test_garbage_token_is_401(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/households", headers={"Authorization": "Bearer not.a.jwt"})
    assert response.status_code == 401


async def test_valid_token_passes_and_health_needs_none(client: httpx.AsyncClient, keys: Path) -> None:
    token = issue_token(keys, subject="juntos", scopes=["registry:read", "registry:write"])
    response = await client.get("/v1/households", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json() == {"subject": "juntos"}
    assert (await client.get("/healthz")).status_code == 200


def test_dev_token_cli_refuses_without_scope(keys: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from chasqui_common.auth.devtokens import main

    assert main(["--dir", str(keys), "issue"]) == 2
    assert "--scope" in capsys.readouterr().err
    assert main(["--dir", str(keys), "issue", "--scope", "registry:read"]) == 0
    assert capsys.readouterr().out.count(".") == 2
