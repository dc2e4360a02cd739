"""Migrant-services settings: the shared ones plus the document expiry watch's period."""

from __future__ import annotations

from chasqui_common.settings import ServiceSettings
from pydantic import Field


class MigrantsSettings(ServiceSettings):
    http_port: int = 8004
    expiry_watch_interval_seconds: float = Field(
        3600.0,
        description="How often the document expiry watch sweeps (EXPIRY_WATCH_INTERVAL_SECONDS); 0 turns the "
        "background watch off (POST /v1/document-expiry/sweeps still sweeps on demand)",
    )
