"""Compile condition trees into Python functions: the one way conditions are evaluated.

A policy's condition is a small tree (conditions.py). Walking it node by node costs a call,
a loop and a tuple for every fact of every policy on every descriptor; a scan of ten
thousand descriptors evaluates a million facts. So each tree becomes the source of one
function whose paths are unrolled ``dict.get`` chains, and whose outcomes for a missing
fact at a fixed path are made once, when the catalog is compiled.

The source names no object: every operator, expected value and ready-made outcome reaches
the function through one tuple of constants, so the code object depends only on the trees'
shapes and paths, and is cached on disk by the source's digest (compiling takes longer
than a pre-commit run may spend).

Outcomes are those of conditions.py's rules; every PASS outcome is conditions.PASSED.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

from policylint.catalog.conditions import (
    FAIL,
    PASS,
    PASSED,
    All,
    AnyOf,
    Condition,
    ConditionSyntaxError,
    Each,
    If,
    Leaf,
    Not,
    Outcome,
    Tokens,
    combine,
    failed,
    failed_once,
    not_a_list,
    not_declared,
    operator_failed,
)
from policylint.catalog.operators import OPERATORS, OperatorError

Evaluator = Callable[[Any, date], Outcome]

# What generated code reaches by name; the rest comes in its tuple of constants.
_RUNTIME: dict[str, Any] = {
    "PASSED": PASSED,
    "PASS": PASS,
    "FAIL": FAIL,
    "OperatorError": OperatorError,
    "combine": combine,
    "failed": failed,
    "failed_once": failed_once,
    "not_a_list": not_a_list,
    "not_declared": not_declared,
    "operator_failed": operator_failed,
}
# Operators that are one Python expression, written in place of a call: ``equals`` is most
# of the leaves a descriptor's evaluation runs. Each is its operator's very expression.
_INLINE: dict[Callable[..., bool], str] = {
    OPERATORS["equals"].test: "{value} == {expected}",
    OPERATORS["not_equals"].test: "{value} != {expected}",
    OPERATORS["declared"].test: "True",
}
_INDENT = "    "
_MAX_DEPTH = 80  # Python's parser stops at 100 levels of indentation
TOO_DEEP = "a condition nests too deeply to compile"


class _Writer:
    """The source of one function, with the constants it reads."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.constants: list[Any] = []
        self.names = 0
        # The values at the paths from the root that facts go through, each found once at
        # the top of the function (``head``): a policy's facts share their section.
        self.head: list[str] = []
        self.prefixes: dict[Tokens, str] = {}

    def line(self, depth: int, text: str) -> None:
        if depth > _MAX_DEPTH:
            raise ConditionSyntaxError(TOO_DEEP)
        self.lines.append(_INDENT * depth + text)

    def constant(self, value: Any) -> str:
        self.constants.append(value)
        return f"k{len(self.constants) - 1}"

    def local(self, prefix: str) -> str:
        self.names += 1
        return f"{prefix}{self.names}"

    def prefix(self, tokens: Tokens) -> str:
        """The local that holds the value at ``tokens`` from the root, or None where a part
        of the path is missing (by ``_step``'s rule)."""
        name = self.prefixes.get(tokens)
        if name is None:
            parent = "root" if len(tokens) == 1 else self.prefix(tokens[:-1])
            name = self.prefixes[tokens] = self.local("p")
            self.head.append(f"{_INDENT * 2}{name} = {parent}")
            self.head.append(f"{_INDENT * 2}if {name} is not None and not ({_step(name, tokens[-1])}):")
            self.head.append(f"{_INDENT * 3}{name} = None")
        return name


class _Place:
    """Where relative facts start: the root, or the current item of an ``each``.

    ``value`` names the variable that holds it; ``tokens`` names the variable that holds
    its path (None for the root, whose path is empty)."""

    def __init__(self, value: str, tokens: str | None) -> None:
        self.value, self.tokens = value, tokens


_ROOT = _Place("root", None)


def source_of(named: Sequence[tuple[str, Condition]]) -> tuple[str, list[list[Any]]]:
    """One module's source, in which ``make_N(k)`` returns the function of the N-th condition
    given its constants ``k``; and the constants of each. ``named`` pairs each condition with
    the name of its policy file, for errors."""
    parts, constants = [], []
    for index, (name, condition) in enumerate(named):
        writer = _Writer()
        try:
            _emit(writer, condition, _ROOT, "outcome", 2)
        except ConditionSyntaxError as error:
            raise ConditionSyntaxError(name, str(error)) from None
        unpack = f"{_INDENT}({', '.join(f'k{i}' for i in range(len(writer.constants)))},) = k\n"
        header = f"def make_{index}(k):\n" + (unpack if writer.constants else "")
        body = f"{_INDENT}def evaluate(root, as_of):\n" + "\n".join([*writer.head, *writer.lines]) + "\n"
        parts.append(header + body + f"{_INDENT * 2}return outcome\n{_INDENT}return evaluate\n")
        constants.append(writer.constants)
    return "\n".join(parts), constants


