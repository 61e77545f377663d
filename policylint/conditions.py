"""Policy conditions: leaves from the operator table, combined with all / any / not / if / each.

A condition evaluates to PASS, FAIL or MISSING (a fact it needs is not declared), with the
violations that explain a FAIL or MISSING: where, and why, in both languages.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from datetime import date
from functools import cache, lru_cache
from typing import Any, NamedTuple, Protocol

from policylint.load import escape_pointer_token
from policylint.mask import redact
from policylint.operators import OPERATORS, Operator, OperatorError
from policylint.results import Localized

Tokens = tuple[str | int, ...]


class State(enum.Enum):
    PASS = "pass"
    FAIL = "fail"
    MISSING = "missing"

    # Members are singletons compared by identity; Enum's own __hash__ runs Python code
    # for every set and dict that holds one, tens of thousands of times a scan.
    __hash__ = object.__hash__


class PolicyError(Exception):
    """A policy could not be evaluated: an error, never a pass."""


class ConditionSyntaxError(Exception):
    """A condition in a policy file is malformed."""


# Named tuples, not dataclasses: cheap to make for every policy on every descriptor, and a
# dataclass costs a pre-commit run most of a millisecond to define. Conditions are never
# compared with each other, so that All((a,)) == AnyOf((a,)), as tuples, does no harm.
class Violation(NamedTuple):
    pointer: str
    declared: bool
    detail: Localized


class Outcome(NamedTuple):
    state: State
    violations: tuple[Violation, ...] = ()


PASSED = Outcome(State.PASS)
_ABSENT = object()


class Condition(Protocol):
    def evaluate(self, root: Any, base: Tokens, as_of: date) -> Outcome: ...


@lru_cache(maxsize=4096)  # the paths policies read recur in every descriptor
def pointer_of(tokens: Tokens) -> str:
    return "".join(f"/{escape_pointer_token(token)}" for token in tokens)


@cache
def display_path(tokens: Tokens) -> str:
    """``/spec/vendors/0/securityAgreement`` reads as ``vendors[0].securityAgreement``."""
    shown = ""
    for token in tokens[1:] if tokens[:1] == ("spec",) else tokens:
        shown += f"[{token}]" if isinstance(token, int) else f".{token}"
    return shown.lstrip(".") or "spec"


def show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if type(value) is int:  # no identifier to mask in a number
        return str(value)
    if isinstance(value, list):
        return ", ".join(show(item) for item in value) if value else "[]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    shown: str = redact(str(value))
    return shown


def resolve(root: Any, tokens: Tokens) -> Any:
    return _walk(root, tokens)[0]


def _walk(root: Any, tokens: Tokens) -> tuple[Any, int]:
    """The value at ``tokens`` and how many tokens were found (_ABSENT at the first missing)."""
    value = root
    depth = 0
    for token in tokens:
        if type(value) is dict:  # validated data holds plain dicts and lists only
            value = value.get(token)
        elif type(value) is list and type(token) is int and token < len(value):
            value = value[token]
        else:
            return _ABSENT, depth
        if value is None:
            return _ABSENT, depth
        depth += 1
    return value, depth


@cache
def _not_declared(tokens: Tokens) -> Outcome:
    """The first missing part of a path is what is not declared: one finding for a whole
    missing section, however many of its facts a policy reads. The same few outcomes
    recur across descriptors, so they are made once."""
    path = display_path(tokens)
    detail = Localized(f"未宣告 {path}", f"{path} is not declared")
    return Outcome(State.MISSING, (Violation(pointer_of(tokens), False, detail),))


class Leaf(NamedTuple):
    tokens: Tokens
    relative: bool
    operator: Operator
    expected: Any
    # What is expected, in Chinese and English, then negated: the same on every descriptor.
    phrases: tuple[tuple[str, str], tuple[str, str]]

    def evaluate(self, root: Any, base: Tokens, as_of: date) -> Outcome:
        tokens = base + self.tokens if self.relative else self.tokens
        actual, found = _walk(root, tokens)
        if actual is _ABSENT:
            return _not_declared(tokens[: found + 1])
        try:
            holds = self.operator.test(actual, self.expected, as_of)
        except OperatorError as error:
            raise PolicyError(f"{pointer_of(tokens)}: {error}") from None
        if holds:
            return PASSED
        return Outcome(State.FAIL, (Violation(pointer_of(tokens), True, self.explain(tokens, actual)),))

    def explain(self, tokens: Tokens, actual: Any, negated: bool = False) -> Localized:
        path, shown = display_path(tokens), show(actual)
        zh, en = self.phrases[negated]
        return Localized(f"{path} 為 {shown}，應{zh}", f"{path} is {shown}; expected {en}")


def _phrases(operator: Operator, expected: Any) -> tuple[tuple[str, str], tuple[str, str]]:
    shown = show(expected) if operator.takes_value else ""
    zh, en = _place(operator.zh, shown), _place(operator.en, shown)
    return (zh, en), (f"不{zh}", " ".join(part for part in ("not", en) if part))


def _place(phrase: str, expected: str) -> str:
    if "{}" in phrase:
        return phrase.replace("{}", expected)
    return " ".join(part for part in (phrase, expected) if part)


def _combine(outcomes: Sequence[Outcome]) -> Outcome:
    if len(outcomes) == 1:  # an ``each`` over one item, an ``any`` whose one choice failed
        return outcomes[0]
    states = {outcome.state for outcome in outcomes}
    if State.FAIL in states:
        state = State.FAIL
    elif State.MISSING in states:
        state = State.MISSING
    else:
        return PASSED
    # dict keeps the first of equal violations (the same missing fact reached twice)
    violations = tuple(dict.fromkeys(v for outcome in outcomes for v in outcome.violations))
    return Outcome(state, violations)


class All(NamedTuple):
    children: tuple[Condition, ...]

    def evaluate(self, root: Any, base: Tokens, as_of: date) -> Outcome:
        return _combine([child.evaluate(root, base, as_of) for child in self.children])


class AnyOf(NamedTuple):
    children: tuple[Condition, ...]

    def evaluate(self, root: Any, base: Tokens, as_of: date) -> Outcome:
        outcomes = []
        for child in self.children:
            outcome = child.evaluate(root, base, as_of)
            if outcome.state is State.PASS:
                return PASSED
            outcomes.append(outcome)
        return _combine(outcomes)


class Not(NamedTuple):
    child: Leaf

    def evaluate(self, root: Any, base: Tokens, as_of: date) -> Outcome:
        outcome = self.child.evaluate(root, base, as_of)
        if outcome.state is State.FAIL:
            return PASSED
        if outcome.state is State.MISSING:
            return outcome
        tokens = base + self.child.tokens if self.child.relative else self.child.tokens
        detail = self.child.explain(tokens, resolve(root, tokens), negated=True)
        return Outcome(State.FAIL, (Violation(pointer_of(tokens), True, detail),))


class If(NamedTuple):
    condition: Condition
    then: Condition

    def evaluate(self, root: Any, base: Tokens, as_of: date) -> Outcome:
        guard = self.condition.evaluate(root, base, as_of)
        if guard.state is State.PASS:
            return self.then.evaluate(root, base, as_of)
        return PASSED if guard.state is State.FAIL else guard


class Each(NamedTuple):
    tokens: Tokens
    relative: bool
    condition: Condition

    def evaluate(self, root: Any, base: Tokens, as_of: date) -> Outcome:
        tokens = base + self.tokens if self.relative else self.tokens
        items, found = _walk(root, tokens)
        if items is _ABSENT:
            return _not_declared(tokens[: found + 1])
        if not isinstance(items, list):
            raise PolicyError(f"{pointer_of(tokens)}: expected a list")
        return _combine([self.condition.evaluate(root, (*tokens, i), as_of) for i in range(len(items))])


# --- what decides a condition when its sections are not declared ----------------------


def sections_read(*conditions: Condition | None) -> tuple[str, ...]:
    """The sections of ``spec`` under which every fact of ``conditions`` lies, or () when a
    fact lies elsewhere. When a descriptor declares none of them, each condition's outcome
    is the one it has on an empty spec: every fact is missing at its section."""
    paths = [path for condition in conditions if condition is not None for path in _paths(condition)]
    if not paths or any(len(path) < 2 or path[0] != "spec" or type(path[1]) is not str for path in paths):
        return ()
    return tuple(sorted({str(path[1]) for path in paths}))


def _paths(condition: Condition) -> Iterator[Tokens]:
    """The paths a condition reads from the root; an ``each`` reads its items only when its
    list is there, and at the top level a relative fact starts at the root."""
    if isinstance(condition, Leaf | Each):
        yield condition.tokens
    elif isinstance(condition, All | AnyOf):
        for child in condition.children:
            yield from _paths(child)
    elif isinstance(condition, Not):
        yield condition.child.tokens
    elif isinstance(condition, If):
        yield from _paths(condition.condition)
        yield from _paths(condition.then)


NOTHING_DECLARED: dict[str, Any] = {"spec": {}}


# --- compiling conditions from policy data --------------------------------------------


def parse_fact(fact: str) -> tuple[Tokens, bool]:
    relative = not fact.startswith("/")
    parts = fact.strip("/").split("/") if fact.strip("/") else []
    tokens = tuple(int(part) if part.isdigit() else part.replace("~1", "/").replace("~0", "~") for part in parts)
    return tokens, relative


def compile_condition(spec: Any, parameters: dict[str, Any]) -> Condition:
    if not isinstance(spec, dict):
        raise ConditionSyntaxError(f"a condition is a mapping, got {spec!r}")
    if "all" in spec or "any" in spec:
        kind = "all" if "all" in spec else "any"
        children = tuple(compile_condition(child, parameters) for child in spec[kind])
        return All(children) if kind == "all" else AnyOf(children)
    if "not" in spec:
        child = compile_condition(spec["not"], parameters)
        if not isinstance(child, Leaf):
            raise ConditionSyntaxError("'not' takes a single fact condition")
        return Not(child)
    if "if" in spec:
        return If(compile_condition(spec["if"], parameters), compile_condition(spec["then"], parameters))
    if "each" in spec:
        tokens, relative = parse_fact(spec["each"])
        return Each(tokens, relative, compile_condition(spec["assert"], parameters))
    return _compile_leaf(spec, parameters)


def _compile_leaf(spec: dict[str, Any], parameters: dict[str, Any]) -> Leaf:
    operator = OPERATORS.get(spec.get("op", ""))
    if operator is None:
        raise ConditionSyntaxError(f"unknown operator {spec.get('op')!r}")
    tokens, relative = parse_fact(spec["fact"])
    expected = _value(spec.get("value"), parameters)
    return Leaf(tokens, relative, operator, expected, _phrases(operator, expected))


def _value(value: Any, parameters: dict[str, Any]) -> Any:
    if isinstance(value, dict) and set(value) == {"param"}:
        name = value["param"]
        if name not in parameters:
            raise ConditionSyntaxError(f"unknown parameter {name!r}")
        return parameters[name]
    return value
