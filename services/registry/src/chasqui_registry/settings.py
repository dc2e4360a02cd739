"""Registry settings: the shared ones plus the bulk import's limits."""

from __future__ import annotations

from chasqui_common.settings import ServiceSettings
from pydantic import Field

DEFAULT_IMPORT_MAX_BYTES = 200 << 20


class RegistrySettings(ServiceSettings):
    import_max_bytes: int = Field(
        DEFAULT_IMPORT_MAX_BYTES,
        gt=0,
        description="IMPORT_MAX_BYTES: largest import file accepted (bytes; 413 above it). The k8s "
        "uploads emptyDir must hold one file of this size.",
    )


def registry_settings(settings: ServiceSettings) -> RegistrySettings:
    if isinstance(settings, RegistrySettings):
        return settings
    return RegistrySettings(**settings.model_dump())
