"""Starts, stops and reports the local Kafka + PostgreSQL pair as one stack."""

from __future__ import annotations

import asyncio
import shlex
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from chasqui_common.kafka_security import PLAINTEXT

from . import kafka as kafka_nodes
from . import kafka_secure
from .config import LocalConfig
from .errors import StackError
from .kafka import KafkaProcess
from .kafka import probe as probe_kafka
from .postgres import DATABASE, PostgresProcess, admin_dsn
from .postgres import probe as probe_postgres
from .roles import provision_service_roles

# Schema == owner role name, the runtime role is "<name>_app"; the passwords are "<name>-dev" and
# "<name>-dev-app" (local development only).
SERVICE_ROLES = (
    "registry",
    "eligibility",
    "employment_matching",
    "migrant_services",
    "notifications",
    "dci_gateway",
    "citizen_attention",
)

Progress = Callable[[str], None]


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def dev_password(service: str) -> str:
    return f"{service}-dev"


@dataclass(frozen=True)
class ComponentStatus:
    name: str
    running: bool
    pid: int | None
    port: int
    log: Path


@dataclass(frozen=True)
class StackInfo:
    """Where the running stack answers, and what this call had to start."""

    kafka_bootstrap_servers: str
    admin_dsn: str
    started: tuple[str, ...] = ()
    service_dsns: dict[str, str] = field(default_factory=dict)
    """Per service, the runtime (DML-only) role's DSN: what the service serves with."""
    migration_dsns: dict[str, str] = field(default_factory=dict)
    """Per service, the schema owner's DSN: what applies its migrations (DATABASE_MIGRATION_URL)."""


async def ensure_running(
    config: LocalConfig | None = None,
    *,
    progress: Progress = _stderr,
    provision_services: bool = True,
) -> StackInfo:
    """Start whatever is not running, wait until both answer, create the database and roles.

    Idempotent: a healthy running stack is left alone (StackInfo.started is then empty).
    On failure, components this call started are stopped again and a StackError is raised.
    """
    cfg = config or LocalConfig.from_env()
    brokers, postgres = kafka_nodes.nodes(cfg), PostgresProcess(cfg)
    broker_pids: dict[str, int | None] = {broker.name: broker.pid() for broker in brokers}
    pg_pid = postgres.pid()

    # Cheap checks for every component first, so nothing starts if one cannot.
    for broker in brokers:
        if broker_pids[broker.name] is None:
            await asyncio.to_thread(broker.preflight)
    if pg_pid is None:
        await asyncio.to_thread(postgres.preflight)

    started: list[str] = []
    try:
        cluster: str | None = None
        for broker in brokers:
            if broker_pids[broker.name] is not None:
                continue
            if broker.clustered and cluster is None:
                jars = await asyncio.to_thread(kafka_nodes.fetch_jars, cfg, progress)
                cluster = await asyncio.to_thread(kafka_nodes.shared_cluster_id, cfg, jars)
            jars = await asyncio.to_thread(broker.prepare, progress, cluster=cluster)
            pid = broker.launch(jars)
            broker_pids[broker.name] = pid
            started.append(broker.name)
            progress(f"{broker.name}: started (pid {pid}), waiting for it to answer")
        if pg_pid is None:
            await asyncio.to_thread(postgres.prepare)
            pg_pid = postgres.launch()
            started.append(postgres.name)
            progress(f"postgres: started (pid {pg_pid}), waiting for it to answer")
        waits = [
            broker.wait_ready(known) for broker in brokers if (known := broker_pids[broker.name]) is not None
        ]
        await asyncio.gather(*waits, postgres.wait_ready(pg_pid))
        if len(brokers) > 1:
            await kafka_nodes.wait_for_brokers(cfg)
        if cfg.kafka_secure:
            # Every start (and every `ensure_running` of a running stack) re-reads the manifests.
            jars = await asyncio.to_thread(kafka_nodes.fetch_jars, cfg, progress)
            await kafka_secure.provision(cfg, jars, brokers[0].log_path, progress)
        await postgres.ensure_database(DATABASE)
        dsns: dict[str, str] = {}
        migration_dsns: dict[str, str] = {}
        if provision_services:
            dsn = admin_dsn(cfg)
            for service in SERVICE_ROLES:
                roles = await provision_service_roles(
                    dsn,
                    database=DATABASE,
                    schema=service,
                    role=service,
                    password=dev_password(service),
                )
                dsns[service] = roles.runtime_dsn
                migration_dsns[service] = roles.owner_dsn
    except BaseException:
        components: list[KafkaProcess | PostgresProcess] = [*brokers, postgres]
        for component in components:
            if component.name in started:
                await asyncio.to_thread(component.stop)
        raise
    if not started:
        progress("kafka and postgres were already running and healthy")
    return StackInfo(
        kafka_bootstrap_servers=cfg.kafka_bootstrap_servers,
        admin_dsn=admin_dsn(cfg),
        started=tuple(started),
        service_dsns=dsns,
        migration_dsns=migration_dsns,
    )


