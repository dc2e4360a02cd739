"""The eligibility service, wired in one place."""

from __future__ import annotations

from pathlib import Path

from chasqui_common.application.arco import arco_consumer
from chasqui_common.bootstrap import ServiceDefinition, run
from chasqui_common.topics import ARCO_ANSWERS, AUDIT, ELIGIBILITY_DECISIONS, PROGRAM_DECISIONS

from chasqui_eligibility.api.routes import router
from chasqui_eligibility.application import arco
from chasqui_eligibility.application.event_handlers import make_consumer
from chasqui_eligibility.application.rule_book import rule_book
from chasqui_eligibility.application.sweep import daily_sweep
from chasqui_eligibility.settings import EligibilitySettings

MIGRATIONS = Path(__file__).parent / "migrations"


def build_definition(*, consumer_name: str = "eligibility") -> ServiceDefinition:
    """The service definition; tests name their own consumer group (and pass a clock to
    `create_app`/`start_runtime`)."""
    rule_book()  # a rule file that does not load, or an expression that does not compile, stops here
    return ServiceDefinition(
        name="eligibility",
        title="Chasqui eligibility",
        migrations=MIGRATIONS,
        routers=[router],
        consumers=[make_consumer(consumer_name), arco_consumer(arco.PART, f"{consumer_name}-arco")],
        publishes=[ELIGIBILITY_DECISIONS, *PROGRAM_DECISIONS, ARCO_ANSWERS, AUDIT],
        background=[daily_sweep],
    )


DEFINITION = build_definition()


def main() -> None:
    run(DEFINITION, EligibilitySettings())
