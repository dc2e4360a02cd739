"""One function assembles a service: HTTP API, Kafka consumers, pool, migrations, relay, health, metrics.

Two HTTP servers run in one process: the API (HTTP_PORT, only `/v1/...`, and `/openapi.json` and
`/docs` unless API_DOCS=false) and the management server (MANAGEMENT_PORT, default HTTP_PORT +
1000: `/healthz`, `/readyz`, `/metrics`), which probes and Prometheus use and no Ingress routes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import asyncpg
import uvicorn
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.errors import KafkaConnectionError, KafkaTimeoutError, NodeNotReadyError
from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import JSONResponse
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from chasqui_common.application.unit_of_work import Transactions
from chasqui_common.auth.jwt import TokenVerifier
from chasqui_common.clock import SYSTEM_CLOCK, Clock
from chasqui_common.db.migrations import (
    Migration,
    MigrationError,
    apply_migrations,
    common_migrations,
    load_migrations,
    pending_migrations,
)
from chasqui_common.db.pool import create_pool
from chasqui_common.events.catalogue import CATALOGUE, EventCatalogue
from chasqui_common.http.idempotency import IdempotentUseCases, install_idempotency, purge_expired
from chasqui_common.http.limits import install_body_limit
from chasqui_common.http.problems import install_problem_handlers
from chasqui_common.kafka_security import KafkaSecurity
from chasqui_common.messaging.consumer import ConsumerRunner, EventConsumer
from chasqui_common.messaging.outbox import Outbox, OutboxRelay
from chasqui_common.messaging.retention import purge_plumbing
from chasqui_common.messaging.retry import RetryPolicy
from chasqui_common.messaging.sink import ProducerSink
from chasqui_common.settings import ServiceSettings
from chasqui_common.telemetry import metrics
from chasqui_common.telemetry.lag import report_consumer_lag
from chasqui_common.telemetry.logging import configure_logging
from chasqui_common.telemetry.tracing import configure_tracing
from chasqui_common.topics import Topic, ensure_topics

log = logging.getLogger(__name__)

BackgroundTask = Callable[["ServiceRuntime"], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class ServiceDefinition:
    """Everything that makes one service different from another; the rest is shared."""

    name: str
    title: str
    migrations: Path | None
    routers: Sequence[APIRouter] = ()
    consumers: Sequence[EventConsumer] = ()
    publishes: Sequence[Topic] = ()
    background: Sequence[BackgroundTask] = ()
    version: str = "0.1.0"
    catalogue: EventCatalogue = CATALOGUE

    @property
    def source(self) -> str:
        """CloudEvents source of every event the service emits."""
        return f"/chasqui/{self.name}"

    @property
    def schema(self) -> str:
        """The service's Postgres schema and role: its name with `_` for `-` (a plain identifier)."""
        return self.name.replace("-", "_")


@dataclass
class ServiceRuntime:
    """The live dependencies of a running service, reachable from routes via `runtime(request)`."""

    definition: ServiceDefinition
    settings: ServiceSettings
    schema: str
    pool: asyncpg.Pool
    outbox: Outbox
    relay: OutboxRelay
    relay_sink: ProducerSink
    transactions: Transactions
    dead_letters: ProducerSink
    kafka_admin: AIOKafkaAdminClient
    consumers: list[ConsumerRunner] = field(default_factory=list)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    kafka_status: str = "ok"
    """The last broker health check: "ok" or "unreachable: ..." (`watch_broker`)."""

    @property
    def clock(self) -> Clock:
        return self.transactions.clock

    async def readiness(self) -> dict[str, str]:
        """What `/readyz` reports. Only the database decides readiness (`READINESS_REQUIRES`):
        writes go to the outbox, so a broker outage must not take the API out of service. The
        broker's state is shown as information, from the last health check (`watch_broker`),
        so the probe never waits on an unreachable broker."""
        checks: dict[str, str] = {}
        try:
            await asyncio.wait_for(self.pool.fetchval("SELECT 1", timeout=2), 2)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"unreachable: {type(exc).__name__}: {exc}"
        checks["kafka"] = self.kafka_status
        return checks

    async def check_broker(self, timeout: float = 5.0) -> bool:
        """Ask the cluster for its metadata; sets `kafka_status` and `chasqui_kafka_up`."""
        try:
            cluster = await asyncio.wait_for(self.kafka_admin.describe_cluster(), timeout)
            status = "ok" if cluster["brokers"] else "unreachable: no brokers in the metadata"
        except Exception as exc:
            status = f"unreachable: {type(exc).__name__}: {exc}"
        if status != self.kafka_status:
            if status == "ok":
                log.warning("Kafka is reachable again")
            else:
                log.warning("Kafka %s; the API stays ready, events wait in the outbox", status)
        self.kafka_status = status
        metrics.KAFKA_UP.labels(self.definition.name).set(1 if status == "ok" else 0)
        return status == "ok"


