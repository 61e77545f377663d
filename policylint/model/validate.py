"""Validate a descriptor document, with positions and "did you mean" hints.

The pydantic model (policylint.model.descriptor) is the one definition of a descriptor. Importing
pydantic and building ~60 models took most of a pre-commit run on one file, so checks run
on a pydantic-core validator compiled from the model's JSON Schema, which is cached on
disk with the package's files: the same core, the same rules and messages, without the
start-up. Plainly valid descriptors do not even need that: policylint.model.quickcheck accepts
them in pure Python, and only the others load pydantic-core, which also words the problems.
tests/test_validate.py holds the three to the same answers.
"""

from __future__ import annotations

import difflib
import itertools
from collections.abc import Callable, Iterator
from functools import cache
from typing import Any, NamedTuple

from policylint.load.documents import Document, Position, escape_pointer_token
from policylint.model.quickcheck import resolve_ref

Schema = dict[str, Any]
# Loading pydantic-core costs ~30 ms and ~15 MiB; after that it checks a descriptor ~45 µs
# faster than the pure-Python check (~20 against ~65 µs). A pre-commit run checks a handful of descriptors: a
# process quick-checks its first 64, and a bigger run (which loses at most ~25 ms by it)
# loads pydantic-core, so that its memory does not depend on where it crosses over.
QUICK_CHECKS = 64
_descriptors_seen = itertools.count()


class DescriptorProblem(NamedTuple):
    message: str
    pointer: str
    position: Position


def is_descriptor(data: Any) -> bool:
    """A document is a descriptor when its apiVersion names policylint; other YAML is not ours."""
    if not isinstance(data, dict):
        return False
    api_version = data.get("apiVersion")
    return isinstance(api_version, str) and api_version.split("/", 1)[0] == "policylint"


def validate_descriptor(document: Document) -> tuple[dict[str, Any] | None, list[DescriptorProblem]]:
    """The normalised descriptor (only what was declared), or the problems that stop it."""
    from policylint.model.quickcheck import Unsure

    data = document.data
    if isinstance(data, dict) and "spec" in data and data["spec"] is None:
        data = {**data, "spec": {}}  # `spec:` with every key commented out (the init template)
    if not document.duplicates and next(_descriptors_seen) < QUICK_CHECKS:
        try:
            return _quick_check()(data), []
        except Unsure:
            pass
    return _checked(data, document)


def _checked(data: Any, document: Document) -> tuple[dict[str, Any] | None, list[DescriptorProblem]]:
    from pydantic_core import ValidationError

    problems = [_duplicate(pointer, position) for pointer, position in document.duplicates]
    try:
        validated: dict[str, Any] = _validator().validate_python(data)
    except ValidationError as error:
        problems.extend(_problems(error, document))
        return None, problems
    return (None, problems) if problems else (validated, [])


def _duplicate(pointer: str, position: Position) -> DescriptorProblem:
    key = pointer.rsplit("/", 1)[-1]
    return DescriptorProblem(f"duplicate key '{key}'", pointer, position)


def _problems(error: Any, document: Document) -> Iterator[DescriptorProblem]:
    for detail in error.errors(include_url=False):
        location = tuple(detail["loc"])
        pointer = "".join(f"/{escape_pointer_token(part)}" for part in location)
        yield DescriptorProblem(_message(detail, location), pointer, document.position(pointer))


def _message(detail: Any, location: tuple[Any, ...]) -> str:
    path = ".".join(str(part) for part in location) or "document"
    if detail["type"] == "extra_forbidden":
        return f"unknown key '{path}'{_did_you_mean(location)}"
    if detail["type"] == "missing":
        return f"'{path}' is required"
    value = detail.get("input")
    shown = "" if isinstance(value, dict | list) else f" (got {_shorten(repr(value))})"
    return f"'{path}': {detail['msg']}{shown}"


def _shorten(text: str, width: int = 80) -> str:
    """A quoted value is evidence, not a copy: a 5 MB value makes no 5 MB error line."""
    return text if len(text) <= width else f"{text[: width - 1]}…"


def _did_you_mean(location: tuple[Any, ...]) -> str:
    allowed = keys_at(descriptor_json_schema(), location[:-1])
    matches = difflib.get_close_matches(str(location[-1]), allowed, n=1, cutoff=0.6)
    return f"; did you mean '{matches[0]}'?" if matches else ""


