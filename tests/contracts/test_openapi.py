"""docs/openapi/<service>.json is what each installed service serves at /openapi.json."""

from __future__ import annotations

import json
from pathlib import Path

from chasqui_cli.openapi_export import SERVICES, render

OPENAPI = Path(__file__).resolve().parents[2] / "docs" / "openapi"


def test_committed_openapi_documents_are_current_for_every_installed_service() -> None:
    rendered = render()
    assert rendered, "no service is installed: run `uv sync --all-packages`"
    for file_name, content in rendered.items():
        path = OPENAPI / file_name
        assert path.exists(), f"{path} is missing: run `make openapi`"
        assert path.read_text(encoding="utf-8") == content, f"{path} is stale: run `make openapi`"
    unknown = {p.name for p in OPENAPI.glob("*.json")} - {f"{name}.json" for name in SERVICES}
    assert not unknown, f"documents of no known service: {unknown}"


def test_each_document_is_openapi_3_with_versioned_paths() -> None:
    for file_name, content in render().items():
        document = json.loads(content)
        assert document["openapi"].startswith("3."), file_name
        assert document["info"]["title"], file_name
        assert any(path.startswith("/v1/") for path in document["paths"]), file_name
