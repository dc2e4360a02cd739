"""Wiring of the migrant-services service: routes, migrations, published topic, expiry watch."""

from __future__ import annotations

from pathlib import Path

from chasqui_common.application.arco import arco_consumer
from chasqui_common.bootstrap import ServiceDefinition, run
from chasqui_common.topics import ARCO_ANSWERS, AUDIT, MIGRANT_SERVICES_CASES, MIGRANT_SERVICES_MIGRANTS

from chasqui_migrant_services.api import routes
from chasqui_migrant_services.application import arco
from chasqui_migrant_services.application.expiry_watch import expiry_watch
from chasqui_migrant_services.settings import MigrantsSettings

DEFINITION = ServiceDefinition(
    name="migrant-services",
    title="Chasqui migrant services",
    migrations=Path(__file__).parent / "migrations",
    routers=[routes.router],
    consumers=[arco_consumer(arco.PART)],
    publishes=[MIGRANT_SERVICES_MIGRANTS, MIGRANT_SERVICES_CASES, ARCO_ANSWERS, AUDIT],
    background=[expiry_watch],
)


def main() -> None:
    run(DEFINITION, MigrantsSettings())


if __name__ == "__main__":
    main()
