"""From HTTP writes to stored explainable matches and events on the employment-matching topics, on real infra."""

from __future__ import annotations

import json
import time

from chasqui_common.topics import EMPLOYMENT_JOB_SEEKERS, EMPLOYMENT_VACANCIES
from chasqui_testing import RunningService, collect_records

from .payloads import seeker, unique_ruc, vacancy

TYPE = "pe.chasqui.employment."


async def events_about(bootstrap: str, ids: set[str], timeout: float) -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    """(type, key, data) of the records on the job-seeker and vacancy topics keyed by one of `ids`."""
    records = [
        record
        for topic in (EMPLOYMENT_JOB_SEEKERS, EMPLOYMENT_VACANCIES)
        for record in await collect_records(bootstrap, topic.name, count=10**9, timeout=timeout)
    ]
    found = []
    for r in records:
        key = (r.key or b"").decode()
        if key in ids:
            headers = {k: v.decode() for k, v in r.headers}
            found.append((headers["ce_type"], key, json.loads(r.value or b"{}")))
    return found


async def wait_for_events(
    bootstrap: str, ids: set[str], types: list[str], timeout: float = 25
) -> list[tuple[str, str, dict]]:  # type: ignore[type-arg]
    deadline = time.monotonic() + timeout
    while True:
        found = await events_about(bootstrap, ids, timeout=1.5)
        seen = [t for t, _, _ in found]
        if all(seen.count(TYPE + t) >= types.count(t) for t in set(types)) or time.monotonic() > deadline:
            return found


async def test_a_fair_day_from_registration_to_a_formal_placement(
    service: RunningService, kafka_bootstrap_servers: str
) -> None:
    async with service.client("employment:write", "employment:read") as http:
        employer_ruc = unique_ruc()
        r = await http.post(
            "/v1/employers", json={"ruc": employer_ruc, "name": "Pollería El Chasqui SAC", "sector": "I"}
        )
        assert r.status_code == 201, r.text

        rosa = (await http.post("/v1/job-seekers", json=seeker())).json()
        # Same province (Lima), a related occupation (minor group 512): a weaker match.
        luis = (
            await http.post(
                "/v1/job-seekers",
                json=seeker(given_names="Luis", ubigeo="150101", occupations=["5129"], skills=["cocina"]),
            )
        ).json()
        r = await http.post("/v1/vacancies", json=vacancy(employer_ruc))
        assert r.status_code == 201, r.text
        cook = r.json()
        other = (
            await http.post(
                "/v1/vacancies",
                json=vacancy(employer_ruc, title="Mozo(a)", occupation_code="5131", skills=[]),
            )
        ).json()

        matches = (await http.get(f"/v1/vacancies/{cook['vacancy_id']}/matches")).json()["items"]
        assert [m["seeker_id"] for m in matches] == [rosa["seeker_id"], luis["seeker_id"]]
        assert matches[0]["score"] == 100
        components = {c["name"]: c for c in matches[1]["components"]}
        assert components["occupation"]["points"] == 30
        assert "minor group" in components["occupation"]["detail"]
        assert components["location"]["points"] == 12

        rosa_matches = (await http.get(f"/v1/job-seekers/{rosa['seeker_id']}/matches")).json()["items"]
        assert [m["vacancy_id"] for m in rosa_matches] == [cook["vacancy_id"], other["vacancy_id"]]

        r = await http.post(
            "/v1/applications", json={"seeker_id": rosa["seeker_id"], "vacancy_id": cook["vacancy_id"]}
        )
        assert r.status_code == 201, r.text
        assert r.json()["match_score"] == 100
        r = await http.post(
            "/v1/placements",
            json={
                "seeker_id": rosa["seeker_id"],
                "vacancy_id": cook["vacancy_id"],
                "start_date": "2025-07-01",
                "monthly_salary": 1500,
            },
        )
        assert r.status_code == 201, r.text
        assert r.json()["formal"] is True

        # One position: the vacancy is filled and is proposed to nobody any more.
        assert (await http.get(f"/v1/vacancies/{cook['vacancy_id']}")).json()["status"] == "filled"
        assert (await http.get(f"/v1/vacancies/{cook['vacancy_id']}/matches")).json()["items"] == []
        luis_matches = (await http.get(f"/v1/job-seekers/{luis['seeker_id']}/matches")).json()["items"]
        assert cook["vacancy_id"] not in [m["vacancy_id"] for m in luis_matches]
        r = await http.post(
            "/v1/applications", json={"seeker_id": luis["seeker_id"], "vacancy_id": cook["vacancy_id"]}
        )
        assert r.status_code == 409

    ids = {rosa["seeker_id"], luis["seeker_id"], cook["vacancy_id"], other["vacancy_id"]}
    found = await wait_for_events(
        kafka_bootstrap_servers,
        ids,
        ["job_seeker.registered.v1"] * 2
        + ["vacancy.published.v1"] * 2
        + ["match.proposed.v1"] * 4
        + ["application.submitted.v1", "placement.confirmed.v1", "vacancy.closed.v1"],
    )
    types = [t.removeprefix(TYPE) for t, _, _ in found]
    assert types.count("job_seeker.registered.v1") == 2
    assert types.count("vacancy.published.v1") == 2
    proposed = [(k, d["vacancy_id"]) for t, k, d in found if t.endswith("match.proposed.v1")]
    # Each seeker is proposed each vacancy once (both share at least sub-major group 51).
    assert sorted(proposed) == sorted(
        (seeker_id, vacancy_id)
        for seeker_id in (rosa["seeker_id"], luis["seeker_id"])
        for vacancy_id in (cook["vacancy_id"], other["vacancy_id"])
    )
    placement = next(d for t, _, d in found if t.endswith("placement.confirmed.v1"))
    assert placement["formal"] is True
    assert placement["seeker_id"] == rosa["seeker_id"]
    closed = next((k, d) for t, k, d in found if t.endswith("vacancy.closed.v1"))
    assert closed == (cook["vacancy_id"], closed[1])
    assert closed[1]["reason"] == "filled"
    registered = next(
        d for t, k, d in found if t.endswith("job_seeker.registered.v1") and k == rosa["seeker_id"]
    )
    assert registered["contact"]["consent"]["sms"] is True
    assert registered["person_id"]


