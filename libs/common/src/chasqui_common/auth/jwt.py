"""Bearer token verification (issuer, audience, expiry, signature) and per-endpoint scope checks."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import jwt
from fastapi import Header, Request

from chasqui_common.auth.scope import AccessScope, Caller, ClaimError
from chasqui_common.http.problems import ProblemError
from chasqui_common.redaction import cut, redact_text

ALGORITHMS = ["ES256", "RS256", "EdDSA"]

INVALID_TOKEN_CHALLENGE = 'Bearer error="invalid_token"'
"""The one `WWW-Authenticate` value of a refused token (RFC 6750 §3.1). Fixed on purpose: a header
never echoes anything of the token (a `kid` that is not Latin-1 cannot even be sent in a header);
the reason is in the problem document's `detail`."""
NO_TOKEN_CHALLENGE = 'Bearer realm="chasqui"'
DEFAULT_MAX_TOKEN_LIFETIME = 12 * 3600
"""Seconds a token may be valid (exp - iat) unless AUTH_MAX_TOKEN_LIFETIME says otherwise."""


@dataclass(frozen=True)
class Principal:
    """Who called: the token's subject, the client it was issued to, its scopes, and the records
    its access claims confine it to (`chasqui_common.auth.scope`)."""

    subject: str
    client_id: str | None
    scopes: frozenset[str]
    access: AccessScope = field(default_factory=AccessScope)


class AuthError(ProblemError):
    pass


def _unauthorized(detail: str) -> AuthError:
    return AuthError(
        401, "unauthorized", "Unauthorized", detail, headers={"WWW-Authenticate": INVALID_TOKEN_CHALLENGE}
    )


def _shown(value: Any) -> str:
    """A header member of the token as the detail may quote it: repr, at most 40 characters."""
    return cut(repr(value), 40)


def _lifetime(claims: dict[str, Any], now: float) -> float:
    """How long the token is valid: exp - iat, or exp - now when it has no (numeric) iat."""
    exp = float(claims["exp"])
    iat = claims.get("iat")
    if isinstance(iat, int | float) and not isinstance(iat, bool):
        return exp - float(iat)
    return exp - now


class TokenVerifier:
    """Verifies JWTs against a JWKS file or URL for one issuer and audience."""

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        jwks_file: Path | None = None,
        jwks_url: str | None = None,
        leeway: float = 10.0,
        max_lifetime: float = DEFAULT_MAX_TOKEN_LIFETIME,
    ) -> None:
        if (jwks_file is None) == (jwks_url is None):
            raise ValueError("configure exactly one of AUTH_JWKS_FILE or AUTH_JWKS_URL")
        self.issuer = issuer
        self.audience = audience
        self.leeway = leeway
        self.max_lifetime = max_lifetime
        self._jwks_file = jwks_file
        self._client = jwt.PyJWKClient(jwks_url, cache_keys=True, lifespan=300) if jwks_url else None
        self._keys: dict[str, jwt.PyJWK] = {}
        if jwks_file is not None:
            self._load_file()

    def _load_file(self) -> None:
        assert self._jwks_file is not None
        try:
            document = json.loads(self._jwks_file.read_text())
        except (OSError, ValueError) as exc:
            raise ValueError(f"cannot read JWKS file {self._jwks_file}: {exc}") from exc
        keyset = jwt.PyJWKSet.from_dict(document)
        self._keys = {key.key_id: key for key in keyset.keys if key.key_id}

    async def _key_for(self, token: str) -> Any:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise _unauthorized(f"malformed token: {exc}") from None
        kid = header.get("kid")
        alg = header.get("alg")
        if not isinstance(alg, str) or alg not in ALGORITHMS:
            raise _unauthorized(f"token algorithm {_shown(alg)} is not one of {ALGORITHMS}")
        if kid is not None and not isinstance(kid, str):
            raise _unauthorized("token header 'kid' is not a string")
        if self._client is not None:
            try:
                return (await asyncio.to_thread(self._client.get_signing_key_from_jwt, token)).key
            except jwt.PyJWTError as exc:
                raise _unauthorized(f"no signing key for kid {_shown(kid)}: {cut(str(exc), 100)}") from None
        if kid not in self._keys:
            self._load_file()  # keys may have been rotated on disk
        if kid not in self._keys:
            raise _unauthorized(f"token signed with unknown key id {_shown(kid)}")
        return self._keys[kid].key

    def _check_lifetime(self, claims: dict[str, Any]) -> None:
        """Refuse tokens valid longer than `max_lifetime` (a leaked one would be usable for long)."""
        lifetime = _lifetime(claims, time.time())
        if lifetime > self.max_lifetime:
            raise _unauthorized(
                f"token is valid for {lifetime:.0f} s, longer than the maximum of {self.max_lifetime:.0f} s "
                "accepted here; ask the issuer for a shorter-lived token"
            )

    async def verify(self, token: str) -> Principal:
        key = await self._key_for(token)
        try:
            claims = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise _unauthorized("token has expired") from None
        except jwt.InvalidAudienceError:
            raise _unauthorized(f"token audience is not {self.audience!r}") from None
        except jwt.InvalidIssuerError:
            raise _unauthorized(f"token issuer is not {self.issuer!r}") from None
        except jwt.MissingRequiredClaimError as exc:
            raise _unauthorized(f"token lacks the {exc.claim!r} claim") from None
        except jwt.PyJWTError as exc:
            raise _unauthorized(f"invalid token: {cut(str(exc), 100)}") from None
        except (TypeError, ValueError):  # e.g. a key that does not fit the token's algorithm
            raise _unauthorized(
                "invalid token: its signature cannot be checked with the key it names"
            ) from None
        self._check_lifetime(claims)
        raw_scopes = claims.get("scope", claims.get("scp", ""))
        if isinstance(raw_scopes, str):
            scopes = raw_scopes.split()
        elif isinstance(raw_scopes, list) and all(isinstance(scope, str) for scope in raw_scopes):
            scopes = list(raw_scopes)
        else:
            raise _unauthorized("token 'scope' claim is neither a string nor a list of strings")
        client_id = claims.get("client_id") or claims.get("azp")
        try:
            access = AccessScope.from_token(scopes, claims)
        except ClaimError as exc:
            raise _unauthorized(str(exc)) from None
        return Principal(
            subject=str(claims["sub"]),
            client_id=str(client_id) if client_id is not None else None,
            scopes=frozenset(scopes),
            access=access,
        )


