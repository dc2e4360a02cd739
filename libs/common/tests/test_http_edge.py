"""Issue 13, items 9 and 10 at the HTTP edge, on a real uvicorn server: bodies over the limit get a
small 413 before parsing, echoed values are cut and masked, and every unhandled error becomes a
problem+json 500 with an error id while the connection stays usable."""

from __future__ import annotations

import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import FrozenInstanceError, dataclass
from pathlib import Path
from typing import Annotated, Any

import asyncpg
import httpx
import pytest
from chasqui_common.bootstrap import ServiceDefinition, create_app
from chasqui_common.errors import InvalidValue
from chasqui_common.http.limits import BodyLimit, install_body_limit
from chasqui_common.http.problems import UnhandledErrors, install_problem_handlers
from chasqui_common.settings import ServiceSettings
from chasqui_testing import serve_app
from fastapi import APIRouter, FastAPI, File, UploadFile
from pydantic import BaseModel, Field

MiB = 1024 * 1024


class Person(BaseModel):
    given_names: str = Field(max_length=40)
    document_number: str = Field(pattern=r"^\d{8}$")
    phone: str = Field(pattern=r"^\+51\d{9}$")
    email: str = Field(pattern=r"^[^@]+@[^@]+$", max_length=20)
    count: int = 0


class Note(BaseModel):
    text: str


@dataclass(frozen=True)
class FrozenFault(Exception):
    """An exception class that is a frozen dataclass (the issue's hidden-error trigger)."""

    field: str


@contextlib.contextmanager
def _step() -> Iterator[None]:
    yield


def _app(dsn: str | None = None) -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)
    install_body_limit(app, MiB)

    @app.post("/v1/persons", status_code=201)
    async def create(person: Person) -> dict[str, str]:
        return {"given_names": person.given_names}

    @app.post("/v1/persons/many", status_code=201)
    async def create_many(persons: list[Person]) -> dict[str, int]:
        return {"count": len(persons)}

    @app.post("/v1/big", max_body_size=3 * MiB)
    async def big(note: Note) -> dict[str, int]:
        return {"length": len(note.text)}

    @app.post("/v1/uploads")
    async def upload(file: Annotated[UploadFile, File()]) -> dict[str, int]:
        return {"size": len(await file.read())}

    @app.post("/v1/small-uploads", max_body_size=1000)
    async def small_upload(file: Annotated[UploadFile, File()]) -> dict[str, int]:
        return {"size": len(await file.read())}

    @app.get("/v1/boom")
    async def boom() -> dict[str, str]:
        raise RuntimeError("secret internals: password=hunter2")

    @app.get("/v1/frozen")
    async def frozen() -> dict[str, str]:
        with _step():
            raise FrozenFault("document.number")

    @app.get("/v1/frozen-domain")
    async def frozen_domain() -> dict[str, str]:
        class Hidden(InvalidValue):
            def __setattr__(self, name: str, value: Any) -> None:
                if name == "__traceback__":  # as a frozen dataclass would
                    raise FrozenInstanceError(f"cannot assign to field {name!r}")
                super().__setattr__(name, value)

        with _step():
            raise Hidden(
                "ubigeo is not an INEI district", field="ubigeo", value="090708", expected="INEI code"
            )

    @app.get("/v1/ok")
    async def ok() -> dict[str, str]:
        return {"status": "ok"}

    @app.post("/v1/notes", status_code=201)
    async def note(body: Note) -> dict[str, str]:
        assert dsn is not None
        conn = await asyncpg.connect(dsn)
        try:  # PostgreSQL refuses NUL in text: the handler fails as a naive one would
            await conn.fetchval("SELECT $1::text", body.text)
        finally:
            await conn.close()
        return {"text": body.text}

    return app


@pytest.fixture
async def server(service_db) -> AsyncIterator[str]:  # type: ignore[no-untyped-def]
    async with serve_app(_app(service_db.dsn)) as base_url:
        yield base_url


