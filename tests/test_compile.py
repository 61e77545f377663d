"""Compiled conditions (policylint/catalog/compile.py) hold to the meaning of conditions.

The meaning is written plainly below, as a tree walk (``meaning``), the way conditions.py
describes it; the compiled functions must give the very same outcome, or the same error,
for every policy of the catalog on every bundled descriptor and on fuzzed ones, and for
hand-made conditions that reach the corners policies seldom do.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from policylint.catalog.compile import evaluator, frame_of
from policylint.catalog.conditions import (
    PASSED,
    All,
    AnyOf,
    Condition,
    Each,
    If,
    Leaf,
    Not,
    Outcome,
    PolicyError,
    State,
    Tokens,
    combine,
    compile_condition,
    failed,
    failed_once,
    not_declared,
    pointer_of,
)
from policylint.catalog.operators import OperatorError
from policylint.catalog.policies import Catalog, load_catalog
from policylint.engine.evaluate import Plans, declared_sections
from tests.conftest import AS_OF_DATE
from tests.fuzz.properties import PLAIN_EXAMPLES, descriptor_values
from tests.test_policies import _descriptors

_ABSENT = object()


def meaning(condition: Condition, root: Any, base: Tokens = ()) -> Outcome:
    """What a condition means, node by node: the reference the compiled closures are held to."""
    if isinstance(condition, Leaf):
        tokens, actual = _read(condition, root, base)
        if actual is _ABSENT:
            return tokens
        return PASSED if _holds(condition, tokens, actual) else failed(condition, tokens, actual)
    if isinstance(condition, Not):
        tokens, actual = _read(condition.child, root, base)
        if actual is _ABSENT:
            return tokens
        holds = _holds(condition.child, tokens, actual)
        return failed(condition.child, tokens, actual, negated=True) if holds else PASSED
    if isinstance(condition, All):
        return combine([meaning(child, root, base) for child in condition.children])
    if isinstance(condition, AnyOf):
        outcomes = []
        for child in condition.children:
            outcomes.append(meaning(child, root, base))
            if outcomes[-1].state is State.PASS:
                return PASSED
        return combine(outcomes)
    if isinstance(condition, If):
        guard = meaning(condition.condition, root, base)
        if guard.state is State.PASS:
            return meaning(condition.then, root, base)
        return PASSED if guard.state is State.FAIL else guard
    assert isinstance(condition, Each)
    tokens, items = _read(condition, root, base)
    if items is _ABSENT:
        return tokens
    if not isinstance(items, list):
        raise PolicyError(f"{pointer_of(tokens)}: expected a list")
    return combine([meaning(condition.condition, root, (*tokens, index)) for index in range(len(items))])


def _read(condition: Leaf | Each, root: Any, base: Tokens) -> tuple[Any, Any]:
    """(path, value), or (the not-declared outcome, _ABSENT) at the first missing part."""
    tokens = (*base, *condition.tokens) if condition.relative else condition.tokens
    value = root
    for depth, token in enumerate(tokens):
        if type(value) is dict:
            value = value.get(token)
        elif type(value) is list and type(token) is int and token < len(value):
            value = value[token]
        else:
            value = None
        if value is None:
            return not_declared(tokens[: depth + 1]), _ABSENT
    return tokens, value


def _holds(leaf: Leaf, tokens: Tokens, actual: Any) -> bool:
    try:
        return leaf.operator.test(actual, leaf.expected, AS_OF_DATE)
    except OperatorError as error:
        raise PolicyError(f"{pointer_of(tokens)}: {error}") from None


def _result(function: Any, *arguments: Any) -> Outcome | str:
    try:
        outcome: Outcome = function(*arguments)
    except PolicyError as error:
        return f"PolicyError: {error}"
    return outcome


def _catalog_conditions(catalog: Catalog) -> list[tuple[str, Condition, Any]]:
    found = []
    for policy in catalog.policies.values():
        for condition, function in ((policy.applies, policy.evaluate_applies), (policy.check, policy.evaluate_check)):
            if condition is not None:
                found.append((policy.id, condition, function))
    return found


def _same_as_meaning(catalog: Catalog, data: Any) -> None:
    for policy_id, condition, function in _catalog_conditions(catalog):
        compiled = _result(function, data, AS_OF_DATE)
        assert compiled == _result(meaning, condition, data), policy_id


_DESCRIPTORS = [*_descriptors(), *PLAIN_EXAMPLES, {"spec": {}}, {"spec": None}, {"spec": "text"}, {}]


def test_every_policy_means_the_same_compiled_on_every_bundled_descriptor(catalog: Catalog) -> None:
    for data in _DESCRIPTORS:
        _same_as_meaning(catalog, data)


def _same_on_the_plans_frame(catalog: Catalog, data: dict[str, Any]) -> None:
    declared = declared_sections(data)
    plan = Plans().of(catalog, declared)
    frame = frame_of(data, plan.layout)
    for policy, _ in plan.evaluated:
        for condition, function in ((policy.applies, policy.evaluate_applies), (policy.check, policy.evaluate_check)):
            if condition is not None and function is not None:
                compiled = _result(function.node, frame, AS_OF_DATE)
                assert compiled == _result(meaning, condition, data), policy.id


def test_one_frame_a_descriptor_serves_every_policy_its_plan_evaluates(catalog: Catalog) -> None:
    """The engine builds one frame a descriptor, without the values under the sections it
    does not declare: every condition the plan evaluates keeps its meaning on it."""
    for data in _DESCRIPTORS:
        if isinstance(data, dict):
            _same_on_the_plans_frame(catalog, data)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(descriptor_values())
def test_one_frame_keeps_the_meaning_on_fuzzed_descriptors(data: Any) -> None:
    if isinstance(data, dict):
        _same_on_the_plans_frame(_CATALOG, data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(descriptor_values())
def test_every_policy_means_the_same_compiled_on_fuzzed_descriptors(data: Any) -> None:
    _same_as_meaning(_CATALOG, data)


_CATALOG = load_catalog([], {})


def _compiled(spec: dict[str, Any]) -> tuple[Condition, Any]:
    condition = compile_condition(spec, {"limit": 3})
    return condition, evaluator(condition)


def _fact(path: str, op: str = "declared", value: Any = None) -> dict[str, Any]:
    return {"fact": path, "op": op, **({"value": value} if value is not None else {})}


def _each(path: str, condition: dict[str, Any]) -> dict[str, Any]:
    return {"each": path, "assert": condition}


_IF = {"if": _fact("/spec/a", "equals", 1), "then": _fact("/spec/b", "le", {"param": "limit"})}
_CORNERS = [
    # a list item that is null is what is missing, not the fact read from it
    (_each("/spec/vendors", _fact("name")), {"spec": {"vendors": [None, {}]}}),
    # a number in a path reads a list item, or a mapping's number key
    (_fact("/spec/vendors/1/name", "equals", "b"), {"spec": {"vendors": [{"name": "a"}]}}),
    (_fact("/spec/vendors/1/name", "equals", "b"), {"spec": {"vendors": [{}, {"name": "a"}]}}),
    (_fact("/spec/codes/7", "equals", "x"), {"spec": {"codes": {7: "x"}}}),
    (_fact("/spec/name/0"), {"spec": {"name": "text"}}),
    # a relative fact outside ``each`` reads from the root
    (_fact("spec/a", "equals", 1), {"spec": {"a": 2}}),
    # ``each`` inside ``each``, relative and absolute facts
    (
        _each("/spec/teams", _each("members", {"all": [_fact("mfa", "equals", True), _fact("/spec/policy")]})),
        {"spec": {"teams": [{"members": [{"mfa": False}, {"mfa": True}, None]}, {"members": None}, {}]}},
    ),
    # ``any`` stops at its first passing child: the next one would be an error
    ({"any": [_fact("/spec/a", "equals", 1), _fact("/spec/a", "lt", 3)]}, {"spec": {"a": 1}}),
    ({"any": [_fact("/spec/a", "equals", 1), _fact("/spec/a", "lt", 3)]}, {"spec": {"a": "x"}}),
    ({"any": [_fact("/spec/a", "equals", 2), _fact("/spec/b")]}, {"spec": {"a": 1}}),
    # ``not`` of a missing, a holding and a failing leaf
    ({"not": _fact("/spec/a", "equals", 1)}, {"spec": {}}),
    ({"not": _fact("/spec/a", "equals", 1)}, {"spec": {"a": 1}}),
    ({"not": _fact("/spec/a", "equals", 1)}, {"spec": {"a": 2}}),
    # ``if``: a failing guard passes, a missing guard is missing, a passing one is ``then``
    (_IF, {"spec": {"a": 2}}),
    (_IF, {"spec": {}}),
    (_IF, {"spec": {"a": 1, "b": 4}}),
    (_IF, {"spec": {"a": 1, "b": 2}}),
    (_IF, {"spec": {"a": 1}}),
    # the same missing fact reached twice is one violation; FAIL wins over MISSING
    ({"all": [_fact("/spec/a/b"), _fact("/spec/a/c"), _fact("/spec/d", "equals", 1)]}, {"spec": {"d": 2}}),
    ({"all": [_fact("/spec/a/b"), _fact("/spec/a/c"), _fact("/spec/d", "equals", 1)]}, {"spec": {"d": 1}}),
    # ``each`` over a value that is not a list is a policy error; over an empty one, a pass
    (_each("/spec/vendors", _fact("name")), {"spec": {"vendors": {"name": "a"}}}),
    (_each("/spec/vendors", _fact("name")), {"spec": {"vendors": []}}),
    # an operator on a value of the wrong type is a policy error that names the path
    (_each("/spec/vendors", _fact("count", "ge", 1)), {"spec": {"vendors": [{"count": "many"}]}}),
    ({"all": []}, {}),
    ({"any": []}, {}),
    # a parent tests its leaves whose values are in the frame itself (compile._quick): the
    # same outcome as the leaf's, for a present value, a missing one, and one of another type
    *[
        (condition, {"spec": spec})
        for leaf in (
            {"not": _fact("/spec/a", "equals", 1)},
            {"not": _fact("/spec/a", "not_equals", 1)},
            {"not": _fact("/spec/a")},
            _fact("/spec/a", "not_equals", 1),
            _fact("/spec/a", "equals", True),
            _fact("/spec/a", "equals", [1]),
            _fact("/spec/a"),
            _fact("/spec/a", "in", [1, [2], {"c": 3}]),
            _fact("/spec/a", "in", "a text, not a list"),
        )
        for condition in ({"all": [leaf, _fact("/spec/b", "equals", 1)]}, leaf)  # in a parent, and alone
        for spec in ({"a": 1, "b": 1}, {"a": 2}, {"a": True}, {"a": False}, {"a": [2]}, {"a": {"c": 3}}, {"b": 2})
    ],
    *[
        (condition, {"spec": spec})
        for condition in (
            {"any": [_fact("/spec/a", "in", [1, 2]), _fact("/spec/a", "lt", 3)]},
            {"if": _fact("/spec/a", "in", [1]), "then": _fact("/spec/b")},
            {"if": {"not": _fact("/spec/a", "equals", 1)}, "then": _fact("/spec/b", "equals", 1)},
        )
        for spec in ({"a": 1}, {"a": 2, "b": 1}, {"a": "x"}, {"b": 1}, {"a": None})
    ],
    # a comparison of numbers in the frame is made in place (compile._compared): the same
    # outcome as its operator's, and the same error for a value or a limit that is no number
    *[
        (_fact("/spec/a", operator, limit), {"spec": {"a": value}})
        for operator in ("lt", "le", "gt", "ge")
        for limit in (1, 1.5, True, "1")
        for value in (0, 1, 1.5, 2, True, "1", None, [1])
    ],
    # an all or any whose facts lie under one section is that section's outcome when it is
    # missing (compile._section), whatever its facts: leaves, list items, lists, guards
    *[
        (condition, data)
        for condition in (
            {"all": [_fact("/spec/s/a", "equals", 1), _fact("/spec/s/b/0", "ge", 1), _each("/spec/s/c", _fact("d"))]},
            {"any": [{"if": _fact("/spec/s/a", "in", [1]), "then": _fact("/spec/s/b")}, {"not": _fact("/spec/s")}]},
            _each("/spec/t", {"all": [_fact("spec/x/a", "equals", 1), _fact("spec/x/b")]}),  # an item's facts
        )
        for data in (
            {"spec": {}},
            {"spec": {"s": None}},
            {"spec": "text"},
            {"spec": None},
            {},
            {"spec": {"s": {"a": 1, "b": [0], "c": [{}]}}},
            {"spec": {"s": {"a": 2, "b": "x"}}},
            {"spec": {"t": [{"spec": {"x": {"a": 1, "b": 2}}}, {"spec": {"x": None}}, {}]}},
        )
    ],
    # a path through a value that is no mapping, from the root
    (_fact("/spec/a/b", "equals", 1), {"spec": "text"}),
    (_fact("/spec/a/b", "equals", 1), {"spec": {"a": [1]}}),
]


@pytest.mark.parametrize(("spec", "data"), _CORNERS)
def test_compiled_conditions_keep_their_meaning_in_the_corners(spec: dict[str, Any], data: Any) -> None:
    condition, function = _compiled(spec)
    assert _result(function, data, AS_OF_DATE) == _result(meaning, condition, data)


def test_a_wrong_type_is_an_error_naming_the_item() -> None:
    _, function = _compiled({"each": "/spec/vendors", "assert": {"fact": "count", "op": "ge", "value": 1}})
    assert _result(function, {"spec": {"vendors": [{"count": 2}, {"count": "many"}]}}, AS_OF_DATE) == (
        "PolicyError: /spec/vendors/1/count: expected a number, got 'many'"
    )


@pytest.mark.parametrize(
    ("operator", "actual", "expected", "holds"),
    [
        ("contains_all", [["a"], {"b": 1}, "c"], [{"b": 1}, "c"], True),
        ("contains_all", [["a"]], [["a"], "c"], False),
        ("contains_any", [["a"], "c"], [["a"]], True),
        ("excludes", [["a"], "c"], [["b"]], True),
        ("excludes", [{"b": 1}], [{"b": 1}], False),
    ],
)
def test_list_operators_take_items_that_are_lists_or_mappings(
    operator: str, actual: list[Any], expected: list[Any], holds: bool
) -> None:
    """An unhashable item must not crash a policy (a TypeError is no policy outcome)."""
    from policylint.catalog.operators import OPERATORS

    assert OPERATORS[operator].test(actual, expected, AS_OF_DATE) is holds


def test_a_leaf_phrases_each_failing_value_once_and_tells_types_apart() -> None:
    leaf = compile_condition(_fact("/spec/a", "equals", 2), {})
    assert isinstance(leaf, Leaf)
    phrased: dict[Any, Outcome] = {}
    tokens = ("spec", "a")
    for value in (1, True, 1, [1], 1.5, "x", 1.5):
        assert failed_once(leaf, tokens, value, phrased) == failed(leaf, tokens, value), value
    assert len(phrased) == 4  # 1, true, 1.5, "x"; a list is phrased each time
    for value in range(1000):
        failed_once(leaf, tokens, value, phrased)
    assert len(phrased) <= 32  # bounded: a scan's memory must not grow with its size
    phrased.clear()
    long_value = "x" * 100_000  # a hostile file's value is phrased, never kept
    assert failed_once(leaf, tokens, long_value, phrased) == failed(leaf, tokens, long_value)
    assert phrased == {}
