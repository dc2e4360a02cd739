"""The employment-matching service: wiring in one place."""

from __future__ import annotations

from pathlib import Path

from chasqui_common.application.arco import arco_consumer
from chasqui_common.bootstrap import ServiceDefinition, run
from chasqui_common.topics import ARCO_ANSWERS, AUDIT, EMPLOYMENT_JOB_SEEKERS, EMPLOYMENT_VACANCIES

from chasqui_employment_matching.api import routes
from chasqui_employment_matching.application import arco, event_handlers, sweep

DEFINITION = ServiceDefinition(
    name="employment-matching",
    title="Chasqui employment matching",
    migrations=Path(__file__).parent / "migrations",
    routers=routes.routers,
    consumers=[event_handlers.consumer, arco_consumer(arco.PART)],
    publishes=[EMPLOYMENT_JOB_SEEKERS, EMPLOYMENT_VACANCIES, ARCO_ANSWERS, AUDIT],
    background=[sweep.expire_vacancies],
)


def main() -> None:
    run(DEFINITION)
