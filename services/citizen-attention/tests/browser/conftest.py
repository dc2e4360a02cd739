"""The console's browser tests: Debian's Chromium (chasqui_testing.browser) against the service
running on the real broker and database, as the integration tests start it (`attention`)."""

from typing import Any

import pytest_asyncio
from chasqui_citizen_attention.main import build_definition
from chasqui_testing.browser import browser, page  # noqa: F401  (pytest fixtures)
from chasqui_testing.consumer_groups import pin_groups_at_end

from ..integration.conftest import attention  # noqa: F401  (pytest fixture)


@pytest_asyncio.fixture(loop_scope="session", autouse=True)
async def fresh_groups(service_db: Any, kafka_bootstrap_servers: str) -> None:
    """The service's consumer groups start at the topics' end (autouse: set before `attention`
    starts the service): the tests publish what they need; the broker's history is not read first."""
    definition = build_definition(consumer_name=f"citizen-attention-{service_db.schema}")
    await pin_groups_at_end(definition, kafka_bootstrap_servers, f"-{service_db.schema}")
