"""GET /v1/figures/process-map.svg: the process map as the console's picture, from the same query."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

from .conftest import READ, VES, Attention
from .test_timeline_and_figures import record

SVG = "{http://www.w3.org/2000/svg}"
DAY = {"from": "2026-03-09", "to": "2026-03-09"}
ORIENT, FOLLOW = "orientacion", "seguimiento"


async def test_the_process_map_picture_draws_the_recorded_steps_and_transitions(attention: Attention) -> None:
    for person_steps in ([ORIENT, FOLLOW], [ORIENT, FOLLOW], [ORIENT, FOLLOW, ORIENT]):
        person = await attention.counter_citizen()
        for step in person_steps:
            await record(attention, person, "certificado_conadis", step, 600)
            attention.clock.advance(timedelta(minutes=30))

    r = await attention.get(
        "/v1/figures/process-map.svg", READ, municipality=VES, office="OMAPED", procedure="certificado_conadis", **DAY
    )  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("image/svg+xml")
    picture = ET.fromstring(r.text)
    assert picture.tag == f"{SVG}svg"
    assert picture.find(f"{SVG}title") is not None
    words = [t.text for t in picture.iter(f"{SVG}text")]
    # The steps with attentions in the data file's order, then the arrows' counts: three people
    # went on from orientation to follow-up (the straight arrow), one came back (the arc below).
    assert words == ["Orientacion", "4 atenciones", "Seguimiento", "3 atenciones", "3", "1"]
    assert len(list(picture.iter(f"{SVG}path"))) == 1 + 2  # the arrowhead and two arrows


async def test_the_picture_keeps_the_map_s_refusals(attention: Attention) -> None:
    demuna = await attention.get(
        "/v1/figures/process-map.svg", READ, municipality=VES, office="DEMUNA", procedure="orientacion", **DAY
    )
    assert demuna.status_code == 403
    assert demuna.json()["type"] == "https://chasqui.pe/problems/demuna-confidential"
    unknown = await attention.get(
        "/v1/figures/process-map.svg", READ, municipality=VES, office="OMAPED", procedure="no_existe", **DAY
    )
    assert unknown.status_code == 422
    assert unknown.json()["type"] == "https://chasqui.pe/problems/unknown-procedure"
