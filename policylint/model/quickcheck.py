"""Accept plainly valid descriptors in pure Python, for runs too short to load pydantic-core.

Importing pydantic-core (a 4 MB extension and its core_schema module) costs ~30 ms, a fifth
of a pre-commit run on one file. Most descriptors are valid, and saying so needs no error
message: the model's JSON Schema (the kinds ``validate.core_schema`` knows) compiles here
into closures that return what pydantic-core would return, or raise ``Unsure``. Whatever is
not plainly valid goes to pydantic-core, which decides and words every problem.
tests/test_validate.py holds the two to the same answers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import date
from typing import Any

Schema = dict[str, Any]
Check = Callable[[Any], Any]
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_BOUNDS: dict[str, Callable[[Any, Any], bool]] = {
    "minimum": lambda value, bound: value >= bound,
    "maximum": lambda value, bound: value <= bound,
    "exclusiveMinimum": lambda value, bound: value > bound,
    "exclusiveMaximum": lambda value, bound: value < bound,
}


def resolve_ref(node: Schema, root: Schema) -> Schema:
    """The definition a ``$ref`` names (through chains of them), or ``node`` itself."""
    while "$ref" in node:
        node = root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


class Unsure(Exception):
    """Not plainly valid: pydantic-core decides, and explains."""


def compile_check(node: Any, root: Schema) -> Check:
    """A check for a JSON Schema node: the validated value, or ``Unsure``."""
    if not isinstance(node, dict):  # ``additionalProperties: true``
        return _same
    node = resolve_ref(node, root)
    if "anyOf" in node:
        return _nullable(node["anyOf"], root)
    if "const" in node or "enum" in node:
        return _literal([node["const"]] if "const" in node else node["enum"])
    return _BY_TYPE.get(node.get("type"), _any)(node, root)


def _same(value: Any) -> Any:
    return value


def _any(node: Schema, root: Schema) -> Check:
    return _same


def _unsure(value: Any) -> Any:
    raise Unsure


def _nullable(options: list[Schema], root: Schema) -> Check:
    others = [option for option in options if option.get("type") != "null"]
    if len(others) != 1:
        return _unsure
    inner = compile_check(others[0], root)
    if len(others) == len(options):
        return inner
    return lambda value: None if value is None else inner(value)


def _literal(expected: list[Any]) -> Check:
    choices = {(type(choice), choice) for choice in expected}

    def check(value: Any) -> Any:
        if isinstance(value, list | dict) or (type(value), value) not in choices:
            raise Unsure
        return value

    return check


def _object(node: Schema, root: Schema) -> Check:
    if "properties" not in node:
        return _dict(compile_check(node.get("additionalProperties", True), root))
    fields = {name: compile_check(spec, root) for name, spec in node["properties"].items()}
    required = frozenset(node.get("required", ()))

    def check(value: Any) -> Any:
        if type(value) is not dict or not required <= value.keys() or not value.keys() <= fields.keys():
            raise Unsure
        return {name: field(value[name]) for name, field in fields.items() if name in value}

    return check


def _dict(values: Check) -> Check:
    def check(value: Any) -> Any:
        if type(value) is not dict or not all(type(key) is str for key in value):
            raise Unsure
        return {key: values(item) for key, item in value.items()}

    return check


def _array(node: Schema, root: Schema) -> Check:
    items = compile_check(node.get("items", True), root)

    def check(value: Any) -> Any:
        if type(value) is not list:
            raise Unsure
        return [items(item) for item in value]

    return check


def _string(node: Schema, root: Schema) -> Check:
    if node.get("format") == "date":
        return _date
    low, high = node.get("minLength", 0), node.get("maxLength", math.inf)
    pattern = re.compile(node["pattern"]) if "pattern" in node else None

    def check(value: Any) -> Any:
        if type(value) is not str or not low <= len(value) <= high:
            raise Unsure
        # Python's `$` also matches before a final newline; the Rust engine's does not
        if pattern is not None and ("\n" in value or pattern.search(value) is None):
            raise Unsure
        return value

    return check


def _date(value: Any) -> Any:
    if type(value) is date:
        return value
    if type(value) is not str or not _ISO_DATE.fullmatch(value):
        raise Unsure
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Unsure from None


def _within(node: Schema) -> Callable[[Any], bool]:
    bounds = [(_BOUNDS[key], bound) for key, bound in node.items() if key in _BOUNDS]
    return lambda value: all(holds(value, bound) for holds, bound in bounds)


def _integer(node: Schema, root: Schema) -> Check:
    within = _within(node)

    def check(value: Any) -> Any:
        if type(value) is not int or not within(value):
            raise Unsure
        return value

    return check


def _number(node: Schema, root: Schema) -> Check:
    within = _within(node)

    def check(value: Any) -> Any:
        if type(value) not in (int, float) or abs(value) > 2**53 or not math.isfinite(value):
            raise Unsure
        if not within(value):
            raise Unsure
        return float(value)

    return check


def _boolean(node: Schema, root: Schema) -> Check:
    def check(value: Any) -> Any:
        if type(value) is not bool:
            raise Unsure
        return value

    return check


_BY_TYPE: dict[Any, Callable[[Schema, Schema], Check]] = {
    "object": _object,
    "array": _array,
    "string": _string,
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
}
