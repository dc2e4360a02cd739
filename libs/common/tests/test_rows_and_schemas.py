"""`from_row` (typed dataclasses from records) and `ResponseModel.of` (response bodies from results)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any, Self

import pytest
from chasqui_common.db.rows import from_row
from chasqui_common.http.schemas import ResponseModel


class Status(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


@dataclass(frozen=True)
class Thing:
    thing_id: str
    status: Status
    tags: tuple[str, ...]
    statuses: tuple[Status, ...]
    total: int
    closes_on: date | None
    parent_id: str | None = None
    notes: list[str] = field(default_factory=list)


def _row(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "thing_id": uuid.UUID(int=7),
        "status": "open",
        "tags": ["a", "b"],
        "statuses": ["open", "closed"],
        "total": Decimal(12),
        "closes_on": None,
        "parent_id": None,
        "notes": ["n"],
        "unused": "ignored",
    }
    return row | changes


def test_from_row_converts_by_type_hint() -> None:
    thing = from_row(Thing, _row())
    assert thing == Thing(
        thing_id=str(uuid.UUID(int=7)),
        status=Status.OPEN,
        tags=("a", "b"),
        statuses=(Status.OPEN, Status.CLOSED),
        total=12,
        closes_on=None,
        parent_id=None,
        notes=["n"],
    )
    assert type(thing.total) is int
    assert type(thing.status) is Status


def test_from_row_keeps_none_and_converts_optional_values() -> None:
    parent = uuid.UUID(int=9)
    thing = from_row(Thing, _row(parent_id=parent, closes_on=date(2026, 1, 2)))
    assert thing.parent_id == str(parent)
    assert thing.closes_on == date(2026, 1, 2)


def test_from_row_overrides_and_defaults() -> None:
    row = _row()
    del row["parent_id"], row["notes"]
    thing = from_row(Thing, row, thing_id="renamed", notes=["x"])
    assert thing.thing_id == "renamed"
    assert thing.parent_id is None  # the column is absent: the default
    assert thing.notes == ["x"]


def test_from_row_missing_required_column_is_an_error() -> None:
    row = _row()
    del row["status"]
    with pytest.raises(KeyError, match=r"Thing\.status"):
        from_row(Thing, row)


def test_from_row_wants_a_dataclass() -> None:
    with pytest.raises(TypeError):
        from_row(int, {})


@dataclass(frozen=True)
class Line:
    name: str
    points: int


@dataclass(frozen=True)
class Result:
    result_id: uuid.UUID
    status: Status
    lines: tuple[Line, ...]
    internal: str = "not shown"


class LineOut(ResponseModel):
    name: str
    points: int


class ResultOut(ResponseModel):
    result_id: str
    status: str
    lines: list[LineOut]


class RenamedOut(ResponseModel):
    id: str
    status: Status

    @classmethod
    def of(cls, source: Result, /, **overrides: Any) -> Self:
        return super().of(source, id=str(source.result_id), **overrides)


def test_response_model_reads_attributes_and_nested_results() -> None:
    result = Result(uuid.UUID(int=1), Status.CLOSED, (Line("a", 1), Line("b", 2)))
    out = ResultOut.of(result, result_id=str(result.result_id))
    assert out.model_dump(mode="json") == {
        "result_id": str(uuid.UUID(int=1)),
        "status": "closed",
        "lines": [{"name": "a", "points": 1}, {"name": "b", "points": 2}],
    }


def test_response_model_custom_of_gives_computed_fields() -> None:
    out = RenamedOut.of(Result(uuid.UUID(int=3), Status.OPEN, ()))
    assert out == RenamedOut(id=str(uuid.UUID(int=3)), status=Status.OPEN)
