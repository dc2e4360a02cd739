"""Wiring of the DCI gateway: routes, migrations, the registry consumer, callback delivery, retention."""

from __future__ import annotations

from pathlib import Path

from chasqui_common.bootstrap import ServiceDefinition, run

from chasqui_dci_gateway.api import routes
from chasqui_dci_gateway.application.delivery import deliver_callbacks, purge_retention
from chasqui_dci_gateway.application.event_handlers import make_consumer
from chasqui_dci_gateway.settings import DciSettings


def build_definition(*, consumer_name: str = "dci-gateway") -> ServiceDefinition:
    """The service definition; tests may name their own consumer group."""
    return ServiceDefinition(
        name="dci-gateway",
        title="Chasqui DCI gateway",
        migrations=Path(__file__).parent / "migrations",
        routers=[routes.router],
        consumers=[make_consumer(consumer_name)],
        background=[deliver_callbacks, purge_retention],
    )


DEFINITION = build_definition()


def main() -> None:
    run(DEFINITION, DciSettings())


if __name__ == "__main__":
    main()
