"""One trace across services: a registry API request, the outbox, Kafka, eligibility and notifications.

The three services run as separate processes on their own platform (fresh Kafka, PostgreSQL, ports)
and export spans over OTLP/HTTP to a receiver in this test; the test reads the exported spans.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from chasqui_common.auth.devtokens import issue_token
from chasqui_local.config import find_repo_root
from chasqui_testing.ports import free_ports, free_service_port_base
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

CLI = Path(sys.executable).parent / "chasqui-local"
TRACED = ("registry", "eligibility", "notifications")

pytestmark = [
    pytest.mark.timeout(300),
    pytest.mark.skipif(
        not all((Path(sys.executable).parent / f"chasqui-{name}").exists() for name in TRACED),
        reason="registry, eligibility and notifications are not installed (run `make setup`)",
    ),
]


class SpanReceiver:
    """A minimal OTLP/HTTP traces endpoint that keeps (service.name, trace id, span name)."""

    def __init__(self) -> None:
        self.spans: list[tuple[str, str, str]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                request = ExportTraceServiceRequest()
                request.ParseFromString(body)
                for resource_spans in request.resource_spans:
                    attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
                    service = attributes.get("service.name", "?")
                    for scope in resource_spans.scope_spans:
                        for span in scope.spans:
                            receiver.spans.append((service, span.trace_id.hex(), span.name))
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.end_headers()

            def log_message(self, *_: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def traced_platform(tmp_path: Path) -> Iterator[tuple[dict[str, str], SpanReceiver, Path]]:
    receiver = SpanReceiver()
    state = tmp_path / "local"
    state.mkdir()
    root = find_repo_root()
    if root is not None:
        cached = root / ".local" / "jars"
        cached.mkdir(parents=True, exist_ok=True)
        (state / "jars").symlink_to(cached, target_is_directory=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("KAFKA_BOOTSTRAP_SERVERS", "DATABASE_URL", "DATABASE_ADMIN_URL", "AUTH_JWKS_FILE")
    }
    kafka, controller, postgres = free_ports(3)
    env.update(
        CHASQUI_LOCAL_DIR=str(state),
        CHASQUI_KAFKA_PORT=str(kafka),
        CHASQUI_KAFKA_CONTROLLER_PORT=str(controller),
        CHASQUI_PG_PORT=str(postgres),
        CHASQUI_SERVICE_PORT_BASE=str(free_service_port_base()),
        OTEL_EXPORTER_OTLP_ENDPOINT=receiver.url,
        OTEL_BSP_SCHEDULE_DELAY="200",
    )
    try:
        yield env, receiver, state
    finally:
        subprocess.run([str(CLI), "down"], env=env, capture_output=True, timeout=180, check=False)
        receiver.server.shutdown()


def _household() -> dict[str, object]:
    today = date.today()
    return {
        "ubigeo": "150142",
        "address": "Sector 3, Grupo 12, Mz. B Lt. 7",
        "residence_since": "2010-01-01",
        "registering_unit": "ULE-150142",
        "classification": {
            "level": "POBRE_EXTREMO",
            "valid_from": f"{today.year - 1}-01-01",
            "valid_until": f"{today.year + 2}-01-01",
            "source": "ULE",
        },
        "members": [
            {
                "document": {"type": "DNI", "number": "41835127"},
                "given_names": "Teodora",
                "paternal_surname": "Mamani",
                "maternal_surname": "Ccori",
                "birth_date": f"{today.year - 72}-02-11",
                "sex": "F",
                "relationship": "HEAD",
                "pension": "none",
                "contact": {
                    "phone": None,
                    "email": "teodora.mamani@example.pe",
                    "consent": {"sms": False, "email": True, "whatsapp": False},
                },
            }
        ],
    }


def test_one_trace_id_spans_registry_eligibility_and_notifications(traced_platform) -> None:  # type: ignore[no-untyped-def]
    env, receiver, state = traced_platform
    up = subprocess.run([str(CLI), "up"], env=env, capture_output=True, text=True, timeout=240, check=False)
    assert up.returncode == 0, up.stderr[-3000:]
    token = issue_token(state / "auth", subject="trace-test", scopes=["registry:write"])
    registry = f"http://127.0.0.1:{int(env['CHASQUI_SERVICE_PORT_BASE']) + 1}"
    response = httpx.post(
        f"{registry}/v1/households",
        json=_household(),
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text

    def trace_of_request() -> str | None:
        for service, trace_id, name in receiver.spans:
            if service == "chasqui-registry" and name.startswith("POST /v1/households"):
                return trace_id
        return None

    deadline = time.monotonic() + 90
    while True:
        trace_id = trace_of_request()
        services = {s for s, t, _ in receiver.spans if t == trace_id} if trace_id else set()
        # Notifications also consumes registry.households: wait for its decision.changed span too.
        decided = any(
            s == "chasqui-notifications" and "eligibility.decision.changed" in n
            for s, t, n in receiver.spans
            if t == trace_id
        )
        if {"chasqui-registry", "chasqui-eligibility", "chasqui-notifications"} <= services and decided:
            break
        assert time.monotonic() < deadline, (
            f"trace {trace_id} reached only {sorted(services)}; spans: "
            + json.dumps(sorted({(s, n) for s, _, n in receiver.spans}))[:3000]
        )
        time.sleep(0.5)
    names = {(s, n) for s, t, n in receiver.spans if t == trace_id}
    assert ("chasqui-eligibility", "pe.chasqui.registry.household.registered.v1 process") in names
    assert any(s == "chasqui-notifications" and "eligibility.decision.changed" in n for s, n in names), names
