"""The console's session: the API's bearer token kept in an HttpOnly cookie, verified on every page.

The console asks for the same token and scopes as the API (`attention:read`, `attention:write`,
`attention:demuna`) and verifies it with the service's own `TokenVerifier`, so a page can do
nothing its user could not do through the API. Where the service is its own development issuer
(the local stack and tests: the signing key sits beside AUTH_JWKS_FILE and AUTH_ISSUER is the
development one), the login page issues the token; anywhere else it accepts a token the
municipality's identity provider issued.

The cookie is HttpOnly (no script reads the token), SameSite=Strict and limited to `/console`;
every form post must also come from this origin (`check_same_origin`), which, with SameSite,
keeps other sites from posting in the clerk's name (OWASP CSRF cheat sheet, "Verifying origin").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated
from urllib.parse import quote, urlsplit

from chasqui_common.auth import AuthError, Caller, Principal, TokenVerifier
from chasqui_common.auth.devtokens import DEFAULT_ISSUER, PRIVATE_KEY, issue_token
from chasqui_common.bootstrap import runtime
from chasqui_common.errors import NotPermitted
from fastapi import Depends, Request
from starlette.exceptions import HTTPException

from chasqui_citizen_attention.domain.confidentiality import DEMUNA_SCOPE

COOKIE = "chasqui_console"
DESK_COOKIE = "chasqui_console_desk"
"""Where the clerk works today: `<municipality ubigeo>/<office>` (not a credential)."""
PREFIX = "/console"
SHIFT_SECONDS = 8 * 3600
"""A login lasts one working shift (under the services' 12 h maximum token lifetime)."""

READ = "attention:read"
WRITE = "attention:write"
DEMUNA = DEMUNA_SCOPE


@dataclass(frozen=True)
class Role:
    """What a clerk of one office may do: the API scopes the console asks the issuer for."""

    office: str
    label: str
    scopes: tuple[str, ...]


ROLES: tuple[Role, ...] = (
    Role("ULE", "ULE — Unidad Local de Empadronamiento", (READ, WRITE)),
    Role("CIAM", "CIAM — Centro Integral del Adulto Mayor", (READ, WRITE)),
    Role("OMAPED", "OMAPED — Oficina Municipal de Atención a la Persona con Discapacidad", (READ, WRITE)),
    # DEMUNA records concern minors: only its own staff hold the scope that reads them.
    Role("DEMUNA", "DEMUNA — Defensoría Municipal del Niño y del Adolescente", (READ, WRITE, DEMUNA)),
    Role("SUPERVISION", "Supervisión (solo lectura: panel y cifras)", (READ,)),
)


def role_of(office: str) -> Role | None:
    return next((role for role in ROLES if role.office == office), None)


@dataclass(frozen=True)
class Clerk:
    """The signed-in user: who (token subject), what they may do (scopes), where they work."""

    principal: Principal
    municipality: str
    office: str | None

    @property
    def name(self) -> str:
        return self.principal.subject

    @property
    def caller(self) -> Caller:
        """Who the use cases act for (and the access record names): the clerk's token, with the
        desk they work at as the purpose."""
        return Caller(
            subject=self.principal.subject,
            client_id=self.principal.client_id,
            scope=self.principal.access,
            purpose=f"console {self.municipality}/{self.office or '-'}",
        )

    def can(self, scope: str) -> bool:
        return scope in self.principal.scopes

    def require(self, scope: str) -> None:
        """Refuse an action the token's scopes do not allow (shown on the page, like any refusal)."""
        if not self.can(scope):
            raise NotPermitted(
                f"Su sesión no tiene el permiso {scope} que esta acción requiere.",
                field="scope",
                value=" ".join(sorted(self.principal.scopes)),
                expected=scope,
            )


class LoginRequired(HTTPException):
    """No valid session: answered as a redirection to the login page (303 See Other)."""

    def __init__(self, request: Request, reason: str) -> None:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        location = f"{PREFIX}/ingresar?siguiente={quote(target, safe='')}&motivo={quote(reason, safe='')}"
        super().__init__(303, "login required", headers={"Location": location})


def development_issuer(request: Request) -> Path | None:
    """The signing-key directory when this service is its own development issuer, else None."""
    settings = runtime(request).settings
    jwks = settings.auth_jwks_file
    if jwks is None or settings.auth_issuer != DEFAULT_ISSUER:
        return None
    directory = Path(jwks).parent
    return directory if (directory / PRIVATE_KEY).exists() else None


def issue_shift_token(request: Request, directory: Path, subject: str, role: Role) -> str:
    """A development token for one shift with the role's scopes, for the service's own audience."""
    settings = runtime(request).settings
    return issue_token(
        directory,
        subject=subject,
        scopes=list(role.scopes),
        audience=settings.auth_audience,
        issuer=settings.auth_issuer,
        ttl_seconds=min(SHIFT_SECONDS, int(settings.auth_max_token_lifetime)),
        client_id="chasqui-console",
    )


async def verify(request: Request, token: str) -> Principal:
    """The token's principal, verified as the API verifies bearer tokens (raises AuthError)."""
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        raise RuntimeError("no token verifier configured on this app (AUTH_JWKS_FILE or AUTH_JWKS_URL)")
    return await verifier.verify(token)


def check_same_origin(request: Request) -> None:
    """A form post must come from a page of this console: its Origin (or Referer) is this host."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    source = request.headers.get("origin") or request.headers.get("referer")
    host = request.headers.get("host", "")
    if source is None or urlsplit(source).netloc != host:
        raise NotPermitted(
            "El formulario no se envió desde esta consola; vuelva a abrir la página e inténtelo otra vez.",
            field="origin",
            value=source,
            expected=f"una página de {host}",
        )


async def current_clerk(request: Request) -> Clerk:
    """FastAPI dependency: the signed-in clerk, or a redirection to the login page."""
    token = request.cookies.get(COOKIE)
    if not token:
        raise LoginRequired(request, "Inicie sesión para usar la consola.")
    try:
        principal = await verify(request, token)
    except AuthError:
        raise LoginRequired(request, "Su sesión terminó o no es válida; inicie sesión otra vez.") from None
    if READ not in principal.scopes:
        raise LoginRequired(request, f"Su sesión no tiene el permiso {READ} que la consola necesita.")
    check_same_origin(request)
    municipality, _, office = request.cookies.get(DESK_COOKIE, "").partition("/")
    if not municipality:
        raise LoginRequired(request, "Elija su municipalidad y oficina para usar la consola.")
    return Clerk(principal, municipality, office if role_of(office) else None)


def desk_cookie(municipality: str, office: str) -> str:
    return f"{municipality}/{office}"


CurrentClerk = Annotated[Clerk, Depends(current_clerk)]
