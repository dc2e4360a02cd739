"""Search filters: the attributes a DCI `expression` or `predicate` query may name, the operators
it may use, and the filter tree (and / or / not over conditions) both turn into.

Only what is in `ATTRIBUTES` can be searched, with only the operators of the standard (`eq`,
`gt`, `ge`, `lt`, `le`, `in`); each value is checked against the attribute's kind before it
reaches the database, where it is bound as a parameter, never spliced into SQL. An attribute
also needs the sender to be entitled to its record field: a programme that may not see
disability data may not filter on it either.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from chasqui_common.errors import InvalidValue
from chasqui_common.values import check_iso_date

from chasqui_dci_gateway.domain.errors import SearchRejected

FILTER_INVALID = "rjct.filter.invalid"
SORT_INVALID = "rjct.sort.invalid"
PAGINATION_INVALID = "rjct.pagination.invalid"
MAX_IN_VALUES = 100
MAX_CONDITIONS = 50


class Operator(StrEnum):
    EQ = "eq"
    GT = "gt"
    GE = "ge"
    LT = "lt"
    LE = "le"
    IN = "in"


class Kind(StrEnum):
    TEXT = "text"
    DATE = "date"
    INT = "integer"
    BOOL = "boolean"


ORDERED = frozenset({Operator.EQ, Operator.GT, Operator.GE, Operator.LT, Operator.LE, Operator.IN})
EQUALITY = frozenset({Operator.EQ, Operator.IN})


@dataclass(frozen=True)
class Attribute:
    """A searchable attribute: its kind, the operators it takes, the record field that entitles a
    sender to it, and for closed vocabularies the DCI value -> projection value map."""

    name: str
    kind: Kind
    field: str
    operators: frozenset[Operator] = ORDERED
    choices: tuple[tuple[str, str], ...] = ()
    description: str = ""

    def allowed(self) -> dict[str, str]:
        return dict(self.choices)


def _closed(*values: str) -> tuple[tuple[str, str], ...]:
    return tuple((v, v) for v in values)


ATTRIBUTES: dict[str, Attribute] = {
    a.name: a
    for a in (
        Attribute("identifier_type", Kind.TEXT, "identifier", EQUALITY,
                  (("UIN", "DNI"), ("DNI", "DNI"), *_closed("CE", "CPP", "PTP", "PASSPORT", "REFUGEE_APPLICANT")),
                  "the member's document type (UIN = DNI)"),
        Attribute("identifier_value", Kind.TEXT, "identifier", EQUALITY, (), "the document number, canonical"),
        Attribute("given_name", Kind.TEXT, "name", EQUALITY, (), "given names, exactly"),
        Attribute("surname", Kind.TEXT, "name", EQUALITY, (), "paternal or maternal surname, exactly"),
        Attribute("birth_date", Kind.DATE, "birth_date", description="date of birth (YYYY-MM-DD)"),
        Attribute("age", Kind.INT, "birth_date", description="age in whole years today (Lima)"),
        Attribute("sex", Kind.TEXT, "sex", EQUALITY, (("female", "F"), ("male", "M")), "female or male"),
        Attribute("relationship", Kind.TEXT, "relationship", EQUALITY,
                  _closed("HEAD", "SPOUSE", "CHILD", "GRANDCHILD", "PARENT", "SIBLING", "OTHER_RELATIVE",
                          "NON_RELATIVE"), "relationship to the household head"),
        Attribute("household_identifier", Kind.TEXT, "household_identifier", EQUALITY, (), "registry household id"),
        Attribute("household_status", Kind.TEXT, "household_status", EQUALITY,
                  _closed("active", "deregistered"), "whether the household is still registered"),
        Attribute("ubigeo", Kind.TEXT, "address", EQUALITY, (), "INEI district code, 6 digits"),
        Attribute("province", Kind.TEXT, "address", EQUALITY, (), "INEI province code, 4 digits"),
        Attribute("department", Kind.TEXT, "address", EQUALITY, (), "INEI department code, 2 digits"),
        Attribute("cse", Kind.TEXT, "cse", EQUALITY, _closed("POBRE_EXTREMO", "POBRE", "NO_POBRE"),
                  "the household's socioeconomic classification in force"),
        Attribute("cse_valid_until", Kind.DATE, "cse", description="end of the classification's validity"),
        Attribute("disability_severity", Kind.TEXT, "disability", EQUALITY,
                  _closed("none", "mild", "moderate", "severe"), "disability severity"),
        Attribute("disability_certified", Kind.BOOL, "disability", EQUALITY, (), "CONADIS certificate"),
        Attribute("pregnant", Kind.BOOL, "pregnant", EQUALITY, (), "pregnancy"),
        Attribute("pension", Kind.TEXT, "pension", EQUALITY, _closed("none", "onp", "afp", "other"),
                  "contributory pension"),
        Attribute("phone_number", Kind.TEXT, "phone_number", EQUALITY, (), "E.164 phone"),
        Attribute("last_updated", Kind.DATE, "household_identifier",
                  description="day (Lima) of the household's last registry change"),
    )
}  # fmt: skip


@dataclass(frozen=True)
class Condition:
    attribute: str
    operator: Operator
    value: Any  # str | int | bool | date, or a tuple of them for `in`


@dataclass(frozen=True)
class And:
    parts: tuple[Filter, ...]


@dataclass(frozen=True)
class Or:
    parts: tuple[Filter, ...]


@dataclass(frozen=True)
class Not:
    part: Filter


Filter = Condition | And | Or | Not


@dataclass(frozen=True)
class SortKey:
    attribute: str
    descending: bool = False


@dataclass(frozen=True)
class Page:
    size: int
    number: int

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


def _scalar(attribute: Attribute, value: Any, where: str) -> Any:
    """`value` as the projection holds it, or SearchRejected(rjct.filter.invalid)."""

    def refuse(expected: str) -> SearchRejected:
        return SearchRejected(
            FILTER_INVALID,
            f"{where}: {value!r} is not a valid value of {attribute.name!r}; expected {expected}",
            field=where,
            value=value,
        )

    if attribute.kind is Kind.BOOL:
        if isinstance(value, bool):
            return value
        if value in ("true", "false"):
            return value == "true"
        raise refuse("true or false")
    if attribute.kind is Kind.INT:
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 150:
            return value
        if isinstance(value, str) and value.isdigit() and int(value) <= 150:
            return int(value)
        raise refuse("a whole number from 0 to 150")
    if attribute.kind is Kind.DATE:
        try:
            return check_iso_date(value, where)
        except InvalidValue:
            raise refuse("a date YYYY-MM-DD") from None
    if not isinstance(value, str) or not value or len(value) > 200:
        raise refuse("a non-empty string of at most 200 characters")
    choices = attribute.allowed()
    if choices:
        if value not in choices:
            raise refuse("one of " + ", ".join(choices))
        return choices[value]
    return value


def condition(
    name: Any, operator: Any, value: Any, entitled: frozenset[str], where: str = "query"
) -> Condition:
    """A checked condition: a known attribute the sender is entitled to, one of its operators,
    and a value of its kind (a list of them for `in`)."""
    attribute = ATTRIBUTES.get(name) if isinstance(name, str) else None
    if attribute is None:
        raise SearchRejected(
            FILTER_INVALID,
            f"{where}.attribute_name {name!r} is not a searchable attribute; expected one of "
            + ", ".join(ATTRIBUTES),
            field=f"{where}.attribute_name",
            value=name,
        )
    if attribute.field not in entitled:
        raise SearchRejected(
            FILTER_INVALID,
            f"{where}.attribute_name {name!r} needs the record field {attribute.field!r}, "
            "which this sender is not entitled to",
            field=f"{where}.attribute_name",
            value=name,
        )
    try:
        op = Operator(operator)
    except ValueError:
        raise SearchRejected(
            FILTER_INVALID,
            f"{where}.operator {operator!r} is not one of " + ", ".join(o.value for o in Operator),
            field=f"{where}.operator",
            value=operator,
        ) from None
    if op not in attribute.operators:
        raise SearchRejected(
            FILTER_INVALID,
            f"{where}.operator {op.value!r} does not apply to {name!r}; expected one of "
            + ", ".join(sorted(o.value for o in attribute.operators)),
            field=f"{where}.operator",
            value=operator,
        )
    if op is Operator.IN:
        if isinstance(value, str):  # the standard's value schema has no arrays: "a,b,c" is a list too
            value = [part.strip() for part in value.split(",")]
        if not isinstance(value, list) or not 1 <= len(value) <= MAX_IN_VALUES:
            raise SearchRejected(
                FILTER_INVALID,
                f"{where}.attribute_value of 'in' must be a list (or a comma-separated string) of 1 to "
                f"{MAX_IN_VALUES} values",
                field=f"{where}.attribute_value",
                value=value,
            )
        return Condition(name, op, tuple(_scalar(attribute, v, f"{where}.attribute_value") for v in value))
    return Condition(name, op, _scalar(attribute, value, f"{where}.attribute_value"))


def predicate_filter(items: Sequence[Any], entitled: frozenset[str]) -> Filter:
    """The filter of a `predicate` query: items in `seq_num` order, all of which must hold; each is
    `expression1`, or `expression1 and|or expression2`, or `expression1 not expression2`
    (expression1 and not expression2), or `not expression1` when it has no expression2."""
    if not items:
        raise SearchRejected(FILTER_INVALID, "a predicate query needs at least one predicate", field="query")
    if len(items) > MAX_CONDITIONS:
        raise SearchRejected(
            FILTER_INVALID, f"a predicate query takes at most {MAX_CONDITIONS} predicates", field="query"
        )
    ordered = sorted(enumerate(items), key=lambda pair: (_seq(pair[1]), pair[0]))
    parts: list[Filter] = []
    for position, item in ordered:
        where = f"query[{position}]"
        first = _expression(getattr(item, "expression1", None), entitled, f"{where}.expression1")
        second_raw = getattr(item, "expression2", None)
        link = getattr(item, "condition", None)
        second = None if second_raw is None else _expression(second_raw, entitled, f"{where}.expression2")
        if link is None and second is None:
            parts.append(first)
        elif link == "not":
            parts.append(Not(first) if second is None else And((first, Not(second))))
        elif link in ("and", "or") and second is not None:
            parts.append(And((first, second)) if link == "and" else Or((first, second)))
        else:
            raise SearchRejected(
                FILTER_INVALID,
                f"{where}.condition {link!r} needs expression2 and is one of and, or, not",
                field=f"{where}.condition",
                value=link,
            )
    return parts[0] if len(parts) == 1 else And(tuple(parts))


def _seq(item: Any) -> float:
    seq = getattr(item, "seq_num", None)
    return float(seq) if isinstance(seq, int | float) else float("inf")


def _expression(expression: Any, entitled: frozenset[str], where: str) -> Condition:
    if expression is None:
        raise SearchRejected(FILTER_INVALID, f"{where} is required", field=where)
    return condition(
        getattr(expression, "attribute_name", None),
        getattr(expression, "operator", None),
        getattr(expression, "attribute_value", None),
        entitled,
        where,
    )


def conditions_in(tree: Filter) -> int:
    if isinstance(tree, Condition):
        return 1
    if isinstance(tree, Not):
        return conditions_in(tree.part)
    return sum(conditions_in(part) for part in tree.parts)


def sort_keys(items: Sequence[tuple[Any, Any]], entitled: frozenset[str]) -> tuple[SortKey, ...]:
    """Checked (attribute_name, sort_order) pairs; SearchRejected(rjct.sort.invalid) otherwise."""
    keys = []
    for position, (name, order) in enumerate(items):
        attribute = ATTRIBUTES.get(name) if isinstance(name, str) else None
        if attribute is None or attribute.field not in entitled:
            raise SearchRejected(
                SORT_INVALID,
                f"sort[{position}].attribute_name {name!r} is not a sortable attribute of this sender; "
                "expected one of " + ", ".join(a.name for a in ATTRIBUTES.values() if a.field in entitled),
                field=f"sort[{position}].attribute_name",
                value=name,
            )
        if order not in (None, "asc", "desc"):
            raise SearchRejected(
                SORT_INVALID,
                f"sort[{position}].sort_order {order!r} is not asc or desc",
                field=f"sort[{position}].sort_order",
                value=order,
            )
        keys.append(SortKey(name, order == "desc"))
    return tuple(keys)


def page(size: Any, number: Any, *, default_size: int, max_size: int) -> Page:
    """The page asked for (numbers start at 1); SearchRejected(rjct.pagination.invalid) outside
    1..max_size or for a page number below 1."""
    size = default_size if size is None else size
    number = 1 if number is None else number
    if isinstance(size, float) and size.is_integer():
        size = int(size)
    if isinstance(number, float) and number.is_integer():
        number = int(number)
    if not isinstance(size, int) or isinstance(size, bool) or not 1 <= size <= max_size:
        raise SearchRejected(
            PAGINATION_INVALID,
            f"pagination.page_size {size!r} is not a whole number from 1 to {max_size}",
            field="pagination.page_size",
            value=size,
        )
    if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 1_000_000:
        raise SearchRejected(
            PAGINATION_INVALID,
            f"pagination.page_number {number!r} is not a whole number from 1 (pages count from 1)",
            field="pagination.page_number",
            value=number,
        )
    return Page(size, number)
