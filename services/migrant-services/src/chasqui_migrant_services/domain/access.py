"""Which cases and people a caller may see: those of its own Migracentro(s), or all for national roles.

A Migracentro attends the people who come to it and keeps their cases; another Migracentro has no
need to read them (Ley 29733 art. 8, minimisation). Its token names its attention point code(s)
(`chasqui:migracentro`); the national office of the programme holds `migrants:national`.
A person belongs to the Migracentro where they were registered; a case to the one that opened it.
"""

from __future__ import annotations

from chasqui_common.auth.scope import AccessScope

from chasqui_migrant_services.domain.errors import OutsideMigracentro

NATIONAL_PREFIX = "migrants"


def is_national(scope: AccessScope) -> bool:
    return scope.is_national(NATIONAL_PREFIX)


def may_see(scope: AccessScope, attention_point: str) -> bool:
    """Whether a caller with `scope` may read or act on what belongs to `attention_point`."""
    return is_national(scope) or attention_point in scope.migracentros


def check_point(scope: AccessScope, attention_point: str, *, field: str) -> None:
    """OutsideMigracentro (403) unless the caller may touch what belongs to `attention_point`."""
    if may_see(scope, attention_point):
        return
    allowed = ", ".join(sorted(scope.migracentros)) or "none"
    raise OutsideMigracentro(
        f"this token may touch the cases and people of Migracentro(s) {allowed} only",
        field=field,
        value=attention_point,
        expected=f"an attention point of the token's chasqui:migracentro claim ({allowed}) "
        "or a migrants:national token",
    )
