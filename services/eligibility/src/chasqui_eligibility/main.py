"""The eligibility service, wired in one place."""

from __future__ import annotations

from pathlib import Path

from chasqui_common.bootstrap import ServiceDefinition, run
from chasqui_common.topics import ELIGIBILITY_DECISIONS

from chasqui_eligibility.adapters.rule_files import load_rule_book
from chasqui_eligibility.api.routes import make_router
from chasqui_eligibility.application.clock import Clock, SystemClock
from chasqui_eligibility.application.event_handlers import make_consumer
from chasqui_eligibility.application.service import Eligibility
from chasqui_eligibility.application.sweep import daily
from chasqui_eligibility.domain.rules import RuleBook
from chasqui_eligibility.settings import EligibilitySettings

MIGRATIONS = Path(__file__).parent / "migrations"


def build_definition(
    *, clock: Clock | None = None, book: RuleBook | None = None, consumer_name: str = "eligibility"
) -> tuple[ServiceDefinition, Eligibility]:
    """The service definition and its application object; tests inject a clock or rule book."""
    app = Eligibility(book=book or load_rule_book(), clock=clock or SystemClock())
    definition = ServiceDefinition(
        name="eligibility",
        title="Chasqui eligibility",
        migrations=MIGRATIONS,
        routers=[make_router(app)],
        consumers=[make_consumer(app, consumer_name)],
        publishes=[ELIGIBILITY_DECISIONS],
        background=[daily(app)],
    )
    return definition, app


DEFINITION, APP = build_definition()


def main() -> None:
    run(DEFINITION, EligibilitySettings())