READINESS_REQUIRES = ("database",)
"""The `/readyz` checks that must be "ok"; the others (kafka) are information."""


async def watch_broker(rt: ServiceRuntime, interval: float) -> None:
    """Every `interval` seconds, check the broker (chasqui_kafka_up and the `/readyz` body)."""
    while True:
        await rt.check_broker(timeout=max(1.0, min(5.0, interval)))
        await asyncio.sleep(interval)


def runtime(request: Request) -> ServiceRuntime:
    """FastAPI dependency: the runtime of the service serving this request."""
    value: ServiceRuntime = request.app.state.runtime
    return value


def transactions(request: Request) -> Transactions:
    """FastAPI dependency: runs the route's use case (`await run.command(register_x, command)`)."""
    return runtime(request).transactions


UseCases = Annotated[Transactions, Depends(transactions)]
"""A route parameter `run: UseCases` is the one wrapper through which every route calls a use case."""

__all__ = ["IdempotentUseCases", "UseCases", "create_app", "create_management_app", "run", "runtime"]
# `run: IdempotentUseCases` (chasqui_common.http.idempotency): the same, and the route accepts an
# Idempotency-Key (its effect and stored answer commit in one transaction).

IDEMPOTENCY_PURGE_INTERVAL = 600.0
"""Seconds between two purges of expired Idempotency-Keys."""


async def purge_idempotency_keys(rt: ServiceRuntime) -> None:
    """Background task: delete expired Idempotency-Keys (IDEMPOTENCY_TTL_HOURS) every 10 minutes."""
    while True:
        try:
            purged = await purge_expired(rt.transactions)
            if purged:
                log.info("purged %d expired idempotency keys", purged)
        except Exception:
            log.exception("could not purge expired idempotency keys")
        await asyncio.sleep(IDEMPOTENCY_PURGE_INTERVAL)


def create_management_app(definition: ServiceDefinition, api: FastAPI) -> FastAPI:
    """The management server's app: health, readiness and metrics of the service `api` runs.

    It has no lifespan of its own (the API app starts and stops the runtime) and no docs."""
    app = FastAPI(title=f"{definition.title} (management)", openapi_url=None, docs_url=None, redoc_url=None)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "alive", "service": definition.name}

    @app.get("/readyz")
    async def readyz() -> JSONResponse:
        rt: ServiceRuntime | None = getattr(api.state, "runtime", None)
        if rt is None:
            return JSONResponse({"status": "starting"}, status_code=503)
        checks = await rt.readiness()
        ready = all(checks.get(name) == "ok" for name in READINESS_REQUIRES)
        return JSONResponse(
            {
                "status": "ready" if ready else "not ready",
                "checks": checks,
                "required": list(READINESS_REQUIRES),
            },
            status_code=200 if ready else 503,
        )

    @app.get("/metrics")
    async def metrics_endpoint() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return app