def evaluators(named: Sequence[tuple[str, Condition]]) -> list[Evaluator]:
    """The function of each condition: ``evaluate(root, as_of) -> Outcome``. A condition that
    cannot be compiled raises ConditionSyntaxError(policy file, reason)."""
    from policylint.catalog import cache

    source, constants = source_of(named)
    try:
        code = cache.code_for(source, "<policylint conditions>")
    except (SyntaxError, RecursionError, MemoryError):  # Python's own bounds on nesting
        raise ConditionSyntaxError(_too_deep(named), TOO_DEEP) from None
    namespace = dict(_RUNTIME)
    exec(code, namespace)  # our own source, made from validated policies
    return [namespace[f"make_{index}"](tuple(values)) for index, values in enumerate(constants)]


def _too_deep(named: Sequence[tuple[str, Condition]]) -> str:
    """The policy file whose condition Python cannot compile."""
    for name, condition in named:
        try:
            compile(source_of([(name, condition)])[0], name, "exec")
        except (SyntaxError, RecursionError, MemoryError):
            return name
    return "policy catalog"


# --- emitting each kind of node: code that leaves the node's outcome in ``out`` --------


def _emit(writer: _Writer, condition: Condition, place: _Place, out: str, depth: int) -> None:
    emitter = _EMITTERS.get(type(condition))
    if emitter is None:
        raise ConditionSyntaxError(f"cannot compile {type(condition).__name__}")
    emitter(writer, condition, place, out, depth)


def _emit_leaf(writer: _Writer, leaf: Leaf, place: _Place, out: str, depth: int) -> None:
    outcome = "PASSED if {holds} else failed_once({leaf}, {tokens}, {value}, {phrased})"
    _emit_test(writer, leaf, place, out, depth, outcome, phrased=writer.constant({}))


def _emit_not(writer: _Writer, condition: Not, place: _Place, out: str, depth: int) -> None:
    outcome = "failed({leaf}, {tokens}, {value}, negated=True) if {holds} else PASSED"
    _emit_test(writer, condition.child, place, out, depth, outcome)


def _emit_test(writer: _Writer, leaf: Leaf, place: _Place, out: str, depth: int, outcome: str, **names: str) -> None:
    """A leaf's operator on the value at its path; ``outcome`` is the expression of the
    outcome, with the names of the leaf, its path, the value, whether the test holds, and
    ``names``."""
    value = writer.local("v")

    def found(depth: int) -> None:
        tokens = _tokens(writer, leaf.tokens, leaf.relative, place)
        expected, holds = writer.constant(leaf.expected), writer.local("h")
        inline = _INLINE.get(leaf.operator.test)
        if inline is not None:
            writer.line(depth, f"{holds} = {inline.format(value=value, expected=expected)}")
        else:
            writer.line(depth, "try:")
            writer.line(depth + 1, f"{holds} = {writer.constant(leaf.operator.test)}({value}, {expected}, as_of)")
            writer.line(depth, "except OperatorError as error:")
            writer.line(depth + 1, f"operator_failed({tokens}, error)")
        names.update(leaf=writer.constant(leaf), tokens=tokens, value=value, holds=holds)
        writer.line(depth, f"{out} = {outcome.format(**names)}")

    _walk(writer, leaf.tokens, leaf.relative, place, value, out, depth, found)


def _emit_all(writer: _Writer, condition: All, place: _Place, out: str, depth: int) -> None:
    children = [writer.local("o") for _ in condition.children]
    for child, name in zip(condition.children, children, strict=True):
        _emit(writer, child, place, name, depth)
    every_pass = " and ".join(f"{name} is PASSED" for name in children) or "True"
    writer.line(depth, f"{out} = PASSED if {every_pass} else combine([{', '.join(children)}])")


def _emit_any(writer: _Writer, condition: AnyOf, place: _Place, out: str, depth: int) -> None:
    """The first child that passes decides; the later ones are not evaluated."""
    children: list[str] = []
    for child in condition.children:
        name = writer.local("o")
        children.append(name)
        _emit(writer, child, place, name, depth)
        writer.line(depth, f"if {name}.state is PASS:")
        writer.line(depth + 1, f"{out} = PASSED")
        writer.line(depth, "else:")
        depth += 1
    writer.line(depth, f"{out} = combine([{', '.join(children)}])")


