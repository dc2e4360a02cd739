"""Every program eligibility decides has its own decisions topic, and each decision's copy goes there."""

from datetime import date

from chasqui_common.events import CATALOGUE
from chasqui_common.events.eligibility import BenefitKind, DecisionCause, DecisionChanged
from chasqui_common.topics import DECISION_PROGRAMS, PROGRAM_DECISIONS, program_decisions_topic
from chasqui_eligibility.application.rule_book import rule_book
from chasqui_eligibility.main import DEFINITION


def decision(program: str) -> DecisionChanged:
    return DecisionChanged(
        decision_id="d-1",
        household_id="hh-1",
        program=program,
        eligible=True,
        previous_eligible=False,
        benefit_kind=BenefitKind.CASH,
        rule_set_version=f"{program}-2024.1",
        as_of=date(2026, 3, 10),
        cause=DecisionCause.REGISTRY_EVENT,
    )


def test_the_topic_list_names_exactly_the_programs_of_the_rule_book() -> None:
    assert set(DECISION_PROGRAMS) == {program.code for program in rule_book()}


def test_each_decision_is_copied_to_its_own_programs_topic_only() -> None:
    spec = CATALOGUE.spec_for(DecisionChanged)
    assert spec.topic.name == "eligibility.decisions"
    for program in DECISION_PROGRAMS:
        assert spec.copies_of(decision(program)) == (program_decisions_topic(program),)
    assert program_decisions_topic("PENSION_65").name == "eligibility.decisions.pension-65"
    assert spec.copies_of(decision("NOT_A_PROGRAM")) == ()


def test_the_service_publishes_to_every_program_topic() -> None:
    published = {t.name for t in DEFINITION.publishes}
    assert {"eligibility.decisions"} | {t.name for t in PROGRAM_DECISIONS} <= published
