"""The one validator: a JSON Schema, of the kinds pydantic writes for our models, compiled once
into closures that return the validated value or raise ``Invalid`` with every problem.

The pydantic models are the definitions; their JSON Schemas are shipped in the package
(``policylint/schemas``, held to the models by tests), so a run neither imports pydantic nor
builds anything. A closure returns what the model would: only what was declared, mapping keys
in the schema's order, ints accepted for numbers and made floats, ISO dates made ``date``.
tests/test_validate.py holds the closures to the model with generated descriptors.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

SCHEMAS = Path(__file__).resolve().parent.parent / "schemas"
DESCRIPTOR_SCHEMA = SCHEMAS / "descriptor.schema.json"
CONFIG_SCHEMA = SCHEMAS / "config.schema.json"
Schema = dict[str, Any]
Check = Callable[[Any], Any]
ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NO_INPUT = object()


class Problem(NamedTuple):
    """One reason a value is invalid: where (keys and indices from the root), what, and the value."""

    location: tuple[Any, ...]
    kind: str  # "missing", "unknown" or "invalid"
    message: str
    value: Any = _NO_INPUT

    @property
    def has_value(self) -> bool:
        return self.value is not _NO_INPUT


class Invalid(Exception):
    """Raised by a check with the problems found; containers prefix their keys on the way up."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__(problems)
        self.problems = problems

    @classmethod
    def of(cls, message: str, value: Any) -> Invalid:
        return cls([Problem((), "invalid", message, value)])

    def under(self, key: Any) -> list[Problem]:
        return [problem._replace(location=(key, *problem.location)) for problem in self.problems]


def read_schema(path: Path) -> Schema:
    schema: Schema = json.loads(path.read_text(encoding="utf-8"))
    return schema


