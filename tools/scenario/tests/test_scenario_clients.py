"""A service failing during the scenario stops it with a message naming the service and its log."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from chasqui_scenario.peru.clients import ScenarioError, ServiceClient, _server_error_hook


class _Broken(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 503 if self.path.startswith("/v1/broken") else 404
        body = b'{"title": "database unavailable"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/problem+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Broken)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()


async def test_a_5xx_names_the_service_the_request_and_the_log_with_its_last_lines(
    server: str, tmp_path: Path
) -> None:
    log = tmp_path / "eligibility.log"
    log.write_text('{"event": "pool closed", "level": "error"}\n')
    async with httpx.AsyncClient(
        base_url=server, event_hooks={"response": [_server_error_hook("eligibility", log)]}
    ) as http:
        client = ServiceClient("eligibility", log, http)
        with pytest.raises(ScenarioError) as caught:
            await client.get("/v1/broken")
    message = str(caught.value)
    assert message.startswith("eligibility: GET /v1/broken answered 503")
    assert str(log) in message
    assert "pool closed" in message


async def test_an_unexpected_4xx_and_no_answer_name_the_service_too(server: str, tmp_path: Path) -> None:
    log = tmp_path / "registry.log"
    async with httpx.AsyncClient(base_url=server) as http:
        client = ServiceClient("registry", log, http)
        with pytest.raises(ScenarioError, match=r"^registry: GET /v1/households/x answered 404"):
            await client.get("/v1/households/x")
        assert await client.get("/v1/households/x", expect=(404,)) == {"title": "database unavailable"}
    async with httpx.AsyncClient(base_url="http://127.0.0.1:9") as http:
        client = ServiceClient("registry", log, http)
        with pytest.raises(ScenarioError) as caught:
            await client.post("/v1/imports")
    assert "registry: POST /v1/imports got no answer" in str(caught.value)
    assert str(log) in str(caught.value)
