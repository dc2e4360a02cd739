"""The published contracts (docs/catalogue.md, one JSON Schema per event, docs/asyncapi.yaml) match the code."""

from __future__ import annotations

import json
from pathlib import Path

from chasqui_common.events import CATALOGUE
from chasqui_contracts.catalogue_docs import SCHEMAS_DIR, render_all

DOCS = Path(__file__).resolve().parents[2] / "docs"


def test_generated_catalogue_docs_are_committed_and_current() -> None:
    for relative, content in render_all().items():
        path = DOCS / relative
        assert path.exists(), f"{path} is missing: run `make catalogue`"
        assert path.read_text(encoding="utf-8") == content, f"{path} is stale: run `make catalogue`"
    committed = {p.name for p in (DOCS / SCHEMAS_DIR).glob("*.json")}
    assert committed == {f"{spec.type}.json" for spec in CATALOGUE}, (
        "stale schema files: run `make catalogue`"
    )


def test_every_event_schema_is_a_json_schema_with_an_id() -> None:
    for spec in CATALOGUE:
        schema = json.loads((DOCS / SCHEMAS_DIR / f"{spec.type}.json").read_text())
        assert schema["$id"].endswith(f"{spec.type}.json")
        assert schema["type"] == "object"
        assert spec.subject_field in schema["properties"]


def test_old_schema_location_is_gone() -> None:
    assert not list((DOCS / "events").glob("*.json")), "schemas moved to docs/schemas/"
