"""Each program's rules on their boundaries, through the CEL path (the source of truth)."""

from datetime import date, timedelta

import pytest
from chasqui_common.events.registry import CseLevel, DisabilitySeverity, DocumentType, Pension, Relationship
from chasqui_eligibility.adapters.rule_files import load_rule_book
from chasqui_eligibility.domain.decisions import Decision
from chasqui_eligibility.domain.evaluation import evaluate_household
from chasqui_scenario.synthetic import household, member

BOOK = load_rule_book()
TODAY = date(2026, 3, 10)
DAY = timedelta(days=1)


def decide(hh, program: str, on: date = TODAY, person: str | None = None) -> Decision:  # type: ignore[no-untyped-def]
    found = [d for d in evaluate_household(BOOK, hh, on) if d.program == program and d.person_id == person]
    assert len(found) == 1, found
    return found[0]


def birthday(years: int, on: date = TODAY) -> date:
    return on.replace(year=on.year - years)


@pytest.mark.parametrize(("offset", "eligible"), [(-1, False), (0, True), (1, True)])
def test_pension65_starts_on_the_65th_birthday(offset: int, eligible: bool) -> None:
    hh = household("H", [member("P", birthday(65))])
    assert decide(hh, "PENSION_65", TODAY + offset * DAY, "P").eligible is eligible


def test_pension65_requires_a_dni_not_a_carne_de_extranjeria() -> None:
    hh = household("H", [member("P", birthday(70), document=DocumentType.CE)])
    decision = decide(hh, "PENSION_65", person="P")
    assert not decision.eligible
    assert decision.failed_criteria == ("holds_dni",)
    assert decision.criteria[1].values == {"person.document_type": "CE"}


def test_pension65_excludes_a_contributory_pension_holder() -> None:
    hh = household("H", [member("P", birthday(70), pension=Pension.ONP)])
    assert decide(hh, "PENSION_65", person="P").failed_criteria == ("no_pension",)


def test_pension65_requires_extreme_poverty() -> None:
    hh = household("H", [member("P", birthday(70))], cse=CseLevel.POBRE)
    assert decide(hh, "PENSION_65", person="P").failed_criteria == ("cse_extreme_poverty_in_force",)


def test_pension65_pays_350_soles_every_two_months_in_centimos() -> None:
    decision = decide(household("H", [member("P", birthday(70))]), "PENSION_65", person="P")
    assert (decision.benefit_amount_centimos, decision.benefit_period_months) == (35000, 2)


@pytest.mark.parametrize(
    ("cse_until", "eligible"),
    [(TODAY - DAY, False), (TODAY, True), (TODAY + DAY, True)],
    ids=["cse-ended-yesterday", "cse-ends-today", "cse-ends-tomorrow"],
)
def test_a_cse_is_in_force_through_its_last_day(cse_until: date, eligible: bool) -> None:
    hh = household("H", [member("P", birthday(70))], cse_until=cse_until)
    assert decide(hh, "PENSION_65", person="P").eligible is eligible


def test_juntos_needs_poverty_even_with_a_pregnant_member() -> None:
    hh = household("H", [member("P", birthday(30), pregnant=True)], cse=CseLevel.NO_POBRE)
    assert decide(hh, "JUNTOS").failed_criteria == ("cse_poor_in_force",)
    assert decide(
        household("H", [member("P", birthday(30), pregnant=True)], cse=CseLevel.POBRE), "JUNTOS"
    ).eligible


@pytest.mark.parametrize(("offset", "eligible"), [(-1, True), (0, False), (1, False)])
def test_juntos_member_under_19_until_the_19th_birthday(offset: int, eligible: bool) -> None:
    hh = household(
        "H", [member("A", birthday(45)), member("C", birthday(19), relationship=Relationship.CHILD)]
    )
    assert decide(hh, "JUNTOS", TODAY + offset * DAY).eligible is eligible


@pytest.mark.parametrize(("offset", "eligible"), [(-1, False), (0, True), (1, True)])
def test_juntos_requires_six_months_of_residence(offset: int, eligible: bool) -> None:
    hh = household("H", [member("P", birthday(30), pregnant=True)], residence_since=date(2025, 9, 10))
    assert decide(hh, "JUNTOS", TODAY + offset * DAY).eligible is eligible


@pytest.mark.parametrize(
    ("severity", "eligible"), [(DisabilitySeverity.MODERATE, False), (DisabilitySeverity.SEVERE, True)]
)
def test_contigo_requires_a_severe_not_moderate_disability(
    severity: DisabilitySeverity, eligible: bool
) -> None:
    hh = household("H", [member("P", birthday(40), disability=severity, certified=True)], cse=CseLevel.POBRE)
    assert decide(hh, "CONTIGO", person="P").eligible is eligible
    assert decide(hh, "OMAPED", person="P").eligible  # OMAPED takes any disability