def create_app(
    definition: ServiceDefinition, settings: ServiceSettings | None = None, *, clock: Clock = SYSTEM_CLOCK
) -> FastAPI:
    settings = settings or ServiceSettings()
    schema = settings.db_schema or definition.schema
    configure_logging(definition.name, settings.log_level, json_output=settings.log_json)
    configure_tracing(definition.name)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        rt = await start_runtime(definition, settings, schema, clock=clock)
        app.state.runtime = rt
        try:
            yield
        finally:
            await stop_runtime(rt)

    docs = settings.api_docs
    app = FastAPI(
        title=definition.title,
        version=definition.version,
        lifespan=lifespan,
        openapi_url="/openapi.json" if docs else None,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
    )
    install_idempotency(app)  # routes taking `run: IdempotentUseCases`; inside the 500 handler
    install_problem_handlers(app)  # and the 500 document of every unhandled error
    install_body_limit(app, settings.http_max_body_bytes)  # 413 before any body is parsed
    if settings.auth_jwks_file or settings.auth_jwks_url:
        app.state.token_verifier = TokenVerifier(
            issuer=settings.auth_issuer,
            audience=settings.auth_audience,
            jwks_file=settings.auth_jwks_file,
            jwks_url=settings.auth_jwks_url,
            max_lifetime=settings.auth_max_token_lifetime,
        )
    else:
        log.warning("no AUTH_JWKS_FILE or AUTH_JWKS_URL: every protected endpoint will answer 500")

    for router in definition.routers:
        app.include_router(router)
    # Server spans for every API request: events recorded while handling it carry its traceparent.
    FastAPIInstrumentor.instrument_app(app)
    # Health, readiness and metrics: on the management port only (`run` serves both apps).
    app.state.management = create_management_app(definition, app)
    return app


async def start_runtime(
    definition: ServiceDefinition, settings: ServiceSettings, schema: str, *, clock: Clock = SYSTEM_CLOCK
) -> ServiceRuntime:
    """Migrate, connect, create topics, start consumers and the relay; in that order.

    The database must answer (a failure there stops the start). The broker need not: if it is
    unreachable, the service starts without its Kafka clients (`kafka_status` says so, `/readyz`
    stays 200, writes wait in the outbox) and `connect_kafka_when_reachable` starts them later.
    """
    # Whatever started is undone, in reverse order, if a later step fails.
    async with contextlib.AsyncExitStack() as undo:
        pool = await create_pool(
            settings.database_url,
            schema=schema,
            min_size=settings.db_pool_min,
            max_size=settings.db_pool_max,
            command_timeout=settings.db_command_timeout,
            connect_timeout=settings.db_connect_timeout,
            acquire_timeout=settings.db_acquire_timeout,
        )
        undo.push_async_callback(pool.close)
        await prepare_schema(definition, settings, pool, schema)
        undo.pop_all()  # from here on stop_runtime owns the shutdown
    security = settings.kafka_security()
    outbox = Outbox(definition.source, definition.catalogue)
    # Until the broker answers, the Kafka clients are created but not started: the API serves and
    # writes wait in the outbox; `connect_kafka` replaces them with started ones.
    relay_sink = _relay_sink(definition, settings, security)
    rt = ServiceRuntime(
        definition,
        settings,
        schema,
        pool,
        outbox,
        OutboxRelay(pool, relay_sink, schema=schema),
        relay_sink,
        Transactions(pool, outbox, clock),
        dead_letters=_dead_letter_sink(definition, settings, security),
        kafka_admin=_admin_client(definition, settings, security),
        kafka_status="connecting",
    )
    try:
        await connect_kafka(rt)
    except KAFKA_UNREACHABLE as exc:
        # A broker outage must not keep a service from starting (a pod rescheduled during one would
        # restart until the broker is back): serve now, connect in the background.
        rt.kafka_status = f"unreachable: {type(exc).__name__}: {exc}"
        log.warning(
            "Kafka is unreachable at start-up (%s); the API serves and events wait in the outbox until "
            "the broker answers",
            rt.kafka_status,
        )
        rt.tasks.append(asyncio.create_task(connect_kafka_when_reachable(rt), name="kafka-connect"))
    except BaseException:
        await pool.close()
        raise
    rt.tasks.append(
        asyncio.create_task(
            report_consumer_lag(rt.consumers, interval=settings.lag_report_interval),
            name="consumer-lag",
        )
    )
    rt.tasks.append(
        asyncio.create_task(watch_broker(rt, settings.kafka_health_interval), name="broker-health")
    )
    rt.tasks.append(asyncio.create_task(purge_idempotency_keys(rt), name="idempotency-purge"))
    rt.tasks.append(asyncio.create_task(purge_plumbing(rt), name="retention-purge"))
    for task in definition.background:
        rt.tasks.append(asyncio.create_task(task(rt), name=f"{definition.name}-{task.__name__}"))
    log.info("service %s started (schema %s)", definition.name, schema)
    return rt


