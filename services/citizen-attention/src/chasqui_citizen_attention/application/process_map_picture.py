"""The process map as a picture: one SVG drawing of a `ProcessMap`, used by the API
(`GET /v1/figures/process-map.svg`) and by the console's figures page (`/console/cifras`), so
both show the same picture of the same query result.

The drawing: the procedure's steps left to right in the order `get_process_map` gives them (the
data file's order, steps no longer in the file last), each a box with its name and attentions; a
straight arrow between neighbouring boxes labelled with the transition's `count` (consecutive
attentions of one person, 0 when none went on), and the other transitions as arcs (forward over
other steps above the boxes, back or to the same step below), each with its count. Text is escaped (Jinja2 autoescape), and the
picture carries a `<title>` so a screen reader names it; the same data is in the JSON and in the
console's tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Final

from jinja2 import Environment, StrictUndefined

from chasqui_citizen_attention.application.models import ProcessMap

BOX_WIDTH: Final = 160
"""SVG user units of a step's box; boxes are `STRIDE` apart, their tops at `BOX_TOP`."""
STRIDE: Final = 200
BOX_TOP: Final = 70
BOX_HEIGHT: Final = 70
HEIGHT: Final = 220
TITLE: Final = (
    "Pasos del trámite en orden, con sus atenciones y las personas que pasaron de un paso a otro; "
    "el detalle está en las tablas siguientes."
)

_ENVIRONMENT = Environment(autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_ENVIRONMENT.globals["step_words"] = lambda step: step_words(str(step))
_DRAWING = _ENVIRONMENT.from_string(
    """\
<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-labelledby="{{ ids }}-titulo" \
viewBox="0 0 {{ width }} {{ height }}" width="{{ width }}" height="{{ height }}" class="process-map" \
font-family="sans-serif">
  <title id="{{ ids }}-titulo">{{ title }}</title>
  <defs><marker id="{{ ids }}-flecha" markerWidth="10" markerHeight="10" refX="9" refY="5" orient="auto">\
<path d="M0,0 L10,5 L0,10 z" fill="#1b1b1b"/></marker></defs>
  <rect x="0" y="0" width="{{ width }}" height="{{ height }}" fill="#ffffff"/>
{% for s in steps %}
{% set x = 20 + stride * loop.index0 %}
  <rect x="{{ x }}" y="{{ top }}" width="{{ box }}" height="{{ box_height }}" rx="6" fill="#f3f5f7" \
stroke="#0b3d6e" stroke-width="2"/>
  <text x="{{ x + box // 2 }}" y="{{ top + 28 }}" text-anchor="middle" font-size="13" fill="#1b1b1b">\
{{ step_words(s.step) | truncate(22, True, '…') }}</text>
  <text x="{{ x + box // 2 }}" y="{{ top + 52 }}" text-anchor="middle" font-size="13" fill="#1b1b1b">\
{{ s.attentions }} atenciones</text>
{% endfor %}
{% for a in arrows %}
  <path d="{{ a.path }}" fill="none" stroke="#1b1b1b" stroke-width="2" marker-end="url(#{{ ids }}-flecha)"/>
  <text x="{{ a.label_x }}" y="{{ a.label_y }}" text-anchor="middle" font-size="11" fill="#1b1b1b">\
{{ a.count }}</text>
{% endfor %}
</svg>
"""
)


@dataclass(frozen=True)
class _Arrow:
    path: str
    label_x: int
    label_y: int
    count: int


def _arrows(process: ProcessMap) -> list[_Arrow]:
    """Next step in the drawing: a straight arrow between the boxes (its count, 0 when nobody went
    on); any other transition: an arc above the boxes going forward, below going back or to the
    same step again, with its count at the top (bottom) of the arc."""
    place = {s.step: i for i, s in enumerate(process.steps)}
    counts = {(t.from_step, t.to_step): t.count for t in process.transitions}
    middle = BOX_TOP + BOX_HEIGHT // 2
    arrows = []
    for i, (a, b) in enumerate(pairwise(process.steps)):
        left = 20 + STRIDE * i + BOX_WIDTH
        path = f"M{left},{middle} L{left + STRIDE - BOX_WIDTH - 2},{middle}"
        arrows.append(_Arrow(path, left + 20, middle - 7, counts.get((a.step, b.step), 0)))
    for t in process.transitions:
        if t.from_step not in place or t.to_step not in place:
            continue
        i, j = place[t.from_step], place[t.to_step]
        if j == i + 1:
            continue
        start = 20 + STRIDE * i + BOX_WIDTH // 2
        end = 20 + STRIDE * j + BOX_WIDTH // 2
        if j > i:  # forward over other steps: above
            y, bend, label = BOX_TOP, BOX_TOP - 55, BOX_TOP - 30
        else:  # back, or the same step again: below
            y, bend, label = BOX_TOP + BOX_HEIGHT, BOX_TOP + BOX_HEIGHT + 55, BOX_TOP + BOX_HEIGHT + 40
            if i == j:
                start, end = start - 30, end + 30
        path = f"M{start},{y} C{start},{bend} {end},{bend} {end},{y}"
        arrows.append(_Arrow(path, (start + end) // 2, label, t.count))
    return arrows


def step_words(step: str) -> str:
    """A step code as words: `visita_domiciliaria_fsu` -> `Visita domiciliaria fsu`."""
    return step.replace("_", " ").capitalize()


def process_map_svg(process: ProcessMap, *, ids: str = "proceso") -> str:
    """The SVG document (UTF-8 text, `image/svg+xml`) of one procedure's process map.

    `ids` prefixes the element ids (`<ids>-titulo`, `<ids>-flecha`) so two pictures can share a
    page. Width grows with the steps: `STRIDE * len(steps) + 40` units, height `HEIGHT`. A map
    with no steps is an empty (titled) picture, never an error."""
    return _DRAWING.render(
        ids=ids,
        title=TITLE,
        steps=process.steps,
        arrows=_arrows(process),
        width=STRIDE * len(process.steps) + 40,
        height=HEIGHT,
        stride=STRIDE,
        box=BOX_WIDTH,
        box_height=BOX_HEIGHT,
        top=BOX_TOP,
    )
