"""Pytest fixtures giving tests a real Kafka broker and a real PostgreSQL server."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, Protocol

import pytest
import pytest_asyncio
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from chasqui_common.kafka_security import KafkaSecurity

from . import stack
from .config import LocalConfig
from .roles import database_of, drop_service_schema, provision_service_roles

Source = Literal["env", "testcontainers", "local"]

# Images used only when a Docker engine answers. testcontainers' KafkaContainer drives the
# Confluent image's scripts; Confluent Platform 8.1 ships Apache Kafka 4.1, like the local stack.
KAFKA_IMAGE = "confluentinc/cp-kafka:8.1.0"
POSTGRES_IMAGE = "postgres:18"


class MakeTopic(Protocol):
    """The `unique_topic` factory's call signature."""

    def __call__(self, prefix: str = "t", partitions: int = 3) -> str: ...


@dataclass
class Infrastructure:
    """Where the test session's broker and database answer, and who provides them."""

    kafka_bootstrap_servers: str
    postgres_admin_dsn: str
    source: Source
    _cleanup: list[Callable[[], None]] = field(default_factory=list, repr=False)


@dataclass(frozen=True)
class ServiceDatabase:
    """A fresh schema owned by a fresh login role, and its DML-only runtime role.

    `dsn` logs in as the owner (it may migrate: what tests creating their own tables use);
    `runtime_dsn` as the runtime role `<role>_app` (a service in production: no DDL)."""

    dsn: str
    schema: str
    role: str
    runtime_dsn: str = ""
    runtime_role: str = ""

    @property
    def owner_dsn(self) -> str:
        return self.dsn


def pytest_configure(config: pytest.Config) -> None:
    """Tests run in the development profile (log transports allowed), as `make run` does;
    images and Kubernetes default to production."""
    os.environ.setdefault("CHASQUI_PROFILE", "development")


def docker_available(timeout_s: float = 3.0) -> bool:
    """True if testcontainers is installed and a Docker engine answers `docker info`."""
    try:
        import testcontainers  # noqa: F401
    except ImportError:
        return False
    if not os.environ.get("DOCKER_HOST") and not Path("/var/run/docker.sock").exists():
        return False
    docker = shutil.which("docker")
    if docker is None:
        return True  # a socket without the CLI: let testcontainers try it
    try:
        return (
            subprocess.run([docker, "info"], capture_output=True, timeout=timeout_s, check=False).returncode
            == 0
        )
    except (OSError, subprocess.TimeoutExpired):
        return False


def _from_testcontainers() -> Infrastructure:
    try:
        from testcontainers.community.kafka import KafkaContainer
        from testcontainers.community.postgres import PostgresContainer
    except ImportError:  # testcontainers before the community namespace
        from testcontainers.kafka import KafkaContainer
        from testcontainers.postgres import PostgresContainer

    kafka: Any = KafkaContainer(KAFKA_IMAGE).with_kraft()
    postgres: Any = PostgresContainer(POSTGRES_IMAGE, dbname="chasqui")
    kafka.start()
    try:
        postgres.start()
    except BaseException:
        kafka.stop()
        raise
    return Infrastructure(
        kafka_bootstrap_servers=str(kafka.get_bootstrap_server()),
        postgres_admin_dsn=str(postgres.get_connection_url(driver=None)),
        source="testcontainers",
        _cleanup=[postgres.stop, kafka.stop],
    )


@pytest_asyncio.fixture(loop_scope="session", scope="session")
async def infrastructure() -> AsyncIterator[Infrastructure]:
    """Env vars if set, else testcontainers if Docker answers, else the local processes."""
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS")
    dsn = os.environ.get("DATABASE_URL") or os.environ.get("DATABASE_ADMIN_URL")
    if bootstrap and dsn:
        yield Infrastructure(bootstrap, dsn, "env")
        return
    if await asyncio.to_thread(docker_available):
        infra = await asyncio.to_thread(_from_testcontainers)
        try:
            yield infra
        finally:
            for stop in infra._cleanup:
                with contextlib.suppress(Exception):
                    await asyncio.to_thread(stop)
        return
    config = LocalConfig.from_env()
    info = await stack.ensure_running(config, progress=lambda message: None)
    try:
        yield Infrastructure(info.kafka_bootstrap_servers, info.admin_dsn, "local")
    finally:
        # Leave a stack someone else started alone; stop only what this session started.
        if info.started:
            await asyncio.to_thread(stack.stop, config, only=info.started)


@pytest.fixture(scope="session")
def kafka_bootstrap_servers(infrastructure: Infrastructure) -> str:
    return infrastructure.kafka_bootstrap_servers


@pytest.fixture(scope="session")
def postgres_admin_dsn(infrastructure: Infrastructure) -> str:
    return infrastructure.postgres_admin_dsn


@pytest_asyncio.fixture(loop_scope="session")
async def service_db(postgres_admin_dsn: str) -> AsyncIterator[ServiceDatabase]:
    """A fresh schema, its owner login role (t_<8 hex>) and runtime role (t_<8 hex>_app), dropped
    after the test."""
    name = f"t_{uuid.uuid4().hex[:8]}"
    database = database_of(postgres_admin_dsn)
    roles = await provision_service_roles(
        postgres_admin_dsn, database=database, schema=name, role=name, password=f"{name}-pw"
    )
    try:
        yield ServiceDatabase(
            dsn=roles.owner_dsn,
            schema=name,
            role=name,
            runtime_dsn=roles.runtime_dsn,
            runtime_role=roles.runtime,
        )
    finally:
        await drop_service_schema(postgres_admin_dsn, schema=name, role=name, database=database)


async def _create_topic(bootstrap: str, name: str, partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **KafkaSecurity.from_env().client_options())
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name=name, num_partitions=partitions, replication_factor=1)])
        # Creation returns once the controller commits; wait until every partition has a leader.
        deadline = time.monotonic() + 15
        while True:
            described = await admin.describe_topics([name])
            found = described[0] if described else {}
            leaders = [p.get("leader", -1) for p in found.get("partitions", [])]
            if found.get("error_code") == 0 and len(leaders) == partitions and min(leaders) >= 0:
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"topic {name!r} has no leader for every partition: {found}")
            await asyncio.sleep(0.1)
    finally:
        await admin.close()


async def _delete_topics(bootstrap: str, names: list[str]) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **KafkaSecurity.from_env().client_options())
    await admin.start()
    try:
        await admin.delete_topics(names)
    finally:
        await admin.close()


def _run_in_own_loop(coroutine: Any) -> Any:
    # The factory is synchronous so it works in sync and async tests alike; an event loop may
    # already run on this thread, so the admin client gets its own loop on a worker thread.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


@pytest.fixture
def unique_topic(kafka_bootstrap_servers: str) -> Iterator[MakeTopic]:
    """Factory: make_topic(prefix="t", partitions=3) creates a fresh topic and returns its name."""
    created: list[str] = []

    def make_topic(prefix: str = "t", partitions: int = 3) -> str:
        name = f"{prefix}.{uuid.uuid4().hex[:12]}"
        _run_in_own_loop(_create_topic(kafka_bootstrap_servers, name, partitions))
        created.append(name)
        return name

    yield make_topic
    if created:
        with contextlib.suppress(Exception):
            _run_in_own_loop(_delete_topics(kafka_bootstrap_servers, created))
