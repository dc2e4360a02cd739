"""The caller's access scope from token claims, the caller of a route, the 429 problem, the keyed
document hash of the access record, and the Postgres token bucket (real database)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from chasqui_common.audit import document_ref
from chasqui_common.auth import CALLER, AccessScope, Caller, Principal, TokenVerifier, require_scopes
from chasqui_common.auth.devtokens import (
    DEFAULT_AUDIENCE,
    DEFAULT_ISSUER,
    ensure_signing_key,
    issue_token,
    main,
)
from chasqui_common.auth.scope import ClaimError
from chasqui_common.errors import RateLimited
from chasqui_common.http.problems import install_problem_handlers
from chasqui_common.ratelimit import BucketRule, take_token
from chasqui_testing import plumbed_pool
from fastapi import Depends, FastAPI
from stdnum.pe import cui

# --- claims ---------------------------------------------------------------------------------------


def test_national_scopes_and_claims_make_the_scope() -> None:
    scope = AccessScope.from_token(
        ["registry:read", "registry:national"],
        {"chasqui:ubigeo": ["150142", "150143"], "chasqui:programme": "juntos"},
    )
    assert scope.is_national("registry")
    assert not scope.is_national("eligibility")
    assert scope.ubigeos == {"150142", "150143"}
    assert scope.programmes == {"JUNTOS"}
    assert scope.migracentros == frozenset()


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"chasqui:ubigeo": "1501"}, "6-digit INEI district"),
        ({"chasqui:ubigeo": 150142}, "neither a string nor a list"),
        ({"chasqui:migracentro": ["ICA", 3]}, "neither a string nor a list"),
        ({"chasqui:programme": "JUNTOS; DROP"}, "programme codes"),
    ],
)
def test_a_malformed_claim_is_refused_naming_it(claims: dict[str, Any], message: str) -> None:
    with pytest.raises(ClaimError, match=message):
        AccessScope.from_token([], claims)


def test_dev_tokens_are_national_unless_claims_confine_them(tmp_path: Path) -> None:
    keys = tmp_path / "auth"
    default = jwt.decode(
        issue_token(keys, subject="dev", scopes=["registry:read", "migrants:write"]),
        options={"verify_signature": False},
    )
    assert set(default["scope"].split()) == {
        "registry:read",
        "migrants:write",
        "registry:national",
        "migrants:national",
    }
    ule = jwt.decode(
        issue_token(keys, subject="ule", scopes=["registry:read"], claims={"chasqui:ubigeo": "150142"}),
        options={"verify_signature": False},
    )
    assert ule["scope"] == "registry:read"
    assert ule["chasqui:ubigeo"] == "150142"
    with pytest.raises(ValueError, match="unknown access claim"):
        issue_token(keys, subject="x", scopes=["registry:read"], claims={"chasqui:district": "150142"})


def test_dev_token_cli_takes_claims(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    keys = tmp_path / "auth"
    args = ["--dir", str(keys), "issue", "--scope", "registry:read"]
    assert main([*args, "--claim", "chasqui:ubigeo=150142"]) == 0
    token = jwt.decode(capsys.readouterr().out.strip(), options={"verify_signature": False})
    assert (token["scope"], token["chasqui:ubigeo"]) == ("registry:read", "150142")
    assert main([*args, "--claim", "district=150142"]) == 2
    assert "NAME=VALUE" in capsys.readouterr().err


# --- the caller of a route, and the problems it can get ---------------------------------------------


@pytest.fixture
def client(tmp_path: Path) -> httpx.AsyncClient:
    keys = tmp_path / "auth"
    ensure_signing_key(keys)
    app = FastAPI()
    install_problem_handlers(app)
    app.state.token_verifier = TokenVerifier(
        issuer=DEFAULT_ISSUER, audience=DEFAULT_AUDIENCE, jwks_file=keys / "jwks.json"
    )
    app.state.keys = keys

    @app.get("/whoami")
    async def whoami(
        _: Principal = Depends(require_scopes("registry:read")), caller: Caller = CALLER
    ) -> dict[str, Any]:
        return {
            "subject": caller.subject,
            "purpose": caller.purpose,
            "ubigeos": sorted(caller.scope.ubigeos),
            "national": caller.scope.is_national("registry"),
        }

    @app.get("/busy")
    async def busy() -> None:
        raise RateLimited("too many", retry_after_seconds=7, limit=60, period_seconds=60)

    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_the_caller_carries_claims_and_declared_purpose(
    client: httpx.AsyncClient, tmp_path: Path
) -> None:
    token = issue_token(
        tmp_path / "auth", subject="ule-ves", scopes=["registry:read"], claims={"chasqui:ubigeo": "150142"}
    )
    response = await client.get(
        "/whoami", headers={"Authorization": f"Bearer {token}", "X-Purpose": "visita DNI 41835127"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["subject"], body["ubigeos"], body["national"]) == ("ule-ves", ["150142"], False)
    assert body["purpose"].startswith("visita DNI ")
    assert "41835127" not in body["purpose"]  # a document in the purpose is masked before it is kept


async def test_a_token_with_a_malformed_claim_is_401(client: httpx.AsyncClient, tmp_path: Path) -> None:
    token = issue_token(
        tmp_path / "auth", subject="x", scopes=["registry:read"], claims={"chasqui:ubigeo": "15"}
    )
    response = await client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "chasqui:ubigeo" in response.json()["detail"]


async def test_rate_limited_is_429_with_retry_after(client: httpx.AsyncClient) -> None:
    response = await client.get("/busy")
    assert response.status_code == 429
    assert response.headers["Retry-After"] == "7"
    body = response.json()
    assert body["type"] == "https://chasqui.pe/problems/rate-limited"
    assert (body["retry_after_seconds"], body["limit"], body["period_seconds"]) == (7, 60, 60)


# --- the keyed document hash ------------------------------------------------------------------------


def test_document_refs_are_keyed_canonical_and_keep_the_type(monkeypatch: pytest.MonkeyPatch) -> None:
    ref = document_ref("DNI", "41835127")
    assert ref.startswith("DNI:")
    assert "41835127" not in ref
    check = cui.calc_check_digits("41835127")[0]
    assert document_ref("DNI", f"41835127{check}") == ref  # with its check character: the same person
    assert document_ref("CE", "41835127") != ref
    monkeypatch.setenv("AUDIT_DOCUMENT_KEY", "another-key")
    assert document_ref("DNI", "41835127") != ref


# --- the token bucket -------------------------------------------------------------------------------


RULE = BucketRule("document-lookup", capacity=3, period_seconds=60)  # one token back every 20 s


async def test_a_bucket_allows_its_capacity_then_refills_at_its_rate(service_db: Any) -> None:
    t0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    async with plumbed_pool(service_db.dsn, service_db.schema) as pool:
        for _ in range(3):
            await take_token(pool, RULE, "juntos", t0)  # type: ignore[arg-type]
        with pytest.raises(RateLimited) as refused:
            await take_token(pool, RULE, "juntos", t0)  # type: ignore[arg-type]
        assert refused.value.retry_after_seconds == 20
        await take_token(pool, RULE, "pension65", t0)  # type: ignore[arg-type]  # its own bucket
        with pytest.raises(RateLimited) as again:
            await take_token(pool, RULE, "juntos", t0 + timedelta(seconds=10))  # type: ignore[arg-type]
        assert again.value.retry_after_seconds == 10  # refusals take nothing
        await take_token(pool, RULE, "juntos", t0 + timedelta(seconds=20))  # type: ignore[arg-type]
        # A long pause refills to the capacity, no more.
        later = t0 + timedelta(hours=1)
        for _ in range(3):
            await take_token(pool, RULE, "juntos", later)  # type: ignore[arg-type]
        with pytest.raises(RateLimited):
            await take_token(pool, RULE, "juntos", later)  # type: ignore[arg-type]


async def test_concurrent_takes_never_exceed_the_capacity(service_db: Any) -> None:
    t0 = datetime(2026, 3, 2, 15, 0, tzinfo=UTC)
    rule = BucketRule("document-lookup", capacity=10, period_seconds=3600)

    async def take(pool: Any) -> bool:
        async with pool.acquire() as conn:
            try:
                await take_token(conn, rule, "burst", t0)
            except RateLimited:
                return False
            return True

    async with plumbed_pool(service_db.dsn, service_db.schema, max_size=8) as pool:
        outcomes = await asyncio.gather(*(take(pool) for _ in range(40)))
    assert outcomes.count(True) == 10
