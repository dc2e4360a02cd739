"""What every route module of /v1 shares: its prefix, tag and scopes."""

from __future__ import annotations

from chasqui_common.auth import require_scopes
from fastapi import APIRouter

READ = require_scopes("employment:read")
WRITE = require_scopes("employment:write")


def v1_router() -> APIRouter:
    return APIRouter(prefix="/v1", tags=["employment"])
