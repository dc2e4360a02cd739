"""The fast path: CEL parse trees compiled to numpy array code over a columnar projection.

A compiled expression is evaluated once for every unit (household or person) at the same
time instead of once per unit. It supports the subset of CEL the rule files use (literals,
lists, field access, `! - && || ?: == != < <= > >= in + - *`, and `exists`/`all` over
`household.members`); anything else is refused when the rule set is loaded, so a rule that
loads is a rule both paths can evaluate. Tests prove both paths agree.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import lark
import numpy as np
import numpy.typing as npt

from chasqui_eligibility.domain.expressions import CompiledExpression, ExpressionError

Array = npt.NDArray[Any]


@dataclass
class Columns:
    """The projection, one array per fact source; a household's members point at its row.

    Rows are only appended: a changed household gets a new row and its old row (and old
    members) are marked dead, so patching the projection never reshuffles arrays.
    """

    household_ids: Array  # str, length H
    alive: Array  # bool: the row is the household's current version
    active: Array  # bool: not deregistered
    department: Array  # <U2
    has_cse: Array
    cse_level: Array  # <U13, "" without CSE
    cse_from: Array  # int32 proleptic ordinal
    cse_until: Array
    residence_y: Array
    residence_m: Array
    residence_d: Array
    person_ids: Array  # str, length P
    person_hh: Array  # int64 row of the household
    person: dict[str, Array] = field(default_factory=dict)  # birth_y/m/d and PERSON_FIELDS sources

    @property
    def size(self) -> int:
        return len(self.household_ids)

    @property
    def people(self) -> int:
        return len(self.person_ids)

    def live_households(self) -> Array:
        return self.alive & self.active

    def live_persons(self) -> Array:
        live: Array = self.live_households()[self.person_hh]
        return live


def age_years(by: Array, bm: Array, bd: Array, on: date) -> Array:
    before_birthday = (on.month * 100 + on.day) < (bm * 100 + bd)
    years: Array = (on.year - by) - before_birthday
    return years


def age_months(by: Array, bm: Array, bd: Array, on: date) -> Array:
    months: Array = (on.year - by) * 12 + (on.month - bm) - (on.day < bd)
    return months


@dataclass
class Facts:
    """Every fact of `facts.py`, as arrays, on one date."""

    household: dict[str, Array]
    person: dict[str, Array]
    person_hh: Array
    households: int


def derive_facts(cols: Columns, on: date) -> Facts:
    day = on.toordinal()
    household = {
        "active": cols.active,
        "department": cols.department,
        "has_cse": cols.has_cse,
        "cse_level": cols.cse_level,
        "cse_valid": cols.has_cse & (cols.cse_from <= day) & (day <= cols.cse_until),
        "cse_days_left": np.where(cols.has_cse, cols.cse_until.astype(np.int64) - day, 0),
        "residence_months": age_months(cols.residence_y, cols.residence_m, cols.residence_d, on),
    }
    p = cols.person
    person = {name: values for name, values in p.items() if name not in {"birth_y", "birth_m", "birth_d"}}
    person["age_years"] = age_years(p["birth_y"], p["birth_m"], p["birth_d"], on)
    person["age_months"] = age_months(p["birth_y"], p["birth_m"], p["birth_d"], on)
    return Facts(household, person, cols.person_hh, cols.size)


# A compiled node: given the facts and the scope ("household" rows or "person" rows), an array.
Node = Callable[[Facts, str, "dict[str, str]"], Array]


def compile_vector(expr: CompiledExpression) -> Callable[[Facts, str], Array]:
    """Compile an expression for evaluation at `scope` ("household" or "person")."""
    node = _compile(expr.tree, expr.source)

    def run(facts: Facts, scope: str) -> Array:
        rows = facts.households if scope == "household" else len(facts.person_hh)
        return np.broadcast_to(node(facts, scope, {}), (rows,))

    return run


_BINARY = {
    "relation_lt": np.less,
    "relation_le": np.less_equal,
    "relation_gt": np.greater,
    "relation_ge": np.greater_equal,
    "relation_eq": np.equal,
    "relation_ne": np.not_equal,
    "addition_add": np.add,
    "addition_sub": np.subtract,
    "multiplication_mul": np.multiply,
}
_PASS_THROUGH = {
    "expr",
    "conditionalor",
    "conditionaland",
    "relation",
    "addition",
    "multiplication",
    "unary",
    "member",
    "primary",
    "paren_expr",
}


def _compile(node: Any, source: str) -> Node:
    if isinstance(node, lark.Token):
        raise ExpressionError(f"expression {source!r}: unexpected token {node!r}")
    kind = node.data
    children = node.children
    if kind == "expr" and len(children) == 3:
        cond, yes, no = (_compile(c, source) for c in children)
        return lambda f, s, v: np.where(cond(f, s, v), yes(f, s, v), no(f, s, v))
    if kind in _PASS_THROUGH and len(children) == 1:
        return _compile(children[0], source)
    if kind == "conditionalor" and len(children) == 2:
        left, right = _compile(children[0], source), _compile(children[1], source)
        return lambda f, s, v: np.logical_or(left(f, s, v), right(f, s, v))
    if kind == "conditionaland" and len(children) == 2:
        left, right = _compile(children[0], source), _compile(children[1], source)
        return lambda f, s, v: np.logical_and(left(f, s, v), right(f, s, v))
    if kind in {"relation", "addition", "multiplication"} and len(children) == 2:
        op_node, right_node = children
        left = _compile(op_node.children[0], source)
        if op_node.data == "relation_in":
            values = _literal_list(right_node, source)
            return lambda f, s, v: np.isin(left(f, s, v), values)
        right = _compile(right_node, source)
        op = _BINARY.get(op_node.data)
        if op is None:
            raise ExpressionError(f"expression {source!r}: operator {op_node.data} is not supported")
        return lambda f, s, v: op(left(f, s, v), right(f, s, v))
    if kind == "unary" and len(children) == 2:
        operand = _compile(children[1], source)
        if children[0].data == "unary_not":
            return lambda f, s, v: np.logical_not(operand(f, s, v))
        return lambda f, s, v: np.negative(operand(f, s, v))
    if kind == "literal":
        value = _literal(children[0], source)
        return lambda f, s, v: np.asarray(value)
    if kind == "member_dot":
        return _field(node, source)
    if kind == "member_dot_arg":
        return _macro(node, source)
    raise ExpressionError(f"expression {source!r}: {kind} is not supported by the fast path")


def _literal(token: lark.Token, source: str) -> Any:
    text = str(token)
    if token.type == "INT_LIT":
        return int(text)
    if token.type == "BOOL_LIT":
        return text == "true"
    if token.type == "STRING_LIT" and len(text) >= 2 and text[0] == text[-1] and text[0] in "\"'":
        return text[1:-1]
    raise ExpressionError(f"expression {source!r}: literal {text} is not supported by the fast path")


def _literal_list(node: Any, source: str) -> list[Any]:
    while isinstance(node, lark.Tree) and node.data != "list_lit" and len(node.children) == 1:
        node = node.children[0]
    if not isinstance(node, lark.Tree) or node.data != "list_lit":
        raise ExpressionError(f"expression {source!r}: `in` needs a list of literals on the right")
    if not node.children:
        return []
    values = []
    for item in node.children[0].children:
        while isinstance(item, lark.Tree) and item.data != "literal":
            if len(item.children) != 1:
                raise ExpressionError(f"expression {source!r}: `in` lists may hold literals only")
            item = item.children[0]
        assert isinstance(item, lark.Tree)
        token = item.children[0]
        assert isinstance(token, lark.Token)
        values.append(_literal(token, source))
    return values


def _field(node: lark.Tree[Any], source: str) -> Node:
    root_node, name_token = node.children
    root = _ident(root_node)
    name = str(name_token)

    def read(f: Facts, scope: str, variables: dict[str, str]) -> Array:
        if root in variables:  # a macro variable: member rows
            return f.person[name]
        if root == "person":
            return f.person[name]
        values = f.household[name]
        return values if scope == "household" else values[f.person_hh]

    return read


def _macro(node: lark.Tree[Any], source: str) -> Node:
    _target, method, args = node.children
    var = _ident(args.children[0])
    body = _compile(args.children[1], source)
    quantifier = str(method)

    def run(f: Facts, scope: str, variables: dict[str, str]) -> Array:
        per_member = np.broadcast_to(body(f, "person", {**variables, var: "member"}), f.person_hh.shape)
        if quantifier == "exists":
            hits = np.bincount(f.person_hh, weights=per_member.astype(np.float64), minlength=f.households)
            result = hits > 0
        else:  # all
            misses = np.bincount(
                f.person_hh, weights=(~per_member).astype(np.float64), minlength=f.households
            )
            result = misses == 0
        return result if scope == "household" else result[f.person_hh]

    return run


def _ident(node: Any) -> str:
    while isinstance(node, lark.Tree) and node.data != "ident":
        node = node.children[0]
    return str(node.children[0])


# --- building columns ---------------------------------------------------------------------------

HouseholdRow = tuple[str, bool, str, str | None, int | None, int | None, int, int, int]
"""household_id, active, ubigeo, cse_level, cse_from ordinal, cse_until ordinal, residence y, m, d"""
PersonRow = tuple[str, str, int, int, int, str, str, str, bool, bool, bool, bool, bool]
"""household_id, person_id, birth y, m, d, document_type, pension, disability_severity,
disability_certified, pregnant, secondary_last_year, secondary_completed, in_school"""

_PERSON_SOURCES: tuple[tuple[str, Any], ...] = (
    ("birth_y", np.int32),
    ("birth_m", np.int32),
    ("birth_d", np.int32),
    ("document_type", "<U17"),
    ("pension", "<U5"),
    ("disability_severity", "<U8"),
    ("disability_certified", bool),
    ("pregnant", bool),
    ("secondary_last_year", bool),
    ("secondary_completed", bool),
    ("in_school", bool),
)


def columns_from_rows(households: list[HouseholdRow], persons: list[PersonRow]) -> Columns:
    """Columns from plain rows (as the repository reads them); persons of unknown households
    are a programming error."""
    index = {row[0]: i for i, row in enumerate(households)}
    hh = list(zip(*households, strict=True)) if households else [()] * 9
    cse_level = [level or "" for level in hh[3]]
    person_cols = list(zip(*persons, strict=True)) if persons else [()] * 13
    person = {
        name: np.asarray(person_cols[i + 2], dtype=dtype) for i, (name, dtype) in enumerate(_PERSON_SOURCES)
    }
    return Columns(
        household_ids=np.array(list(hh[0]), dtype=object),
        alive=np.ones(len(households), dtype=bool),
        active=np.asarray(hh[1], dtype=bool),
        department=np.asarray([u[:2] for u in hh[2]], dtype="<U2"),
        has_cse=np.asarray([level != "" for level in cse_level], dtype=bool),
        cse_level=np.asarray(cse_level, dtype="<U13"),
        cse_from=np.asarray([d or 0 for d in hh[4]], dtype=np.int64),
        cse_until=np.asarray([d or 0 for d in hh[5]], dtype=np.int64),
        residence_y=np.asarray(hh[6], dtype=np.int32),
        residence_m=np.asarray(hh[7], dtype=np.int32),
        residence_d=np.asarray(hh[8], dtype=np.int32),
        person_ids=np.array(list(person_cols[1]), dtype=object),
        person_hh=np.asarray([index[h] for h in person_cols[0]], dtype=np.int64),
        person=person,
    )


def append_columns(base: Columns, extra: Columns) -> Columns:
    """`base` with `extra`'s households appended; rows of `base` for the same households die."""
    replaced = np.isin(base.household_ids, extra.household_ids)
    alive = base.alive & ~replaced
    offset = base.size

    def cat(a: Array, b: Array) -> Array:
        joined: Array = np.concatenate([a, b])
        return joined

    return Columns(
        household_ids=cat(base.household_ids, extra.household_ids),
        alive=cat(alive, extra.alive),
        active=cat(base.active, extra.active),
        department=cat(base.department, extra.department),
        has_cse=cat(base.has_cse, extra.has_cse),
        cse_level=cat(base.cse_level, extra.cse_level),
        cse_from=cat(base.cse_from, extra.cse_from),
        cse_until=cat(base.cse_until, extra.cse_until),
        residence_y=cat(base.residence_y, extra.residence_y),
        residence_m=cat(base.residence_m, extra.residence_m),
        residence_d=cat(base.residence_d, extra.residence_d),
        person_ids=cat(base.person_ids, extra.person_ids),
        person_hh=cat(base.person_hh, extra.person_hh + offset),
        person={name: cat(base.person[name], extra.person[name]) for name in base.person},
    )


def household_row(household: Any) -> HouseholdRow:
    """The row of a registry `Household` snapshot."""
    cse = household.classification
    return (
        household.household_id,
        household.status.value == "active",
        household.ubigeo,
        cse.level.value if cse is not None else None,
        cse.valid_from.toordinal() if cse is not None else None,
        cse.valid_until.toordinal() if cse is not None else None,
        household.residence_since.year,
        household.residence_since.month,
        household.residence_since.day,
    )


def person_rows(household: Any) -> list[PersonRow]:
    return [
        (
            household.household_id,
            m.person_id,
            m.birth_date.year,
            m.birth_date.month,
            m.birth_date.day,
            m.document.type.value,
            m.pension.value,
            m.disability.severity.value,
            m.disability.certified,
            m.pregnant,
            m.education.secondary_last_year,
            m.education.secondary_completed,
            m.education.in_school,
        )
        for m in household.members
    ]


def columns_from_households(households: list[Any]) -> Columns:
    return columns_from_rows(
        [household_row(h) for h in households], [row for h in households for row in person_rows(h)]
    )
