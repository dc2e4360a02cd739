"""schemathesis against every service's OpenAPI (issue 13, Acceptance): 0 responses 5xx.

Each service runs for real (uvicorn, a fresh schema of the real PostgreSQL, the real broker), its
live /openapi.json is loaded into schemathesis, and every operation gets a bounded, derandomized
number of generated requests (schema-valid and schema-invalid ones) with a bearer token carrying
all of the service's scopes. Every answer must be below 500, and every documented answer must
match its documented schema (schemathesis' `response_schema_conformance`). All failures of a
service are collected and reported together, one line per operation and kind.

The HTTP calls are synchronous (schemathesis and hypothesis drive them), so they run in a worker
thread while the test's event loop keeps serving the app.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core import NOT_SET
from schemathesis.core.failures import Failure, FailureGroup
from schemathesis.core.result import Ok
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from .harness import INSTALLED, service_scopes, started

pytestmark = pytest.mark.asyncio(loop_scope="session")

# Per operation and generation mode. Small on purpose: the suite runs on every change; the seed is
# fixed (derandomize), so a failure found once is found again.
MAX_EXAMPLES = 6
MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


@dataclass
class Findings:
    """First example of each (operation, kind of failure), and how often it happened."""

    first: dict[tuple[str, str], str] = field(default_factory=dict)
    count: dict[tuple[str, str], int] = field(default_factory=dict)
    calls: int = 0

    def add(self, operation: str, kind: str, example: str) -> None:
        key = (operation, kind)
        self.count[key] = self.count.get(key, 0) + 1
        self.first.setdefault(key, example)

    def report(self) -> str:
        return "\n".join(
            f"- {operation}: {kind} (x{self.count[(operation, kind)]})\n    {example}"
            for (operation, kind), example in sorted(self.first.items())
        )


def _describe(case: Any, response: Any) -> str:
    body = response.text if hasattr(response, "text") else ""
    sent = case.body if case.body is not NOT_SET else None
    return (
        f"{case.method} {case.formatted_path} query={case.query!r} body={sent!r}"[:600]
        + f" -> {response.status_code} {body[:300]!r}"
    )


def _failure_titles(exc: BaseException) -> list[str]:
    if isinstance(exc, FailureGroup):
        return [title for inner in exc.exceptions for title in _failure_titles(inner)]
    if isinstance(exc, Failure):
        return [f"{exc.title}: {exc.message}".replace("\n", " ")[:400]]
    return [f"{type(exc).__name__}: {exc}"[:400]]


def _probe(operation: Any, mode: GenerationMode, call: Any) -> None:
    """MAX_EXAMPLES generated cases of `operation` in `mode`, each handed to `call`."""

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case: Any) -> None:
        call(case)

    try:
        run()
    except Unsatisfiable:
        # Negative mode on an operation with nothing to break (no parameters, no body).
        if mode is not GenerationMode.NEGATIVE:
            raise


def exercise(document: dict[str, Any], base_url: str, token: str) -> Findings:
    """Every operation of `document`, MAX_EXAMPLES per mode; blocking (run it in a thread)."""
    schema = schemathesis.openapi.from_dict(document)
    findings = Findings()
    headers = {"Authorization": f"Bearer {token}"}
    session = requests.Session()
    for result in schema.get_all_operations():
        if not isinstance(result, Ok):
            findings.add("(schema)", "operation could not be loaded", str(result.err())[:400])
            continue
        operation = result.ok()
        label = f"{operation.method.upper()} {operation.path}"
        for mode in MODES:

            def call(case: Any, label: str = label, mode: GenerationMode = mode) -> None:
                response = case.call(base_url=base_url, session=session, headers=headers, timeout=30)
                findings.calls += 1
                if response.status_code >= 500:
                    findings.add(label, f"{response.status_code} ({mode.value})", _describe(case, response))
                try:
                    case.validate_response(
                        response, checks=[not_a_server_error, response_schema_conformance], headers=headers
                    )
                except (Failure, FailureGroup) as exc:
                    for title in _failure_titles(exc):
                        if title.startswith("Server error"):
                            continue  # counted above, with the status
                        findings.add(label, title, _describe(case, response))

            _probe(operation, mode, call)
    session.close()
    return findings


@pytest.mark.parametrize("name", INSTALLED)
async def test_no_5xx_and_documented_answers(
    name: str, service_db: Any, kafka_bootstrap_servers: str, tmp_path: Path
) -> None:
    async with started(
        name,
        database_url=service_db.dsn,
        schema=service_db.schema,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        auth_dir=tmp_path / "auth",
    ) as svc:
        async with httpx.AsyncClient(base_url=svc.base_url) as http:
            document = (await http.get("/openapi.json")).raise_for_status().json()
        scopes = service_scopes(svc.app)
        assert scopes, f"{name}: no route asks for a scope"
        token = svc.token(*scopes)
        findings = await asyncio.to_thread(exercise, document, svc.base_url, token)
    assert findings.calls > 0
    assert not findings.first, f"{name}: {findings.calls} calls\n{findings.report()}"
