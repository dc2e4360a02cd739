"""Who is calling and what their token confines them to, as plain data for use cases.

A token's scopes say which endpoints a client may call (`registry:read`); its access claims say
which records it may touch there:

- `chasqui:ubigeo`: the INEI district(s) of a ULE (registering unit), e.g. "150142";
- `chasqui:migracentro`: the Migracentro(s) (attention point codes) of a migrant-services client;
- `chasqui:programme`: the programme(s) of an integrator (e.g. "JUNTOS");
- a `<prefix>:national` scope (e.g. `registry:national` for the targeting office): every record
  behind that prefix's endpoints.

Each claim is a string or a list of strings. This module builds the `Caller` the application
layer passes into commands and queries; whether a caller may touch a record is the owning
service's domain rule (e.g. registry's `domain/access.py`). It imports no web framework, so a
service's domain may name `AccessScope` in its rules.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

UBIGEO_CLAIM = "chasqui:ubigeo"
MIGRACENTRO_CLAIM = "chasqui:migracentro"
PROGRAMME_CLAIM = "chasqui:programme"
ACCESS_CLAIMS = (UBIGEO_CLAIM, MIGRACENTRO_CLAIM, PROGRAMME_CLAIM)
NATIONAL = "national"
"""The scope action of national roles: `<prefix>:national`."""

_UBIGEO = re.compile(r"^\d{6}$")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class ClaimError(ValueError):
    """An access claim of a token is not a string or list of strings of the expected form."""


def _values(claims: Mapping[str, Any], name: str, pattern: re.Pattern[str], expected: str) -> frozenset[str]:
    raw = claims.get(name)
    if raw is None:
        return frozenset()
    items = [raw] if isinstance(raw, str) else raw
    if not isinstance(items, list) or not all(isinstance(item, str) for item in items):
        raise ClaimError(f"token claim {name!r} is neither a string nor a list of strings")
    for item in items:
        if not pattern.match(item):
            raise ClaimError(f"token claim {name!r} holds {item[:20]!r}; expected {expected}")
    return frozenset(items)


@dataclass(frozen=True)
class AccessScope:
    """The records a caller may touch beyond its endpoint scopes.

    `national`: scope prefixes (e.g. "registry") where the caller reaches every record;
    `ubigeos`: 6-digit INEI districts (a ULE's); `migracentros`: attention point codes;
    `programmes`: programme codes (upper case, e.g. "JUNTOS"). An empty scope reaches nothing
    that a service confines.
    """

    national: frozenset[str] = frozenset()
    ubigeos: frozenset[str] = frozenset()
    migracentros: frozenset[str] = frozenset()
    programmes: frozenset[str] = frozenset()

    def is_national(self, prefix: str) -> bool:
        """Whether the token has `<prefix>:national` (e.g. `registry:national`)."""
        return prefix in self.national

    @classmethod
    def from_token(cls, scopes: Iterable[str], claims: Mapping[str, Any]) -> AccessScope:
        """The scope of a verified token's `scope` list and claims; ClaimError on a malformed claim."""
        national = frozenset(s.split(":", 1)[0] for s in scopes if s.endswith(":" + NATIONAL))
        return cls(
            national=national,
            ubigeos=_values(claims, UBIGEO_CLAIM, _UBIGEO, "6-digit INEI district codes"),
            migracentros=_values(claims, MIGRACENTRO_CLAIM, _CODE, "attention point codes"),
            programmes=frozenset(
                p.upper() for p in _values(claims, PROGRAMME_CLAIM, _CODE, "programme codes such as JUNTOS")
            ),
        )

    @classmethod
    def everywhere(cls, *prefixes: str) -> AccessScope:
        """National in every given prefix (a service acting on its own behalf)."""
        return cls(national=frozenset(prefixes))


@dataclass(frozen=True)
class Caller:
    """The principal a use case acts for: token subject, client, scope and declared purpose.

    `purpose` is what the client said it reads for (the `X-Purpose` header), recorded in the access
    record, never checked against anything. `system` callers are the service itself (an event
    handler, a bulk import's worker): they act for someone named in `subject`.
    """

    subject: str
    client_id: str | None = None
    scope: AccessScope = field(default_factory=AccessScope)
    purpose: str | None = None
    system: bool = False

    @property
    def actor(self) -> str:
        """Who to name as the author of a change: the client the token was issued to, else its subject."""
        return self.client_id or self.subject

    @classmethod
    def service(cls, name: str, *prefixes: str, purpose: str | None = None) -> Caller:
        """The service itself (event handlers, background tasks), national in `prefixes`."""
        return cls(
            subject=name,
            client_id=name,
            scope=AccessScope.everywhere(*prefixes),
            purpose=purpose,
            system=True,
        )