def _local_port(response: httpx.Response) -> Any:
    return response.extensions["network_stream"].get_extra_info("client_addr")


def _assert_small_problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"] == "application/problem+json"
    assert len(response.content) < 2000, f"{len(response.content)} bytes of problem document"
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    return body


async def test_a_20_mb_json_body_gets_a_small_413_quickly_and_the_connection_stays(server: str) -> None:
    huge = json.dumps({"given_names": "A" * (20 * MiB), "document_number": "45678321"}).encode()
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        started = time.monotonic()
        response = await client.post(
            "/v1/persons", content=huge, headers={"content-type": "application/json"}
        )
        elapsed = time.monotonic() - started
        body = _assert_small_problem(response, 413)
        assert body["type"] == "https://chasqui.pe/problems/body-too-large"
        assert body["max_bytes"] == MiB
        assert body["detail"] == "The request body has 20.0 MiB; this endpoint accepts at most 1.0 MiB."
        assert "AAAA" not in response.text
        assert "45678321" not in response.text
        assert elapsed < 5, f"413 took {elapsed:.1f}s"
        after = await client.get("/v1/ok")
        assert after.status_code == 200
        assert _local_port(after) == _local_port(response), "the connection was not kept"


async def test_a_chunked_body_over_the_limit_is_cut_off_while_it_streams(server: str) -> None:
    sent = 0

    async def chunks() -> AsyncIterator[bytes]:
        nonlocal sent
        yield b'{"text": "'
        for _ in range(64):  # 4 MiB, no Content-Length
            sent += 64 * 1024
            yield b"x" * (64 * 1024)
        yield b'"}'

    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        response = await client.post(
            "/v1/notes", content=chunks(), headers={"content-type": "application/json"}
        )
        body = _assert_small_problem(response, 413)
        assert body["max_bytes"] == MiB
        assert "content-length" not in response.request.headers
        assert (await client.get("/v1/ok")).status_code == 200


async def test_routes_may_declare_their_own_limit_and_uploads_are_not_bound_by_the_json_one(
    server: str,
) -> None:
    two_mib = "y" * (2 * MiB)
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        assert (await client.post("/v1/persons", json={"given_names": two_mib})).status_code == 413
        declared = await client.post("/v1/big", json={"text": two_mib})
        assert declared.status_code == 200, declared.text[:300]
        assert declared.json() == {"length": 2 * MiB}
        over_declared = await client.post("/v1/big", json={"text": two_mib * 2})
        assert _assert_small_problem(over_declared, 413)["max_bytes"] == 3 * MiB
        upload = await client.post("/v1/uploads", files={"file": ("h.csv", b"z" * (2 * MiB), "text/csv")})
        assert upload.status_code == 200, upload.text[:300]
        assert upload.json() == {"size": 2 * MiB}
        small = await client.post("/v1/small-uploads", files={"file": ("h.csv", b"z" * 5000, "text/csv")})
        assert _assert_small_problem(small, 413)["max_bytes"] == 1000


async def test_echoed_values_are_cut_and_personal_values_masked(server: str) -> None:
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        response = await client.post(
            "/v1/persons",
            json={
                "given_names": "Ana " * 5000,
                "document_number": "4567832X1",
                "phone": "987654321",
                "email": "ana.maria.quispe.huaman@example.pe",
                "count": "llámame al 987 654 321",
            },
        )
    body = _assert_small_problem(response, 422)
    errors = {error["field"]: error for error in body["errors"]}
    assert errors["given_names"]["value"].endswith("…")
    assert len(errors["given_names"]["value"]) == 101
    assert errors["document_number"]["value"] == "***2X1"
    assert errors["phone"]["value"] == "***321"
    assert errors["email"]["value"] == "***.pe"
    assert errors["count"]["value"] == "llámame al ***321"
    for secret in ("4567832X1", "987654321", "987 654 321", "ana.maria", "Ana " * 30):
        assert secret not in response.text


