"""Event contracts: the catalogue and every service's payload models (imported so they register)."""

from chasqui_common.events import (
    arco,
    audit,
    citizen_attention,
    eligibility,
    employment,
    migrants,
    notifications,
    registry,
)
from chasqui_common.events.catalogue import (
    CATALOGUE,
    EventCatalogue,
    EventPayload,
    EventSpec,
    event,
)

__all__ = [
    "CATALOGUE",
    "EventCatalogue",
    "EventPayload",
    "EventSpec",
    "arco",
    "audit",
    "citizen_attention",
    "eligibility",
    "employment",
    "event",
    "migrants",
    "notifications",
    "registry",
]
