"""Eligibility settings: the shared ones plus the sweep's cadence."""

from __future__ import annotations

from chasqui_common.settings import ServiceSettings
from pydantic import Field


class EligibilitySettings(ServiceSettings):
    http_port: int = 8002
    sweep_check_seconds: float = Field(
        900.0, description="How often the background task checks whether today's sweep is due"
    )
