"""Compile condition trees into closures: the one way conditions are evaluated.

Each ``all``, ``any``, ``if`` and ``each`` of a policy's condition (conditions.py) becomes,
once, when the catalog loads, a function that closes over its children, and its leaves'
operators, expected values and the outcomes of their paths missing: nothing is looked up by
name or decided by a node's kind while a descriptor is evaluated. No source is generated
and nothing is read from disk.

A node is called as ``node(frame, as_of, place, base)``. ``frame`` holds the descriptor's
data (``frame[0]``) and the values at the paths of keys from the root that the condition's
facts read and go through, each found once an evaluation, in one loop (a policy's facts
share their section). Inside an ``each``, ``place`` is the current item and ``base`` its
path. Leaves are evaluated in their parent's loop, not called: a Python call costs more than
the rest of a leaf. A compiled condition is called as ``evaluate(root, as_of)``.

Outcomes are those of conditions.py's rules; every PASS outcome is conditions.PASSED.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any, NamedTuple, Protocol

from policylint.catalog.conditions import (
    FAIL,
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

_Frame = list[Any]
# A step of building a frame: the value at ``place`` is the one under ``key`` of the value at
# ``parent``, the place of its path's parent; ``section``, the section of spec it lies under.
Step = tuple[int, int, str, str | None]


class _Node(Protocol):
    def __call__(self, frame: _Frame, as_of: date, place: Any = None, base: Tokens = ()) -> Outcome: ...


# A bound on nesting, so that evaluating a condition stays far from Python's recursion limit.
MAX_DEPTH = 64
TOO_DEEP = "a condition nests too deeply to compile"


class Paths:
    """The paths of keys from the root that conditions read and go through, each with its
    place in a frame, in the order they are found: one for all the conditions of a catalog,
    so that one frame a descriptor serves all its policies. A value counts as missing when
    it is null, or when its parent is not a mapping: what validated data can hold."""

    def __init__(self) -> None:
        self.places: dict[tuple[str, ...], int] = {(): 0}
        self.steps: list[Step] = []

    def place(self, path: tuple[str, ...]) -> int:
        found = self.places.get(path)
        if found is None:
            parent = self.place(path[:-1])
            found = self.places[path] = len(self.steps) + 1
            self.steps.append((found, parent, path[-1], path[1] if len(path) > 1 and path[0] == "spec" else None))
        return found


class _Reads:
    """The places in the frame that one condition reads, its paths' parents included."""

    def __init__(self, paths: Paths) -> None:
        self.paths, self.used = paths, {0}

    def place(self, path: tuple[str, ...]) -> int:
        found = self.paths.place(path)
        self.used.add(found)
        return found

    def steps(self) -> tuple[Step, ...]:
        return tuple(self.paths.steps[place - 1] for place in sorted(self.used) if place)


class Evaluator:
    """A compiled condition: ``evaluate(root, as_of) -> Outcome`` builds the frame it reads;
    ``node(frame, as_of)`` evaluates it on a frame built with (at least) its ``steps``, one
    for every policy of a descriptor (frame_steps)."""

    __slots__ = ("node", "steps")

    def __init__(self, node: _Node, steps: tuple[Step, ...]) -> None:
        self.node, self.steps = node, steps

    def __call__(self, root: Any, as_of: date) -> Outcome:
        return self.node(frame_of(root, self.steps, self.steps[-1][0] + 1 if self.steps else 1), as_of)


def evaluator(condition: Condition, paths: Paths | None = None) -> Evaluator:
    """The function that evaluates ``condition``, its places in the frame taken from ``paths``
    (the catalog's). A condition nested deeper than MAX_DEPTH raises ConditionSyntaxError."""
    reads = _Reads(paths or Paths())
    node = _node(condition, reads, in_item=False, depth=0)
    return Evaluator(node, reads.steps())


def frame_steps(evaluators: Iterable[Evaluator], declared: frozenset[str] | None) -> tuple[tuple[Step, ...], int]:
    """The steps that build one frame for all of ``evaluators`` on a descriptor whose spec
    declares the sections ``declared`` (None: spec is no mapping), and the frame's size.
    Every value under a section not declared is missing: its steps are left out, its places
    stay None."""
    steps = {step for evaluator in evaluators for step in evaluator.steps}
    size = max((step[0] for step in steps), default=0) + 1
    if declared is not None:
        steps = {step for step in steps if step[3] is None or step[3] in declared}
    return tuple(sorted(steps)), size


