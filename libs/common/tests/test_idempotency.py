"""Idempotency-Key on the real database: one effect per key, the first answer replayed, 422 for
another request, 409 while in flight, errors not stored, keys per client and expiring."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import pytest_asyncio
from chasqui_common.application.unit_of_work import UnitOfWork
from chasqui_common.auth import Principal, require_scopes
from chasqui_common.bootstrap import IdempotentUseCases, ServiceDefinition
from chasqui_common.clock import FixedClock
from chasqui_common.errors import Conflict
from chasqui_common.http.idempotency import parse_key, purge_expired
from chasqui_testing import RunningService, running_service
from fastapi import APIRouter, Depends, Response
from pydantic import BaseModel

pytestmark = pytest.mark.asyncio(loop_scope="session")

WRITE = Depends(require_scopes("parcels:write"))
CLOCK = FixedClock(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))


class ParcelIn(BaseModel):
    key: str
    note: str = ""
    slow: float = 0.0
    fail: bool = False


class ParcelOut(BaseModel):
    id: int
    key: str


@dataclass(frozen=True)
class SendParcel:
    key: str
    note: str
    slow: float
    fail: bool


async def send_parcel(uow: UnitOfWork, command: SendParcel) -> ParcelOut:
    parcel_id = await uow.conn.fetchval(
        "INSERT INTO parcels (key, note) VALUES ($1, $2) RETURNING id", command.key, command.note
    )
    if command.slow:
        await asyncio.sleep(command.slow)
    if command.fail:
        raise Conflict(detail="refused after writing: the write must roll back")
    return ParcelOut(id=parcel_id, key=command.key)


def _definition(tmp_path: Path) -> ServiceDefinition:
    migrations = tmp_path / "migrations"
    migrations.mkdir()
    (migrations / "0001_parcels.sql").write_text(
        "CREATE TABLE parcels (id serial PRIMARY KEY, key text NOT NULL, note text NOT NULL);"
    )
    router = APIRouter(prefix="/v1")

    @router.post("/parcels", status_code=201)
    async def create(
        body: ParcelIn, response: Response, run: IdempotentUseCases, _: Principal = WRITE
    ) -> ParcelOut:
        created = await run.command(send_parcel, SendParcel(body.key, body.note, body.slow, body.fail))
        response.headers["Location"] = f"/v1/parcels/{created.id}"
        return created

    return ServiceDefinition(
        name="idempotency-test", title="Idempotency test", migrations=migrations, routers=[router]
    )


@pytest_asyncio.fixture(loop_scope="session")
async def service(service_db, kafka_bootstrap_servers: str, tmp_path: Path) -> AsyncIterator[RunningService]:  # type: ignore[no-untyped-def]
    async with running_service(
        _definition(tmp_path),
        database_url=service_db.dsn,
        schema=service_db.schema,
        kafka_bootstrap_servers=kafka_bootstrap_servers,
        auth_dir=tmp_path / "auth",
        clock=CLOCK,
    ) as svc:
        yield svc


async def _count(service: RunningService, key: str) -> int:
    count: int = await service.runtime.pool.fetchval("SELECT count(*) FROM parcels WHERE key = $1", key)
    return count


async def test_key_format() -> None:
    assert parse_key("8e03978e-40d5-43e8-bc93-6894a57f9324") == "8e03978e-40d5-43e8-bc93-6894a57f9324"
    assert parse_key('"abc"') == "abc"  # the draft's Structured Field string
    assert parse_key("x" * 255) == "x" * 255
    assert parse_key("x" * 256) is None
    assert parse_key("") is None
    assert parse_key("clave-ñ") is None
    assert parse_key("a\x01b") is None


async def test_same_key_and_body_returns_the_first_answer_and_acts_once(service: RunningService) -> None:
    async with service.client("parcels:write") as http:
        headers = {"Idempotency-Key": "k-first"}
        first = await http.post("/v1/parcels", json={"key": "a", "note": "n"}, headers=headers)
        assert first.status_code == 201, first.text
        # The same content, keys in another order and other spacing: the same request.
        again = await http.post(
            "/v1/parcels",
            content=b'{ "note": "n",  "key": "a" }',
            headers={**headers, "Content-Type": "application/json"},
        )
        assert again.status_code == 201
        assert again.json() == first.json()
        assert again.headers["location"] == first.headers["location"]
        assert again.headers["idempotent-replayed"] == "true"
        assert "idempotent-replayed" not in first.headers
    assert await _count(service, "a") == 1


async def test_the_same_key_with_another_body_is_422(service: RunningService) -> None:
    async with service.client("parcels:write") as http:
        headers = {"Idempotency-Key": "k-reused"}
        assert (await http.post("/v1/parcels", json={"key": "b"}, headers=headers)).status_code == 201
        other = await http.post("/v1/parcels", json={"key": "b", "note": "other"}, headers=headers)
        assert other.status_code == 422
        assert other.headers["content-type"] == "application/problem+json"
        assert other.json()["type"].endswith("/idempotency-key-reused")
    assert await _count(service, "b") == 1


async def test_no_key_keeps_todays_behaviour(service: RunningService) -> None:
    async with service.client("parcels:write") as http:
        for _ in range(2):
            assert (await http.post("/v1/parcels", json={"key": "c"})).status_code == 201
    assert await _count(service, "c") == 2


async def test_an_invalid_key_is_400(service: RunningService) -> None:
    async with service.client("parcels:write") as http:
        for key in ("x" * 256, '""'):
            response = await http.post("/v1/parcels", json={"key": "d"}, headers={"Idempotency-Key": key})
            assert response.status_code == 400, response.text
            assert response.json()["type"].endswith("/idempotency-key-invalid")
    assert await _count(service, "d") == 0


async def test_a_timed_out_request_retried_with_its_key_acts_once(service: RunningService) -> None:
    headers = {"Idempotency-Key": "k-timeout"}
    body = {"key": "e", "slow": 1.0}
    async with service.client("parcels:write") as http:
        with pytest.raises(httpx.ReadTimeout):
            await http.post("/v1/parcels", json=body, headers=headers, timeout=0.3)
        await asyncio.sleep(1.2)  # the server finished the first request meanwhile
        retry = await http.post("/v1/parcels", json=body, headers=headers)
        assert retry.status_code == 201, retry.text
        assert retry.headers["idempotent-replayed"] == "true"
    assert await _count(service, "e") == 1


async def test_concurrent_requests_with_one_key_act_once(service: RunningService) -> None:
    headers = {"Idempotency-Key": "k-concurrent"}
    body = {"key": "f", "slow": 0.5}
    async with service.client("parcels:write") as http:
        answers = await asyncio.gather(
            *(http.post("/v1/parcels", json=body, headers=headers) for _ in range(5))
        )
        statuses = sorted(a.status_code for a in answers)
        assert statuses.count(201) >= 1
        assert set(statuses) <= {201, 409}
        for answer in answers:
            if answer.status_code == 409:
                assert answer.json()["type"].endswith("/idempotency-key-in-use")
                assert answer.headers["retry-after"] == "1"
        created = {a.json()["id"] for a in answers if a.status_code == 201}
        assert len(created) == 1
        final = await http.post("/v1/parcels", json=body, headers=headers)
        assert final.json()["id"] in created
    assert await _count(service, "f") == 1


async def test_an_error_answer_is_not_stored_and_its_writes_roll_back(service: RunningService) -> None:
    headers = {"Idempotency-Key": "k-error"}
    async with service.client("parcels:write") as http:
        refused = await http.post("/v1/parcels", json={"key": "g", "fail": True}, headers=headers)
        assert refused.status_code == 409
        assert await _count(service, "g") == 0
        # Nothing happened, so the key is free: the corrected request runs.
        fixed = await http.post("/v1/parcels", json={"key": "g", "fail": True}, headers=headers)
        assert fixed.status_code == 409
        assert "idempotent-replayed" not in fixed.headers
    rows = await service.runtime.pool.fetchval("SELECT count(*) FROM idempotency_keys WHERE key = 'k-error'")
    assert rows == 0


async def test_keys_are_per_client_and_need_the_routes_scopes(service: RunningService) -> None:
    headers = {"Idempotency-Key": "k-client"}
    first = httpx.AsyncClient(
        base_url=service.base_url,
        headers={"Authorization": f"Bearer {service.token('parcels:write', subject='client-1')}"},
    )
    second = httpx.AsyncClient(
        base_url=service.base_url,
        headers={"Authorization": f"Bearer {service.token('parcels:write', subject='client-2')}"},
    )
    async with first, second:
        one = await first.post("/v1/parcels", json={"key": "h"}, headers=headers)
        two = await second.post("/v1/parcels", json={"key": "h"}, headers=headers)
        assert one.status_code == two.status_code == 201
        assert one.json()["id"] != two.json()["id"]
    async with service.client("parcels:read") as weak:
        refused = await weak.post("/v1/parcels", json={"key": "h"}, headers=headers)
        assert refused.status_code == 403  # never a replay without the route's scopes
    async with httpx.AsyncClient(base_url=service.base_url) as anonymous:
        assert (await anonymous.post("/v1/parcels", json={"key": "h"}, headers=headers)).status_code == 401
    assert await _count(service, "h") == 2


async def test_keys_expire_and_are_purged(service: RunningService) -> None:
    headers = {"Idempotency-Key": "k-expiry"}
    async with service.client("parcels:write") as http:
        assert (await http.post("/v1/parcels", json={"key": "i"}, headers=headers)).status_code == 201
        CLOCK.advance(timedelta(hours=25))
        try:
            again = await http.post("/v1/parcels", json={"key": "i"}, headers=headers)
            assert again.status_code == 201
            assert "idempotent-replayed" not in again.headers
            assert await _count(service, "i") == 2
            CLOCK.advance(timedelta(hours=25))
            assert await purge_expired(service.runtime.transactions) >= 1
            left = await service.runtime.pool.fetchval(
                "SELECT count(*) FROM idempotency_keys WHERE key = 'k-expiry'"
            )
            assert left == 0
        finally:
            CLOCK.set(datetime(2026, 3, 1, 12, 0, tzinfo=UTC))


async def test_the_key_header_is_documented(service: RunningService) -> None:
    async with httpx.AsyncClient(base_url=service.base_url) as http:
        document = (await http.get("/openapi.json")).json()
    parameters = document["paths"]["/v1/parcels"]["post"]["parameters"]
    assert [p["name"] for p in parameters if p["in"] == "header"] == ["Idempotency-Key"]
