"""Benchmark: the DCI gateway on the real broker and database, each figure with a same-run baseline.

1. `search`: sync search p50/p95 by document (`idtype-value`, UIN) and by predicate (ubigeo, CSE
   and age) over a projection of N households (default 1,000,000), filled directly with
   generated rows by binary COPY into a fresh schema with the gateway's migrations. Each request
   is a signed DCI envelope through HTTP, bearer token, signature check, rate count, message-id
   check, the search and the access log, answered signed. Baseline, same run, same tables: the
   same two queries as hand-written raw SQL on one asyncpg connection.
2. `fanout`: notify fan-out to S subscribers (default 10, each its own sender with a REGISTER
   subscription selecting every active household) while N `HouseholdRegistered` events (default
   10,000) arrive as from a ULE import: published as fast as one producer goes to a throwaway
   topic the gateway consumes (never `registry.households`, which other tests read). Measured:
   events applied per second, notifications delivered per second, and the lag from the event's
   time to its delivery (p50, p95, max). Baseline, same run: the same number of events applied by
   the same gateway with no subscriber.

    source /tmp/devstack.env     # or any KAFKA_BOOTSTRAP_SERVERS and DATABASE_ADMIN_URL
    .venv/bin/python services/dci-gateway/benchmarks/bench_dci.py search --households 1000000
    .venv/bin/python services/dci-gateway/benchmarks/bench_dci.py fanout --households 100000 --subscribers 10

The gateway, the callback receiver and the producer share one process (as in the tests); the
benchmark's schemas, roles and topics are deleted at the end. Not a test: it prints the figures
of docs/benchmarks/dci.md (`tests/benchmark/test_dci_benchmark.py`, marked slow, runs it small).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import random
import statistics
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient
from chasqui_common.clock import LIMA
from chasqui_common.events.registry import (
    Classification,
    Contact,
    CseLevel,
    Disability,
    DisabilitySeverity,
    Household,
    HouseholdRegistered,
    IdentityDocument,
    Member,
    Relationship,
    Sex,
)
from chasqui_common.messaging.outbox import Outbox
from chasqui_common.topics import DAY_MS, Topic, ensure_topics
from chasqui_common.values import DocumentType
from chasqui_dci_gateway.domain.signatures import canonical_content, public_jwk, sign
from chasqui_dci_gateway.main import build_definition
from chasqui_dci_gateway.settings import DciSettings
from chasqui_local.roles import database_of, drop_service_schema, provision_service_schema
from chasqui_testing import RunningService, running_service, serve_app
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

GATEWAY_ID = "registry.chasqui.gob.pe"
REGISTRY = Outbox("/chasqui/registry")
UBIGEOS = ("150142", "150132", "150103", "150143", "110101", "110201", "080101", "080108",
           "050101", "210101", "090101", "200101")  # fmt: skip
CSE = (CseLevel.POBRE_EXTREMO.value, CseLevel.POBRE.value, CseLevel.NO_POBRE.value, None)
GIVEN = ("Rosa", "Juana", "Luz", "María", "Pedro", "José", "Ana", "Sol", "Wilber", "Nayra")
SURNAMES = ("Quispe", "Mamani", "Huamán", "Ccori", "Ñahui", "Flores", "Condori", "Rojas")
ALL_FIELDS = ["identifier", "name", "birth_date", "sex", "relationship", "address", "phone_number", "email",
              "household_identifier", "household_status", "cse", "disability", "pregnant", "pension"]  # fmt: skip
FIRST_DNI = 10_000_000


def percentile(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of `values`, nearest rank."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


def ms(values: list[float]) -> str:
    return f"p50 {percentile(values, 0.5) * 1000:.1f} ms, p95 {percentile(values, 0.95) * 1000:.1f} ms"


# -- a DCI sender ---------------------------------------------------------------------------------


@dataclass
class Sender:
    sender_id: str
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)

    def jwk(self) -> dict[str, str]:
        raw = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return public_jwk(raw, "k1")

    def envelope(self, action: str, message: dict[str, Any], count: int = 1) -> dict[str, Any]:
        header = {
            "version": "1.0.0", "message_id": str(uuid.uuid4()), "message_ts": datetime.now(UTC).isoformat(),
            "action": action, "sender_id": self.sender_id, "receiver_id": GATEWAY_ID, "total_count": count,
            "is_msg_encrypted": False,
        }  # fmt: skip
        signature = sign(
            canonical_content(header, message),
            self.key,
            signer_id=self.sender_id,
            key_id="k1",
            now=int(time.time()),
        )
        return {"signature": signature, "header": header, "message": message}


def search(criteria: dict[str, Any], page_size: int = 100) -> dict[str, Any]:
    now = datetime.now(UTC).isoformat()
    return {
        "transaction_id": uuid.uuid4().hex[:20],
        "search_request": [
            {"reference_id": "r0", "timestamp": now,
             "search_criteria": {**criteria, "pagination": {"page_size": page_size, "page_number": 1}}}
        ],
    }  # fmt: skip


async def register(svc: RunningService, sender: Sender, callback_uris: list[str]) -> None:
    async with svc.client("dci:admin") as admin:
        response = await admin.put(
            f"/v1/dci/senders/{sender.sender_id}",
            json={"name": sender.sender_id, "jwks": {"keys": [sender.jwk()]}, "callback_uris": callback_uris,
                  "entitled_fields": ALL_FIELDS, "max_page_size": 1000, "requests_per_minute": 100_000},
        )  # fmt: skip
    response.raise_for_status()


# -- the gateway on a fresh schema ----------------------------------------------------------------


@contextlib.asynccontextmanager
async def gateway(
    admin_dsn: str, bootstrap: str, *, registry_topic: Topic | None = None
) -> AsyncIterator[RunningService]:
    name = f"bench_dci_{uuid.uuid4().hex[:8]}"
    database = database_of(admin_dsn)
    dsn = await provision_service_schema(
        admin_dsn, database=database, schema=name, role=name, password=f"{name}-pw"
    )
    definition = build_definition(consumer_name=f"bench-dci-{name}")
    if registry_topic is not None:  # the service's handlers, fed from a throwaway topic
        definition.consumers[0].topics = [registry_topic]
    try:
        with tempfile.TemporaryDirectory() as tmp:
            async with running_service(
                definition,
                database_url=dsn,
                schema=name,
                kafka_bootstrap_servers=bootstrap,
                auth_dir=Path(tmp) / "auth",
                settings_class=DciSettings,
                dci_gateway_id=GATEWAY_ID,
                dci_signing_key_file=Path(tmp) / "gateway.pem",
                callback_poll_interval=0.05,
            ) as svc:
                yield svc
    finally:
        await drop_service_schema(admin_dsn, schema=name, role=name, database=database)


# -- 1. search ------------------------------------------------------------------------------------


def projection_rows(households: int, seed: int) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int]:
    """Generated households and members rows (1-5 members each, ~2.6 on average); DNIs are
    consecutive from FIRST_DNI. Returns (households, members, people)."""
    rng = random.Random(seed)
    now = datetime(2026, 1, 1, tzinfo=UTC)
    house_rows: list[tuple[Any, ...]] = []
    member_rows: list[tuple[Any, ...]] = []
    dni = FIRST_DNI
    for n in range(households):
        hid = f"HH-{n:07d}"
        cse = CSE[rng.randrange(4)]
        house_rows.append((
            hid, "active", UBIGEOS[n % len(UBIGEOS)], "Jr. Los Incas 123", date(2020, 1, 1), "ULE",
            cse, date(2024, 1, 1) if cse else None, date(2027, 12, 31) if cse else None, "ULE" if cse else None,
            now, now, uuid.uuid4(),
        ))  # fmt: skip
        for k in range(rng.choice((1, 1, 2, 2, 3, 3, 4, 5))):
            born = date(1935 + rng.randrange(90), 1 + rng.randrange(12), 1 + rng.randrange(28))
            member_rows.append((
                hid, f"P-{dni}", "DNI", str(dni), GIVEN[rng.randrange(len(GIVEN))],
                SURNAMES[rng.randrange(len(SURNAMES))], SURNAMES[rng.randrange(len(SURNAMES))], born,
                "F" if rng.random() < 0.5 else "M", "HEAD" if k == 0 else "CHILD",
                "severe" if rng.random() < 0.03 else "none", False, False, "none", None, None,
            ))  # fmt: skip
            dni += 1
    return house_rows, member_rows, dni - FIRST_DNI


HOUSEHOLD_COLUMNS = ("household_id", "status", "ubigeo", "address", "residence_since", "registering_unit",
                     "cse_level", "cse_valid_from", "cse_valid_until", "cse_source", "registered_at",
                     "updated_at", "last_event_id")  # fmt: skip
MEMBER_COLUMNS = ("household_id", "person_id", "document_type", "document_number", "given_names",
                  "paternal_surname", "maternal_surname", "birth_date", "sex", "relationship",
                  "disability_severity", "disability_certified", "pregnant", "pension", "phone", "email")  # fmt: skip

RAW_BY_DOCUMENT = """
SELECT m.*, h.status, h.ubigeo, h.address, h.cse_level, h.cse_valid_until, h.registered_at, h.updated_at
FROM members m JOIN households h USING (household_id)
WHERE m.document_type = 'DNI' AND m.document_number = $1
ORDER BY m.household_id, m.person_id LIMIT 100
"""
RAW_PREDICATE_COUNT = """
SELECT count(*) FROM members m JOIN households h USING (household_id)
WHERE h.ubigeo = $1 AND h.cse_level = 'POBRE_EXTREMO' AND m.birth_date <= $2
"""
RAW_PREDICATE_PAGE = """
SELECT m.*, h.status, h.ubigeo, h.address, h.cse_level, h.cse_valid_until, h.registered_at, h.updated_at
FROM members m JOIN households h USING (household_id)
WHERE h.ubigeo = $1 AND h.cse_level = 'POBRE_EXTREMO' AND m.birth_date <= $2
ORDER BY m.household_id, m.person_id LIMIT 100
"""


def predicate(ubigeo: str) -> dict[str, Any]:
    return {"query_type": "predicate", "query": [
        {"seq_num": 1, "expression1": {"attribute_name": "ubigeo", "operator": "eq", "attribute_value": ubigeo},
         "condition": "and",
         "expression2": {"attribute_name": "cse", "operator": "eq", "attribute_value": "POBRE_EXTREMO"}},
        {"seq_num": 2, "expression1": {"attribute_name": "age", "operator": "ge", "attribute_value": "65"}},
    ]}  # fmt: skip


@dataclass
class SearchResult:
    households: int
    people: int
    load_seconds: float
    by_document: list[float]
    by_document_raw: list[float]
    by_predicate: list[float]
    by_predicate_raw: list[float]
    predicate_hits: list[int]

    def lines(self) -> list[str]:
        hits = statistics.mean(self.predicate_hits)
        return [
            f"projection: {self.households:,} households, {self.people:,} people, COPY + ANALYZE in "
            f"{self.load_seconds:.1f} s",
            "| query | gateway (signed DCI sync search over HTTP) | raw SQL, same run, same tables |",
            "|---|---|---|",
            f"| by document (UIN), {len(self.by_document)} requests | {ms(self.by_document)} | {ms(self.by_document_raw)} |",
            f"| by predicate (ubigeo, cse, age >= 65; page of 100, ~{hits:,.0f} matches), "
            f"{len(self.by_predicate)} requests | {ms(self.by_predicate)} | {ms(self.by_predicate_raw)} |",
        ]


async def run_search(
    admin_dsn: str,
    bootstrap: str,
    households: int,
    *,
    documents: int = 300,
    predicates: int = 60,
    seed: int = 7,
) -> SearchResult:
    # An empty throwaway topic: the projection is the generated rows only, not the shared topic's.
    quiet = Topic(f"bench.dci.{uuid.uuid4().hex[:8]}", "bench", "household id", "empty", True, 1, DAY_MS)
    await ensure_topics(bootstrap, [quiet], with_dlq=True)
    try:
        return await _search(admin_dsn, bootstrap, households, quiet, documents, predicates, seed)
    finally:
        await delete_topics(bootstrap, quiet)


async def _search(
    admin_dsn: str, bootstrap: str, households: int, quiet: Topic, documents: int, predicates: int, seed: int
) -> SearchResult:
    async with gateway(admin_dsn, bootstrap, registry_topic=quiet) as svc:
        pool = svc.runtime.pool
        schema = svc.runtime.schema
        started = time.perf_counter()
        house_rows, member_rows, people = projection_rows(households, seed)
        async with pool.acquire() as conn:
            for offset in range(0, len(house_rows), 200_000):
                await conn.copy_records_to_table(
                    "households", records=house_rows[offset : offset + 200_000], columns=HOUSEHOLD_COLUMNS,
                    schema_name=schema,
                )  # fmt: skip
            for offset in range(0, len(member_rows), 200_000):
                await conn.copy_records_to_table(
                    "members", records=member_rows[offset : offset + 200_000], columns=MEMBER_COLUMNS,
                    schema_name=schema,
                )  # fmt: skip
            await conn.execute("ANALYZE households; ANALYZE members")
        del house_rows, member_rows
        load_seconds = time.perf_counter() - started
        print(
            f"projection loaded: {households:,} households, {people:,} people in {load_seconds:.1f} s",
            flush=True,
        )

        sender = Sender(f"bench-{uuid.uuid4().hex[:6]}.gob.pe")
        await register(svc, sender, ["http://127.0.0.1:9/unused"])
        rng = random.Random(seed)
        docs = [str(FIRST_DNI + rng.randrange(people)) for _ in range(documents)]
        ubigeos = [UBIGEOS[i % len(UBIGEOS)] for i in range(predicates)]
        today = datetime.now(LIMA).date()  # the gateway's `age` counts whole years to today in Lima
        born_by = date(today.year - 65, today.month, min(today.day, 28))
        result = SearchResult(households, people, load_seconds, [], [], [], [], [])
        async with svc.client("dci:search") as client:
            # Warm-up: the first requests pay for connections and caches in both paths.
            for doc in docs[:5]:
                await client.post("/registry/sync/search", json=sender.envelope("search", search(
                    {"query_type": "idtype-value", "query": {"type": "UIN", "value": doc}})))  # fmt: skip
            for doc in docs:
                body = sender.envelope("search", search({"query_type": "idtype-value",
                                                         "query": {"type": "UIN", "value": doc}}))  # fmt: skip
                t0 = time.perf_counter()
                response = await client.post("/registry/sync/search", json=body)
                result.by_document.append(time.perf_counter() - t0)
                answer = response.json()["message"]["search_response"][0]
                assert answer["status"] == "succ", answer
                assert len(answer["data"]["reg_records"]) == 1, answer
            for ubigeo in ubigeos:
                body = sender.envelope("search", search(predicate(ubigeo)))
                t0 = time.perf_counter()
                response = await client.post("/registry/sync/search", json=body)
                result.by_predicate.append(time.perf_counter() - t0)
                answer = response.json()["message"]["search_response"][0]
                assert answer["status"] == "succ", answer
                result.predicate_hits.append(answer["pagination"]["total_count"])
        async with pool.acquire() as conn:
            for doc in docs[:5]:
                await conn.fetch(RAW_BY_DOCUMENT, doc)
            for doc in docs:
                t0 = time.perf_counter()
                rows = await conn.fetch(RAW_BY_DOCUMENT, doc)
                result.by_document_raw.append(time.perf_counter() - t0)
                assert len(rows) == 1
            for ubigeo in ubigeos:
                t0 = time.perf_counter()
                await conn.fetchval(RAW_PREDICATE_COUNT, ubigeo, born_by)
                await conn.fetch(RAW_PREDICATE_PAGE, ubigeo, born_by)
                result.by_predicate_raw.append(time.perf_counter() - t0)
        return result


# -- 2. notify fan-out ----------------------------------------------------------------------------


def household_events(households: int, tag: str, seed: int) -> list[Any]:
    rng = random.Random(seed)
    events = []
    for n in range(households):
        members = tuple(
            Member(
                person_id=f"{tag}-{n}-{k}",
                document=IdentityDocument(type=DocumentType.DNI, number=str(20_000_000 + n * 8 + k)),
                given_names=GIVEN[rng.randrange(len(GIVEN))],
                paternal_surname=SURNAMES[rng.randrange(len(SURNAMES))],
                maternal_surname=SURNAMES[rng.randrange(len(SURNAMES))],
                birth_date=date(1940 + rng.randrange(80), 1 + rng.randrange(12), 1 + rng.randrange(28)),
                sex=Sex.FEMALE if rng.random() < 0.5 else Sex.MALE,
                relationship=Relationship.HEAD if k == 0 else Relationship.CHILD,
                disability=Disability(severity=DisabilitySeverity.NONE, certified=False),
                contact=Contact(),
            )
            for k in range(rng.choice((1, 2, 3, 4)))
        )
        household = Household(
            household_id=f"HH-{tag}-{n:06d}", ubigeo=UBIGEOS[n % len(UBIGEOS)], address="Av. Central 45",
            residence_since=date(2021, 1, 1), registering_unit="ULE-150142",
            classification=Classification(level=CseLevel.POBRE, valid_from=date(2025, 1, 1),
                                          valid_until=date(2028, 12, 31), source="ULE"),
            members=members,
        )  # fmt: skip
        events.append(
            REGISTRY.envelope(HouseholdRegistered(household_id=household.household_id, household=household))
        )
    return events


async def publish_all(bootstrap: str, topic: str, events: list[Any]) -> float:
    """Publish the events (batches of 2,000 in flight); returns the seconds it took."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=True, linger_ms=5)
    await producer.start()
    started = time.perf_counter()
    try:
        for offset in range(0, len(events), 2000):
            futures = [
                await producer.send(topic, e.body(), key=e.subject.encode(), headers=e.kafka_headers())
                for e in events[offset : offset + 2000]
            ]
            await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return time.perf_counter() - started