def test_contigo_requires_certification_and_no_pension() -> None:
    uncertified = household("H", [member("P", birthday(40), disability=DisabilitySeverity.SEVERE)])
    assert decide(uncertified, "CONTIGO", person="P").failed_criteria == ("certified_severe_disability",)
    pensioner = household(
        "H",
        [
            member(
                "P", birthday(40), disability=DisabilitySeverity.SEVERE, certified=True, pension=Pension.AFP
            )
        ],
    )
    assert decide(pensioner, "CONTIGO", person="P").failed_criteria == ("no_pension",)


def test_omaped_does_not_take_people_without_disability() -> None:
    assert not decide(household("H", [member("P", birthday(40))]), "OMAPED", person="P").eligible


def months_before(months: int, on: date = TODAY) -> date:
    total = on.year * 12 + on.month - 1 - months
    return date(total // 12, total % 12 + 1, on.day)


@pytest.mark.parametrize(
    ("age_months", "offset", "eligible"),
    [(6, -1, False), (6, 0, True), (6, 1, True), (36, -1, True), (36, 0, False), (36, 1, False)],
)
def test_cuna_mas_day_care_from_6_to_under_36_months(age_months: int, offset: int, eligible: bool) -> None:
    hh = household(
        "H", [member("A", birthday(30)), member("C", months_before(age_months))], cse=CseLevel.POBRE
    )
    assert decide(hh, "CUNA_MAS_DAY_CARE", TODAY + offset * DAY, "C").eligible is eligible


@pytest.mark.parametrize(("offset", "eligible"), [(-1, True), (0, False), (1, False)])
def test_cuna_mas_home_visits_until_the_child_is_36_months(offset: int, eligible: bool) -> None:
    hh = household("H", [member("A", birthday(30)), member("C", months_before(36))])
    assert decide(hh, "CUNA_MAS_HOME_VISITS", TODAY + offset * DAY).eligible is eligible


def test_cuna_mas_home_visits_for_a_pregnant_member_but_not_in_a_no_pobre_household() -> None:
    poor = household("H", [member("A", birthday(30), pregnant=True)], cse=CseLevel.POBRE)
    assert decide(poor, "CUNA_MAS_HOME_VISITS").eligible
    rich = household("H", [member("A", birthday(30), pregnant=True)], cse=CseLevel.NO_POBRE)
    assert not decide(rich, "CUNA_MAS_HOME_VISITS").eligible


@pytest.mark.parametrize(("offset", "eligible"), [(-1, True), (0, False), (1, False)])
def test_beca18_until_the_22nd_birthday(offset: int, eligible: bool) -> None:
    hh = household("H", [member("P", birthday(22), secondary_completed=True)])
    assert decide(hh, "BECA_18", TODAY + offset * DAY, "P").eligible is eligible


@pytest.mark.parametrize(("level", "points"), [(CseLevel.POBRE_EXTREMO, 5), (CseLevel.POBRE, 2)])
def test_beca18_priority_points_follow_the_cse(level: CseLevel, points: int) -> None:
    hh = household("H", [member("P", birthday(18), secondary_last_year=True)], cse=level)
    assert decide(hh, "BECA_18", person="P").priority_points == points


def test_beca18_needs_secondary_school() -> None:
    hh = household("H", [member("P", birthday(18))])
    assert decide(hh, "BECA_18", person="P").failed_criteria == ("finishing_or_finished_secondary",)


@pytest.mark.parametrize(("offset", "eligible"), [(-1, False), (0, True), (1, True)])
def test_ciam_from_the_60th_birthday(offset: int, eligible: bool) -> None:
    hh = household("H", [member("P", birthday(60))], cse=CseLevel.NO_POBRE)
    assert decide(hh, "CIAM", TODAY + offset * DAY, "P").eligible is eligible


@pytest.mark.parametrize(
    ("cse", "cse_until", "eligible"),
    [
        (None, TODAY, True),
        (CseLevel.POBRE, TODAY - DAY, True),
        (CseLevel.POBRE, TODAY + 60 * DAY, True),
        (CseLevel.POBRE, TODAY + 61 * DAY, False),
    ],
    ids=["no-cse", "expired", "expires-in-60-days", "expires-in-61-days"],
)
def test_ule_reclassification_for_missing_expired_or_expiring_cse(
    cse: CseLevel | None, cse_until: date, eligible: bool
) -> None:
    hh = household("H", [member("P", birthday(40))], cse=cse, cse_until=cse_until)
    assert decide(hh, "ULE_RECLASSIFICATION").eligible is eligible


def test_pension65_for_someone_born_on_29_february() -> None:
    hh = household("H", [member("P", date(1960, 2, 29))])
    assert not decide(hh, "PENSION_65", date(2025, 2, 28), "P").eligible
    assert decide(hh, "PENSION_65", date(2025, 3, 1), "P").eligible


def test_a_deregistered_household_has_no_decisions() -> None:
    from chasqui_common.events.registry import HouseholdStatus

    hh = household("H", [member("P", birthday(70))], status=HouseholdStatus.DEREGISTERED)
    assert evaluate_household(BOOK, hh, TODAY) == []
