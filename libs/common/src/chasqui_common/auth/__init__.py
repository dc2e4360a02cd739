"""Access control: OAuth2 bearer JWTs verified against configured keys, one scope per endpoint group."""

from chasqui_common.auth.jwt import AuthError, Principal, TokenVerifier, require_scopes

__all__ = ["AuthError", "Principal", "TokenVerifier", "require_scopes"]
