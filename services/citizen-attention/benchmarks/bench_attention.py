"""Benchmark: citizen-attention on the real broker and database, each figure with a same-run baseline.

1. `record`: N attentions (default 50,000, a day of Lima metropolitan scale) recorded through the
   API (`POST /v1/attentions`: bearer token, schema checks, municipal data lookups, the insert and
   its `attention.recorded` outbox row, relayed to Kafka), C at a time (default 16), for people
   already known to the service (generated citizens copied in). Measured: attentions per second
   and request latency p50/p95/p99. Baseline, same run, same service: as many `GET
   /v1/municipalities/150142` (the same HTTP, auth and the municipal data lookup every recording
   does, nothing written: a person's read would write its access record) at the same
   concurrency — the floor a request costs on this machine.
2. `queries`: the figures and process-map queries over M attention records (default 1,000,000),
   filled with generated rows by binary COPY (with their tickets, referrals and S100 requests)
   into the benchmark's own schema, migrated by the service. One municipality holds them all,
   spread over a year (~2,700 attentions a day: the worst case for one municipality's ranges).
   Each query is asked R times through HTTP (p50/p95/p99): the office dashboard (the figures of
   one office for one day, what `/console/panel` asks), the figures of 7 days (the console's
   default), 30 days and a year (the longest period allowed, fewer repetitions), and the S100
   process map over 30 days and a year (JSON and SVG). Baselines, same run, same tables: each
   query's range as the raw aggregate SQL (`count(*)` grouped by the same keys, asyncpg, no
   percentiles, no HTTP), and the dashboard over a schema of 10,000 records (`--small`).

    source /tmp/devstack.env     # or any KAFKA_BOOTSTRAP_SERVERS and DATABASE_ADMIN_URL
    .venv/bin/python services/citizen-attention/benchmarks/bench_attention.py record --attentions 50000
    .venv/bin/python services/citizen-attention/benchmarks/bench_attention.py queries --records 1000000

The service and the client share one process (as in the tests). The benchmark's schema and roles
are dropped at the end; `record` publishes its events to the service's topic
`citizen-attention.attentions` (ids and counts only). Not a test: it prints the figures of
docs/benchmarks.md (section "Citizen attention").
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import logging
import os
import random
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from chasqui_citizen_attention.main import build_definition
from chasqui_citizen_attention.settings import AttentionSettings
from chasqui_common.clock import LIMA, FixedClock
from chasqui_local.roles import database_of, drop_service_schema, provision_service_schema
from chasqui_testing import RunningService, running_service

VES = "150142"
READ, WRITE = "attention:read", "attention:write"
# The last day of the generated year; the service's clock is fixed the day after at 10:00 in Lima.
LAST_DAY = date(2026, 10, 30)
DAYS = 365
SECTORS = ("S1", "S2", "S3", "S6", "S7", "S8", "S9", "PI", "LC", "AG")
# Villa El Salvador's procedures (its data file) with their steps, and how often each is asked.
PROCEDURES: tuple[tuple[str, str, tuple[str, ...], int], ...] = (
    ("ULE", "S100", ("registro_s100", "visita_domiciliaria_fsu", "entrega_resultado"), 18),
    ("ULE", "actualizacion", ("recepcion", "verificacion", "registro"), 10),
    ("ULE", "reclamo", ("recepcion", "evaluacion", "respuesta"), 3),
    ("CIAM", "inscripcion", ("recepcion", "evaluacion", "inscripcion"), 10),
    ("CIAM", "talleres", ("recepcion", "inscripcion"), 12),
    ("CIAM", "orientacion", ("orientacion",), 10),
    ("OMAPED", "inscripcion_municipal", ("recepcion", "verificacion", "inscripcion"), 7),
    ("OMAPED", "certificado_conadis", ("orientacion", "derivacion_establecimiento_salud", "seguimiento"), 5),
    ("DEMUNA", "orientacion", ("orientacion",), 12),
    ("DEMUNA", "conciliacion_alimentos", ("recepcion", "invitacion", "audiencia", "acta"), 8),
    ("DEMUNA", "visita_seguimiento", ("programacion", "visita", "informe"), 5),
)
WEIGHTS = [p[3] for p in PROCEDURES]
CHANNELS = ("in_person",) * 8 + ("phone", "home_visit")
OUTCOMES = ("resolved", "in_progress", "in_progress", "referred", "withdrawn")


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of `values`, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


@dataclass(frozen=True)
class Timing:
    label: str
    seconds: list[float]

    def line(self) -> str:
        p = [percentile(self.seconds, q) * 1000 for q in (0.5, 0.95, 0.99)]
        return f"{self.label}: n={len(self.seconds)} p50 {p[0]:.1f} ms, p95 {p[1]:.1f} ms, p99 {p[2]:.1f} ms"


# -- the service on a fresh schema ----------------------------------------------------------------


@contextlib.asynccontextmanager
async def service(admin_dsn: str, bootstrap: str) -> AsyncIterator[tuple[RunningService, str]]:
    """citizen-attention on its own schema (migrated at start, Villa El Salvador's data loaded),
    its clock fixed on the day after the generated year; yields it and the owner's DSN."""
    name = f"bench_attention_{uuid.uuid4().hex[:8]}"
    database = database_of(admin_dsn)
    dsn = await provision_service_schema(
        admin_dsn, database=database, schema=name, role=name, password=f"{name}-pw"
    )
    clock = FixedClock(
        datetime.combine(LAST_DAY + timedelta(days=1), datetime.min.time(), LIMA) + timedelta(hours=10)
    )
    # No consumers: the projection would read the shared registry and migrant topics (other
    # people's test data) while the benchmark copies its own citizens in; it measures the API.
    definition = dataclasses.replace(build_definition(consumer_name=f"bench-{name}"), consumers=())
    try:
        with tempfile.TemporaryDirectory() as tmp:
            async with running_service(
                definition,
                database_url=dsn,
                schema=name,
                kafka_bootstrap_servers=bootstrap,
                auth_dir=Path(tmp) / "auth",
                clock=clock,
                settings_class=AttentionSettings,
                referral_watch_interval_seconds=0,
            ) as svc:
                async with httpx.AsyncClient(base_url=svc.base_url, headers=auth(svc)) as http:
                    for _ in range(600):  # the data file is loaded by a background task at start
                        if (await http.get(f"/v1/municipalities/{VES}")).status_code == 200:
                            break
                        await asyncio.sleep(0.1)
                    else:
                        raise RuntimeError("Villa El Salvador's data file was not loaded within 60 s")
                yield svc, dsn
    finally:
        await drop_service_schema(admin_dsn, schema=name, role=name, database=database)


def auth(svc: RunningService) -> dict[str, str]:
    return {"Authorization": f"Bearer {svc.token(READ, WRITE, 'attention:demuna')}"}


async def connect(dsn: str, schema: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(dsn)
    await conn.execute(f'SET search_path TO "{schema}"')
    return conn


# -- generated rows ---------------------------------------------------------------------------------


def citizen_id(n: int) -> str:
    """The n-th generated person's id (a UUID, as the API's ids are)."""
    return str(uuid.UUID(int=n + 1))


def citizen_rows(count: int, now: datetime) -> list[tuple[Any, ...]]:
    return [
        (citizen_id(n), "DNI", f"{40_000_000 + n:08d}", "Rosa", "Quispe", "counter", now, now)
        for n in range(count)
    ]


CITIZEN_COLUMNS = (
    "citizen_id", "document_type", "document_number", "given_names", "paternal_surname", "known_from",
    "created_at", "updated_at",
)  # fmt: skip
ATTENTION_COLUMNS = (
    "attention_id", "ubigeo", "office", "procedure", "step", "citizen_id", "ticket_id", "staff", "channel",
    "outcome", "sector", "day", "started_at", "duration_seconds", "waiting_seconds", "recorded_at",
)  # fmt: skip
TICKET_COLUMNS = (
    "ticket_id", "ubigeo", "office", "day", "number", "citizen_id", "procedure", "status", "issued_at",
    "called_at", "attended_at", "closed_at",
)  # fmt: skip
REFERRAL_COLUMNS = (
    "referral_id", "ubigeo", "district", "source", "from_office", "to_office", "citizen_id", "procedure",
    "status", "due_on", "made_on", "made_at", "made_by", "completed_at", "completed_on", "deadline_missed_at",
)  # fmt: skip
REQUEST_COLUMNS = (
    "request_id", "ubigeo", "citizen_id", "status", "registered_on", "home_visit_due_on", "visited_on",
    "result_due_on", "result_recorded_on", "registered_by", "created_at",
)  # fmt: skip


@dataclass
class Generated:
    citizens: list[tuple[Any, ...]]
    attentions: list[tuple[Any, ...]]
    tickets: list[tuple[Any, ...]]
    referrals: list[tuple[Any, ...]]
    requests: list[tuple[Any, ...]]


def generate(records: int, seed: int) -> Generated:
    """`records` attentions of Villa El Salvador over the DAYS days ending LAST_DAY: cases of one
    person and one procedure, its steps in order a few days apart (now and then a step again), each
    attention with its ticket (and 8 % more tickets of people who did not show up); 5 % of cases
    refer to another office, each S100 case is a classification request."""
    rng = random.Random(seed)
    first_day = LAST_DAY - timedelta(days=DAYS - 1)
    people = max(10, records // 5)
    now = datetime.combine(LAST_DAY, datetime.min.time(), UTC)
    citizens = citizen_rows(people, now)
    attentions: list[tuple[Any, ...]] = []
    tickets: list[tuple[Any, ...]] = []
    referrals: list[tuple[Any, ...]] = []
    requests: list[tuple[Any, ...]] = []
    numbers: dict[tuple[str, date], int] = {}

    def ticket(
        office: str, day: date, citizen: str, procedure: str, status: str, start: datetime, wait: int
    ) -> str:
        numbers[(office, day)] = number = numbers.get((office, day), 0) + 1
        tid = f"T-{len(tickets):08d}"
        issued = start - timedelta(seconds=wait)
        done = status != "no_show"
        tickets.append((
            tid, VES, office, day, number, citizen, procedure, status, issued,
            start if done else None, start if done else None, start if done else None,
        ))  # fmt: skip
        return tid

    case = 0
    while len(attentions) < records:
        case += 1
        office, procedure, steps, _ = rng.choices(PROCEDURES, WEIGHTS)[0]
        citizen = citizen_id(rng.randrange(people))
        day = first_day + timedelta(days=rng.randrange(DAYS))
        sector = SECTORS[rng.randrange(len(SECTORS))]
        done = rng.choice((len(steps), len(steps), len(steps), max(1, len(steps) - 1)))
        sequence = list(steps[:done])
        if rng.random() < 0.1:
            sequence.insert(rng.randrange(len(sequence)) + 1, sequence[rng.randrange(len(sequence))])
        for step in sequence:
            if day > LAST_DAY or len(attentions) >= records:
                break
            start = datetime.combine(day, datetime.min.time(), LIMA) + timedelta(
                hours=8, seconds=rng.randrange(8 * 3600)
            )
            wait = int(rng.expovariate(1 / 900))
            if rng.random() < 0.08:
                ticket(office, day, citizen, procedure, "no_show", start, wait)
            tid = ticket(office, day, citizen, procedure, "closed", start, wait)
            attentions.append((
                f"A-{len(attentions):08d}", VES, office, procedure, step, citizen, tid,
                f"{office.lower()}.{rng.randrange(1, 6)}", CHANNELS[rng.randrange(len(CHANNELS))],
                OUTCOMES[rng.randrange(len(OUTCOMES))], sector, day, start,
                int(rng.lognormvariate(6.6, 0.5)), wait, start,
            ))  # fmt: skip
            day += timedelta(days=rng.randrange(1, 9))
        made_on = first_day + timedelta(days=rng.randrange(DAYS))
        if rng.random() < 0.05:
            target = rng.choice([o for o in ("ULE", "CIAM", "OMAPED", "DEMUNA") if o != office])
            due = made_on + timedelta(days=7)
            status = rng.choice(("pending", "accepted", "completed", "completed", "completed", "rejected"))
            completed_on = made_on + timedelta(days=rng.randrange(12)) if status == "completed" else None
            missed = (
                datetime.combine(due + timedelta(days=1), datetime.min.time(), UTC)
                if status in ("pending", "accepted") and due < LAST_DAY
                else None
            )
            referrals.append((
                f"R-{len(referrals):07d}", VES, VES, "office", office, target, citizen, None, status, due,
                made_on, datetime.combine(made_on, datetime.min.time(), UTC), f"{office.lower()}.1",
                datetime.combine(completed_on, datetime.min.time(), UTC) if completed_on else None,
                completed_on, missed,
            ))  # fmt: skip
        if procedure == "S100":
            visit_due = made_on + timedelta(days=11)
            visited = made_on + timedelta(days=rng.randrange(16)) if rng.random() < 0.9 else None
            result_due = visited + timedelta(days=35) if visited else None
            result = visited + timedelta(days=rng.randrange(45)) if visited and rng.random() < 0.7 else None
            if result is not None and result > LAST_DAY:
                result = None
            if visited is not None and visited > LAST_DAY:
                visited, result_due, result = None, None, None
            status = "result_recorded" if result else "evaluated" if visited else "registered"
            requests.append((
                f"Q-{len(requests):07d}", VES, citizen, status, made_on, visit_due, visited, result_due, result,
                "ule.1", datetime.combine(made_on, datetime.min.time(), UTC),
            ))  # fmt: skip
    return Generated(citizens, attentions, tickets, referrals, requests)


async def fill(dsn: str, schema: str, data: Generated) -> float:
    """Binary COPY of the generated rows into the service's tables, then VACUUM ANALYZE; returns seconds."""
    began = time.perf_counter()
    conn = await connect(dsn, schema)
    try:
        for table, columns, rows in (
            ("citizens", CITIZEN_COLUMNS, data.citizens),
            ("tickets", TICKET_COLUMNS, data.tickets),
            ("attentions", ATTENTION_COLUMNS, data.attentions),
            ("referrals", REFERRAL_COLUMNS, data.referrals),
            ("classification_requests", REQUEST_COLUMNS, data.requests),
        ):
            await conn.copy_records_to_table(table, records=rows, columns=list(columns), schema_name=schema)
        # As autovacuum would have left tables filled over a year: statistics and the visibility
        # map (index-only scans skip the heap only for pages marked all-visible).
        for table in ("citizens", "tickets", "attentions", "referrals", "classification_requests"):
            await conn.execute(f"VACUUM (ANALYZE) {table}")
    finally:
        await conn.close()
    return time.perf_counter() - began


# -- 1. record ------------------------------------------------------------------------------------


async def concurrently(
    count: int, workers: int, one: Callable[[int], Awaitable[None]]
) -> tuple[float, list[float]]:
    """Run `one(i)` for i in range(count), `workers` at a time; (wall seconds, each call's seconds)."""
    latencies: list[float] = []
    cursor = iter(range(count))

    async def worker() -> None:
        for i in cursor:
            began = time.perf_counter()
            await one(i)
            latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(workers)))
    return time.perf_counter() - began, latencies


async def run_record(admin_dsn: str, bootstrap: str, attentions: int, workers: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    people = max(10, attentions // 3)
    async with service(admin_dsn, bootstrap) as (svc, dsn):
        schema = svc.runtime.schema
        conn = await connect(dsn, schema)
        try:
            now = datetime.now(UTC)
            await conn.copy_records_to_table(
                "citizens",
                records=citizen_rows(people, now),
                columns=list(CITIZEN_COLUMNS),
                schema_name=schema,
            )
            await conn.execute("ANALYZE citizens")
        finally:
            await conn.close()
        bodies = []
        for _ in range(attentions):
            office, procedure, steps, _weight = rng.choices(PROCEDURES, WEIGHTS)[0]
            bodies.append({
                "municipality": VES, "office": office, "procedure": procedure, "step": rng.choice(steps),
                "citizen_id": citizen_id(rng.randrange(people)), "staff": f"{office.lower()}.1",
                "outcome": OUTCOMES[rng.randrange(len(OUTCOMES))], "duration_seconds": rng.randrange(120, 2400),
                "sector": SECTORS[rng.randrange(len(SECTORS))],
            })  # fmt: skip
        limits = httpx.Limits(max_connections=workers, max_keepalive_connections=workers)
        async with httpx.AsyncClient(
            base_url=svc.base_url, headers=auth(svc), limits=limits, timeout=60
        ) as http:

            async def record(i: int) -> None:
                response = await http.post("/v1/attentions", json=bodies[i])
                if response.status_code != 201:
                    raise RuntimeError(
                        f"POST /v1/attentions answered {response.status_code}: {response.text}"
                    )

            async def read(i: int) -> None:
                response = await http.get(f"/v1/municipalities/{VES}")
                if response.status_code != 200:
                    raise RuntimeError(
                        f"GET /v1/municipalities answered {response.status_code}: {response.text}"
                    )

            await concurrently(min(200, attentions), workers, read)  # warm up connections and caches
            baseline_wall, baseline = await concurrently(attentions, workers, read)
            wall, recorded = await concurrently(attentions, workers, record)
        conn = await connect(dsn, schema)
        try:
            stored = await conn.fetchval("SELECT count(*) FROM attentions")
            outbox = await conn.fetchval("SELECT count(*) FROM outbox")
        finally:
            await conn.close()
    return [
        f"recorded through POST /v1/attentions: {attentions} in {wall:.1f} s = {attentions / wall:.0f}/s "
        f"({workers} at a time); stored {stored}, outbox rows {outbox}",
        Timing("  POST /v1/attentions", recorded).line(),
        f"baseline, same run: {attentions} GET /v1/municipalities/{VES} in {baseline_wall:.1f} s = "
        f"{attentions / baseline_wall:.0f}/s",
        Timing(f"  GET /v1/municipalities/{VES}", baseline).line(),
    ]


# -- 2. queries -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Query:
    label: str
    path: str
    params: dict[str, str]
    raw_sql: str
    raw_args: tuple[Any, ...]
    repeat: int


FIGURES_RAW = """
    SELECT office, procedure, day, sector, count(*) FROM attentions
    WHERE ubigeo = $1 AND day BETWEEN $2 AND $3 AND ($4::text IS NULL OR office = $4)
    GROUP BY office, procedure, day, sector
"""
PROCESS_RAW = """
    SELECT step, count(*) FROM attentions
    WHERE ubigeo = $1 AND office = 'ULE' AND procedure = 'S100' AND day BETWEEN $2 AND $3 GROUP BY step
"""


def queries(repeat: int) -> list[Query]:
    def period(days: int) -> tuple[date, date]:
        return LAST_DAY - timedelta(days=days - 1), LAST_DAY

    found = []
    for label, days, office, times in (
        ("dashboard: one office, one day (/console/panel)", 1, "ULE", repeat),
        ("figures, 7 days (the console's default)", 7, None, repeat),
        ("figures, 30 days", 30, None, max(5, repeat // 2)),
        ("figures, 366 days (longest period)", 366, None, max(3, repeat // 10)),
    ):
        first, last = period(days)
        params = {"municipality": VES, "from": first.isoformat(), "to": last.isoformat()}
        if office:
            params["office"] = office
        found.append(
            Query(label, "/v1/figures/attention", params, FIGURES_RAW, (VES, first, last, office), times)
        )
    for days, times in ((30, repeat), (366, max(3, repeat // 10))):
        first, last = period(days)
        params = {"municipality": VES, "office": "ULE", "procedure": "S100", "from": first.isoformat(),
                  "to": last.isoformat()}  # fmt: skip
        for suffix in ("", ".svg"):
            found.append(
                Query(f"process map S100{' (SVG)' if suffix else ''}, {days} days", f"/v1/figures/process-map{suffix}",
                      params, PROCESS_RAW, (VES, first, last), times)
            )  # fmt: skip
    return found


async def measure(
    svc: RunningService, dsn: str, asked: list[Query]
) -> list[tuple[Query, Timing, Timing, int]]:
    schema = svc.runtime.schema
    conn = await connect(dsn, schema)
    results = []
    try:
        async with httpx.AsyncClient(base_url=svc.base_url, headers=auth(svc), timeout=300) as http:
            for query in asked:
                api: list[float] = []
                raw: list[float] = []
                size = 0
                for i in range(query.repeat + 1):  # the first of each is a warm-up, not counted
                    began = time.perf_counter()
                    response = await http.get(query.path, params=query.params)
                    took = time.perf_counter() - began
                    if response.status_code != 200:
                        raise RuntimeError(
                            f"{query.path} answered {response.status_code}: {response.text[:500]}"
                        )
                    size = len(response.content)
                    began = time.perf_counter()
                    await conn.fetch(query.raw_sql, *query.raw_args)
                    raw_took = time.perf_counter() - began
                    if i:
                        api.append(took)
                        raw.append(raw_took)
                results.append((query, Timing(query.label, api), Timing("  raw aggregate SQL", raw), size))
    finally:
        await conn.close()
    return results


async def run_queries(
    admin_dsn: str, bootstrap: str, records: int, small: int, repeat: int, seed: int
) -> list[str]:
    lines = []
    for size in (records, small):
        began = time.perf_counter()
        data = generate(size, seed)
        generated = time.perf_counter() - began
        async with service(admin_dsn, bootstrap) as (svc, dsn):
            copied = await fill(dsn, svc.runtime.schema, data)
            lines.append(
                f"== {len(data.attentions):,} attentions, {len(data.tickets):,} tickets, {len(data.referrals):,} "
                f"referrals, {len(data.requests):,} S100 requests, {len(data.citizens):,} people "
                f"(generated in {generated:.1f} s, COPY + VACUUM ANALYZE {copied:.1f} s)"
            )
            asked = queries(repeat) if size == records else queries(repeat)[:1]
            for _query, api, raw, answer in await measure(svc, dsn, asked):
                lines.append(f"{api.line()} ({answer / 1024:.0f} KiB)")
                lines.append(raw.line())
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("part", choices=["record", "queries"])
    parser.add_argument("--attentions", type=int, default=50_000, help="record: attentions to record")
    parser.add_argument("--workers", type=int, default=16, help="record: requests at a time")
    parser.add_argument("--records", type=int, default=1_000_000, help="queries: attention records")
    parser.add_argument("--small", type=int, default=10_000, help="queries: records of the baseline schema")
    parser.add_argument("--repeat", type=int, default=50, help="queries: times each query is asked")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("uvicorn.access", "uvicorn.error", "httpx", "chasqui_citizen_attention", "chasqui_common"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    admin_dsn = os.environ["DATABASE_ADMIN_URL"]
    bootstrap = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f}", flush=True)
    if args.part == "record":
        lines = await run_record(admin_dsn, bootstrap, args.attentions, args.workers, args.seed)
    else:
        lines = await run_queries(admin_dsn, bootstrap, args.records, args.small, args.repeat, args.seed)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print("\n".join(lines))


if __name__ == "__main__":
    asyncio.run(main())