async def test_inclusive_vacancies_go_only_to_people_with_a_disability(service: RunningService) -> None:
    async with service.client("employment:write", "employment:read") as http:
        employer_ruc = unique_ruc()
        await http.post("/v1/employers", json={"ruc": employer_ruc, "name": "Inclusiva SAC"})
        without = (await http.post("/v1/job-seekers", json=seeker())).json()
        with_disability = (
            await http.post("/v1/job-seekers", json=seeker(disability=True, ubigeo="040101"))
        ).json()
        inclusive = (await http.post("/v1/vacancies", json=vacancy(employer_ruc, inclusive=True))).json()

        items = (await http.get(f"/v1/vacancies/{inclusive['vacancy_id']}/matches")).json()["items"]
        assert [m["seeker_id"] for m in items] == [with_disability["seeker_id"]]
        assert {c["name"] for c in items[0]["components"]} >= {"inclusion"}
        r = await http.post(
            "/v1/applications",
            json={"seeker_id": without["seeker_id"], "vacancy_id": inclusive["vacancy_id"]},
        )
        assert r.status_code == 409
        assert r.json()["type"].endswith("vacancy-reserved")


async def test_closing_a_vacancy_removes_it_from_every_list_and_refills_them(service: RunningService) -> None:
    async with service.client("employment:write", "employment:read") as http:
        employer_ruc = unique_ruc()
        await http.post("/v1/employers", json={"ruc": employer_ruc, "name": "Cocinas del Sur SAC"})
        vacancies = [
            (await http.post("/v1/vacancies", json=vacancy(employer_ruc, title=f"Cocinero {i}"))).json()[
                "vacancy_id"
            ]
            for i in range(12)
        ]
        rosa = (await http.post("/v1/job-seekers", json=seeker())).json()["seeker_id"]
        listed = [
            m["vacancy_id"] for m in (await http.get(f"/v1/job-seekers/{rosa}/matches")).json()["items"]
        ]
        assert len(listed) == 10
        assert listed == sorted(vacancies)[:10]
        r = await http.post(f"/v1/vacancies/{listed[0]}/close")
        assert r.status_code == 200
        assert r.json()["status"] == "closed"
        after = [m["vacancy_id"] for m in (await http.get(f"/v1/job-seekers/{rosa}/matches")).json()["items"]]
        assert listed[0] not in after
        assert after == sorted(vacancies)[1:11]
        assert (await http.post(f"/v1/vacancies/{listed[0]}/close")).status_code == 409


async def test_a_seeker_update_recomputes_their_matches(service: RunningService) -> None:
    async with service.client("employment:write", "employment:read") as http:
        employer_ruc = unique_ruc()
        await http.post("/v1/employers", json={"ruc": employer_ruc, "name": "Constructora Andina SAC"})
        mason = (
            await http.post(
                "/v1/vacancies",
                json=vacancy(employer_ruc, title="Albañil", occupation_code="7112", skills=[]),
            )
        ).json()
        body = seeker()
        rosa = (await http.post("/v1/job-seekers", json=body)).json()["seeker_id"]
        assert (await http.get(f"/v1/vacancies/{mason['vacancy_id']}/matches")).json()["items"] == []
        r = await http.put(f"/v1/job-seekers/{rosa}", json={**body, "occupations": ["5120", "7112"]})
        assert r.status_code == 200, r.text
        items = (await http.get(f"/v1/vacancies/{mason['vacancy_id']}/matches")).json()["items"]
        assert [m["seeker_id"] for m in items] == [rosa]
