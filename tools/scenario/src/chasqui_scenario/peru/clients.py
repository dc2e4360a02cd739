"""HTTP clients for the five services, with a token each, that turn failures into ScenarioError.

A failure names the service, the request, what it answered and the service's log file (with its
last lines), so `chasqui-scenario run` can stop with a message an operator can act on.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AsyncExitStack
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx
from chasqui_common.auth.devtokens import issue_token
from chasqui_local import services
from chasqui_local.config import LocalConfig
from chasqui_local.errors import StackError
from chasqui_local.processes import tail

# The scope prefix each service checks (`require_scopes` in its api): not always the service's name.
SCOPE_PREFIXES: Mapping[str, str] = {
    "registry": "registry",
    "eligibility": "eligibility",
    "employment-matching": "employment",
    "migrant-services": "migrants",
    "notifications": "notifications",
    "citizen-attention": "attention",
}
# Scopes the scenario needs per service: write for what it does, read for what it reports.
SCOPES: Mapping[str, tuple[str, ...]] = {
    **{name: (f"{prefix}:read", f"{prefix}:write") for name, prefix in SCOPE_PREFIXES.items()},
    # The DCI gateway speaks the DCI standard's operations, not read/write.
    "dci-gateway": ("dci:search", "dci:admin"),
    # The attention day plays the DEMUNA's clerks too (peru.attention_day).
    "citizen-attention": ("attention:read", "attention:write", "attention:demuna"),
}
TIMEOUT = httpx.Timeout(60.0, connect=5.0)


class ScenarioError(StackError):
    """The scenario could not go on; the message names the service and its log file."""


@dataclass(frozen=True)
class ServiceClient:
    """One service's base URL and log, and an httpx client carrying a valid bearer token."""

    name: str
    log: Path
    http: httpx.AsyncClient

    def failure(self, what: str) -> ScenarioError:
        last = tail(self.log, lines=8)
        return ScenarioError(f"{self.name}: {what}; its log is {self.log}:\n{last}")

    async def call(self, method: str, path: str, *, expect: tuple[int, ...] = (), **kwargs: Any) -> Any:
        """Send a request; 2xx (or a status in `expect`) returns the JSON body, anything else raises."""
        try:
            response = await self.http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise self.failure(f"{method} {path} got no answer ({type(exc).__name__}: {exc})") from None
        if response.is_success or response.status_code in expect:
            return response.json() if response.content else None
        raise self.failure(f"{method} {path} answered {response.status_code}: {_short(response.text)}")

    async def get(self, path: str, **kwargs: Any) -> Any:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, **kwargs: Any) -> Any:
        return await self.call("POST", path, **kwargs)

    async def put(self, path: str, **kwargs: Any) -> Any:
        return await self.call("PUT", path, **kwargs)


def _short(text: str, limit: int = 600) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


class Platform:
    """The five clients, opened together: `async with Platform(config) as p: await p.registry.get(...)`."""

    def __init__(self, config: LocalConfig) -> None:
        self.config = config
        self._stack = AsyncExitStack()
        self._clients: dict[str, ServiceClient] = {}

    async def __aenter__(self) -> Platform:
        auth_dir = self.config.state_dir / "auth"
        for spec in services.specs(self.config):
            token = issue_token(
                auth_dir, subject="chasqui-local-scenario", scopes=list(SCOPES[spec.name]), ttl_seconds=3600
            )
            log = services.log_path(self.config, spec.name)
            http = httpx.AsyncClient(
                base_url=spec.base_url,
                headers={"Authorization": f"Bearer {token}"},
                timeout=TIMEOUT,
                event_hooks={"response": [_server_error_hook(spec.name, log)]},
            )
            await self._stack.enter_async_context(http)
            self._clients[spec.name] = ServiceClient(spec.name, log, http)
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self._stack.aclose()

    def __getitem__(self, name: str) -> ServiceClient:
        return self._clients[name]

    @property
    def registry(self) -> ServiceClient:
        return self._clients["registry"]

    @property
    def eligibility(self) -> ServiceClient:
        return self._clients["eligibility"]

    @property
    def employment(self) -> ServiceClient:
        return self._clients["employment-matching"]

    @property
    def migrants(self) -> ServiceClient:
        return self._clients["migrant-services"]

    @property
    def notifications(self) -> ServiceClient:
        return self._clients["notifications"]


def _server_error_hook(name: str, log: Path) -> Any:
    """A 5xx from any call, including code that uses the raw httpx client, names the service."""

    async def hook(response: httpx.Response) -> None:
        if response.status_code >= 500:
            await response.aread()
            request = response.request
            last = tail(log, lines=8)
            raise ScenarioError(
                f"{name}: {request.method} {request.url.path} answered {response.status_code}: "
                f"{_short(response.text)}; its log is {log}:\n{last}"
            )

    return hook