KAFKA_UNREACHABLE: tuple[type[BaseException], ...] = (
    KafkaConnectionError,
    NodeNotReadyError,
    KafkaTimeoutError,
    TimeoutError,
    OSError,
)
"""Failures that mean "the broker does not answer (yet)", as opposed to a refused login or a bad
configuration, which still stop the start."""


def _admin_client(
    definition: ServiceDefinition, settings: ServiceSettings, security: KafkaSecurity
) -> AIOKafkaAdminClient:
    # A long-lived admin client: the broker health check asks it for the cluster metadata.
    return AIOKafkaAdminClient(
        bootstrap_servers=settings.kafka_bootstrap_servers,
        client_id=f"chasqui-{definition.name}-admin",
        **security.client_options(),
    )


def _dead_letter_sink(
    definition: ServiceDefinition, settings: ServiceSettings, security: KafkaSecurity
) -> ProducerSink:
    return ProducerSink(
        settings.kafka_bootstrap_servers, client_id=f"chasqui-{definition.name}-dlq", security=security
    )


def _relay_sink(
    definition: ServiceDefinition, settings: ServiceSettings, security: KafkaSecurity
) -> ProducerSink:
    return ProducerSink(
        settings.kafka_bootstrap_servers, client_id=f"chasqui-{definition.name}-outbox", security=security
    )


async def connect_kafka(rt: ServiceRuntime) -> None:
    """Create the topics, then start the admin client, the dead-letter producer, the consumers, the
    relay's producer and the relay, in that order, and put them in `rt`.

    Raises whatever a step raised (e.g. KafkaConnectionError while the broker is down), after
    stopping, in reverse order, what had started; `rt` keeps its previous clients then.
    """
    definition, settings = rt.definition, rt.settings
    security = settings.kafka_security()
    async with contextlib.AsyncExitStack() as undo:
        if settings.create_topics:
            topics = {t.name: t for t in definition.publishes}
            topics.update({t.name: t for c in definition.consumers for t in c.topics})
            await ensure_topics(settings.kafka_bootstrap_servers, topics.values(), security=security)
        kafka_admin = _admin_client(definition, settings, security)
        await kafka_admin.start()
        undo.push_async_callback(kafka_admin.close)
        dead_letters = _dead_letter_sink(definition, settings, security)
        await dead_letters.start()
        undo.push_async_callback(dead_letters.stop)
        retry = RetryPolicy(settings.retry_max_attempts, settings.retry_base_delay, settings.retry_max_delay)
        consumers: list[ConsumerRunner] = []
        for consumer in definition.consumers:
            consumer.retry = retry
            consumer.bind(rt.pool, rt.outbox, dead_letters, rt.clock)
            runner = await consumer.start(
                settings.kafka_bootstrap_servers,
                group_suffix=settings.consumer_group_suffix,
                security=security,
                client_id=f"chasqui-{definition.name}",
                max_poll_interval_ms=settings.kafka_max_poll_interval_ms,
            )
            undo.push_async_callback(runner.stop, settings.shutdown_grace_seconds / 2)
            consumers.append(runner)
        # The relay's own producer, stopped after the relay.
        relay_sink = _relay_sink(definition, settings, security)
        await relay_sink.start()
        undo.push_async_callback(relay_sink.stop)
        relay = OutboxRelay(
            rt.pool,
            relay_sink,
            schema=rt.schema,
            batch_size=settings.outbox_batch_size,
            poll_interval=settings.outbox_poll_interval,
        )
        relay.start()
        undo.pop_all()
    replaced = (rt.kafka_admin, rt.dead_letters, rt.relay_sink, rt.relay)
    rt.kafka_admin, rt.dead_letters, rt.relay_sink, rt.relay = kafka_admin, dead_letters, relay_sink, relay
    rt.consumers.extend(consumers)
    rt.kafka_status = "ok"
    # The clients created before the broker answered never started: close them all the same, or
    # aiokafka logs each as an unclosed client when it is collected.
    old_admin, old_dead_letters, old_relay_sink, old_relay = replaced
    for closing in (
        old_relay.stop(flush_timeout=0),
        old_relay_sink.stop(),
        old_dead_letters.stop(),
        old_admin.close(),
    ):
        with contextlib.suppress(Exception):
            await asyncio.wait_for(closing, 5)


