"""Compile condition trees into closures: the one way conditions are evaluated.

Each node of a policy's condition (conditions.py) becomes, once, when the catalog loads, a
function that closes over its children, and its leaves' operators, expected values and the
outcomes of their paths missing: nothing is looked up by name or decided by a node's kind
while a descriptor is evaluated. No source is generated and nothing is read from disk.

A node is called as ``node(frame, as_of, place, base)``. ``frame`` holds the descriptor's
data (``frame[0]``) and the values at the paths of keys from the root that facts read and go
through, at places shared by every condition of a catalog (Paths): the engine builds one
frame a descriptor for all the policies it evaluates (frame_steps, frame_of). Inside an
``each``, ``place`` is the current item and ``base`` its path. A parent tests its leaves
whose values are in the frame itself, with one C call (_quick), and calls a leaf's node only
when that test does not pass: most leaves pass, and a Python call costs more than the rest
of a leaf. A compiled condition is called as ``evaluate(root, as_of)`` (Evaluator).

Outcomes are those of conditions.py's rules; every PASS outcome is conditions.PASSED.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from functools import partial
from operator import eq, ge, gt, is_not, le, lt, ne
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
    sections_read,
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


class Layout(NamedTuple):
    """How a frame is built: its ``steps``, by place (a parent before its children), and its
    size. (Runs of a mapping's keys read with map(dict.get, keys) into a slice cost twice
    the instructions of this loop: runs are short, and a slice assignment allocates.)"""

    steps: tuple[Step, ...]
    size: int


class Evaluator:
    """A compiled condition: ``evaluate(root, as_of) -> Outcome`` builds the frame it reads;
    ``node(frame, as_of)`` evaluates it on a frame built with (at least) its ``steps``, one
    for every policy of a descriptor (frame_layout)."""

    __slots__ = ("layout", "node", "steps")

    def __init__(self, node: _Node, steps: tuple[Step, ...]) -> None:
        self.node, self.steps = node, steps
        self.layout = Layout(steps, steps[-1][0] + 1 if steps else 1)

    def __call__(self, root: Any, as_of: date) -> Outcome:
        return self.node(frame_of(root, self.layout), as_of)


def evaluator(condition: Condition, paths: Paths | None = None) -> Evaluator:
    """The function that evaluates ``condition``, its places in the frame taken from ``paths``
    (the catalog's). A condition nested deeper than MAX_DEPTH raises ConditionSyntaxError."""
    reads = _Reads(paths or Paths())
    node = _node(condition, reads, in_item=False, depth=0)
    return Evaluator(node, reads.steps())


def frame_layout(evaluators: Iterable[Evaluator], declared: frozenset[str] | None) -> Layout:
    """How to build one frame for all of ``evaluators`` on a descriptor whose spec declares
    the sections ``declared`` (None: spec is no mapping). Every value under a section not
    declared is missing: its steps are left out, its places stay None."""
    steps = {step for evaluator in evaluators for step in evaluator.steps}
    size = max((step[0] for step in steps), default=0) + 1
    if declared is not None:
        steps = {step for step in steps if step[3] is None or step[3] in declared}
    return Layout(tuple(sorted(steps)), size)


def frame_of(root: Any, layout: Layout) -> _Frame:
    """The frame of ``root``: the values at the places of ``layout``'s steps, the others None."""
    frame: _Frame = [None] * layout.size
    frame[0] = root
    for place, parent, key, _ in layout.steps:
        value = frame[parent]
        frame[place] = value.get(key) if type(value) is dict else None
    return frame


# --- compiling ------------------------------------------------------------------------


def _node(condition: Condition, reads: _Reads, in_item: bool, depth: int) -> _Node:
    if depth > MAX_DEPTH:
        raise ConditionSyntaxError(TOO_DEEP)
    if isinstance(condition, Leaf | Not):
        return _leaf(condition, reads, in_item)[1]
    if isinstance(condition, Each):
        tokens, from_place = condition.tokens, condition.relative and in_item
        inner = _node(condition.condition, reads, True, depth + 1)
        return _each(_list_read(tokens, from_place, reads), inner, from_place, tokens)
    if isinstance(condition, If):
        guard = _child(condition.condition, reads, in_item, depth + 1)
        return _if(guard, _node(condition.then, reads, in_item, depth + 1))
    if isinstance(condition, All | AnyOf):
        children = tuple(_child(child, reads, in_item, depth + 1) for child in condition.children)
        section = (0, ()) if in_item else _section(condition, reads)
        return _all(children, section) if isinstance(condition, All) else _any(children, section)
    raise ConditionSyntaxError(f"cannot compile {type(condition).__name__}")


# A child of an ``all``, ``any`` or ``if``: for a leaf whose value is in the frame, its place
# and a test that it holds (one C call, see _quick), else (-1, None); and its node.
_Child = tuple[int, Callable[[Any], Any] | None, _Node]


def _child(condition: Condition, reads: _Reads, in_item: bool, depth: int) -> _Child:
    if not isinstance(condition, Leaf | Not):
        return -1, None, _node(condition, reads, in_item, depth)
    place, node = _leaf(condition, reads, in_item)
    quick = _quick(condition) if place >= 0 else None
    return place, quick, node


_EQUALS, _NOT_EQUALS, _DECLARED, _IN = (OPERATORS[name].test for name in ("equals", "not_equals", "declared", "in"))


def _quick(condition: Leaf | Not) -> Callable[[Any], Any] | None:
    """A test, run by the parent in its loop, that a leaf whose value is present passes: a
    Python call costs more than the rest of most leaves. A value it does not pass goes to the
    leaf's node, which finds the outcome (or the error). Each is its operator's expression
    (``equals``: ``value == expected``), turned round where that is the same for the values
    YAML and JSON hold."""
    leaf, negated = (condition, False) if isinstance(condition, Leaf) else (condition.child, True)
    test, expected = leaf.operator.test, leaf.expected
    if test is _EQUALS or (test is _NOT_EQUALS and not negated):
        return partial(eq if (test is _EQUALS) is not negated else ne, expected)
    if negated:
        return None
    if test is _DECLARED:
        return partial(is_not, None)
    if test is _IN and type(expected) is list:
        return expected.__contains__
    return None


def _leaf(condition: Leaf | Not, reads: _Reads, in_item: bool) -> tuple[int, _Node]:
    """A leaf's value's place in the frame (-1: it is read) and its node."""
    leaf, negated = (condition, False) if isinstance(condition, Leaf) else (condition.child, True)
    at, more = _where(leaf, leaf.relative and in_item, reads)
    test, expected, tested = leaf.operator.test, leaf.expected, _tested(at, more, negated)
    if at < 0:
        return at, tested
    if test is _EQUALS and not negated:
        return at, _equals(at, expected, more)
    if test in _COMPARISONS and type(expected) in (int, float) and not negated:
        return at, _compared(at, _COMPARISONS[test], expected, tested)
    quick = _quick(condition)
    return at, tested if quick is None else _quickly(at, quick, tested)


# The comparisons, as their operators compare two numbers (operators._number: an int or a
# float, not a bool; anything else is an error, left to the operator itself).
_COMPARISONS = {OPERATORS[name].test: compare for name, compare in (("lt", lt), ("le", le), ("gt", gt), ("ge", ge))}


# The places in the frame of the parts of a path and the outcomes of each missing, shortest first.
_Chain = tuple[tuple[int, Outcome], ...]


class _Leaf(NamedTuple):
    """What a leaf needs past its value's place: ``chain``, the places in the frame of the
    parts of its path and the outcomes of each missing (shortest first); ``read``, for a
    path that is not in the frame; ``path_of(base)``, its whole path; ``phrased``, its
    failures, each phrased once (conditions.failed_once)."""

    leaf: Leaf
    chain: _Chain
    read: _Read
    path_of: Callable[[Tokens], Tokens]
    phrased: dict[Any, Outcome]


def _missing(chain: _Chain, frame: _Frame) -> Outcome:
    """The outcome of the first part of a path in the frame that is missing."""
    for place, outcome in chain:
        if frame[place] is None:
            return outcome
    return chain[-1][1]


_Read = Callable[[_Frame, Any, Tokens], Any]


def _where(leaf: Leaf, from_place: bool, reads: _Reads) -> tuple[int, _Leaf]:
    tokens = leaf.tokens
    if from_place:
        return -1, _Leaf(leaf, (), _read_from_place(tokens), lambda base: (*base, *tokens), {})
    more = _Leaf(leaf, (), _read_from_root(tokens), lambda base: tokens, {})
    found = _in_frame(tokens, reads)
    if found is None:
        return -1, more
    return found[0], more._replace(chain=found[1])


def _in_frame(tokens: Tokens, reads: _Reads) -> tuple[int, _Chain] | None:
    """The place in the frame of the value at ``tokens`` from the root, and the chain of its
    path's parts; None for a path with a list index, which is read (_read_from_root)."""
    if not tokens or any(type(token) is not str for token in tokens):
        return None
    keys = tuple(str(token) for token in tokens)
    chain = tuple((reads.place(keys[:length]), not_declared(tokens[:length])) for length in range(1, len(keys) + 1))
    return reads.place(keys), chain


def _list_read(tokens: Tokens, from_place: bool, reads: _Reads) -> _Read:
    """How an ``each`` reads its list: from the frame where it can."""
    found = None if from_place else _in_frame(tokens, reads)
    if found is None:
        return _read_from_place(tokens) if from_place else _read_from_root(tokens)
    at, chain = found

    def read(frame: _Frame, place: Any, base: Tokens) -> Any:
        value = frame[at]
        return _missing(chain, frame) if value is None else value

    return read


# --- the nodes ------------------------------------------------------------------------


def _equals(at: int, expected: Any, more: _Leaf) -> _Node:
    """An ``equals`` leaf whose value is in the frame: most of the leaves evaluated."""
    leaf, tokens, phrased, chain = more.leaf, more.leaf.tokens, more.phrased, more.chain

    def evaluate(frame: _Frame, as_of: date, place: Any = None, base: Tokens = ()) -> Outcome:
        value = frame[at]
        if value is None:
            return _missing(chain, frame)
        if value == expected:
            return PASSED
        return failed_once(leaf, tokens, value, phrased)

    return evaluate


def _compared(at: int, compare: Callable[[Any, Any], bool], expected: Any, tested: _Node) -> _Node:
    """A comparison whose value is in the frame: a number that passes passes here; anything
    else (a failure, a missing value, the error of a value that is no number) is ``tested``'s."""

    def evaluate(frame: _Frame, as_of: date, place: Any = None, base: Tokens = ()) -> Outcome:
        value = frame[at]
        if (type(value) is int or type(value) is float) and compare(value, expected):
            return PASSED
        return tested(frame, as_of, place, base)

    return evaluate


def _quickly(at: int, quick: Callable[[Any], Any], tested: _Node) -> _Node:
    """A leaf whose value is in the frame, tested with one C call (_quick) before ``tested``."""

    def evaluate(frame: _Frame, as_of: date, place: Any = None, base: Tokens = ()) -> Outcome:
        value = frame[at]
        if value is not None and quick(value):
            return PASSED
        return tested(frame, as_of, place, base)

    return evaluate


def _tested(at: int, more: _Leaf, negated: bool) -> _Node:
    """Any other leaf, or a ``not``'s (FAIL when its leaf holds, PASS when it does not)."""
    leaf = more.leaf
    test, expected = leaf.operator.test, leaf.expected

    def evaluate(frame: _Frame, as_of: date, place: Any = None, base: Tokens = ()) -> Outcome:
        if at >= 0:
            value = frame[at]
            if value is None:
                return _missing(more.chain, frame)
        else:
            value = more.read(frame, place, base)
            if type(value) is Outcome:
                return value
        if _test(test, value, expected, as_of, more, base) is not negated:
            return PASSED
        if negated:
            return failed(leaf, more.path_of(base), value, True)
        return failed_once(leaf, more.path_of(base), value, more.phrased)

    return evaluate


def _test(
    test: Callable[[Any, Any, date], bool], value: Any, expected: Any, as_of: date, more: _Leaf, base: Tokens
) -> bool:
    try:
        return bool(test(value, expected, as_of))
    except OperatorError as error:
        operator_failed(more.path_of(base), error)


def _section(condition: Condition, reads: _Reads) -> tuple[int, _Chain]:
    """For a node whose every fact lies under one section of spec, that section's place in
    the frame and chain: when it is missing, so is every fact, at the first part missing of
    the section's path, and the node's outcome is that (an ``all`` or ``any`` combines the
    one outcome); else (0, ()). Most descriptors leave out some of a policy's sections."""
    sections = sections_read(condition)
    found = _in_frame(("spec", sections[0]), reads) if len(sections) == 1 else None
    return found or (0, ())


def _all(children: tuple[_Child, ...], section: tuple[int, _Chain]) -> _Node:
    """FAIL if a child fails, else MISSING if one is: the outcomes that did not pass, combined."""
    section_at, section_chain = section

    def evaluate(frame: _Frame, as_of: date, place: Any = None, base: Tokens = ()) -> Outcome:
        if section_at and frame[section_at] is None:
            return _missing(section_chain, frame)
        failing = None
        for at, quick, node in children:
            if quick is not None:
                value = frame[at]
                if value is not None and quick(value):
                    continue
            outcome = node(frame, as_of, place, base)
            if outcome is not PASSED:
                if failing is None:
                    failing = [outcome]
                else:
                    failing.append(outcome)
        return PASSED if failing is None else combine(failing)

    return evaluate


def _any(children: tuple[_Child, ...], section: tuple[int, _Chain]) -> _Node:
    """PASS at the first child that passes (the later ones are not evaluated), else like _all."""
    section_at, section_chain = section

    def evaluate(frame: _Frame, as_of: date, place: Any = None, base: Tokens = ()) -> Outcome:
        if section_at and frame[section_at] is None:
            return _missing(section_chain, frame)
        failing = []
        for at, quick, node in children:
            if quick is not None:
                value = frame[at]
                if value is not None and quick(value):
                    return PASSED
            outcome = node(frame, as_of, place, base)
            if outcome is PASSED:
                return PASSED
            failing.append(outcome)
        return combine(failing)

    return evaluate


def _if(guard: _Child, then: _Node) -> _Node:
    """PASS when the guard fails, the guard's outcome when it is MISSING, else ``then``'s."""
    at, quick, node = guard

    def evaluate(frame: _Frame, as_of: date, place: Any = None, base: Tokens = ()) -> Outcome:
        if quick is not None:
            value = frame[at]
            if value is not None and quick(value):
                return then(frame, as_of, place, base)
        outcome = node(frame, as_of, place, base)
        if outcome is PASSED:
            return then(frame, as_of, place, base)
        return PASSED if outcome.state is FAIL else outcome

    return evaluate


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
