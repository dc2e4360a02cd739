"""The scopes the API asks for: `attention:read` on every GET, `attention:write` on every POST;
`attention:demuna` in the token also lets it read and write DEMUNA records (records of minors)."""

from __future__ import annotations

from chasqui_common.auth import Principal, require_scopes

from chasqui_citizen_attention.domain.confidentiality import DEMUNA_SCOPE

READ = require_scopes("attention:read")
WRITE = require_scopes("attention:write")


def may_read_confidential(principal: Principal) -> bool:
    """Whether the token carries the DEMUNA scope."""
    return DEMUNA_SCOPE in principal.scopes
