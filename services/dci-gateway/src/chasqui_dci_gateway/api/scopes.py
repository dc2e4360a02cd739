"""Scopes of the DCI gateway's endpoints."""

from __future__ import annotations

from chasqui_common.auth import require_scopes

SEARCH = require_scopes("dci:search")
"""Search the registry and ask for transaction status through the DCI API."""
ADMIN = require_scopes("dci:admin")
"""Register DCI senders and watch the callback queue."""
