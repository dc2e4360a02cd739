"""The employment service running on a fresh schema of the real Postgres, against the real Kafka."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest_asyncio
from chasqui_employment_matching.main import DEFINITION
from chasqui_testing import RunningService, running_service


@pytest_asyncio.fixture(loop_scope="session")
async def service(service_db, kafka_bootstrap_servers: str, tmp_path: Path) -> AsyncIterator[RunningService]:  # type: ignore[no-untyped-def]
    """The service without its consumer: migrants.cases is shared by every test (and engineer) in a
    run, and referrals arriving from elsewhere would add job seekers to exact expectations."""
    async with running_service(
        replace(DEFINITION, consumers=[]),
        database_url=service_db.dsn,
        schema=service_db.schema,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        auth_dir=tmp_path / "auth",
    ) as running:
        yield running


@pytest_asyncio.fixture(loop_scope="session")
async def service_with_consumer(
    service_db, kafka_bootstrap_servers: str, tmp_path: Path
) -> AsyncIterator[RunningService]:  # type: ignore[no-untyped-def]
    """The service as deployed, consuming migrant referrals."""
    async with running_service(
        DEFINITION,
        database_url=service_db.dsn,
        schema=service_db.schema,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        auth_dir=tmp_path / "auth",
    ) as running:
        yield running