def stop(config: LocalConfig | None = None, *, only: Iterable[str] | None = None) -> list[str]:
    """Stop the components (all, or those named in `only`): graceful, then forced.

    Returns the names of those that were running.
    """
    cfg = config or LocalConfig.from_env()
    wanted = None if only is None else set(only)
    stopped = []
    components: list[KafkaProcess | PostgresProcess] = [*kafka_nodes.all_layouts(cfg), PostgresProcess(cfg)]
    for component in components:
        family = component.name.split("-")[0]  # kafka-2 is stopped with `kafka`
        if wanted is not None and component.name not in wanted and family not in wanted:
            continue
        if component.stop():
            stopped.append(component.name)
    return stopped


def status(config: LocalConfig | None = None) -> list[ComponentStatus]:
    cfg = config or LocalConfig.from_env()
    result = []
    components: list[KafkaProcess | PostgresProcess] = [*kafka_nodes.nodes(cfg), PostgresProcess(cfg)]
    for component in components:
        pid = component.pid()
        result.append(
            ComponentStatus(
                name=component.name,
                running=pid is not None,
                pid=pid,
                port=component.port,
                log=component.log_path,
            )
        )
    return result


async def healthy(config: LocalConfig | None = None) -> bool:
    """True if both components run and answer now."""
    cfg = config or LocalConfig.from_env()
    if not all(s.running for s in status(cfg)):
        return False
    security = kafka_secure.ADMIN if cfg.kafka_secure else PLAINTEXT
    kafka_up = await probe_kafka(cfg.kafka_bootstrap_servers, security=security)
    return kafka_up and await probe_postgres(admin_dsn(cfg, "postgres"))


def env_lines(config: LocalConfig | None = None, *, export: bool = False) -> list[str]:
    cfg = config or LocalConfig.from_env()
    prefix = "export " if export else ""
    lines = [
        f"{prefix}KAFKA_BOOTSTRAP_SERVERS={cfg.kafka_bootstrap_servers}",
        f"{prefix}DATABASE_ADMIN_URL={admin_dsn(cfg)}",
    ]
    if cfg.kafka_secure:
        # Tooling (CLI, scenario, tests) connects as the super user; services get their own principal.
        lines += [f"{prefix}{name}={shlex.quote(value)}" for name, value in kafka_secure.ADMIN.env().items()]
        lines.append(f"{prefix}CHASQUI_KAFKA_CREDENTIALS={kafka_secure.credentials_path(cfg)}")
        # `chasqui dlq replay` re-publishes as its own principal, as in Kubernetes.
        for user in kafka_secure.read_manifests(cfg).users:
            if user.role == "replayer":
                lines.append(f"{prefix}CHASQUI_REPLAYER_SASL_USERNAME={user.name}")
                lines.append(
                    f"{prefix}CHASQUI_REPLAYER_SASL_PASSWORD={shlex.quote(kafka_secure.dev_password(user.name))}"
                )
    return lines


__all__ = [
    "SERVICE_ROLES",
    "ComponentStatus",
    "StackError",
    "StackInfo",
    "dev_password",
    "ensure_running",
    "env_lines",
    "healthy",
    "status",
    "stop",
]
