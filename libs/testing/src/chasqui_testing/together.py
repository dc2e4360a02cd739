"""Several services running together for a cross-service test, each on a fresh schema and role of
its own, on the real broker and database.

Every service's consumer groups are placed at the end of their topics before any service starts:
the shared topics hold every earlier test's events, which are not this test's business, and an
event one service publishes during the test is then read by the others from where they started.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from chasqui_local.roles import database_of, drop_service_schema, provision_service_schema

from chasqui_testing import RunningService, running_service
from chasqui_testing.consumer_groups import pin_groups_at_end

T = TypeVar("T")

ServicePlan = tuple[str, Any, dict[str, Any]]
"""(name, ServiceDefinition, keyword arguments for `running_service`, e.g. settings_class, clock)."""


@dataclass(frozen=True)
class Together:
    services: dict[str, RunningService]
    schemas: dict[str, str]
    """Each service's schema (and role) name."""


@contextlib.asynccontextmanager
async def services_together(
    admin_dsn: str, bootstrap: str, auth_dir: Path, plan: Sequence[ServicePlan]
) -> AsyncIterator[Together]:
    """Start each service of `plan` in order (groups pinned first); stop them and drop their schemas
    and roles afterwards."""
    database = database_of(admin_dsn)
    schemas = {name: f"t_{uuid.uuid4().hex[:8]}" for name, _, _ in plan}
    try:
        async with contextlib.AsyncExitStack() as stack:
            for name, definition, _ in plan:
                await pin_groups_at_end(definition, bootstrap, f"-{schemas[name]}")
            services: dict[str, RunningService] = {}
            for name, definition, settings in plan:
                schema = schemas[name]
                dsn = await provision_service_schema(
                    admin_dsn, database=database, schema=schema, role=schema, password=f"{schema}-pw"
                )
                services[name] = await stack.enter_async_context(
                    running_service(
                        definition,
                        database_url=dsn,
                        schema=schema,
                        kafka_bootstrap_servers=bootstrap,
                        auth_dir=auth_dir,
                        **settings,
                    )
                )
            yield Together(services, schemas)
    finally:
        for schema in schemas.values():
            await drop_service_schema(admin_dsn, schema=schema, role=schema, database=database)


async def until(
    what: str, probe: Callable[[], Awaitable[T]], timeout: float = 90, interval: float = 0.3
) -> T:
    """Await `probe()` every `interval` seconds until it returns something truthy, and return it;
    AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not (found := await probe()):
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(interval)
    return found
