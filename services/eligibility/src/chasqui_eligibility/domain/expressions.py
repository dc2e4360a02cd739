"""CEL expressions (cel-python): parsing, evaluation, and the facts each expression reads.

CEL is the source of truth for every rule. Each expression is parsed once (per process, cached)
and turned into two cel-python programs:

- `program`: cel-python's `CompiledRunner`, which transpiles the CEL tree to Python code once;
  evaluating it is a few Python calls (about 25x faster than walking the tree). This is what
  every per-household decision uses. Not thread-safe: celpy's transpiled code runs with a
  module-global activation, so evaluate on the event loop (as the service does), never from
  several threads at once.
- `reference`: cel-python's tree-walking `InterpretedRunner`, kept as the reference the
  transpiled program is proven equal to (tests) and as the baseline of the benchmark.

`vectorised.py` compiles the same parse trees to array code for bulk work and is proven equal
to this evaluator by tests.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Literal

import celpy
import lark
from celpy.adapter import json_to_cel
from celpy.celparser import CELParseError, CELParser
from celpy.evaluation import CELEvalError, TranspilerTree

from chasqui_eligibility.domain.facts import HOUSEHOLD_FIELDS, PERSON_FIELDS

MACROS = frozenset({"exists", "all"})

Runner = Literal["transpiled", "interpreted"]
"""Which cel-python program evaluates: the transpiled one (default) or the tree-walking reference."""


class ExpressionError(ValueError):
    """A rule expression that does not parse, reads an unknown fact, or gives a wrong type.

    `field` locates it in its rule set when known (`criteria.2.expression`, `benefit.priority_points`).
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Reads:
    """Facts an expression reads: `household.x`/`person.x`, and member fields inside macros."""

    paths: tuple[str, ...]
    member_fields: tuple[str, ...]


@dataclass(frozen=True)
class CompiledExpression:
    source: str
    tree: lark.Tree[Any]
    program: Any  # celpy CompiledRunner: transpiled to Python once
    reference: Any  # celpy InterpretedRunner over the same tree
    reads: Reads

    @functools.cached_property
    def reads_person(self) -> bool:
        """Whether the value can differ between members of one household."""
        return any(path.startswith("person.") for path in self.reads.paths)

    def evaluate(self, activation: dict[str, Any], runner: Runner = "transpiled") -> Any:
        program = self.program if runner == "transpiled" else self.reference
        try:
            result = program.evaluate(activation)
        except CELEvalError as exc:
            raise ExpressionError(f"expression {self.source!r} failed: {exc}") from exc
        if isinstance(result, CELEvalError):
            raise ExpressionError(f"expression {self.source!r} failed: {result}")
        return result


_TRANSPILED = celpy.Environment(runner_class=celpy.CompiledRunner)
_INTERPRETED = celpy.Environment(runner_class=celpy.InterpretedRunner)


def _own_parser() -> Any:
    """A Lark CEL parser building `TranspilerTree`s (which the transpiler needs and the
    interpreter accepts). celpy keeps one process-wide parser whose tree class is fixed by
    whoever creates it first; this module builds its own and leaves celpy's as it found it."""
    saved = CELParser.CEL_PARSER
    CELParser.CEL_PARSER = None
    try:
        CELParser(tree_class=TranspilerTree)
        return CELParser.CEL_PARSER
    finally:
        CELParser.CEL_PARSER = saved if saved is not None else CELParser.CEL_PARSER


_LARK = _own_parser()


def _parse(source: str) -> lark.Tree[Any]:
    try:
        tree: lark.Tree[Any] = _LARK.parse(source)
    except (lark.exceptions.UnexpectedToken, lark.exceptions.UnexpectedCharacters) as exc:
        raise CELParseError(exc.get_context(source), *exc.args, line=exc.line, column=exc.column) from exc
    return tree


@functools.lru_cache(maxsize=4096)
def compile_expression(source: str, *, allow_person: bool) -> CompiledExpression:
    """Parse, check and compile `source` once: cached per process, so each expression of each
    rule-set version is transpiled once, never per evaluation."""
    try:
        tree = _parse(source)
        program = _TRANSPILED.program(tree)
        reference = _INTERPRETED.program(tree)
    except Exception as exc:  # celpy and lark raise their own parse error types
        raise ExpressionError(f"expression {source!r} does not parse as CEL: {exc}") from exc
    reads = _reads(tree, source, allow_person=allow_person)
    return CompiledExpression(source, tree, program, reference, reads)


def to_cel(facts: dict[str, Any]) -> Any:
    """Facts (plain dicts, lists, ints, strings, bools) as CEL values: convert once per
    household and reuse for every criterion of every program."""
    return json_to_cel(facts)


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
