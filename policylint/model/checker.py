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


def compile_check(node: Any, root: Schema, *, nullable: bool = False) -> Check:
    """The check for a JSON Schema node of ``root``; ``nullable``: None is accepted too.

    Optional fields are nearly all ``anyOf: [X, null]``: their None is folded into the check
    of X, so that a valid value costs one call and a type test, not a wrapper's call too.
    """
    if not isinstance(node, dict):  # ``additionalProperties: true``
        return _same
    node = resolve_ref(node, root)
    if "anyOf" in node:
        return _any_of(node["anyOf"], root, nullable)
    if "const" in node or "enum" in node:
        return _literal([node["const"]] if "const" in node else node["enum"], nullable)
    return _BY_TYPE.get(node.get("type"), _anything)(node, root, nullable)


def _same(value: Any) -> Any:
    return value


def _anything(node: Schema, root: Schema, nullable: bool) -> Check:
    return _same


def _any_of(options: list[Schema], root: Schema, nullable: bool) -> Check:
    nullable = nullable or any(option.get("type") == "null" for option in options)
    kept = [option for option in options if option.get("type") != "null"]
    if len(kept) == 1:
        return compile_check(kept[0], root, nullable=nullable)
    inner = _first_that_holds([compile_check(option, root) for option in kept])
    return inner if not nullable else lambda value: None if value is None else inner(value)


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


def _literal(expected: list[Any], nullable: bool) -> Check:
    # by type, so that True is not 1 and 1.0 not 1; unhashable values are of no type here
    choices: dict[type, set[Any]] = {}
    for choice in expected:
        choices.setdefault(type(choice), set()).add(choice)
    if nullable:
        choices[type(None)] = {None}
    message = f"Input should be {_choices_text(expected)}"
    if choices.keys() <= {str, type(None)}:  # nearly every enum: no lookup of the value's type
        texts = frozenset(choices.get(str, ()))

        def check_text(value: Any) -> Any:
            if (type(value) is str and value in texts) or (value is None and nullable):
                return value
            raise Invalid.of(message, value)

        return check_text

    def check(value: Any) -> Any:
        if value in choices.get(type(value), ()):
            return value
        raise Invalid.of(message, value)

    return check


def _choices_text(expected: list[Any]) -> str:
    shown = [repr(choice) for choice in expected]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} or {shown[-1]}"


def _object(node: Schema, root: Schema, nullable: bool) -> Check:
    if "properties" not in node:
        return _dict(compile_check(node.get("additionalProperties", True), root), nullable)
    checks = {name: compile_check(spec, root) for name, spec in node["properties"].items()}
    fields = {name: (index, check) for index, (name, check) in enumerate(checks.items())}
    required = tuple(name for name in node["properties"] if name in node.get("required", ()))
    required_keys, known, unordered = frozenset(required), fields.keys(), len(fields)

    def check(value: Any) -> Any:
        if type(value) is not dict:
            if value is None and nullable:
                return None
            raise Invalid.of("Input should be a valid dictionary", value)
        if required_keys and not required_keys <= value.keys():
            raise Invalid(_shape_problems(value, checks, required))
        # A descriptor declares a few of a section's many fields: only those are checked, in
        # the value's order, which is nearly always the schema's; the result is in the schema's.
        result, last = {}, -1
        try:
            for name, item in value.items():
                index, field = fields[name]  # a key the schema does not know: KeyError
                result[name] = field(item)
                last = index if index > last else unordered
        except (Invalid, KeyError):  # the problems, in order, are gathered again only when there are some
            shaped = value.keys() <= known
            raise Invalid(
                _field_problems(value, checks) if shaped else _shape_problems(value, checks, required)
            ) from None
        return result if last < unordered else {name: result[name] for name in checks if name in result}

    return check


def _field_problems(value: dict[Any, Any], fields: dict[str, Check]) -> list[Problem]:
    """The problems of the fields of ``value`` that ``fields`` knows, in the schema's order."""
    problems = []
    for name, field in fields.items():
        if name in value:
            try:
                field(value[name])
            except Invalid as error:
                problems += error.under(name)
    return problems


def _shape_problems(value: dict[Any, Any], fields: dict[str, Check], required: tuple[str, ...]) -> list[Problem]:
    """Every problem of a mapping with missing or unknown keys: its fields' own, then the keys'."""
    problems = [Problem((name,), "missing", "Field required") for name in required if name not in value]
    problems += _field_problems(value, fields)
    unknown = [key for key in value if key not in fields]
    return problems + [Problem((key,), "unknown", "Extra inputs are not permitted", value[key]) for key in unknown]


