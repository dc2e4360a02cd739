"""The registry service: households, members, CSE and bulk ULE import, wired in one place."""

from __future__ import annotations

from pathlib import Path

from chasqui_common.application.arco import arco_consumer
from chasqui_common.bootstrap import ServiceDefinition, run
from chasqui_common.topics import ARCO_ANSWERS, AUDIT, REGISTRY_HOUSEHOLDS

from chasqui_registry.api import routes
from chasqui_registry.application import arco, imports, ule_results

DEFINITION = ServiceDefinition(
    name="registry",
    title="Chasqui social registry",
    migrations=Path(__file__).parent / "migrations",
    routers=[routes.router],
    consumers=[arco_consumer(arco.PART), ule_results.make_consumer()],  # ULE results: ADR 0007
    publishes=[REGISTRY_HOUSEHOLDS, ARCO_ANSWERS, AUDIT],
    background=[imports.cancel_imports],
)


def main() -> None:
    run(DEFINITION)
