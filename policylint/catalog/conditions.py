"""Policy conditions: leaves from the operator table, combined with all / any / not / if / each.

A condition evaluates to PASS, FAIL or MISSING (a fact it needs is not declared), with the
violations that explain a FAIL or MISSING: where, and why, in both languages. This module
holds the conditions as data and the outcomes they make; compile.py compiles them into the
functions that evaluate them.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from datetime import date
from functools import cache, lru_cache
from typing import Any, NamedTuple, NoReturn

from policylint.catalog.operators import OPERATORS, Operator, OperatorError
from policylint.load.documents import escape_pointer_token
from policylint.load.masking import redact
from policylint.model.results import Localized

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


# The one PASS outcome: compiled conditions test it by identity.
PASSED = Outcome(State.PASS)
# The states as plain names for code run on every descriptor: ``State.FAIL`` goes through
# the enum's metaclass, ten times the cost of reading a global.
PASS, FAIL, MISSING = State.PASS, State.FAIL, State.MISSING


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


def display_pointer(pointer: str) -> str:
    """A JSON pointer of the descriptor as display_path shows it: ``/spec/backups`` is ``backups``."""
    return display_path(parse_fact(pointer)[0])


def show(value: Any, separator: str = ", ") -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if type(value) is int:  # no identifier to mask in a number
        return str(value)
    if isinstance(value, list):
        return separator.join(show(item) for item in value) if value else "[]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, date):
        return value.isoformat()
    shown: str = redact(str(value))
    return shown


# --- the nodes, and what they mean (compile.py compiles them) -------------------------
#
# A leaf reads the value at its fact's path: MISSING when a part of the path is null or
# absent, or its parent is neither a mapping nor (for a number) a list that holds it, with
# one violation at the first missing part; else PASS or FAIL as its operator says. ``not``
# turns a leaf's PASS into FAIL and its FAIL into PASS. ``all`` fails if a child fails,
# else is MISSING if a child is, with the violations of every child that did not pass;
# ``any`` passes at its first passing child (the later ones are not evaluated), else
# combines its children like ``all``. ``if`` passes when its guard fails, is the guard's
# outcome when that is MISSING, else is the outcome of ``then``. ``each`` combines its
# condition over every item of a list (MISSING if the list is, an error if it is not a
# list); inside it, facts without a leading slash read from the item, elsewhere from the root.


class Leaf(NamedTuple):
    tokens: Tokens
    relative: bool
    operator: Operator
    expected: Any
    # What is expected, in Chinese and English, then negated: the same on every descriptor.
    # Phrased the first time the leaf fails, not when the catalog is loaded: most leaves
    # never fail in a run, and phrasing every leaf was a tenth of a pre-commit run's load.
    phrases: list[tuple[str, str]]

    def explain(self, tokens: Tokens, actual: Any, negated: bool = False) -> Localized:
        path, shown = display_path(tokens), show(actual)
        if not self.phrases:
            self.phrases.extend(_phrases(self.operator, self.expected, self.tokens))
        zh, en = self.phrases[negated]
        return Localized(f"{path} 為 {show_zh(actual, tokens)}，應{zh}", f"{path} is {shown}; expected {en}")


# zh-TW names a number's unit ("184 天"); the field's name says which: retentionDays,
# containWithinHours/level3, idleLogoutMinutes.
_UNITS_ZH = (("Days", " 天"), ("Hours", " 小時"), ("Minutes", " 分鐘"), ("Percent", "%"))


def show_zh(value: Any, tokens: Tokens) -> str:
    """A value as zh-TW text shows it: lists enumerated with 、, numbers with their unit."""
    shown = show(value, "、")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return shown
    names = [token for token in reversed(tokens) if isinstance(token, str)][:2]
    return shown + next((unit for name in names for suffix, unit in _UNITS_ZH if name.endswith(suffix)), "")


class All(NamedTuple):
    children: tuple[Condition, ...]


class AnyOf(NamedTuple):
    children: tuple[Condition, ...]


class Not(NamedTuple):
    child: Leaf


class If(NamedTuple):
    condition: Condition
    then: Condition


class Each(NamedTuple):
    tokens: Tokens
    relative: bool
    condition: Condition


Condition = Leaf | All | AnyOf | Not | If | Each


# --- the outcomes compiled conditions make --------------------------------------------


@cache
def not_declared(tokens: Tokens) -> Outcome:
    """The first missing part of a path is what is not declared: one finding for a whole
    missing section, however many of its facts a policy reads. The same few outcomes
    recur across descriptors, so they are made once."""
    path = display_path(tokens)
    detail = Localized(f"未宣告 {path}", f"{path} is not declared")
    return Outcome(State.MISSING, (Violation(pointer_of(tokens), False, detail),))


def failed(leaf: Leaf, tokens: Tokens, actual: Any, negated: bool = False) -> Outcome:
    """A leaf that fails, or (``negated``) a ``not`` whose leaf holds."""
    return Outcome(State.FAIL, (Violation(pointer_of(tokens), True, leaf.explain(tokens, actual, negated)),))


_PHRASED_FAILURES = 32  # a leaf's; past that, it starts afresh (memory must not grow with a scan)
SHORT_TEXT = 200  # longer values and texts are not kept: a hostile file's could be megabytes


def failed_once(leaf: Leaf, tokens: Tokens, actual: Any, phrased: dict[Any, Outcome]) -> Outcome:
    """``failed``, kept in ``phrased`` (one dict a compiled leaf): most failing values recur
    (a boolean, a common setting) across descriptors, and phrasing the explanation costs
    more than the rest of the leaf."""
    if type(actual) is str and len(actual) > SHORT_TEXT:
        return failed(leaf, tokens, actual)
    try:
        key = (tokens, type(actual), actual)  # the type: 1, 1.0 and true are shown differently
        outcome = phrased.get(key)
    except TypeError:  # a list or a mapping
        return failed(leaf, tokens, actual)
    if outcome is None:
        if len(phrased) >= _PHRASED_FAILURES:
            phrased.clear()
        outcome = phrased[key] = failed(leaf, tokens, actual)
    return outcome


def operator_failed(tokens: Tokens, error: OperatorError) -> NoReturn:
    raise PolicyError(f"{pointer_of(tokens)}: {error}") from None


def not_a_list(tokens: Tokens) -> NoReturn:
    raise PolicyError(f"{pointer_of(tokens)}: expected a list")


def combine(outcomes: Sequence[Outcome]) -> Outcome:
    """FAIL over MISSING over PASS, with the violations of the outcomes that did not pass,
    each once (the same missing fact may be reached twice)."""
    only = PASSED
    for outcome in outcomes:  # most often one outcome did not pass, or one missing section twice
        if outcome is not PASSED and outcome is not only:
            if only is not PASSED:
                return _combined(outcomes)
            only = outcome
    return only


def _combined(outcomes: Sequence[Outcome]) -> Outcome:
    violations: list[Violation] = []
    state = PASS
    for outcome in outcomes:  # a loop, not sets and generators: run for most policies of every descriptor
        if outcome.state is FAIL:
            state = FAIL
        elif outcome.state is MISSING and state is PASS:
            state = MISSING
        violations += outcome.violations
    if state is PASS:
        return PASSED
    return Outcome(state, tuple(dict.fromkeys(violations)) if len(violations) > 1 else tuple(violations))


def _phrases(operator: Operator, expected: Any, tokens: Tokens) -> tuple[tuple[str, str], tuple[str, str]]:
    shown, shown_zh = (show(expected), show_zh(expected, tokens)) if operator.takes_value else ("", "")
    zh, en = _place(operator.zh, shown_zh), _place(operator.en, shown)
    return (zh, en), (f"不{zh}", " ".join(part for part in ("not", en) if part))


def _place(phrase: str, expected: str) -> str:
    if "{}" in phrase:
        return phrase.replace("{}", expected)
    return " ".join(part for part in (phrase, expected) if part)


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
    return Leaf(tokens, relative, operator, expected, [])


def _value(value: Any, parameters: dict[str, Any]) -> Any:
    if isinstance(value, dict) and set(value) == {"param"}:
        name = value["param"]
        if name not in parameters:
            raise ConditionSyntaxError(f"unknown parameter {name!r}")
        return parameters[name]
    return value
