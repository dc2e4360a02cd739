"""Problem details for bad input, access control, and the per-department statistics."""

from __future__ import annotations

from chasqui_common.values import UBIGEO_EXPECTED
from chasqui_testing import RunningService

from .payloads import seeker, unique_ruc, vacancy


async def test_bad_input_names_the_field_the_value_and_the_expectation(service: RunningService) -> None:
    async with service.client("employment:write", "employment:read") as http:
        r = await http.post("/v1/employers", json={"ruc": "20131312956", "name": "Mala SAC"})
        assert r.status_code == 422
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["errors"][0]["field"] == "ruc"
        assert "check digit" in r.json()["errors"][0]["expected"]

        r = await http.post("/v1/job-seekers", json=seeker(ubigeo="999999"))
        assert r.status_code == 422
        assert r.json()["errors"][0] == {
            "field": "ubigeo",
            "value": "999999",
            "expected": UBIGEO_EXPECTED,
        }

        r = await http.post("/v1/job-seekers", json=seeker(occupations=["51"]))
        assert r.json()["errors"][0]["field"] == "occupations.0"

        r = await http.post("/v1/job-seekers", json=seeker(document={"type": "CPP", "number": "x"}))
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "document.number"

        body = seeker()
        first = await http.post("/v1/job-seekers", json=body)
        again = await http.post("/v1/job-seekers", json=body)
        assert again.status_code == 409
        assert again.json()["existing_id"] == first.json()["seeker_id"]

        r = await http.post("/v1/vacancies", json=vacancy(unique_ruc()))
        assert r.status_code == 404
        assert "employer" in r.json()["detail"]

        r = await http.post("/v1/vacancies", json=vacancy(unique_ruc(), salary_min=2000, salary_max=1000))
        assert r.status_code == 422

        assert (await http.get("/v1/job-seekers/not-a-uuid")).status_code == 422
        assert (await http.get("/v1/vacancies/00000000-0000-0000-0000-000000000000")).status_code == 404

    async with service.client() as anonymous:
        assert (await anonymous.get("/v1/stats/departments")).status_code == 401
    async with service.client("employment:read") as reader:
        assert (await reader.post("/v1/job-seekers", json=seeker())).status_code == 403


async def test_department_stats_count_seekers_vacancies_and_formal_placements(
    service: RunningService,
) -> None:
    async with service.client("employment:write", "employment:read") as http:
        employer_ruc = unique_ruc()
        await http.post("/v1/employers", json={"ruc": employer_ruc, "name": "Agroexportadora Ica SAC"})
        lima = [(await http.post("/v1/job-seekers", json=seeker())).json()["seeker_id"] for _ in range(3)]
        ica = (await http.post("/v1/job-seekers", json=seeker(ubigeo="110101", occupations=["9211"]))).json()[
            "seeker_id"
        ]
        formal = (await http.post("/v1/vacancies", json=vacancy(employer_ruc, positions=2))).json()[
            "vacancy_id"
        ]
        informal = (
            await http.post(
                "/v1/vacancies",
                json=vacancy(employer_ruc, ubigeo="110101", occupation_code="9211", formal=False, skills=[]),
            )
        ).json()["vacancy_id"]
        for seeker_id, vacancy_id in [(lima[0], formal), (lima[1], formal), (ica, informal)]:
            r = await http.post(
                "/v1/placements",
                json={"seeker_id": seeker_id, "vacancy_id": vacancy_id, "start_date": "2025-07-01"},
            )
            assert r.status_code == 201, r.text

        stats = {s["department"]: s for s in (await http.get("/v1/stats/departments")).json()["items"]}
        assert stats["15"] == {
            "department": "15",
            "name": "Lima",
            "seekers": 3,
            "vacancies": 1,
            "positions": 2,
            "placements": 2,
            "formal_placements": 2,
        }
        assert stats["11"]["name"] == "Ica"
        assert (stats["11"]["seekers"], stats["11"]["placements"], stats["11"]["formal_placements"]) == (
            1,
            1,
            0,
        )