def resolve_ref(node: Schema, root: Schema) -> Schema:
    """The definition a ``$ref`` names (through chains of them), or ``node`` itself."""
    while "$ref" in node:
        node = root["$defs"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def compile_check(node: Any, root: Schema) -> Check:
    """The check for a JSON Schema node of ``root``."""
    if not isinstance(node, dict):  # ``additionalProperties: true``
        return _same
    node = resolve_ref(node, root)
    if "anyOf" in node:
        return _any_of(node["anyOf"], root)
    if "const" in node or "enum" in node:
        return _literal([node["const"]] if "const" in node else node["enum"])
    return _BY_TYPE.get(node.get("type"), _anything)(node, root)


def _same(value: Any) -> Any:
    return value


def _anything(node: Schema, root: Schema) -> Check:
    return _same


def _any_of(options: list[Schema], root: Schema) -> Check:
    nullable = any(option.get("type") == "null" for option in options)
    checks = [compile_check(option, root) for option in options if option.get("type") != "null"]
    inner = checks[0] if len(checks) == 1 else _first_that_holds(checks)
    if not nullable:
        return inner
    return lambda value: None if value is None else inner(value)


def _first_that_holds(checks: list[Check]) -> Check:
    def check(value: Any) -> Any:
        failures = []
        for option in checks:
            try:
                return option(value)
            except Invalid as error:
                failures.append(error)
        raise failures[0]

    return check


def _literal(expected: list[Any]) -> Check:
    choices = {(type(choice), choice) for choice in expected}
    message = f"Input should be {_choices_text(expected)}"

    def check(value: Any) -> Any:
        if isinstance(value, list | dict) or (type(value), value) not in choices:
            raise Invalid.of(message, value)
        return value

    return check


def _choices_text(expected: list[Any]) -> str:
    shown = [repr(choice) for choice in expected]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"


def _object(node: Schema, root: Schema) -> Check:
    if "properties" not in node:
        return _dict(compile_check(node.get("additionalProperties", True), root))
    fields = {name: compile_check(spec, root) for name, spec in node["properties"].items()}
    required = tuple(name for name in node["properties"] if name in node.get("required", ()))
    required_keys = frozenset(required)

    def check(value: Any) -> Any:
        if type(value) is not dict:
            raise Invalid.of("Input should be a valid dictionary", value)
        if not (required_keys <= value.keys() and value.keys() <= fields.keys()):
            raise Invalid(_shape_problems(value, fields, required))
        result, problems = {}, []
        for name, field in fields.items():
            if name in value:
                try:
                    result[name] = field(value[name])
                except Invalid as error:
                    problems += error.under(name)
        if problems:
            raise Invalid(problems)
        return result

    return check


def _shape_problems(value: dict[Any, Any], fields: dict[str, Check], required: tuple[str, ...]) -> list[Problem]:
    """Every problem of a mapping with missing or unknown keys: its fields' own, then the keys'."""
    problems = [Problem((name,), "missing", "Field required") for name in required if name not in value]
    for name, field in fields.items():
        if name in value:
            try:
                field(value[name])
            except Invalid as error:
                problems += error.under(name)
    unknown = [key for key in value if key not in fields]
    return problems + [Problem((key,), "unknown", "Extra inputs are not permitted", value[key]) for key in unknown]


def _dict(values: Check) -> Check:
    def check(value: Any) -> Any:
        if type(value) is not dict:
            raise Invalid.of("Input should be a valid dictionary", value)
        result, problems = {}, []
        for key, item in value.items():
            try:
                if type(key) is not str:
                    raise Invalid.of("Input should be a valid string", key)
                result[key] = values(item)
            except Invalid as error:
                problems += error.under(key)
        if problems:
            raise Invalid(problems)
        return result

    return check


def _array(node: Schema, root: Schema) -> Check:
    items = compile_check(node.get("items", True), root)

    def check(value: Any) -> Any:
        if type(value) is not list:
            raise Invalid.of("Input should be a valid list", value)
        result, problems = [], []
        for index, item in enumerate(value):
            try:
                result.append(items(item))
            except Invalid as error:
                problems += error.under(index)
        if problems:
            raise Invalid(problems)
        return result

    return check


def _string(node: Schema, root: Schema) -> Check:
    if node.get("format") == "date":
        return _date
    low, high = node.get("minLength", 0), node.get("maxLength", math.inf)
    pattern = re.compile(node["pattern"]) if "pattern" in node else None

    def check(value: Any) -> Any:
        if type(value) is not str:
            raise Invalid.of("Input should be a valid string", value)
        if not low <= len(value) <= high:
            raise Invalid.of(_length_message(low, high, len(value)), value)
        # Python's `$` also matches before a final newline; a pattern means the whole text
        if pattern is not None and ("\n" in value or pattern.search(value) is None):
            raise Invalid.of(f"String should match pattern '{pattern.pattern}'", value)
        return value

    return check


def _length_message(low: int, high: float, length: int) -> str:
    if length < low:
        return f"String should have at least {low} character{'s' if low != 1 else ''}"
    return f"String should have at most {high} character{'s' if high != 1 else ''}"


def _date(value: Any) -> Any:
    if type(value) is date:
        return value
    if type(value) is str and ISO_DATE.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise Invalid.of("Input should be a valid date (no such day)", value) from None
    raise Invalid.of("Input should be a valid date in the format YYYY-MM-DD", value)


_BOUNDS: dict[str, tuple[Callable[[Any, Any], bool], str]] = {
    "minimum": (lambda value, bound: value >= bound, "greater than or equal to"),
    "maximum": (lambda value, bound: value <= bound, "less than or equal to"),
    "exclusiveMinimum": (lambda value, bound: value > bound, "greater than"),
    "exclusiveMaximum": (lambda value, bound: value < bound, "less than"),
}


def _within(node: Schema) -> Check:
    bounds = [(*_BOUNDS[key], bound) for key, bound in node.items() if key in _BOUNDS]

    def check(value: Any) -> Any:
        for holds, words, bound in bounds:
            if not holds(value, bound):
                raise Invalid.of(f"Input should be {words} {bound}", value)
        return value

    return check


def _integer(node: Schema, root: Schema) -> Check:
    within = _within(node)

    def check(value: Any) -> Any:
        if type(value) is not int:
            raise Invalid.of("Input should be a valid integer", value)
        return within(value)

    return check


def _number(node: Schema, root: Schema) -> Check:
    within = _within(node)

    def check(value: Any) -> Any:
        if type(value) not in (int, float):
            raise Invalid.of("Input should be a valid number", value)
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise Invalid.of("Input should be a finite number", value)
        return within(number)

    return check


def _boolean(node: Schema, root: Schema) -> Check:
    def check(value: Any) -> Any:
        if type(value) is not bool:
            raise Invalid.of("Input should be a valid boolean", value)
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
