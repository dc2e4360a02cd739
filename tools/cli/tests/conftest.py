"""Fixtures for the CLI tests: a private event catalogue on a fresh topic (with its DLQ), a database
schema with the outbox and inbox tables, and a helper that runs `chasqui` as a real process."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import asyncpg
import pytest
import pytest_asyncio
from chasqui_common.messaging.sink import ProducerSink
from chasqui_testing import ParcelContract, parcel_contract, plumbed_pool, started_sink

Contract = ParcelContract


@dataclass(frozen=True)
class CliResult:
    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        assert self.code == 0, f"chasqui failed ({self.code}): {self.stderr}"
        return json.loads(self.stdout)


@dataclass(frozen=True)
class Cli:
    """Runs `python -m chasqui_cli ARGS` against the test session's Kafka and Postgres."""

    env: dict[str, str]

    async def __call__(self, *args: str, stdin: str | None = None, **env: str) -> CliResult:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "chasqui_cli",
            *args,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={**self.env, **env},
        )
        out, err = await asyncio.wait_for(process.communicate(stdin.encode() if stdin else b""), 120)
        assert process.returncode is not None
        return CliResult(process.returncode, out.decode(), err.decode())


@pytest.fixture
def cli(kafka_bootstrap_servers: str, postgres_admin_dsn: str) -> Cli:
    env = dict(os.environ)
    env.update(
        KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap_servers,
        DATABASE_ADMIN_URL=postgres_admin_dsn,
        COLUMNS="200",
    )
    env.pop("CHASQUI_DEBUG", None)
    return Cli(env)


@pytest_asyncio.fixture(loop_scope="session")
async def contract(unique_topic, kafka_bootstrap_servers: str) -> AsyncIterator[Contract]:  # type: ignore[no-untyped-def]
    """A catalogue with one event type on a fresh 2-partition topic, its DLQ created too (and
    deleted afterwards; `unique_topic` deletes the topic itself)."""
    async with parcel_contract(kafka_bootstrap_servers, unique_topic("cli", partitions=2)) as contract:
        yield contract


@pytest_asyncio.fixture(loop_scope="session")
async def pool(service_db) -> AsyncIterator[asyncpg.Pool]:  # type: ignore[no-untyped-def]
    """A pool on a fresh service schema with the shared outbox and inbox tables."""
    async with plumbed_pool(service_db.dsn, service_db.schema, max_size=4) as pool:
        yield pool


@pytest_asyncio.fixture(loop_scope="session")
async def sink(kafka_bootstrap_servers: str) -> AsyncIterator[ProducerSink]:
    """An idempotent producer sink, as the relay and the dead letters use."""
    async with started_sink(kafka_bootstrap_servers) as sink:
        yield sink
