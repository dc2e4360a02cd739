"""Typed rows: a frozen dataclass built from a database record by its field names.

`from_row(Vacancy, row)` reads one column per field of the dataclass (same name) and converts it
as the field's type hint says, so a repository does not copy `field=row["field"]` by hand:

- an `Enum` subclass: `Status(value)`; `tuple[X, ...]` and `frozenset[X]`: the array as a tuple or
  frozenset, each element converted when `X` is an enum;
- `str`: `str(value)` (a `uuid` column read into a `str` id); `int`: `int(value)` (a `numeric`
  aggregate such as `sum(...)`);
- anything else, and `None` for an optional field, as the driver returned it.

A field whose column the record lacks keeps its default (an error when it has none). Keyword
`overrides` give fields that are computed or read from another column (`migrant_id=str(row["id"])`).
The conversion plan is worked out once per class, so the per-row cost is one lookup and at most one
call per field.
"""

from __future__ import annotations

import dataclasses
import enum
import operator
import types
import typing
from collections.abc import Callable
from typing import Any, Protocol, TypeVar
from uuid import UUID

__all__ = ["Row", "StoredRow", "from_row", "uuids_of"]

T = TypeVar("T")

Convert = Callable[[Any], Any]


class Row(Protocol):
    """What `from_row` reads: an asyncpg `Record`, or any mapping from column name to value."""

    def __getitem__(self, key: str, /) -> Any: ...


def from_row(cls: type[T], row: Row, /, **overrides: Any) -> T:
    """An instance of the dataclass `cls` from `row`, with `overrides` for the fields they name."""
    plan = _PLANS.get(cls) or _plan(cls)
    if not overrides and plan.positional:
        try:  # the common case, kept lean: every field has its column, read in one C call
            read = plan.read(row)
        except KeyError:
            pass  # a column is missing: the field may have a default
        else:
            if not plan.converting:
                return cls(*read)
            values = list(read)
            for i, convert in plan.converting:
                if (value := values[i]) is not None:
                    values[i] = convert(value)
            return cls(*values)
    found: dict[str, Any] = {}
    for field in plan.fields:
        if field.name in overrides:
            continue
        try:
            value = row[field.name]
        except KeyError:
            if field.required:
                raise KeyError(f"{cls.__name__}.{field.name}: the row has no column {field.name!r}") from None
            continue
        found[field.name] = value if field.convert is None or value is None else field.convert(value)
    return cls(**found, **overrides)


@dataclasses.dataclass(frozen=True)
class _Field:
    name: str
    convert: Convert | None
    required: bool


@dataclasses.dataclass(frozen=True)
class _Plan:
    fields: tuple[_Field, ...]
    read: Callable[[Row], tuple[Any, ...]]  # every column, in field order
    converting: tuple[tuple[int, Convert], ...]  # (position, converter) of the fields to convert
    positional: bool  # cls(*values) works: no keyword-only field


_PLANS: dict[type[Any], _Plan] = {}


def _plan(cls: type[Any]) -> _Plan:
    """How to read `cls` from a row, worked out once per class from its fields and type hints."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"from_row builds dataclasses, not {cls!r}")
    hints = typing.get_type_hints(cls)
    init = [f for f in dataclasses.fields(cls) if f.init]
    fields = tuple(
        _Field(
            f.name,
            _converter(hints[f.name]),
            f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING,
        )
        for f in init
    )
    names = [f.name for f in fields]
    plan = _PLANS[cls] = _Plan(
        fields=fields,
        # itemgetter of two or more keys gives a tuple; of one key, the bare value
        read=operator.itemgetter(*names) if len(names) > 1 else _read_each(names),
        converting=tuple((i, f.convert) for i, f in enumerate(fields) if f.convert is not None),
        positional=bool(fields) and not any(f.kw_only for f in init),
    )
    return plan


def _read_each(names: list[str]) -> Callable[[Row], tuple[Any, ...]]:
    return lambda row: tuple(row[name] for name in names)


def _converter(hint: Any) -> Convert | None:
    hint = _without_none(hint)
    origin = typing.get_origin(hint)
    if origin in (tuple, frozenset):
        args = typing.get_args(hint)
        item = args[0] if len(args) == 1 or (len(args) == 2 and args[1] is Ellipsis) else None
        collection: Callable[[Any], Any] = origin
        if isinstance(item, type) and issubclass(item, enum.Enum):
            element: type[enum.Enum] = item
            return lambda value: collection(map(element, value))
        return collection
    if isinstance(hint, type):
        if issubclass(hint, enum.Enum):
            return hint
        if hint is str or hint is int:
            return hint
    return None


def _without_none(hint: Any) -> Any:
    """`X` for `X | None` (or `Optional[X]`); the hint itself otherwise."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return hint


@dataclasses.dataclass(frozen=True)
class StoredRow:
    """One stored record about a person as an ARCO access report lists it (Ley 29733, right of
    access): the store it lives in (a table), its key, and its columns as read."""

    store: str
    key: str
    fields: dict[str, Any]


def uuids_of(values: typing.Iterable[str]) -> list[UUID]:
    """The values that are UUIDs, parsed; the others (ids of other services) left out."""
    found = []
    for value in values:
        try:
            found.append(UUID(value))
        except ValueError:
            continue
    return found