async def connect_kafka_when_reachable(
    rt: ServiceRuntime, *, first_delay: float = 1.0, max_delay: float = 30.0
) -> None:
    """Retry `connect_kafka` with exponential backoff (`first_delay` doubling up to `max_delay`
    seconds) until the broker answers; a failure other than the broker being unreachable is
    logged and retried too (the API keeps serving either way)."""
    delay = first_delay
    while True:
        await asyncio.sleep(delay)
        try:
            await connect_kafka(rt)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            rt.kafka_status = f"unreachable: {type(exc).__name__}: {exc}"
            log.warning("Kafka still unreachable (%s); next try in %.0f s", rt.kafka_status, delay)
            delay = min(delay * 2, max_delay)
            continue
        log.warning("Kafka is reachable: consumers and the outbox relay started")
        return


async def migrate(definition: ServiceDefinition, pool: asyncpg.Pool, schema: str) -> list[str]:
    """The shared outbox/inbox tables, then the service's numbered migrations; returns those applied."""
    migrations = common_migrations()
    if definition.migrations is not None:
        migrations += load_migrations(definition.migrations)
    async with pool.acquire() as conn:
        applied = await apply_migrations(conn, schema, migrations)
    log.info("applied migrations %s", ", ".join(applied) if applied else "(none: up to date)")
    return applied


def _all_migrations(definition: ServiceDefinition) -> list[Migration]:
    migrations = common_migrations()
    if definition.migrations is not None:
        migrations += load_migrations(definition.migrations)
    return migrations


async def prepare_schema(
    definition: ServiceDefinition, settings: ServiceSettings, pool: asyncpg.Pool, schema: str
) -> None:
    """At start: migrate through DATABASE_MIGRATION_URL (the owner) when given. Else check that
    every migration is applied: if not, a DATABASE_URL role owning the schema (a development
    set-up) applies them; any other role (the DML-only runtime role) refuses to start."""
    if settings.database_migration_url:
        await migrate_only(definition, settings)
        return
    async with pool.acquire() as conn:
        pending = await pending_migrations(conn, schema, _all_migrations(definition))
        owner = pending and await conn.fetchval(
            "SELECT pg_has_role(current_user, nspowner, 'USAGE') FROM pg_namespace WHERE nspname = $1",
            schema,
        )
    if pending and owner:
        await migrate(definition, pool, schema)
        return
    if pending:
        raise MigrationError(
            f"{definition.name} refuses to start: schema {schema} lacks migrations {', '.join(pending)}. "
            f"Run `chasqui-{definition.name} --migrate-only` with the schema owner's DSN in "
            "DATABASE_MIGRATION_URL first (the Kubernetes migration Job does), or give the service "
            "DATABASE_MIGRATION_URL to apply them at start"
        )
    log.info("migrations of schema %s are applied", schema)


async def migrate_only(definition: ServiceDefinition, settings: ServiceSettings) -> list[str]:
    """Apply migrations and return: what a Kubernetes migration Job runs before a rollout.

    Connects as DATABASE_MIGRATION_URL (the schema owner), else DATABASE_URL."""
    schema = settings.db_schema or definition.schema
    pool = await create_pool(
        settings.database_migration_url or settings.database_url,
        schema=schema,
        min_size=1,
        max_size=1,
        command_timeout=settings.db_command_timeout,
        connect_timeout=settings.db_connect_timeout,
    )
    try:
        return await migrate(definition, pool, schema)
    finally:
        await pool.close()


