"""Simulation of a candidate rule set against a brute-force CEL count."""

from collections import Counter
from datetime import date

from chasqui_eligibility.adapters.rule_files import load_rule_book
from chasqui_eligibility.domain.evaluation import evaluate_program
from chasqui_eligibility.domain.facts import household_facts
from chasqui_eligibility.domain.rules import RuleSet
from chasqui_eligibility.domain.simulation import simulate
from chasqui_eligibility.domain.vectorised import columns_from_households
from chasqui_scenario.synthetic import population

BOOK = load_rule_book()
ON = date(2026, 3, 1)
SAMPLE = population(400, seed=3)


def candidate_pension_at_60() -> RuleSet:
    current = BOOK.get("PENSION_65").rule_set_on(ON)  # type: ignore[union-attr]
    assert current is not None
    criteria = list(current.criteria)
    criteria[0] = criteria[0].model_copy(
        update={"expression": "person.age_years >= 60", "name": "aged_60_or_more"}
    )
    # also open it to POBRE households: some gain, nobody loses for that reason
    criteria[3] = criteria[3].model_copy(
        update={"expression": 'household.cse_valid && household.cse_level in ["POBRE", "POBRE_EXTREMO"]'}
    )
    criteria[1] = criteria[1].model_copy(update={"expression": 'person.document_type in ["DNI", "CE"]'})
    benefit = current.benefit.model_copy(update={"amount_centimos": 30000})
    return current.model_copy(
        update={"version": "PENSION_65-2027.1", "criteria": tuple(criteria), "benefit": benefit}
    )


def test_simulation_counts_equal_a_brute_force_cel_count() -> None:
    program = BOOK.get("PENSION_65")
    assert program is not None
    candidate = candidate_pension_at_60()
    current = program.rule_set_on(ON)
    assert current is not None
    gains: Counter[str] = Counter()
    losses: Counter[str] = Counter()
    gain_households: set[str] = set()
    now_eligible = after_eligible = 0
    for hh in SAMPLE:
        facts = household_facts(hh, ON)
        before = evaluate_program(program, current, hh, facts, ON)
        after = evaluate_program(program, candidate, hh, facts, ON)
        for b, a in zip(before, after, strict=True):
            now_eligible += b.eligible
            after_eligible += a.eligible
            if a.eligible and not b.eligible:
                gains[hh.ubigeo[:2]] += 1
                gain_households.add(hh.household_id)
            if b.eligible and not a.eligible:
                losses[hh.ubigeo[:2]] += 1

    result = simulate(columns_from_households(SAMPLE), program, candidate, ON, sample_size=5)

    assert result.people_gaining == sum(gains.values()) > 0
    assert result.people_losing == sum(losses.values())
    assert result.households_gaining == len(gain_households)
    assert {d.department: d.people_gaining for d in result.by_department if d.people_gaining} == dict(gains)
    assert (result.eligible_now, result.eligible_candidate) == (now_eligible, after_eligible)
    assert result.monthly_cost_change_centimos == after_eligible * 15000 - now_eligible * 17500
    assert len(result.sample_gaining) == 5
    assert all(s.household_id in gain_households for s in result.sample_gaining)
