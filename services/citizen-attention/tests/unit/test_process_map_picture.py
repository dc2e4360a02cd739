"""The process-map picture (application/process_map_picture): one drawing for the API and console."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from chasqui_citizen_attention.application.models import ProcessMap, ProcessStep, ProcessTransition
from chasqui_citizen_attention.application.process_map_picture import BOX_TOP, process_map_svg
from chasqui_citizen_attention.domain.municipalities import Office

SVG = "{http://www.w3.org/2000/svg}"


def mapped(steps: list[str], transitions: list[tuple[str, str, int]]) -> ProcessMap:
    return ProcessMap(
        municipality="150142",
        office=Office.ULE,
        procedure="S100",
        first=date(2026, 3, 9),
        last=date(2026, 3, 9),
        steps=tuple(ProcessStep(s, i, 10 - i, 10 - i, 600.0) for i, s in enumerate(steps)),
        transitions=tuple(ProcessTransition(a, b, n, 3600.0) for a, b, n in transitions),
    )


def test_neighbouring_steps_get_a_straight_arrow_with_their_count_and_others_an_arc() -> None:
    process = mapped(
        ["registro_s100", "visita_domiciliaria_fsu", "entrega_resultado"],
        [("registro_s100", "visita_domiciliaria_fsu", 7), ("registro_s100", "entrega_resultado", 2),
         ("entrega_resultado", "registro_s100", 1)],
    )  # fmt: skip
    picture = ET.fromstring(process_map_svg(process))
    assert picture.get("width") == str(200 * 3 + 40)
    words = [t.text for t in picture.iter(f"{SVG}text")]
    assert words[:6] == [
        "Registro s100", "10 atenciones", "Visita domiciliaria fsu", "9 atenciones", "Entrega resultado",
        "8 atenciones",
    ]  # fmt: skip
    assert words[6:] == ["7", "0", "2", "1"]  # next steps (one went on to none), then the arcs
    paths = [p.get("d") or "" for p in picture.iter(f"{SVG}path")][1:]  # [0] is the arrowhead
    assert [p.startswith("M") and " C" in p for p in paths] == [False, False, True, True]
    forward, back = paths[2], paths[3]
    assert forward.startswith(f"M100,{BOX_TOP} ")  # from the top of the first box
    assert back.startswith("M500,")  # from the bottom of the last box, going back


def test_names_are_escaped_and_an_empty_map_is_an_empty_titled_picture() -> None:
    escaped = process_map_svg(mapped(["<script>alert(1)</script>"], []))
    assert "<script>" not in escaped
    assert "&lt;script&gt;" in escaped
    empty = ET.fromstring(process_map_svg(mapped([], [])))
    assert empty.find(f"{SVG}title") is not None
    assert list(empty.iter(f"{SVG}text")) == []


def test_two_pictures_on_one_page_keep_their_own_ids() -> None:
    one = process_map_svg(mapped(["a", "b"], []), ids="uno")
    assert 'id="uno-titulo"' in one
    assert "url(#uno-flecha)" in one
