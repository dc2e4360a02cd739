"""Issue 18, item 4: /healthz, /readyz and /metrics on the management port only; API docs optional;
issue 18, item 6: tokens valid longer than the maximum lifetime are refused."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest
from chasqui_common.auth.devtokens import ensure_signing_key, issue_token, main
from chasqui_common.auth.jwt import INVALID_TOKEN_CHALLENGE
from chasqui_common.bootstrap import ServiceDefinition, create_app
from chasqui_common.settings import ServiceSettings
from chasqui_testing import running_service

pytestmark = pytest.mark.asyncio(loop_scope="session")


def _definition() -> ServiceDefinition:
    return ServiceDefinition(name="management-test", title="Management test", migrations=None)


async def test_operations_endpoints_answer_on_the_management_port_only(
    service_db, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    async with (
        running_service(
            _definition(),
            database_url=service_db.dsn,
            schema=service_db.schema,
            kafka_bootstrap_servers=kafka_bootstrap_servers,
            auth_dir=tmp_path / "auth",
        ) as svc,
        httpx.AsyncClient(base_url=svc.base_url) as api,
        svc.management() as management,
    ):
        for path in ("/healthz", "/readyz", "/metrics"):
            assert (await api.get(path)).status_code == 404, path
        assert (await management.get("/healthz")).json()["status"] == "alive"
        ready = await management.get("/readyz")
        assert ready.status_code == 200, ready.text
        assert "chasqui_kafka_up" in (await management.get("/metrics")).text
        assert (await management.get("/openapi.json")).status_code == 404
        assert (await api.get("/openapi.json")).status_code == 200


async def test_api_docs_can_be_turned_off_and_the_ports_differ(tmp_path: Path) -> None:
    settings = ServiceSettings(api_docs=False, auth_jwks_file=ensure_signing_key(tmp_path))
    app = create_app(_definition(), settings)
    paths = {getattr(route, "path", None) for route in app.routes}
    assert not paths & {"/openapi.json", "/docs", "/redoc"}
    assert ServiceSettings(http_port=8003).management_address == ("127.0.0.1", 9003)
    assert ServiceSettings(http_port=8003, management_port=9100).management_address[1] == 9100
    with pytest.raises(ValueError, match="MANAGEMENT_PORT"):
        ServiceSettings(http_port=8003, management_port=8003)


async def test_tokens_valid_longer_than_the_maximum_are_refused(tmp_path: Path) -> None:
    import jwt
    from cryptography.hazmat.primitives import serialization

    auth = tmp_path / "auth"
    ensure_signing_key(auth)
    key = serialization.load_pem_private_key((auth / "signing-key.pem").read_bytes(), password=None)
    kid = __import__("json").loads((auth / "jwks.json").read_text())["keys"][0]["kid"]
    now = int(time.time())
    base = {"iss": "https://auth.chasqui.local", "aud": "chasqui", "sub": "c", "scope": "registry:read"}

    def token(**claims: int) -> str:
        return jwt.encode({**base, **claims}, key, algorithm="ES256", headers={"kid": kid})  # type: ignore[arg-type]

    from chasqui_common.auth.jwt import TokenVerifier
    from chasqui_common.http.problems import ProblemError

    verifier = TokenVerifier(
        issuer=base["iss"], audience="chasqui", jwks_file=auth / "jwks.json", max_lifetime=12 * 3600
    )
    assert (await verifier.verify(token(iat=now, exp=now + 12 * 3600))).subject == "c"
    for claims in ({"iat": now, "exp": now + 13 * 3600}, {"exp": now + 13 * 3600}):
        with pytest.raises(ProblemError) as refused:
            await verifier.verify(token(**claims))
        assert refused.value.status == 401
        assert refused.value.headers == {"WWW-Authenticate": INVALID_TOKEN_CHALLENGE}
        assert "longer than the maximum" in (refused.value.detail or "")
    # The dev issuer stays within the default maximum.
    with pytest.raises(ValueError, match="ttl_seconds"):
        issue_token(auth, subject="c", scopes=["x"], ttl_seconds=13 * 3600)
    assert main(["--dir", str(auth), "issue", "--scope", "x", "--ttl", str(13 * 3600)]) == 2