def frame_of(root: Any, steps: tuple[Step, ...], size: int) -> _Frame:
    """The frame of ``root``: the values at the places of ``steps``, the others None."""
    frame: _Frame = [None] * size
    frame[0] = root
    for place, parent, key, _ in steps:
        value = frame[parent]
        frame[place] = value.get(key) if type(value) is dict else None
    return frame


# --- compiling ------------------------------------------------------------------------

# How a node combines its children's outcomes; an ``if`` is its guard's outcome unless that
# passes, then its ``then``'s.
_ALL, _ANY, _IF = range(3)


def _node(condition: Condition, reads: _Reads, in_item: bool, depth: int) -> _Node:
    if depth > MAX_DEPTH:
        raise ConditionSyntaxError(TOO_DEEP)
    if isinstance(condition, Each):
        tokens, from_place = condition.tokens, condition.relative and in_item
        inner = _node(condition.condition, reads, True, depth + 1)
        return _each(_read_from_place(tokens) if from_place else _read_from_root(tokens), inner, from_place, tokens)
    if isinstance(condition, All | AnyOf):
        kind, children = (_ALL if isinstance(condition, All) else _ANY), condition.children
    elif isinstance(condition, If):
        kind, children = _IF, (condition.condition, condition.then)
    elif isinstance(condition, Leaf | Not):
        kind, children = _ALL, (condition,)  # a lone leaf: all of one
    else:
        raise ConditionSyntaxError(f"cannot compile {type(condition).__name__}")
    return _sequence(kind, tuple(_entry(child, reads, in_item, depth + 1) for child in children))


def _entry(condition: Condition, reads: _Reads, in_item: bool, depth: int) -> _LeafEntry | _Node:
    """A leaf's entry, evaluated in its parent's loop; any other node, compiled."""
    if not isinstance(condition, Leaf | Not):
        return _node(condition, reads, in_item, depth)
    leaf, negated = (condition, False) if isinstance(condition, Leaf) else (condition.child, True)
    test = leaf.operator.test
    place, more = _where(leaf, leaf.relative and in_item, reads)
    return (place, _INLINE.get(test, _CALL), test, leaf.expected, negated, more)


# Operators that are one expression, written in place of a call: ``equals`` is most of the
# leaves a descriptor's evaluation runs. Each is its operator's very expression.
_CALL, _EQUALS, _NOT_EQUALS, _DECLARED = range(4)
_INLINE = {
    OPERATORS["equals"].test: _EQUALS,
    OPERATORS["not_equals"].test: _NOT_EQUALS,
    OPERATORS["declared"].test: _DECLARED,
}


class _Leaf(NamedTuple):
    """What a leaf needs past its value's place: ``chain``, the places in the frame of the
    parts of its path and the outcomes of each missing (shortest first); ``read``, for a
    path that is not in the frame; ``path_of(base)``, its whole path; ``phrased``, its
    failures, each phrased once (conditions.failed_once)."""

    leaf: Leaf
    chain: tuple[tuple[int, Outcome], ...]
    read: _Read
    path_of: Callable[[Tokens], Tokens]
    phrased: dict[Any, Outcome]

    def missing(self, frame: _Frame) -> Outcome:
        for place, outcome in self.chain:
            if frame[place] is None:
                return outcome
        return self.chain[-1][1]


# A leaf in its parent's loop: its value's place in the frame (-1: ``read`` it), how its
# operator is run, the operator's test, the expected value, whether it is a ``not``'s (FAIL
# when it holds, PASS when it does not), and the rest.
_LeafEntry = tuple[int, int, Callable[[Any, Any, date], bool], Any, bool, _Leaf]
_Read = Callable[[_Frame, Any, Tokens], Any]