async def test_a_thousand_bad_items_list_fifty_errors_and_count_the_rest(server: str) -> None:
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        response = await client.post("/v1/persons/many", json=[{"given_names": "x"}] * 1000)
    assert response.status_code == 422
    body = response.json()
    assert len(body["errors"]) == 50
    assert body["more_errors"] == 3000 - 50  # three missing fields per item
    assert len(response.content) < 20_000


async def test_nan_and_lone_surrogates_are_answered_422_not_500(server: str) -> None:
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        for raw in (b'{"text": NaN}', b'{"text": "\\ud800"}', b'{"text": ["\\udfff"]}'):
            response = await client.post("/v1/big", content=raw, headers={"content-type": "application/json"})
            assert response.status_code in {200, 422}, (raw, response.status_code, response.text[:300])
            assert response.headers["content-type"].startswith("application/")


async def test_an_unhandled_error_is_a_500_problem_with_an_error_id_and_the_connection_stays(
    server: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        with caplog.at_level(logging.ERROR, logger="chasqui_common.http.problems"):
            response = await client.get("/v1/boom")
        body = _assert_small_problem(response, 500)
        assert body["type"] == "https://chasqui.pe/problems/internal-error"
        error_id = body["error_id"]
        uuid.UUID(error_id)
        assert response.headers["x-error-id"] == error_id
        assert error_id in body["detail"]
        assert "secret" not in response.text
        assert "RuntimeError" not in response.text
        assert "Traceback" not in response.text
        logged = [record for record in caplog.records if error_id in record.getMessage()]
        assert logged, "the error id is not in the log"
        assert logged[0].exc_info is not None
        assert "hunter2" in str(logged[0].exc_info[1])
        again = await client.get("/v1/ok")
        assert again.status_code == 200
        assert _local_port(again) == _local_port(response), "the connection was dropped after the 500"


async def test_a_frozen_dataclass_exception_is_a_500_naming_the_real_cause_in_the_log(
    server: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        with caplog.at_level(logging.ERROR, logger="chasqui_common.http.problems"):
            response = await client.get("/v1/frozen")
        error_id = _assert_small_problem(response, 500)["error_id"]
        [logged] = [record for record in caplog.records if error_id in record.getMessage()]
        assert "FrozenFault" in logged.getMessage()
        assert logged.exc_info is not None
        assert isinstance(logged.exc_info[1], FrozenFault)
        hidden = await client.get("/v1/frozen-domain")  # a DomainError behind FrozenInstanceError
        body = _assert_small_problem(hidden, 422)
        assert body["errors"] == [{"field": "ubigeo", "value": "090708", "expected": "INEI code"}]


async def test_a_nul_reaching_a_naive_handler_is_a_500_problem_not_a_dropped_connection(server: str) -> None:
    async with httpx.AsyncClient(base_url=server, timeout=30) as client:
        response = await client.post("/v1/notes", json={"text": "Ana\u0000Maria"})
        body = _assert_small_problem(response, 500)
        uuid.UUID(body["error_id"])
        assert "Ana" not in response.text
        again = await client.post("/v1/notes", json={"text": "Ana Maria"})
        assert again.status_code == 201
        assert _local_port(again) == _local_port(response)


def test_create_app_installs_the_body_limit_and_the_500_handling(tmp_path: Path) -> None:
    router = APIRouter()
    definition = ServiceDefinition(name="edge-test", title="Edge", migrations=None, routers=[router])
    app = create_app(definition, ServiceSettings(http_max_body_bytes=12345))
    installed = {middleware.cls: middleware.kwargs for middleware in app.user_middleware}
    assert installed[BodyLimit]["max_bytes"] == 12345
    assert UnhandledErrors in installed
    assert ServiceSettings().http_max_body_bytes == MiB
