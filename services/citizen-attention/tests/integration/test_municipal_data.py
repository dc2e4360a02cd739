"""Offices and procedures are data: Villa El Salvador is packaged, another municipality is a file."""

from .conftest import VES, VMT, Attention


async def test_villa_el_salvador_is_served_with_its_offices_procedures_and_sectors(
    attention: Attention,
) -> None:
    r = await attention.get(f"/v1/municipalities/{VES}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert {o["office"] for o in body["offices"]} == {"CIAM", "DEMUNA", "OMAPED", "ULE"}
    ule = next(o for o in body["offices"] if o["office"] == "ULE")
    s100 = next(p for p in ule["procedures"] if p["code"] == "S100")
    assert s100["steps"] == ["registro_s100", "visita_domiciliaria_fsu", "entrega_resultado"]
    assert {s["code"] for s in body["sectors"]} >= {"S1", "PI", "LC"}


async def test_another_municipality_is_added_by_a_data_file_only(attention: Attention) -> None:
    r = await attention.get(f"/v1/municipalities/{VMT}")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["name"] == "Municipalidad Distrital de Villa María del Triunfo"
    assert [o["office"] for o in body["offices"]] == ["CIAM", "ULE"]
    assert body["non_working_days"] == [{"day": "2026-03-10", "reason": "Día no laborable municipal"}]
    listed = await attention.get("/v1/municipalities")
    assert {m["ubigeo"] for m in listed.json()} == {VES, VMT}


async def test_an_unknown_municipality_is_a_specific_problem(attention: Attention) -> None:
    r = await attention.get("/v1/municipalities/150101")
    assert r.status_code == 404
    problem = r.json()
    assert problem["type"] == "https://chasqui.pe/problems/unknown-municipality"
    assert problem["errors"][0]["field"] == "municipality"
