"""Wiring of the migrant-services service: routes, migrations, published topic, expiry watch."""

from __future__ import annotations

from pathlib import Path

from chasqui_common.bootstrap import ServiceDefinition, run
from chasqui_common.topics import MIGRANTS_CASES

from chasqui_migrants.api import routes
from chasqui_migrants.application.expiry_watch import expiry_watch
from chasqui_migrants.settings import MigrantsSettings

DEFINITION = ServiceDefinition(
    name="migrants",
    title="Chasqui migrant services",
    migrations=Path(__file__).parent / "migrations",
    routers=[routes.router],
    publishes=[MIGRANTS_CASES],
    background=[expiry_watch],
)


def main() -> None:
    run(DEFINITION, MigrantsSettings())


if __name__ == "__main__":
    main()