def _where(leaf: Leaf, from_place: bool, reads: _Reads) -> tuple[int, _Leaf]:
    tokens = leaf.tokens
    if from_place:
        return -1, _Leaf(leaf, (), _read_from_place(tokens), lambda base: (*base, *tokens), {})
    more = _Leaf(leaf, (), _read_from_root(tokens), lambda base: tokens, {})
    if not tokens or any(type(token) is not str for token in tokens):
        return -1, more
    keys = tuple(str(token) for token in tokens)
    chain = tuple((reads.place(keys[:length]), not_declared(tokens[:length])) for length in range(1, len(keys) + 1))
    return reads.place(keys), more._replace(chain=chain)


# --- the nodes ------------------------------------------------------------------------


def _sequence(kind: int, entries: tuple[_LeafEntry | _Node, ...]) -> _Node:
    """``all``, ``any`` or ``if`` (see _ALL) of its entries, in order. ``any`` stops at its
    first passing child, ``if`` at a guard that does not pass."""
    guard = entries[0] if kind == _IF else None

    def evaluate(frame: _Frame, as_of: date, place: Any = None, base: Tokens = ()) -> Outcome:
        failing = []
        for entry in entries:
            if not isinstance(entry, tuple):
                outcome = entry(frame, as_of, place, base)
            else:
                at, inline, test, expected, negated, more = entry
                value = frame[at] if at >= 0 else more.read(frame, place, base)
                if value is None:
                    outcome = more.missing(frame)
                elif type(value) is Outcome:
                    outcome = value
                elif (
                    value == expected
                    if inline == _EQUALS
                    else value != expected
                    if inline == _NOT_EQUALS
                    else inline == _DECLARED or _test(test, value, expected, as_of, more, base)
                ) is not negated:
                    outcome = PASSED
                else:
                    outcome = (
                        failed(more.leaf, more.path_of(base), value, True)
                        if negated
                        else failed_once(more.leaf, more.path_of(base), value, more.phrased)
                    )
            if outcome is PASSED:
                if kind == _ANY:
                    return PASSED
            elif entry is guard:
                return PASSED if outcome.state is FAIL else outcome
            else:
                failing.append(outcome)
        return combine(failing) if failing else PASSED

    return evaluate


def _test(
    test: Callable[[Any, Any, date], bool], value: Any, expected: Any, as_of: date, more: _Leaf, base: Tokens
) -> bool:
    try:
        return bool(test(value, expected, as_of))
    except OperatorError as error:
        operator_failed(more.path_of(base), error)


def _each(read: _Read, condition: _Node, from_place: bool, tokens: Tokens) -> _Node:
    def evaluate(frame: _Frame, as_of: date, place: Any = None, base: Tokens = ()) -> Outcome:
        items = read(frame, place, base)
        if type(items) is Outcome:
            return items
        path = (*base, *tokens) if from_place else tokens
        if type(items) is not list:
            not_a_list(path)
        return combine([condition(frame, as_of, item, (*path, index)) for index, item in enumerate(items)])

    return evaluate


# --- paths that are not in the frame: with a list index, or from an item of an ``each`` --


def _read_from_root(tokens: Tokens) -> _Read:
    """The value at ``tokens`` from the root, or the outcome of its first missing part."""
    steps = tuple((token, not_declared(tokens[:length])) for length, token in enumerate(tokens, start=1))

    def read(frame: _Frame, place: Any, base: Tokens) -> Any:
        value = frame[0]
        for token, missing in steps:
            value = _step(value, token)
            if value is None:
                return missing
        return value

    return read


def _read_from_place(tokens: Tokens) -> _Read:
    """The value at ``tokens`` from the item of an ``each`` at ``base``, or the outcome of
    the first missing part of its whole path."""
    steps = tuple((token, length) for length, token in enumerate(tokens, start=1))

    def read(frame: _Frame, place: Any, base: Tokens) -> Any:
        if place is None:  # an item of a list may itself be null
            return not_declared(base)
        value = place
        for token, length in steps:
            value = _step(value, token)
            if value is None:
                return not_declared((*base, *tokens[:length]))
        return value

    return read


def _step(value: Any, token: str | int) -> Any:
    """The value under ``token`` (a list's item, for a number), or None."""
    if type(value) is dict:
        return value.get(token)
    if type(value) is list and type(token) is int and token < len(value):
        return value[token]
    return None
