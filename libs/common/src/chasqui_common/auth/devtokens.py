"""Development signing keys and tokens, so the local stack and tests use the production auth path."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import uuid
from collections.abc import Mapping
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from chasqui_common.auth.jwt import DEFAULT_MAX_TOKEN_LIFETIME
from chasqui_common.auth.scope import ACCESS_CLAIMS, NATIONAL

DEFAULT_ISSUER = "https://auth.chasqui.local"
DEFAULT_AUDIENCE = "chasqui"
PRIVATE_KEY = "signing-key.pem"
JWKS = "jwks.json"


def default_dir() -> Path:
    return Path(os.environ.get("CHASQUI_AUTH_DIR", ".local/auth"))


def ensure_signing_key(directory: Path) -> Path:
    """Create an ES256 key pair once; returns the JWKS path (the public half, for services)."""
    directory.mkdir(parents=True, exist_ok=True)
    private_path, jwks_path = directory / PRIVATE_KEY, directory / JWKS
    if private_path.exists() and jwks_path.exists():
        return jwks_path
    key = ec.generate_private_key(ec.SECP256R1())
    private_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    private_path.chmod(0o600)
    public = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    public.update({"kid": uuid.uuid4().hex[:16], "use": "sig", "alg": "ES256"})
    jwks_path.write_text(json.dumps({"keys": [public]}, indent=2))
    return jwks_path


def issue_token(
    directory: Path,
    *,
    subject: str,
    scopes: list[str],
    audience: str = DEFAULT_AUDIENCE,
    issuer: str = DEFAULT_ISSUER,
    ttl_seconds: int = 3600,
    client_id: str | None = None,
    now: float | None = None,
    claims: Mapping[str, str | list[str]] | None = None,
) -> str:
    """A signed development token.

    `claims` are access claims (`chasqui:ubigeo`, `chasqui:migracentro`, `chasqui:programme`).
    Without them (None) the token is national in every prefix of its scopes (`registry:read` adds
    `registry:national`), so dev clients, scenarios and tools read everything as before; pass
    `claims={}` for a token confined to nothing, or the claims of a ULE, Migracentro or programme.
    """
    if not 0 < ttl_seconds <= DEFAULT_MAX_TOKEN_LIFETIME:
        raise ValueError(
            f"ttl_seconds must be between 1 and {DEFAULT_MAX_TOKEN_LIFETIME} (the services' maximum "
            "token lifetime, AUTH_MAX_TOKEN_LIFETIME)"
        )
    jwks_path = ensure_signing_key(directory)
    kid = json.loads(jwks_path.read_text())["keys"][0]["kid"]
    private = serialization.load_pem_private_key((directory / PRIVATE_KEY).read_bytes(), password=None)
    issued = int(now if now is not None else time.time())
    if claims is None:
        prefixes = sorted({s.split(":", 1)[0] for s in scopes if ":" in s})
        scopes = [*scopes, *(f"{p}:{NATIONAL}" for p in prefixes if f"{p}:{NATIONAL}" not in scopes)]
    unknown = sorted(set(claims or {}) - set(ACCESS_CLAIMS))
    if unknown:
        raise ValueError(f"unknown access claim(s) {unknown}; expected some of {list(ACCESS_CLAIMS)}")
    body: dict[str, object] = {
        "iss": issuer,
        "sub": subject,
        "aud": audience,
        "iat": issued,
        "nbf": issued,
        "exp": issued + ttl_seconds,
        "scope": " ".join(scopes),
        "client_id": client_id or subject,
        "jti": uuid.uuid4().hex,
        **(claims or {}),
    }
    return jwt.encode(body, private, algorithm="ES256", headers={"kid": kid})  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="chasqui-token", description="Issue development bearer tokens signed with a local key."
    )
    parser.add_argument("--dir", type=Path, default=default_dir(), help="key directory (.local/auth)")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("keygen", help="create the signing key and print the JWKS path")
    issue = sub.add_parser("issue", help="print a signed token")
    issue.add_argument("--scope", action="append", default=[], help="scope, repeatable or space-separated")
    issue.add_argument("--subject", default="dev-user")
    issue.add_argument(
        "--claim",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="access claim, repeatable (chasqui:ubigeo=150142, chasqui:migracentro=LIM-ATE, "
        "chasqui:programme=JUNTOS); without any the token is national in its scopes' prefixes",
    )
    issue.add_argument("--audience", default=DEFAULT_AUDIENCE)
    issue.add_argument("--issuer", default=DEFAULT_ISSUER)
    issue.add_argument(
        "--ttl",
        type=int,
        default=3600,
        help=f"seconds until expiry, at most {DEFAULT_MAX_TOKEN_LIFETIME} (the services refuse longer ones)",
    )
    args = parser.parse_args(argv)
    if args.command == "keygen":
        print(ensure_signing_key(args.dir))
        return 0
    if not 0 < args.ttl <= DEFAULT_MAX_TOKEN_LIFETIME:
        print(f"chasqui-token: --ttl must be between 1 and {DEFAULT_MAX_TOKEN_LIFETIME}", file=sys.stderr)
        return 2
    scopes = [scope for value in args.scope for scope in value.split()]
    if not scopes:
        print("chasqui-token: give at least one --scope (e.g. --scope registry:read)", file=sys.stderr)
        return 2
    claims: dict[str, list[str]] = {}
    for item in args.claim:
        name, sep, value = item.partition("=")
        if not sep or name not in ACCESS_CLAIMS or not value:
            print(
                f"chasqui-token: --claim {item!r} must be NAME=VALUE, NAME one of {ACCESS_CLAIMS}",
                file=sys.stderr,
            )
            return 2
        claims.setdefault(name, []).append(value)
    print(
        issue_token(
            args.dir,
            subject=args.subject,
            scopes=scopes,
            audience=args.audience,
            issuer=args.issuer,
            ttl_seconds=args.ttl,
            claims={k: v[0] if len(v) == 1 else v for k, v in claims.items()} if claims else None,
        )
    )
    return 0
