"""Benchmark: the CPU of the shared event path, per event, in-process (no broker, no database).

What eligibility's profile showed as shared code during a bulk import (issue 17), each stage on
the same inputs:

- `decode`: a consumed registry `household.registered` record taken to its handler's input by
  the consumer (`EventConsumer._prepare`: CloudEvents headers, JSON body, payload validated with
  every value rule). Twice: with the synthetic population as it is (every member has the same
  phone, as in `bench_pipeline.py`) and with a distinct, never-seen phone per member (a real
  import: nothing to reuse from earlier events).
- `publish`: a batch handler's `decision.changed` announcements turned into outbox rows
  (`publish_caused`, each with its program copy), ~3.4 per household as eligibility announces.
- `record`: `Outbox.record` of three payloads (the path of a command).

`publish` and `record` hand their rows to a stand-in connection that keeps them (the insert
itself is PostgreSQL's work, not measured here).

Same-run baseline: `--baseline DIR` names a directory holding a copy of the `chasqui_common`
package as it was before the change; each round runs one subprocess with DIR first on
PYTHONPATH and one with the tree as it is, alternately, and the table gives the medians.

    mkdir -p /tmp/before && cp -r libs/common/src/chasqui_common /tmp/before/   # before editing
    .venv/bin/python libs/common/benchmarks/bench_event_codec.py --baseline /tmp/before

Not a test: it prints figures for docs/benchmarks/pipeline.md.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

STAGES = ("decode, same phone", "decode, distinct phones", "publish", "record")


def _worker(households: int, rounds: int) -> dict[str, list[float]]:
    """Microseconds per event of each stage, one figure per round (run in a subprocess)."""
    from chasqui_common.application.unit_of_work import UnitOfWork
    from chasqui_common.envelope import Envelope
    from chasqui_common.events.eligibility import BenefitKind, DecisionCause, DecisionChanged
    from chasqui_common.events.registry import HOUSEHOLD_EVENTS, HouseholdRegistered
    from chasqui_common.messaging.consumer import EventConsumer, _Prepared, publish_caused
    from chasqui_common.messaging.deadletter import RawRecord
    from chasqui_common.messaging.outbox import Outbox
    from chasqui_common.topics import DECISION_PROGRAMS, REGISTRY_HOUSEHOLDS
    from chasqui_scenario.synthetic import population

    registry, eligibility = Outbox("/chasqui/registry"), Outbox("/chasqui/eligibility")
    consumer = EventConsumer("bench", topics=[REGISTRY_HOUSEHOLDS])

    async def ignore(uow: Any, events: Any) -> None:
        return None

    for model in HOUSEHOLD_EVENTS:
        consumer.on_batch(model)(ignore)
    people = population(households)

    def records(distinct_from: int | None) -> list[RawRecord]:
        made, phone = [], distinct_from
        for offset, hh in enumerate(people):
            env = registry.envelope(HouseholdRegistered(household_id=hh.household_id, household=hh))
            data = json.loads(env.body())
            if phone is not None:
                for member in data["household"]["members"]:
                    member["contact"]["phone"] = f"+519{phone % 10**8:08d}"
                    phone += 1
            made.append(
                RawRecord(
                    topic=REGISTRY_HOUSEHOLDS.name,
                    partition=0,
                    offset=offset,
                    key=hh.household_id.encode(),
                    value=json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode(),
                    headers=tuple((k, v.encode()) for k, v in env.headers().items()),
                )
            )
        return made

    async def wait(exc: BaseException, attempt: int) -> None:
        raise exc

    async def decode(batch: list[RawRecord]) -> list[Any]:
        prepared = [await consumer._prepare(record, wait) for record in batch]
        assert all(isinstance(item, _Prepared) for item in prepared), "every record is valid"
        return prepared

    causes = [Envelope.from_kafka(r.headers, r.value) for r in records(None)]
    programs = list(DECISION_PROGRAMS)

    def announcements(index: int, household_id: str) -> list[DecisionChanged]:
        return [
            DecisionChanged.model_construct(
                decision_id=str(uuid.uuid4()),
                household_id=household_id,
                program=programs[(index + k) % len(programs)],
                person_id=f"{household_id}-{k}",
                recipient_person_id=f"{household_id}-{k}",
                eligible=True,
                previous_eligible=False,
                benefit_kind=BenefitKind.CASH,
                benefit_amount_centimos=20000,
                previous_benefit_amount_centimos=None,
                benefit_period_months=2,
                priority_points=None,
                rule_set_version="2026.03",
                as_of=date(2026, 3, 1),
                failed_criteria=(),
                cause=DecisionCause.REGISTRY_EVENT,
                caused_by_event_id=None,
            )
            for k in range(3 + (index % 5 == 0) * 2)  # 3.4 on average
        ]

    caused = [(cause, announcements(i, cause.subject or "")) for i, cause in enumerate(causes)]
    announced = sum(len(payloads) for _, payloads in caused)
    conn = _KeepingConnection()
    uow = UnitOfWork(conn, eligibility)  # type: ignore[arg-type]
    triples = [payloads[:3] for _, payloads in caused]

    async def record_all() -> None:
        for payloads in triples:
            await eligibility.record(conn, *payloads)  # type: ignore[arg-type]

    figures: dict[str, list[float]] = {stage: [] for stage in STAGES}
    loop = asyncio.new_event_loop()
    fresh = 0
    for _ in range(rounds):
        same = records(None)
        fresh += 10 * households  # phones never seen in this process
        distinct = records(fresh)
        figures["decode, same phone"].append(_timed(loop, lambda: decode(same)) / len(same))  # noqa: B023
        figures["decode, distinct phones"].append(
            _timed(loop, lambda: decode(distinct)) / len(distinct)  # noqa: B023 (called at once)
        )
        figures["publish"].append(_timed(loop, lambda: publish_caused(uow, caused)) / announced)
        figures["record"].append(_timed(loop, record_all) / (3 * len(triples)))
        conn.rows.clear()
    return figures


def _timed(loop: asyncio.AbstractEventLoop, work: Callable[[], Any]) -> float:
    # CPU time of this process, not wall time: on a shared machine the wall clock also counts
    # the moments other processes had the core. Each stage starts from a collected heap.
    gc.collect()
    started = time.process_time()
    loop.run_until_complete(work())
    return (time.process_time() - started) * 1e6


class _KeepingConnection:
    """Where the outbox's rows go instead of PostgreSQL: kept, so they are built in full."""

    def __init__(self) -> None:
        self.rows: list[Any] = []

    def is_in_transaction(self) -> bool:
        return True

    async def copy_records_to_table(self, table: str, *, columns: Any, records: Any) -> None:
        self.rows.extend(records)

    async def executemany(self, query: str, rows: Any) -> None:
        self.rows.extend(rows)

    async def execute(self, query: str, *args: Any) -> None:
        self.rows.append(args)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--baseline", help="directory with the chasqui_common package before the change")
    parser.add_argument("--households", type=int, default=500, help="records per round (one Kafka batch)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per subprocess")
    parser.add_argument("--repeat", type=int, default=3, help="subprocess pairs (baseline, current)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(_worker(args.households, args.rounds)))
        return
    variants = {"before": args.baseline, "after": None} if args.baseline else {"current": None}
    results: dict[str, dict[str, list[float]]] = {name: {s: [] for s in STAGES} for name in variants}
    for _ in range(args.repeat):
        for name, path in variants.items():
            env = dict(os.environ)
            if path:
                env["PYTHONPATH"] = os.pathsep.join(filter(None, [path, env.get("PYTHONPATH")]))
            command = [sys.executable, __file__, "--worker", f"--households={args.households}"]
            out = subprocess.run(
                [*command, f"--rounds={args.rounds}"], env=env, check=True, capture_output=True, text=True
            )
            for stage, values in json.loads(out.stdout).items():
                results[name][stage].extend(values[1:])  # the first round warms up
    load = os.getloadavg()
    print(
        f"{args.households} records per round, {args.rounds - 1} measured rounds x {args.repeat} "
        f"processes per variant; load average {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f}"
    )
    print(
        "| stage (CPU µs per event, median) | "
        + " | ".join(variants)
        + (" | after / before |" if args.baseline else " |")
    )
    print("|---" * (len(variants) + 1 + bool(args.baseline)) + "|")
    for stage in STAGES:
        medians = [statistics.median(results[name][stage]) for name in variants]
        ratio = f" | {medians[1] / medians[0]:.2f} |" if args.baseline else " |"
        print(f"| {stage} | " + " | ".join(f"{m:.1f}" for m in medians) + ratio)


if __name__ == "__main__":
    main()
