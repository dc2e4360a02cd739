"""Every operation of every service answers a typed document: no `dict[str, Any]`, no bare `{}`.

A response schema is typed when it names a model (`$ref`) or declares its properties; arrays and
unions are typed when their members are. Non-JSON answers (CSV exports, 204) carry no JSON schema.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from chasqui_cli.openapi_export import render

DOCUMENTS = {name: json.loads(content) for name, content in render().items()}


def typed(schema: dict[str, Any]) -> bool:
    if "$ref" in schema or schema.get("properties"):
        return True
    for union in ("anyOf", "oneOf", "allOf"):
        if union in schema:
            members = [m for m in schema[union] if m.get("type") != "null"]
            return bool(members) and all(typed(m) for m in members)
    if schema.get("type") == "array":
        return typed(schema.get("items", {}))
    return schema.get("type") in {"string", "integer", "number", "boolean"}


def untyped_operations(document: dict[str, Any]) -> list[str]:
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            for status, response in operation.get("responses", {}).items():
                if not status.startswith("2") or status == "204":
                    continue
                content = response.get("content", {})
                if not content:
                    found.append(f"{method.upper()} {path} {status}: no content schema")
                    continue
                for media, body in content.items():
                    if "json" not in media:
                        continue
                    if not typed(body.get("schema", {})):
                        found.append(f"{method.upper()} {path} {status}: {json.dumps(body.get('schema'))}")
    return found


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_every_operation_has_a_typed_response_schema(name: str) -> None:
    missing = untyped_operations(DOCUMENTS[name])
    assert not missing, f"{name}: untyped responses:\n" + "\n".join(missing)


def test_the_check_refuses_a_free_form_object() -> None:
    assert not typed({"type": "object", "additionalProperties": True, "title": "Response Get"})
    assert not typed({})
    assert typed({"type": "array", "items": {"$ref": "#/components/schemas/Household"}})
    assert typed({"anyOf": [{"$ref": "#/components/schemas/X"}, {"type": "null"}]})
