"""The `expression` query language: a condition language over the same attributes and operators as
`predicate`, written as text, e.g.

    cse in ["POBRE", "POBRE_EXTREMO"] and (age ge 65 or not disability_severity eq "none")

Grammar (keywords and operators in lower case; strings are JSON strings):

    expression := term ("or" term)*
    term       := factor ("and" factor)*
    factor     := "not" factor | "(" expression ")" | attribute operator value
    value      := string | integer | true | false | "[" value ("," value)* "]"
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from chasqui_dci_gateway.domain.errors import SearchRejected
from chasqui_dci_gateway.domain.filters import (
    FILTER_INVALID,
    MAX_CONDITIONS,
    And,
    Filter,
    Not,
    Or,
    condition,
    conditions_in,
)

EXPRESSION_QUERY_TYPES = ("ns:chasqui:QueryType:expression", "expression")
"""`query.type` values of an expression query this gateway understands."""
MAX_LENGTH = 4000
MAX_DEPTH = 20

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<string>"(?:[^"\\]|\\.)*")
      | (?P<number>-?[0-9]+)
      | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
      | (?P<punct>[()\[\],])
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    value: Any
    at: int


def _refuse(detail: str, at: int | None = None) -> SearchRejected:
    where = f" at character {at + 1}" if at is not None else ""
    return SearchRejected(
        FILTER_INVALID, f"query.value.expression: {detail}{where}", field="query.value.expression"
    )


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        found = _TOKEN.match(text, position)
        if found is None:
            start = len(text[position:]) - len(text[position:].lstrip()) + position
            raise _refuse(f"unexpected {text[start]!r}", start)
        kind = found.lastgroup or ""
        raw = found.group(kind)
        start = found.start(kind)
        if kind == "string":
            try:
                value: Any = json.loads(raw)
            except ValueError:
                raise _refuse("malformed string", start) from None
        elif kind == "number":
            value = int(raw)
        else:
            value = raw
        tokens.append(_Token(kind, raw, value, start))
        position = found.end()
    return tokens


class _Parser:
    def __init__(self, text: str, entitled: frozenset[str]) -> None:
        self.tokens = _tokens(text)
        self.position = 0
        self.entitled = entitled
        self.end = len(text)

    def peek(self) -> _Token | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            raise _refuse("ends too early", self.end)
        self.position += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token is not None and token.kind == "name" and token.text == word:
            self.position += 1
            return True
        return False

    def expect(self, text: str) -> None:
        token = self.take()
        if token.text != text:
            raise _refuse(f"expected {text!r}, found {token.text!r}", token.at)

    def expression(self, depth: int) -> Filter:
        if depth > MAX_DEPTH:
            raise _refuse(f"nests deeper than {MAX_DEPTH} levels")
        parts = [self.term(depth)]
        while self.keyword("or"):
            parts.append(self.term(depth))
        return parts[0] if len(parts) == 1 else Or(tuple(parts))

    def term(self, depth: int) -> Filter:
        parts = [self.factor(depth)]
        while self.keyword("and"):
            parts.append(self.factor(depth))
        return parts[0] if len(parts) == 1 else And(tuple(parts))

    def factor(self, depth: int) -> Filter:
        if self.keyword("not"):
            return Not(self.factor(depth + 1))
        token = self.take()
        if token.text == "(":
            inner = self.expression(depth + 1)
            self.expect(")")
            return inner
        if token.kind != "name":
            raise _refuse(f"expected an attribute name, found {token.text!r}", token.at)
        operator = self.take()
        if operator.kind != "name":
            raise _refuse(f"expected an operator after {token.text!r}, found {operator.text!r}", operator.at)
        value = self.value()
        return condition(token.text, operator.text, value, self.entitled, "query.value.expression")

    def value(self) -> Any:
        token = self.take()
        if token.kind in ("string", "number"):
            return token.value
        if token.kind == "name" and token.text in ("true", "false"):
            return token.text == "true"
        if token.text == "[":
            values = [self.value()]
            while self.peek() is not None and self.peek().text == ",":  # type: ignore[union-attr]
                self.position += 1
                values.append(self.value())
            self.expect("]")
            return values
        raise _refuse(f"expected a value, found {token.text!r}", token.at)


def parse_expression(text: Any, entitled: frozenset[str]) -> Filter:
    """The filter an expression describes; SearchRejected(rjct.filter.invalid) naming the first
    fault (syntax, unknown attribute or operator, value of the wrong kind)."""
    if not isinstance(text, str) or not text.strip():
        raise _refuse("must be a non-empty string")
    if len(text) > MAX_LENGTH:
        raise _refuse(f"is longer than {MAX_LENGTH} characters")
    parser = _Parser(text, entitled)
    tree = parser.expression(0)
    leftover = parser.peek()
    if leftover is not None:
        raise _refuse(f"unexpected {leftover.text!r}", leftover.at)
    if conditions_in(tree) > MAX_CONDITIONS:
        raise _refuse(f"has more than {MAX_CONDITIONS} conditions")
    return tree
