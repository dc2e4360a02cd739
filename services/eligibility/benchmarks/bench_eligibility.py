"""Benchmark: the vectorised fast path over a large in-memory projection vs per-household CEL.

Run: uv run python services/eligibility/benchmarks/bench_eligibility.py --households 1000000
Not a test: it prints figures for docs/benchmarks/eligibility.md.
"""

from __future__ import annotations

import argparse
import platform
import time
from datetime import date

import numpy as np
from chasqui_eligibility.adapters.rule_files import load_rule_book
from chasqui_eligibility.domain.evaluation import evaluate_household
from chasqui_eligibility.domain.simulation import evaluate_all, households_changing, simulate
from chasqui_eligibility.domain.vectorised import Columns
from chasqui_scenario.synthetic import DEPARTMENTS, population

ON = date(2026, 3, 1)


def synthetic_columns(households: int, seed: int = 1) -> Columns:
    """Columns with the same distributions as synthetic.population, generated as arrays."""
    rng = np.random.default_rng(seed)
    sizes = rng.choice([1, 2, 3, 3, 4, 4, 5, 6], size=households)
    person_hh = np.repeat(np.arange(households, dtype=np.int64), sizes)
    people = len(person_hh)
    birth = ON.toordinal() - rng.integers(0, 95 * 365, size=people)
    births = [date.fromordinal(int(o)) for o in np.unique(birth)]
    lookup = {d.toordinal(): d for d in births}
    by = np.array([lookup[int(o)].year for o in birth], dtype=np.int32)
    bm = np.array([lookup[int(o)].month for o in birth], dtype=np.int32)
    bd = np.array([lookup[int(o)].day for o in birth], dtype=np.int32)
    level = rng.choice(np.array(["POBRE_EXTREMO", "POBRE", "NO_POBRE", ""], dtype="<U13"), size=households)
    start = ON.toordinal() - rng.integers(0, 4 * 365, size=households)
    residence = ON.toordinal() - rng.integers(0, 20 * 365, size=households)
    res_dates = [date.fromordinal(int(o)) for o in residence]
    severity = rng.choice(np.array(["none"] * 12 + ["mild", "moderate", "severe"], dtype="<U8"), size=people)
    return Columns(
        household_ids=np.array([f"HH{i:07d}" for i in range(households)], dtype=object),
        alive=np.ones(households, dtype=bool),
        active=np.ones(households, dtype=bool),
        department=rng.choice(np.array(DEPARTMENTS, dtype="<U2"), size=households),
        has_cse=level != "",
        cse_level=level,
        cse_from=start,
        cse_until=start + 3 * 365,
        residence_y=np.array([d.year for d in res_dates], dtype=np.int32),
        residence_m=np.array([d.month for d in res_dates], dtype=np.int32),
        residence_d=np.array([d.day for d in res_dates], dtype=np.int32),
        person_ids=np.array([f"P{i:08d}" for i in range(people)], dtype=object),
        person_hh=person_hh,
        person={
            "birth_y": by,
            "birth_m": bm,
            "birth_d": bd,
            "document_type": rng.choice(np.array(["DNI"] * 8 + ["CE", "CPP"], dtype="<U17"), size=people),
            "pension": rng.choice(np.array(["none"] * 6 + ["onp", "afp"], dtype="<U5"), size=people),
            "disability_severity": severity,
            "disability_certified": rng.random(people) < 0.6,
            "pregnant": rng.random(people) < 0.04,
            "secondary_last_year": rng.random(people) < 0.1,
            "secondary_completed": rng.random(people) < 0.3,
            "in_school": np.zeros(people, dtype=bool),
        },
    )


def best_of(runs: int, fn):  # type: ignore[no-untyped-def]
    times = []
    result = None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - started)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--households", type=int, default=1_000_000)
    parser.add_argument("--cel-sample", type=int, default=300)
    args = parser.parse_args()
    book = load_rule_book()
    print(f"machine: {platform.processor() or platform.machine()}, python {platform.python_version()}")

    started = time.perf_counter()
    cols = synthetic_columns(args.households)
    print(
        f"projection: {cols.size:,} households, {cols.people:,} people (generated in {time.perf_counter() - started:.1f} s)"
    )

    sample = population(args.cel_sample, seed=5, today=ON)
    interpreted, _ = best_of(
        1, lambda: [evaluate_household(book, hh, ON, runner="interpreted") for hh in sample]
    )
    print(
        f"baseline CEL per household, cel-python interpreter (all 9 programs): "
        f"{interpreted / len(sample) * 1000:.2f} ms"
    )
    cel_seconds, _ = best_of(3, lambda: [evaluate_household(book, hh, ON) for hh in sample])
    per_household = cel_seconds / len(sample)
    print(
        f"CEL per household as decided (transpiled, compiled once): {per_household * 1000:.2f} ms "
        f"-> {per_household * cols.size / 60:.1f} min extrapolated to {cols.size:,} households"
    )

    full, outcomes = best_of(3, lambda: evaluate_all(book, cols, ON))
    eligible = {code: int(o.eligible.sum()) for code, o in outcomes.items()}
    print(f"fast path full re-evaluation, all programs, every unit: {full:.2f} s  eligible={eligible}")

    sweep_detect, changed = best_of(3, lambda: households_changing(book, cols, ON, date(2026, 3, 2)))
    print(
        f"sweep change detection (two dates, all programs): {sweep_detect:.2f} s, "
        f"{int(changed.sum()):,} households to re-decide with CEL "
        f"(~{int(changed.sum()) * per_household:.1f} s of CEL to re-decide them)"
    )

    program = book.get("PENSION_65")
    assert program is not None
    current = program.rule_set_on(ON)
    assert current is not None
    criteria = list(current.criteria)
    criteria[0] = criteria[0].model_copy(update={"expression": "person.age_years >= 60"})
    candidate = current.model_copy(update={"version": "PENSION_65-2027.1", "criteria": tuple(criteria)})
    sim, result = best_of(3, lambda: simulate(cols, program, candidate, ON))
    print(
        f"simulate PENSION_65 at 60: {sim:.2f} s; gain {result.people_gaining:,} people / "
        f"{result.households_gaining:,} households, lose {result.people_losing:,}, monthly cost change "
        f"S/ {result.monthly_cost_change_centimos / 100:,.2f}"
    )


if __name__ == "__main__":
    main()
