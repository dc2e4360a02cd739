"""The registry service: households, members, CSE and bulk ULE import, wired in one place."""

from __future__ import annotations

from pathlib import Path

from chasqui_common.bootstrap import ServiceDefinition, run
from chasqui_common.topics import REGISTRY_HOUSEHOLDS

from chasqui_registry.api import routes
from chasqui_registry.application import imports

DEFINITION = ServiceDefinition(
    name="registry",
    title="Chasqui social registry",
    migrations=Path(__file__).parent / "migrations",
    routers=[routes.router],
    publishes=[REGISTRY_HOUSEHOLDS],
    background=[imports.cancel_imports],
)


def main() -> None:
    run(DEFINITION)
