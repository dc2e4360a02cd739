"""Benchmark: top-10 matches for every seeker of a job fair (10,000 seekers, 6,000 vacancies).

Baseline, same data, same run: a straightforward all-pairs Python loop over the reference
scoring (`scoring.assess`), then sort per seeker. Its cost is linear in the number of seekers,
so by default it runs on a sample of seekers and is extrapolated; `--baseline-seekers 10000`
runs it whole. The engine's lists for the sampled seekers must equal the baseline's.

    uv run python services/employment-matching/benchmarks/fair_matching.py
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import time
from datetime import date, timedelta

import numpy as np
from chasqui_common.events.registry import EducationLevel
from chasqui_employment_matching.domain.engine import MatchEngine, Ranked, rank_key
from chasqui_employment_matching.domain.scoring import SeekerProfile, VacancyProfile, VacancyStatus, assess

TODAY = date(2025, 6, 2)
# San Juan de Lurigancho and other Lima districts weigh most; some other departments too.
UBIGEOS = (
    ["150132"] * 8
    + [f"1501{d:02d}" for d in range(1, 44)]
    + ["150201", "070101", "110101", "040101", "130101"]
)


def fair(seed: int, n_seekers: int, n_vacancies: int) -> tuple[list[SeekerProfile], list[VacancyProfile]]:
    rng = random.Random(seed)
    occupations = [
        f"{rng.randint(1, 9)}{rng.randint(1, 4)}{rng.randint(1, 4)}{rng.randint(1, 9)}" for _ in range(150)
    ]
    skills = [f"skill-{i}" for i in range(300)]
    levels = list(EducationLevel)
    seekers = [
        SeekerProfile(
            seeker_id=f"s{i:05d}",
            occupations=tuple(rng.sample(occupations, rng.randint(1, 3))),
            skills=frozenset(rng.sample(skills, rng.randint(0, 8))),
            ubigeo=rng.choice(UBIGEOS),
            education=rng.choice(levels[2:]),
            experience_years=rng.randint(0, 15),
            disability=rng.random() < 0.05,
        )
        for i in range(n_seekers)
    ]
    vacancies = [
        VacancyProfile(
            vacancy_id=f"v{j:05d}",
            occupation_code=rng.choice(occupations),
            skills=frozenset(rng.sample(skills, rng.randint(0, 5))),
            ubigeo=rng.choice(UBIGEOS),
            education_required=rng.choice(levels[:6]),
            experience_years_required=rng.randint(0, 5),
            inclusive=rng.random() < 0.05,
            closes_on=TODAY + timedelta(days=rng.randint(-2, 30)),
            positions=rng.randint(1, 20),
            placements=0,
            status=VacancyStatus.CLOSED if rng.random() < 0.02 else VacancyStatus.OPEN,
        )
        for j in range(n_vacancies)
    ]
    return seekers, vacancies


def baseline(
    seekers: list[SeekerProfile], vacancies: list[VacancyProfile], n: int
) -> dict[str, list[Ranked]]:
    result = {}
    for s in seekers:
        scored = [Ranked(v.vacancy_id, a.score) for v in vacancies if (a := assess(s, v, TODAY)).eligible]
        result[s.seeker_id] = sorted(scored, key=rank_key)[:n]
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seekers", type=int, default=10_000)
    parser.add_argument("--vacancies", type=int, default=6_000)
    parser.add_argument("--top", type=int, default=10)
    parser.add_argument("--baseline-seekers", type=int, default=300, help="seekers the baseline loop scores")
    parser.add_argument("--repeat", type=int, default=3, help="engine runs (median reported)")
    parser.add_argument("--seed", type=int, default=2025)
    args = parser.parse_args()

    seekers, vacancies = fair(args.seed, args.seekers, args.vacancies)
    print(
        f"job fair: {len(seekers):,} seekers x {len(vacancies):,} vacancies = {len(seekers) * len(vacancies):,} pairs"
    )
    print(
        f"machine: {platform.processor() or platform.machine()}, Python {platform.python_version()}, numpy {np.__version__}"
    )

    runs = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        engine = MatchEngine(seekers, vacancies, TODAY)
        built = time.perf_counter()
        tops = engine.top_for_seekers(args.top)
        done = time.perf_counter()
        runs.append((built - started, done - built, done - started))
    build_s, score_s, engine_s = (statistics.median(r[i] for r in runs) for i in range(3))
    print(
        f"engine: {engine_s:.2f} s (index {build_s:.2f} s + score/top-{args.top} {score_s:.2f} s), median of {args.repeat}"
    )

    sample = random.Random(args.seed).sample(seekers, min(args.baseline_seekers, len(seekers)))
    started = time.perf_counter()
    expected = baseline(sample, vacancies, args.top)
    baseline_sample_s = time.perf_counter() - started
    baseline_s = baseline_sample_s * len(seekers) / len(sample)
    mismatches = [s.seeker_id for s in sample if tops[s.seeker_id] != expected[s.seeker_id]]
    label = (
        "measured"
        if len(sample) == len(seekers)
        else f"extrapolated from {len(sample):,} seekers in {baseline_sample_s:.1f} s"
    )
    print(f"baseline (all-pairs Python loop over scoring.assess): {baseline_s:.1f} s ({label})")
    print(
        f"speed-up: {baseline_s / engine_s:.0f}x; identical top-{args.top} lists on {len(sample) - len(mismatches)}/{len(sample)} sampled seekers"
    )
    if mismatches:
        raise SystemExit(f"engine and baseline disagree for {mismatches[:5]}")


if __name__ == "__main__":
    main()
