"""The scopes the API asks for: `migrants:read` on every GET, `migrants:write` on every POST/PUT."""

from __future__ import annotations

from chasqui_common.auth import require_scopes

READ = require_scopes("migrants:read")
WRITE = require_scopes("migrants:write")
