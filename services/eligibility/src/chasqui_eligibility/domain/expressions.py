"""CEL expressions (cel-python): parsing, evaluation, and the facts each expression reads.

CEL is the source of truth for every rule. `vectorised.py` compiles the same parse trees to
array code for bulk work and is proven equal to this evaluator by tests.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import celpy
import lark
from celpy.adapter import json_to_cel
from celpy.celparser import CELParser
from celpy.evaluation import CELEvalError

from chasqui_eligibility.domain.facts import HOUSEHOLD_FIELDS, PERSON_FIELDS

MACROS = frozenset({"exists", "all"})


class ExpressionError(ValueError):
    """A rule expression that does not parse, reads an unknown fact, or gives a wrong type."""


@dataclass(frozen=True)
class Reads:
    """Facts an expression reads: `household.x`/`person.x`, and member fields inside macros."""

    paths: tuple[str, ...]
    member_fields: tuple[str, ...]


@dataclass(frozen=True)
class CompiledExpression:
    source: str
    tree: lark.Tree[Any]
    program: Any
    reads: Reads

    def evaluate(self, activation: dict[str, Any]) -> Any:
        try:
            result = self.program.evaluate(activation)
        except CELEvalError as exc:
            raise ExpressionError(f"expression {self.source!r} failed: {exc}") from exc
        if isinstance(result, CELEvalError):
            raise ExpressionError(f"expression {self.source!r} failed: {result}")
        return result


_ENV = celpy.Environment()
_PARSER = CELParser()


@functools.lru_cache(maxsize=4096)
def compile_expression(source: str, *, allow_person: bool) -> CompiledExpression:
    """Parse and check `source`; cached, so every rule set compiles each expression once."""
    try:
        tree = _PARSER.parse(source)
        program = _ENV.program(_ENV.compile(source))
    except Exception as exc:  # celpy raises its own parse error types
        raise ExpressionError(f"expression {source!r} does not parse as CEL: {exc}") from exc
    reads = _reads(tree, source, allow_person=allow_person)
    return CompiledExpression(source, tree, program, reads)


def activation(household: dict[str, Any], person: dict[str, Any] | None) -> dict[str, Any]:
    values = {"household": json_to_cel(household)}
    if person is not None:
        values["person"] = json_to_cel(person)
    return values


def _reads(tree: lark.Tree[Any], source: str, *, allow_person: bool) -> Reads:
    paths: set[str] = set()
    member_fields: set[str] = set()
    macro_vars: set[str] = set()
    for node in tree.iter_subtrees_topdown():  # type: ignore[no-untyped-call]
        if node.data == "member_dot_arg":
            target, method, *rest = node.children
            name = str(method)
            if name not in MACROS:
                raise ExpressionError(
                    f"expression {source!r}: method {name!r} is not supported (expected one of "
                    f"{sorted(MACROS)} on household.members)"
                )
            if _dotted(target) != ("household", "members"):
                raise ExpressionError(f"expression {source!r}: {name}() is only allowed on household.members")
            args = rest[0] if rest else None
            if not isinstance(args, lark.Tree) or len(args.children) != 2:
                raise ExpressionError(f"expression {source!r}: {name}() needs a variable and a condition")
            var = _dotted(args.children[0])
            if var is None or len(var) != 1:
                raise ExpressionError(f"expression {source!r}: {name}() needs a variable name first")
            macro_vars.add(var[0])
            paths.add("household.members")
    for node in tree.iter_subtrees_topdown():  # type: ignore[no-untyped-call]
        if node.data == "member_dot":
            dotted = _dotted(node)
            if dotted is None or len(dotted) != 2:
                raise ExpressionError(f"expression {source!r}: only one level of field access is supported")
            root, fact = dotted
            if root in macro_vars:
                _check(source, fact, PERSON_FIELDS, "a member")
                member_fields.add(fact)
            elif root == "household":
                if fact != "members":
                    _check(source, fact, HOUSEHOLD_FIELDS, "household")
                    paths.add(f"household.{fact}")
            elif root == "person":
                if not allow_person:
                    raise ExpressionError(
                        f"expression {source!r}: `person` is not defined in a household program"
                    )
                _check(source, fact, PERSON_FIELDS, "person")
                paths.add(f"person.{fact}")
            else:
                raise ExpressionError(f"expression {source!r}: unknown variable {root!r}")
        elif node.data == "ident":
            name = str(node.children[0])
            known = {"household", *macro_vars} | ({"person"} if allow_person else set())
            if name not in known:
                raise ExpressionError(
                    f"expression {source!r}: unknown variable {name!r} (expected one of {sorted(known)})"
                )
    return Reads(tuple(sorted(paths)), tuple(sorted(member_fields)))


def _check(source: str, fact: str, allowed: tuple[str, ...], owner: str) -> None:
    if fact not in allowed:
        raise ExpressionError(
            f"expression {source!r}: {owner} has no fact {fact!r} (expected one of {list(allowed)})"
        )


def _dotted(node: Any) -> tuple[str, ...] | None:
    """`a.b` as ("a", "b") when `node` is a plain identifier chain, else None."""
    if isinstance(node, lark.Token):
        return None
    if (
        node.data
        in {
            "member",
            "primary",
            "expr",
            "conditionalor",
            "conditionaland",
            "relation",
            "addition",
            "multiplication",
            "unary",
        }
        and len(node.children) == 1
    ):
        return _dotted(node.children[0])
    if node.data == "ident":
        return (str(node.children[0]),)
    if node.data == "member_dot":
        head = _dotted(node.children[0])
        return None if head is None else (*head, str(node.children[1]))
    return None