async def wait_until(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached in {timeout:.0f} s")
        await asyncio.sleep(0.5)


@dataclass
class FanoutResult:
    households: int
    subscribers: int
    publish_seconds: float
    baseline_apply_seconds: float
    apply_seconds: float
    deliver_seconds: float
    notifications: int
    received: int
    duplicates: int
    lags: list[float]

    def lines(self) -> list[str]:
        n, s = self.households, self.subscribers
        return [
            f"{n:,} HouseholdRegistered events published in {self.publish_seconds:.1f} s "
            f"({n / self.publish_seconds:,.0f}/s) per phase",
            "| measure | no subscriber (baseline, same run) | " + f"{s} subscribers |",
            "|---|---|---|",
            f"| events applied to the projection | {n / self.baseline_apply_seconds:,.0f}/s "
            f"({self.baseline_apply_seconds:.1f} s) | {n / self.apply_seconds:,.0f}/s ({self.apply_seconds:.1f} s) |",
            f"| notifications delivered (HTTP callbacks acknowledged) | — | "
            f"{self.notifications / self.deliver_seconds:,.0f}/s ({self.notifications:,} in {self.deliver_seconds:.1f} s) |",
            f"| lag, event time → delivered | — | p50 {percentile(self.lags, 0.5):.1f} s, "
            f"p95 {percentile(self.lags, 0.95):.1f} s, max {max(self.lags):.1f} s |",
            f"received {self.received:,} POSTs for {self.notifications:,} notifications "
            f"({self.duplicates} repeated message ids)",
        ]


async def run_fanout(
    admin_dsn: str,
    bootstrap: str,
    households: int,
    subscribers: int,
    *,
    seed: int = 11,
    timeout: float = 3600,
) -> FanoutResult:
    run = uuid.uuid4().hex[:8]
    topic = Topic(f"bench.dci.{run}", "bench", "household id", "benchmark input", True, 6, DAY_MS)
    await ensure_topics(bootstrap, [topic], with_dlq=True)
    seen: dict[str, int] = {}

    async def accept(request: Request) -> Response:
        body = json.loads(await request.body())
        message_id = body["header"]["message_id"]
        seen[message_id] = seen.get(message_id, 0) + 1
        return Response(b'{"message":{"ack_status":"ACK"}}', media_type="application/json")

    receiver = Starlette(routes=[Route("/dci/{sender}/{action}", accept, methods=["POST"])])
    try:
        async with (
            serve_app(receiver) as receiver_url,
            gateway(admin_dsn, bootstrap, registry_topic=topic) as svc,
        ):
            pool = svc.runtime.pool

            async def projected(count: int) -> Callable[[], Awaitable[bool]]:
                async def check() -> bool:
                    return int(await pool.fetchval("SELECT count(*) FROM households")) >= count

                return check

            # Baseline: the same number of events applied with no subscriber.
            baseline = household_events(households, f"B{run}", seed)
            publish_seconds = await publish_all(bootstrap, topic.name, baseline)
            started = time.perf_counter()
            await wait_until(await projected(households), timeout, "baseline projection")
            baseline_seconds = time.perf_counter() - started + publish_seconds
            del baseline

            senders = [Sender(f"prog{i}-{run}.gob.pe") for i in range(subscribers)]
            for sender in senders:
                await register(svc, sender, [f"{receiver_url}/dci/{sender.sender_id}/cb"])
                message = {"transaction_id": uuid.uuid4().hex[:20], "subscribe_request": [{
                    "reference_id": "all", "timestamp": datetime.now(UTC).isoformat(),
                    "subscribe_criteria": {"version": "1.0.0", "reg_event_type": "REGISTER", "filter_type": "predicate",
                                           "filter": [{"seq_num": 1, "expression1": {
                                               "attribute_name": "household_status", "operator": "eq",
                                               "attribute_value": "active"}}],
                                           "notify_record_type": "Person"}}]}  # fmt: skip
                async with svc.client("dci:search") as client:
                    (
                        await client.post("/registry/subscribe", json=sender.envelope("subscribe", message))
                    ).raise_for_status()
            await wait_until(lambda: _count(pool, "on-subscribe", subscribers), 60, "on-subscribe callbacks")

            events = household_events(households, f"S{run}", seed + 1)
            t0 = time.perf_counter()
            publish_seconds = await publish_all(bootstrap, topic.name, events)
            await wait_until(await projected(2 * households), timeout, "projection with subscribers")
            apply_seconds = time.perf_counter() - t0
            expected = households * subscribers
            await wait_until(
                lambda: _count(pool, "notify", expected), timeout, "every notification delivered"
            )
            deliver_seconds = time.perf_counter() - t0
            lags = [
                float(r["lag"])
                for r in await pool.fetch(
                    "SELECT extract(epoch FROM delivered_at - (message->'notify_event'->0->>'timestamp')::timestamptz)"
                    " AS lag FROM callbacks WHERE action = 'notify'"
                )
            ]
            notified = {
                m
                for (m,) in await pool.fetch("SELECT message_id::text FROM callbacks WHERE action = 'notify'")
            }
            received = sum(seen[m] for m in notified if m in seen)
            return FanoutResult(
                households, subscribers, publish_seconds, baseline_seconds, apply_seconds, deliver_seconds,
                len(notified), received, sum(seen[m] - 1 for m in notified if m in seen),
                lags,
            )  # fmt: skip
    finally:
        await delete_topics(bootstrap, topic)


async def delete_topics(bootstrap: str, topic: Topic) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.delete_topics([topic.name, topic.dlq.name])
    finally:
        await admin.close()


async def _count(pool: Any, action: str, at_least: int) -> bool:
    delivered = await pool.fetchval(
        "SELECT count(*) FROM callbacks WHERE action = $1 AND delivered_at IS NOT NULL", action
    )
    return int(delivered) >= at_least


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("part", choices=["search", "fanout"])
    parser.add_argument("--households", type=int, help="search: 1,000,000; fanout: 10,000")
    parser.add_argument("--subscribers", type=int, default=10)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    for noisy in ("uvicorn.access", "uvicorn.error", "chasqui_dci_gateway", "chasqui_common"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    admin_dsn = os.environ["DATABASE_ADMIN_URL"]
    bootstrap = os.environ["KAFKA_BOOTSTRAP_SERVERS"]
    print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC, load average {os.getloadavg()[0]:.1f}", flush=True)
    if args.part == "search":
        result: SearchResult | FanoutResult = await run_search(
            admin_dsn, bootstrap, args.households or 1_000_000
        )
    else:
        result = await run_fanout(admin_dsn, bootstrap, args.households or 10_000, args.subscribers)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    print("\n".join(result.lines()))


if __name__ == "__main__":
    asyncio.run(main())
