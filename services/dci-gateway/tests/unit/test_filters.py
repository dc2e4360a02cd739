"""The search language: identifier types, predicates, expressions, sort and pagination, refused
with the standard's reason codes."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from chasqui_common.values import DocumentType
from chasqui_dci_gateway.domain.errors import SearchRejected
from chasqui_dci_gateway.domain.expressions import parse_expression
from chasqui_dci_gateway.domain.filters import (
    ATTRIBUTES,
    And,
    Condition,
    Not,
    Operator,
    Or,
    page,
    predicate_filter,
    sort_keys,
)
from chasqui_dci_gateway.domain.identifiers import LookupKind, resolve_identifier
from chasqui_dci_gateway.domain.records import RECORD_FIELDS

ALL = frozenset(RECORD_FIELDS)


def predicate(name: object, op: object, value: object, **extra: object) -> SimpleNamespace:
    expression = SimpleNamespace(attribute_name=name, operator=op, attribute_value=value)
    return SimpleNamespace(seq_num=extra.get("seq_num"), expression1=expression, condition=extra.get("condition"),
                           expression2=extra.get("expression2"))  # fmt: skip


def test_uin_is_the_dni_and_a_check_character_is_dropped() -> None:
    lookup = resolve_identifier("UIN", "10117410-2")
    assert (lookup.kind, lookup.document_type, lookup.value) == (
        LookupKind.DOCUMENT,
        DocumentType.DNI,
        "10117410",
    )


def test_mobile_is_normalised_to_e164() -> None:
    assert resolve_identifier("MOBILE", "987 654 321").value == "+51987654321"


def test_unknown_identifier_type_is_a_criteria_rejection() -> None:
    with pytest.raises(SearchRejected) as refused:
        resolve_identifier("BRN", "123")
    assert refused.value.reason_code == "rjct.search_criteria.invalid"


def test_a_malformed_dni_is_a_criteria_rejection() -> None:
    with pytest.raises(SearchRejected) as refused:
        resolve_identifier("UIN", "1234")
    assert refused.value.reason_code == "rjct.search_criteria.invalid"


def test_predicates_in_seq_order_all_hold() -> None:
    tree = predicate_filter(
        [
            predicate("age", "ge", 65, seq_num=2),
            predicate("cse", "eq", "POBRE_EXTREMO", seq_num=1, condition="or",
                      expression2=SimpleNamespace(attribute_name="cse", operator="eq", attribute_value="POBRE")),
        ],
        ALL,
    )  # fmt: skip
    assert tree == And(
        (
            Or((Condition("cse", Operator.EQ, "POBRE_EXTREMO"), Condition("cse", Operator.EQ, "POBRE"))),
            Condition("age", Operator.GE, 65),
        )
    )


def test_not_without_expression2_negates_expression1() -> None:
    assert predicate_filter([predicate("pregnant", "eq", True, condition="not")], ALL) == Not(
        Condition("pregnant", Operator.EQ, True)
    )


@pytest.mark.parametrize(
    ("item", "needle"),
    [
        (predicate("salary", "eq", 1), "not a searchable attribute"),
        (predicate("cse", "like", "POBRE"), "is not one of"),
        (predicate("cse", "gt", "POBRE"), "does not apply"),
        (predicate("cse", "eq", "RICO"), "expected one of"),
        (predicate("birth_date", "le", "14/03/1958"), "YYYY-MM-DD"),
        (predicate("sex", "in", []), "of 1 to 100 values"),
    ],
)
def test_bad_predicates_are_filter_rejections(item: SimpleNamespace, needle: str) -> None:
    with pytest.raises(SearchRejected) as refused:
        predicate_filter([item], ALL)
    assert refused.value.reason_code == "rjct.filter.invalid"
    assert needle in refused.value.detail


def test_an_attribute_outside_the_entitlement_is_refused() -> None:
    with pytest.raises(SearchRejected, match="not entitled"):
        predicate_filter([predicate("disability_severity", "eq", "severe")], frozenset({"name"}))


def test_expression_grammar_with_precedence_not_and_lists() -> None:
    tree = parse_expression(
        'cse in ["POBRE", "POBRE_EXTREMO"] and (age ge 65 or not disability_severity eq "none")', ALL
    )
    assert tree == And(
        (
            Condition("cse", Operator.IN, ("POBRE", "POBRE_EXTREMO")),
            Or(
                (
                    Condition("age", Operator.GE, 65),
                    Not(Condition("disability_severity", Operator.EQ, "none")),
                )
            ),
        )
    )
    assert parse_expression('birth_date le "1961-03-11"', ALL) == Condition(
        "birth_date", Operator.LE, date(1961, 3, 11)
    )


@pytest.mark.parametrize(
    "text",
    ['cse eq "POBRE" and', '(cse eq "POBRE"', "cse eq POBRE", "salary gt 3", 'cse ~ "POBRE"', ""],
)
def test_malformed_expressions_are_filter_rejections(text: str) -> None:
    with pytest.raises(SearchRejected) as refused:
        parse_expression(text, ALL)
    assert refused.value.reason_code == "rjct.filter.invalid"


def test_sort_and_pagination_limits() -> None:
    assert sort_keys([("birth_date", "desc")], ALL)[0].descending
    with pytest.raises(SearchRejected) as sort_refused:
        sort_keys([("salary", "asc")], ALL)
    assert sort_refused.value.reason_code == "rjct.sort.invalid"
    assert page(None, None, default_size=100, max_size=500).size == 100
    assert page(10.0, 3, default_size=100, max_size=500).offset == 20
    for size, number in ((0, 1), (501, 1), (10, 0), (2.5, 1)):
        with pytest.raises(SearchRejected) as refused:
            page(size, number, default_size=100, max_size=500)
        assert refused.value.reason_code == "rjct.pagination.invalid"


def test_every_attribute_has_a_column() -> None:
    from chasqui_dci_gateway.adapters.repository import COLUMNS

    assert set(COLUMNS) == set(ATTRIBUTES)
    assert {a.field for a in ATTRIBUTES.values()} <= set(RECORD_FIELDS)
