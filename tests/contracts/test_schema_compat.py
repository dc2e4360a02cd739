"""Event schemas evolve compatibly: the checker, and the catalogue against the committed baseline.

The committed docs/schemas/*.json are the baseline. A field removed, a type changed or a new required
field in an existing event type fails here (and `make catalogue` refuses to overwrite the baseline):
publish a new type `.v<N+1>` instead.
"""

from __future__ import annotations

import json
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

from chasqui_common.events import CATALOGUE
from chasqui_contracts.catalogue_docs import check_catalogue, check_compatibility, committed_schemas, main
from pydantic import BaseModel, Field

DOCS = Path(__file__).resolve().parents[2] / "docs"
T = "pe.chasqui.test.thing.happened.v1"


def schema(model: type[BaseModel]) -> dict[str, Any]:
    return model.model_json_schema(mode="serialization")


def changes(old: type[BaseModel], new: type[BaseModel]) -> list[str]:
    return [f"{p.path}: {p.change}" for p in check_compatibility(T, schema(old), schema(new))]


class Level(StrEnum):
    A = "a"
    B = "b"


class Address(BaseModel):
    ubigeo: str
    street: str | None = None


class V1(BaseModel):
    thing_id: str
    count: int
    note: str | None = None
    level: Level
    born: date
    address: Address
    tags: list[str] = Field(default_factory=list)


# --- the current catalogue against the committed baseline ---------------------------------------


def test_no_event_schema_changed_incompatibly_against_the_committed_baseline() -> None:
    problems = check_catalogue(committed_schemas(DOCS), CATALOGUE.json_schemas())
    assert not problems, "incompatible schema changes; publish a new version instead:\n" + "\n".join(
        map(str, problems)
    )


def test_every_committed_schema_is_compatible_with_itself() -> None:
    baseline = committed_schemas(DOCS)
    assert baseline, "docs/schemas/ holds the baseline"
    assert check_catalogue(baseline, baseline) == []


def test_catalogue_command_refuses_to_overwrite_the_baseline_with_a_breaking_change(
    tmp_path: Path, capsys: Any
) -> None:
    spec = next(iter(CATALOGUE))
    baseline = spec.json_schema()
    baseline["properties"]["field_only_in_the_baseline"] = {"type": "string"}
    (tmp_path / "schemas").mkdir()
    path = tmp_path / "schemas" / f"{spec.type}.json"
    path.write_text(json.dumps(baseline), encoding="utf-8")
    assert main(["--write", str(tmp_path)]) == 1
    assert "field_only_in_the_baseline: field removed" in capsys.readouterr().err
    assert "field_only_in_the_baseline" in path.read_text(encoding="utf-8"), "baseline left alone"
    assert main(["--write", str(tmp_path), "--allow-breaking"]) == 0
    assert "field_only_in_the_baseline" not in path.read_text(encoding="utf-8")
    assert main(["--write", str(tmp_path), "--check"]) == 0


# --- incompatible changes are caught --------------------------------------------------------------


def test_field_removed() -> None:
    class V2(BaseModel):
        thing_id: str
        level: Level
        born: date
        address: Address
        tags: list[str] = Field(default_factory=list)
        note: str | None = None

    assert changes(V1, V2) == ["count: field removed"]


def test_optional_field_removed() -> None:
    class V2(BaseModel):
        thing_id: str
        count: int
        level: Level
        born: date
        address: Address
        tags: list[str] = Field(default_factory=list)

    assert changes(V1, V2) == ["note: field removed"]


def test_type_changed() -> None:
    class V2(V1):
        count: str  # type: ignore[assignment]

    assert changes(V1, V2) == ["count: type changed from integer to string"]


def test_format_changed_is_a_type_change() -> None:
    class V2(V1):
        born: str  # type: ignore[assignment]

    assert changes(V1, V2) == ["born: type changed from string:date to string"]


def test_field_made_nullable_is_a_type_change() -> None:
    class V2(V1):
        count: int | None  # type: ignore[assignment]

    assert changes(V1, V2) == ["count: type changed from integer to integer | null"]


def test_new_required_field() -> None:
    class V2(V1):
        district: str

    assert changes(V1, V2) == ["district: new required field"]


def test_optional_field_made_required() -> None:
    class V2(V1):
        note: str | None

    assert changes(V1, V2) == ["note: optional field made required"]


def test_nested_field_removed_and_nested_type_changed() -> None:
    class Address2(BaseModel):
        ubigeo: int

    class V2(V1):
        address: Address2  # type: ignore[assignment]

    assert changes(V1, V2) == [
        "address.ubigeo: type changed from string to integer",
        "address.street: field removed",
    ]


def test_array_item_type_changed() -> None:
    class V2(V1):
        tags: list[int] = Field(default_factory=list)  # type: ignore[assignment]

    assert changes(V1, V2) == ["tags[]: type changed from string to integer"]


def test_enum_value_removed() -> None:
    class Level2(StrEnum):
        A = "a"

    class V2(V1):
        level: Level2  # type: ignore[assignment]

    assert changes(V1, V2) == ["level: enum value(s) removed: 'b'"]


# --- compatible changes pass ----------------------------------------------------------------------


def test_new_optional_field_is_compatible() -> None:
    class V2(V1):
        district: str | None = None
        priority: int = 0

    assert changes(V1, V2) == []


def test_new_optional_nested_field_and_description_changes_are_compatible() -> None:
    class Address2(Address):
        reference: str | None = Field(None, description="how to get there")

    class V2(V1):
        """Documentation changed."""

        address: Address2 = Field(description="where the thing is")

    assert changes(V1, V2) == []


def test_enum_value_added_is_compatible() -> None:
    class Level2(StrEnum):
        A = "a"
        B = "b"
        C = "c"

    class V2(V1):
        level: Level2  # type: ignore[assignment]

    assert changes(V1, V2) == []


def test_identical_schema_is_compatible() -> None:
    assert changes(V1, V1) == []


def test_removed_event_type_is_reported() -> None:
    problems = check_catalogue({T: schema(V1)}, {})
    assert [str(p) for p in problems] == [f"{T}: (payload): event type removed from the catalogue"]
