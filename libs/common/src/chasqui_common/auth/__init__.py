"""Access control: OAuth2 bearer JWTs verified against configured keys, one scope per endpoint group,
and the caller's access scope (district, Migracentro, programme, national) for use cases."""

from fastapi import Depends

from chasqui_common.auth.jwt import (
    PURPOSE_HEADER,
    AuthError,
    Principal,
    TokenVerifier,
    current_caller,
    require_scopes,
)
from chasqui_common.auth.scope import AccessScope, Caller

CALLER = Depends(current_caller)
"""Route parameter default `caller: Caller = CALLER`, declared after the scope dependency."""

__all__ = [
    "CALLER",
    "PURPOSE_HEADER",
    "AccessScope",
    "AuthError",
    "Caller",
    "Principal",
    "TokenVerifier",
    "current_caller",
    "require_scopes",
]
