"""Citizen-attention settings: the shared ones plus extra municipal data folders and the
referral deadline watch's period."""

from __future__ import annotations

from chasqui_common.settings import ServiceSettings
from pydantic import Field


class AttentionSettings(ServiceSettings):
    http_port: int = 8007
    municipal_data_dirs: list[str] = Field(
        default_factory=list,
        description="Folders of more municipal data files (MUNICIPAL_DATA_DIRS, a JSON list), read after "
        "the packaged ones; a municipality is added with a file, not code (docs/citizen-attention.md)",
    )
    referral_watch_interval_seconds: float = Field(
        600.0,
        description="Seconds between sweeps for missed referral deadlines (REFERRAL_WATCH_INTERVAL_SECONDS); "
        "0 turns the watch off",
    )
