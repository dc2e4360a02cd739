"""Wiring of the DCI gateway: routes, migrations, the registry consumer, callback delivery (HTTP and
Kafka), senders' callback topics, retention."""

from __future__ import annotations

from pathlib import Path

from chasqui_common.application.arco import arco_consumer
from chasqui_common.bootstrap import ServiceDefinition, run
from chasqui_common.topics import ARCO_ANSWERS, AUDIT

from chasqui_dci_gateway.api import routes
from chasqui_dci_gateway.application import arco
from chasqui_dci_gateway.application.delivery import (
    deliver_callbacks,
    provision_notify_topics,
    purge_retention,
)
from chasqui_dci_gateway.application.event_handlers import make_consumer
from chasqui_dci_gateway.settings import DciSettings


def build_definition(*, consumer_name: str = "dci-gateway") -> ServiceDefinition:
    """The service definition; tests may name their own consumer group."""
    return ServiceDefinition(
        name="dci-gateway",
        title="Chasqui DCI gateway",
        migrations=Path(__file__).parent / "migrations",
        routers=[routes.router],
        consumers=[
            make_consumer(consumer_name),
            arco_consumer(arco.PART, f"{consumer_name}-arco"),
        ],
        publishes=[ARCO_ANSWERS, AUDIT],
        background=[deliver_callbacks, provision_notify_topics, purge_retention],
    )


DEFINITION = build_definition()


def main() -> None:
    run(DEFINITION, DciSettings())


if __name__ == "__main__":
    main()
