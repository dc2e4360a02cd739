"""Wiring of the citizen-attention service: routes, migrations, consumer, published topics,
data loading and the referral deadline watch."""

from __future__ import annotations

from pathlib import Path

from chasqui_common.application.arco import arco_consumer
from chasqui_common.bootstrap import ServiceDefinition, run
from chasqui_common.topics import (
    ARCO_ANSWERS,
    AUDIT,
    CITIZEN_ATTENTION_ATTENTIONS,
    CITIZEN_ATTENTION_REFERRALS,
    CITIZEN_ATTENTION_REQUESTS,
)

from chasqui_citizen_attention import console
from chasqui_citizen_attention.api import routes
from chasqui_citizen_attention.application import arco
from chasqui_citizen_attention.application.background import load_data_files, referral_deadline_watch
from chasqui_citizen_attention.application.decision_events import make_decision_consumer
from chasqui_citizen_attention.application.event_handlers import make_consumer
from chasqui_citizen_attention.settings import AttentionSettings


def build_definition(*, consumer_name: str = "citizen-attention") -> ServiceDefinition:
    """The service definition; tests may name their own consumer group."""
    return ServiceDefinition(
        name="citizen-attention",
        title="Chasqui citizen attention",
        migrations=Path(__file__).parent / "migrations",
        routers=[routes.router, console.router],  # the front-desk console: /console
        consumers=[
            make_consumer(consumer_name),
            make_decision_consumer(f"{consumer_name}-worklists"),
            arco_consumer(arco.PART, f"{consumer_name}-arco"),  # ARCO rights: docs/privacy.md
        ],
        publishes=[
            CITIZEN_ATTENTION_ATTENTIONS,
            CITIZEN_ATTENTION_REFERRALS,
            CITIZEN_ATTENTION_REQUESTS,
            ARCO_ANSWERS,
            AUDIT,
        ],
        background=[load_data_files, referral_deadline_watch],
    )


DEFINITION = build_definition()


def main() -> None:
    run(DEFINITION, AttentionSettings())


if __name__ == "__main__":
    main()