async def stop_runtime(rt: ServiceRuntime) -> None:
    """Graceful shutdown: finish in-flight messages and commit, flush the outbox, then disconnect.

    Every step is bounded: the orchestrator kills the process after its grace period anyway, so a
    step that hangs (a client that never answers, a connection nobody releases) is cut short and
    logged, and the steps after it still run (the pool is terminated if it cannot close).
    """
    grace = rt.settings.shutdown_grace_seconds
    for task in rt.tasks:
        task.cancel()
    await _bounded("background tasks", asyncio.gather(*rt.tasks, return_exceptions=True), 5)
    # Each consumer finishes its batch in flight, commits it and leaves its group.
    await _bounded(
        "consumers",
        asyncio.gather(*(consumer.stop(grace / 2) for consumer in rt.consumers), return_exceptions=True),
        grace / 2 + 5,
    )
    await _bounded("outbox relay", rt.relay.stop(flush_timeout=grace / 2), grace / 2 + 5)
    await _bounded("relay producer", rt.relay_sink.stop(), 10)
    await _bounded("dead-letter producer", rt.dead_letters.stop(), 10)
    await _bounded("Kafka admin client", rt.kafka_admin.close(), 10)
    if not await _bounded("database pool", rt.pool.close(), 10):
        rt.pool.terminate()
    log.info("service %s stopped", rt.definition.name)


async def _bounded(step: str, awaitable: Awaitable[Any], seconds: float) -> bool:
    """Await one shutdown step for at most `seconds`; False (and a log line) if it did not end."""
    try:
        await asyncio.wait_for(awaitable, seconds)
    except TimeoutError:
        log.error("shutdown: %s did not stop within %.0f s; going on without it", step, seconds)
        return False
    except Exception as exc:
        log.warning("shutdown: %s failed to stop: %s: %s", step, type(exc).__name__, exc)
    return True


def run(
    definition: ServiceDefinition, settings: ServiceSettings | None = None, argv: Sequence[str] | None = None
) -> None:
    """Serve the service with uvicorn until SIGTERM/SIGINT, then shut down gracefully.

    `--migrate-only` (or CHASQUI_MIGRATE_ONLY=1) applies the migrations and exits instead.
    """
    settings = settings or ServiceSettings()
    args = sys.argv[1:] if argv is None else list(argv)
    if "--migrate-only" in args or os.environ.get("CHASQUI_MIGRATE_ONLY") == "1":
        configure_logging(definition.name, settings.log_level, json_output=settings.log_json)
        try:
            applied = asyncio.run(migrate_only(definition, settings))
        except Exception as exc:
            print(f"migrations of {definition.name} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
            raise SystemExit(1) from None
        print(f"{definition.name}: applied {', '.join(applied) if applied else 'nothing (up to date)'}")
        return
    asyncio.run(serve(create_app(definition, settings), settings))


class _ManagementServer(uvicorn.Server):
    """The management server leaves signals to the API server, and stops after it."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


async def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Serve the API on HTTP_PORT and health/readiness/metrics on MANAGEMENT_PORT in one process.

    The management server starts first (probes see /readyz 503 "starting" until the runtime is
    up) and stops last (after the API server drained and the runtime stopped)."""
    host, port = settings.management_address
    management = _ManagementServer(
        uvicorn.Config(app.state.management, host=host, port=port, log_config=None, lifespan="off")
    )
    api = uvicorn.Server(
        uvicorn.Config(
            app,
            host=settings.http_host,
            port=settings.http_port,
            log_config=None,
            timeout_graceful_shutdown=int(settings.shutdown_grace_seconds),
        )
    )
    management_task = asyncio.create_task(management.serve(), name="management-server")
    try:
        await api.serve()
    finally:
        management.should_exit = True
        await management_task
