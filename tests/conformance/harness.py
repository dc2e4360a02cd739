"""What the conformance tests share: every service started for real, and a token with all its scopes.

The services are the ones `chasqui-openapi` exports (`chasqui_cli.openapi_export.SERVICES`); each is
started with `chasqui_testing.running_service` on a fresh schema of the real PostgreSQL and the
real broker, with its own settings class. Its consumer groups are new to the test and are pinned
at the end of the topics they read first: the shared topics' history is other tests' business.
"""

from __future__ import annotations

import contextlib
import importlib
import inspect
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from chasqui_cli.openapi_export import SERVICES, service_definition
from chasqui_common.settings import ServiceSettings
from chasqui_testing import RunningService, running_service
from chasqui_testing.consumer_groups import pin_groups_at_end

INSTALLED = tuple(name for name in SERVICES if service_definition(name) is not None)

# Per service: settings that keep background work out of the way of the requests under test.
QUIET_SETTINGS: dict[str, dict[str, Any]] = {
    "migrant-services": {"expiry_watch_interval_seconds": 0},
    "dci-gateway": {"callback_poll_interval": 0},  # no callback is sent (their receivers are fake)
    "citizen-attention": {"referral_watch_interval_seconds": 0},
}


def settings_class(name: str) -> type[ServiceSettings]:
    """The service's own ServiceSettings subclass (`chasqui_<svc>.settings`), else the shared one."""
    try:
        module = importlib.import_module(f"chasqui_{name.replace('-', '_')}.settings")
    except ModuleNotFoundError:
        return ServiceSettings
    found = [
        value
        for value in vars(module).values()
        if inspect.isclass(value)
        and issubclass(value, ServiceSettings)
        and value is not ServiceSettings
        and value.__module__ == module.__name__
    ]
    return found[0] if found else ServiceSettings


def service_scopes(app: Any) -> list[str]:
    """Every scope any route of `app` asks for (its `require_scopes(...)` dependencies), found in
    the routes, the included routers and their dependencies."""
    scopes: set[str] = set()
    seen: set[int] = set()

    def visit_call(call: Any) -> None:
        if getattr(call, "__qualname__", "").startswith("require_scopes."):
            scopes.update(inspect.getclosurevars(call).nonlocals.get("scopes", ()))

    def visit(node: Any) -> None:
        if node is None or id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, list | tuple):
            for item in node:
                visit(item)
            return
        visit_call(getattr(node, "call", None))  # a Dependant
        visit_call(getattr(node, "dependency", None))  # a Depends
        for attribute in ("dependant", "dependencies", "routes", "original_router", "include_context"):
            child = getattr(node, attribute, None)
            if child is not None and not inspect.isroutine(child):
                visit(child)

    visit(list(app.routes))
    return sorted(scopes)


@contextlib.asynccontextmanager
async def started(
    name: str, *, database_url: str, schema: str, kafka_bootstrap_servers: str, auth_dir: Path
) -> AsyncIterator[RunningService]:
    """`name` running under uvicorn on `schema`, as production runs it."""
    definition = service_definition(name)
    assert definition is not None, f"{name} is not installed"
    suffix = f"-{schema}"
    await pin_groups_at_end(definition, kafka_bootstrap_servers, suffix)
    async with running_service(
        definition,
        database_url=database_url,
        schema=schema,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        auth_dir=auth_dir,
        settings_class=settings_class(name),
        consumer_group_suffix=suffix,
        log_json=False,
        log_level="WARNING",
        **QUIET_SETTINGS.get(name, {}),
    ) as svc:
        yield svc