def _emit_if(writer: _Writer, condition: If, place: _Place, out: str, depth: int) -> None:
    guard = writer.local("g")
    _emit(writer, condition.condition, place, guard, depth)
    writer.line(depth, f"if {guard}.state is PASS:")
    _emit(writer, condition.then, place, out, depth + 1)
    writer.line(depth, "else:")
    writer.line(depth + 1, f"{out} = PASSED if {guard}.state is FAIL else {guard}")


def _emit_each(writer: _Writer, condition: Each, place: _Place, out: str, depth: int) -> None:
    items = writer.local("items")

    def found(depth: int) -> None:
        tokens = _tokens(writer, condition.tokens, condition.relative, place)
        index, item, path, outcomes, one = (writer.local(p) for p in ("i", "item", "path", "outcomes", "o"))
        writer.line(depth, f"if type({items}) is not list:")
        writer.line(depth + 1, f"not_a_list({tokens})")
        writer.line(depth, f"{outcomes} = []")
        writer.line(depth, f"for {index}, {item} in enumerate({items}):")
        writer.line(depth + 1, f"{path} = (*{tokens}, {index})")
        _emit(writer, condition.condition, _Place(item, path), one, depth + 1)
        writer.line(depth + 1, f"{outcomes}.append({one})")
        writer.line(depth, f"{out} = combine({outcomes})")

    _walk(writer, condition.tokens, condition.relative, place, items, out, depth, found)


_EMITTERS: dict[type, Callable[..., None]] = {
    Leaf: _emit_leaf,
    Not: _emit_not,
    All: _emit_all,
    AnyOf: _emit_any,
    If: _emit_if,
    Each: _emit_each,
}


# --- paths ----------------------------------------------------------------------------


def _walk(
    writer: _Writer,
    tokens: Tokens,
    relative: bool,
    place: _Place,
    value: str,
    out: str,
    depth: int,
    found: Callable[[int], None],
) -> None:
    """Code that puts the value at a fact's path in ``value`` and runs ``found``'s code, or
    leaves in ``out`` the outcome that the first missing part of the path is not declared.

    A value counts as missing when it is null, or when its parent is not a mapping (a list,
    for a number token) that holds it: what validated data can hold."""
    start = place if relative else _ROOT
    missing: list[tuple[int, str]] = []
    first = 0  # the tokens before ``first`` are walked already
    if start is _ROOT and len(tokens) > 1:  # from the value at the path to the last token
        first = len(tokens) - 1
        writer.line(depth, f"{value} = {writer.prefix(tokens[:first])}")
        writer.line(depth, f"if {value} is not None:")
        missing.append((depth, _first_missing(writer, tokens[:first])))
        depth += 1
    else:
        writer.line(depth, f"{value} = {start.value}")
    if start.tokens is not None:  # an item of a list may itself be null
        writer.line(depth, f"if {value} is not None:")
        missing.append((depth, f"not_declared({start.tokens})"))
        depth += 1
    for position, token in enumerate(tokens[first:], start=first):
        writer.line(depth, f"if {_step(value, token)}:")
        missing.append((depth, _missing(writer, tokens[: position + 1], start)))
        depth += 1
    found(depth)
    for level, outcome in reversed(missing):
        writer.line(level, "else:")
        writer.line(level + 1, f"{out} = {outcome}")


def _step(value: str, token: str | int) -> str:
    step = f"(type({value}) is dict and ({value} := {value}.get({token!r})) is not None)"
    if type(token) is int:
        step += f" or (type({value}) is list and {token} < len({value}) and ({value} := {value}[{token}]) is not None)"
    return step


def _first_missing(writer: _Writer, tokens: Tokens) -> str:
    """The outcome of the first part of ``tokens`` (from the root) that is missing, when the
    value at the whole of it is: the first of its prefixes found None."""
    chosen = writer.constant(not_declared(tokens))
    for length in range(len(tokens) - 1, 0, -1):
        outcome = writer.constant(not_declared(tokens[:length]))
        chosen = f"{outcome} if {writer.prefix(tokens[:length])} is None else {chosen}"
    return chosen


def _missing(writer: _Writer, tokens: Tokens, start: _Place) -> str:
    """The outcome of a path missing at its last token: made now for a path from the root."""
    if start.tokens is None:
        return writer.constant(not_declared(tokens))
    return f"not_declared((*{start.tokens}, *{tokens!r}))"


def _tokens(writer: _Writer, tokens: Tokens, relative: bool, place: _Place) -> str:
    """An expression for a fact's whole path, for the outcomes that name it."""
    if relative and place.tokens is not None:
        return f"(*{place.tokens}, *{tokens!r})"
    return writer.constant(tokens)