_SCOPES: dict[Callable[..., Any], tuple[str, ...]] = {}


def required_scopes(dependency: Callable[..., Any]) -> tuple[str, ...] | None:
    """The scopes a `require_scopes(...)` dependency demands (None for any other callable)."""
    return _SCOPES.get(dependency)


def require_scopes(*scopes: str) -> Callable[[Request], Awaitable[Principal]]:
    """FastAPI dependency: a verified bearer token carrying every one of `scopes`."""

    async def dependency(request: Request) -> Principal:
        verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
        if verifier is None:
            raise RuntimeError("no token verifier configured on this app")
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError(
                401,
                "unauthorized",
                "Unauthorized",
                "a bearer token is required (Authorization: Bearer <JWT>)",
                headers={"WWW-Authenticate": NO_TOKEN_CHALLENGE},
            )
        principal = await verifier.verify(token.strip())
        missing = [scope for scope in scopes if scope not in principal.scopes]
        if missing:
            raise AuthError(
                403,
                "forbidden",
                "Forbidden",
                f"token lacks scope(s) {' '.join(missing)} required by this endpoint",
                headers={
                    "WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{" ".join(scopes)}"'
                },
            )
        request.state.principal = principal
        return principal

    _SCOPES[dependency] = scopes
    dependency.__name__ = f"require_{'_'.join(s.replace(':', '_') for s in scopes) or 'token'}"
    return dependency


PURPOSE_HEADER = "X-Purpose"
"""Why the client reads or writes (free text, at most `MAX_PURPOSE` characters), kept in the access record."""
MAX_PURPOSE = 200


def current_caller(
    request: Request,
    purpose: Annotated[
        str | None,
        Header(
            alias=PURPOSE_HEADER,
            description="Why the client reads or writes this personal data (free text, at most "
            f"{MAX_PURPOSE} characters; document numbers and phones in it are masked); kept in the "
            "access record (docs/privacy.md)",
        ),
    ] = None,
) -> Caller:
    """FastAPI dependency: the `Caller` of a route whose scope dependency (`require_scopes`) ran
    before it (declare it after that one), with the purpose the `X-Purpose` header gives."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        raise RuntimeError("current_caller needs a require_scopes(...) dependency declared before it")
    return Caller(
        subject=principal.subject,
        client_id=principal.client_id,
        scope=principal.access,
        purpose=redact_text(purpose.strip(), MAX_PURPOSE) if purpose and purpose.strip() else None,
    )