# --- the schema, and the validator compiled from it -----------------------------------


def descriptor_json_schema() -> Schema:
    """The model's JSON Schema; from the cache while the package is unchanged."""

    def build() -> Schema:
        from policylint.model.schema import descriptor_schema

        return descriptor_schema()

    return cached_json_schema("descriptor-schema", build)


def cached_json_schema(name: str, build: Callable[[], Schema]) -> Schema:
    """A JSON Schema that pydantic derives from a model, kept on disk under ``name``."""
    from policylint.catalog import cache

    key = cache.key_for([])
    schema: Schema | None = cache.read(name, key)
    if schema is None:
        schema = build()
        cache.write(name, key, schema)
    return schema


@cache
def _quick_check() -> Callable[[Any], Any]:
    from policylint.model.quickcheck import compile_check

    schema = descriptor_json_schema()
    return compile_check(schema, schema)


@cache
def _validator() -> Any:
    from pydantic_core import SchemaValidator

    schema = descriptor_json_schema()
    return SchemaValidator(core_schema(schema, schema))


def keys_at(root: Schema, location: tuple[Any, ...]) -> list[str]:
    """The keys the schema allows at ``location`` (list indices are skipped)."""
    node = _unwrap(root, root)
    for part in location:
        if isinstance(part, int):
            continue
        node = _unwrap(node.get("properties", {}).get(str(part), {}), root)
    return list(node.get("properties", {}))


def _unwrap(node: Schema, root: Schema) -> Schema:
    """Through $ref, Optional (anyOf with null) and list items, to the mapping inside."""
    node = resolve_ref(node, root)
    if "anyOf" in node:
        node = resolve_ref(next((n for n in node["anyOf"] if n.get("type") != "null"), {}), root)
    return _unwrap(node["items"], root) if node.get("type") == "array" else node


def core_schema(node: Schema, root: Schema) -> Schema:
    """A pydantic-core schema for a JSON Schema node of the kinds the model produces."""
    if not isinstance(node, dict):  # ``additionalProperties: true``: anything
        return {"type": "any"}
    node = resolve_ref(node, root)
    if "anyOf" in node:
        options = [n for n in node["anyOf"] if n.get("type") != "null"]
        inner = core_schema(options[0], root) if len(options) == 1 else _union(options, root)
        return {"type": "nullable", "schema": inner} if len(options) < len(node["anyOf"]) else inner
    if "const" in node or "enum" in node:
        return {"type": "literal", "expected": [node["const"]] if "const" in node else node["enum"]}
    kind = node.get("type")
    if kind == "object":
        return _mapping(node, root)
    if kind == "array":
        return {"type": "list", "items_schema": core_schema(node.get("items", {}), root)}
    return _scalar(node)


def _union(options: list[Schema], root: Schema) -> Schema:
    return {"type": "union", "choices": [core_schema(option, root) for option in options]}


def _mapping(node: Schema, root: Schema) -> Schema:
    if "properties" not in node:
        values = core_schema(node.get("additionalProperties", {}), root)
        return {"type": "dict", "keys_schema": {"type": "str", "strict": True}, "values_schema": values}
    required = set(node.get("required", ()))
    fields = {
        name: {"type": "typed-dict-field", "schema": core_schema(spec, root), "required": name in required}
        for name, spec in node["properties"].items()
    }
    return {"type": "typed-dict", "fields": fields, "extra_behavior": "forbid"}


_BOUNDS = {"minimum": "ge", "maximum": "le", "exclusiveMinimum": "gt", "exclusiveMaximum": "lt"}
_LENGTHS = {"minLength": "min_length", "maxLength": "max_length", "pattern": "pattern"}


def _scalar(node: Schema) -> Schema:
    """Strings, integers and booleans are strict, as in the model; numbers and dates are lax."""
    kind = node.get("type")
    if kind == "string" and node.get("format") == "date":
        return {"type": "date"}
    if kind == "string":
        return {"type": "str", "strict": True, **{_LENGTHS[k]: v for k, v in node.items() if k in _LENGTHS}}
    bounds = {_BOUNDS[k]: v for k, v in node.items() if k in _BOUNDS}
    if kind == "integer":
        return {"type": "int", "strict": True, **bounds}
    if kind == "number":
        return {"type": "float", **bounds}
    if kind == "boolean":
        return {"type": "bool", "strict": True}
    return {"type": "any"}