def _dict(values: Check, nullable: bool) -> Check:
    def check(value: Any) -> Any:
        if type(value) is not dict:
            if value is None and nullable:
                return None
            raise Invalid.of("Input should be a valid dictionary", value)
        try:  # the problems, in order, are gathered again only when there are some
            return {_text_key(key): values(item) for key, item in value.items()}
        except Invalid:
            raise Invalid(_item_problems(value, values)) from None

    return check


def _text_key(key: Any) -> str:
    if type(key) is not str:
        raise Invalid.of("Input should be a valid string", key)
    return key


def _item_problems(value: dict[Any, Any], values: Check) -> list[Problem]:
    problems = []
    for key, item in value.items():
        try:
            _text_key(key)
            values(item)
        except Invalid as error:
            problems += error.under(key)
    return problems


def _array(node: Schema, root: Schema, nullable: bool) -> Check:
    items = compile_check(node.get("items", True), root)

    def check(value: Any) -> Any:
        if type(value) is not list:
            if value is None and nullable:
                return None
            raise Invalid.of("Input should be a valid list", value)
        try:
            return [items(item) for item in value]
        except Invalid:
            raise Invalid(_index_problems(value, items)) from None

    return check


def _index_problems(value: list[Any], items: Check) -> list[Problem]:
    problems = []
    for index, item in enumerate(value):
        try:
            items(item)
        except Invalid as error:
            problems += error.under(index)
    return problems


def _string(node: Schema, root: Schema, nullable: bool) -> Check:
    if node.get("format") == "date":
        return _date if not nullable else _nullable_date
    low, high = node.get("minLength", 0), node.get("maxLength", math.inf)
    pattern = re.compile(node["pattern"]) if "pattern" in node else None

    def check(value: Any) -> Any:
        if type(value) is str:
            if not low <= len(value) <= high:
                raise Invalid.of(_length_message(low, high, len(value)), value)
            # Python's `$` also matches before a final newline; a pattern means the whole text
            if pattern is not None and ("\n" in value or pattern.search(value) is None):
                raise Invalid.of(f"String should match pattern '{pattern.pattern}'", value)
            return value
        if value is None and nullable:
            return None
        raise Invalid.of("Input should be a valid string", value)

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


def _nullable_date(value: Any) -> Any:
    return None if value is None else _date(value)


_BOUNDS: dict[str, tuple[Callable[[Any, Any], bool], str]] = {
    "minimum": (lambda value, bound: value >= bound, "greater than or equal to"),
    "maximum": (lambda value, bound: value <= bound, "less than or equal to"),
    "exclusiveMinimum": (lambda value, bound: value > bound, "greater than"),
    "exclusiveMaximum": (lambda value, bound: value < bound, "less than"),
}


def _within(node: Schema) -> Check:
    bounds = [(*_BOUNDS[key], bound) for key, bound in node.items() if key in _BOUNDS]
    if not bounds:
        return _same

    def check(value: Any) -> Any:
        for holds, words, bound in bounds:
            if not holds(value, bound):
                raise Invalid.of(f"Input should be {words} {bound}", value)
        return value

    return check


def _integer(node: Schema, root: Schema, nullable: bool) -> Check:
    within = _within(node)
    # ``minimum: 0`` alone, as nearly every count in a descriptor: one comparison, no call
    least = node["minimum"] if within is not _same and node.keys() & _BOUNDS.keys() == {"minimum"} else None

    def check(value: Any) -> Any:
        if type(value) is int:
            return value if least is not None and value >= least else within(value)
        if value is None and nullable:
            return None
        raise Invalid.of("Input should be a valid integer", value)

    return check


def _number(node: Schema, root: Schema, nullable: bool) -> Check:
    within = _within(node)

    def check(value: Any) -> Any:
        if type(value) not in (int, float):
            if value is None and nullable:
                return None
            raise Invalid.of("Input should be a valid number", value)
        try:
            number = float(value)
        except OverflowError:
            number = math.inf
        if not math.isfinite(number):
            raise Invalid.of("Input should be a finite number", value)
        return within(number)

    return check


def _boolean(node: Schema, root: Schema, nullable: bool) -> Check:
    accepted = (bool, type(None)) if nullable else (bool,)

    def check(value: Any) -> Any:
        if type(value) in accepted:
            return value
        raise Invalid.of("Input should be a valid boolean", value)

    return check


_BY_TYPE: dict[Any, Callable[[Schema, Schema, bool], Check]] = {
    "object": _object,
    "array": _array,
    "string": _string,
    "integer": _integer,
    "number": _number,
    "boolean": _boolean,
}
