"""Ids are UUIDs: a `migrant_id` filter that is not one is a 422 naming the parameter, never
dropped (it used to list every migrant's cases and appointments), and so is a path or body id."""

from __future__ import annotations

import uuid

import pytest
from chasqui_testing import RunningService

from .conftest import register

NOT_IDS = ["nobody", "1234", uuid.uuid4().hex, "{" + str(uuid.uuid4()) + "}", str(uuid.uuid4()) + "\u200b"]


@pytest.mark.parametrize("bad", NOT_IDS)
async def test_a_migrant_id_filter_that_is_not_a_uuid_is_a_422_not_everyone(
    service: RunningService, bad: str
) -> None:
    async with service.client("migrants:write", "migrants:read") as client:
        for path in ("/v1/cases", "/v1/appointments"):
            response = await client.get(path, params={"migrant_id": bad})
            assert response.status_code == 422, response.text
            [error] = response.json()["errors"]
            assert error["field"] == "query.migrant_id"
            assert error["expected"].startswith("a UUID")
        for path in (
            f"/v1/migrants/{bad}",
            f"/v1/cases/{bad}",
            f"/v1/appointments/{bad}",
            f"/v1/referrals/{bad}",
        ):
            response = await client.get(path)
            assert response.status_code == 422, (path, response.text)
            assert response.json()["errors"][0]["field"].startswith("path.")
        body = await client.post("/v1/cases", json={"migrant_id": bad, "attention_point": "ICA"})
        assert body.status_code == 422, body.text
        assert "migrant_id" in [e["field"] for e in body.json()["errors"]]


async def test_a_migrant_id_filter_lists_only_that_migrants_cases(service: RunningService) -> None:
    async with service.client("migrants:write", "migrants:read") as client:
        ana, other = await register(client), await register(client)
        for person in (ana, other):
            case = await client.post(
                "/v1/cases",
                json={
                    "migrant_id": person["migrant_id"],
                    "attention_point": person["attention_point"],
                    "requested_services": ["employment_orientation"],
                },
            )
            assert case.status_code == 201, case.text
        upper = ana["migrant_id"].upper()  # the same UUID in upper case is the same id
        listed = await client.get("/v1/cases", params={"migrant_id": upper})
        assert listed.status_code == 200, listed.text
        assert {c["migrant_id"] for c in listed.json()} == {ana["migrant_id"]}
        fetched = await client.get(f"/v1/migrants/{upper}")
        assert fetched.status_code == 200
        assert fetched.json()["migrant_id"] == ana["migrant_id"]
        unknown = await client.get(f"/v1/migrants/{uuid.uuid4()}")
        assert unknown.status_code == 404
