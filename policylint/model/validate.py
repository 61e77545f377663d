"""Validate a descriptor document, with positions and "did you mean" hints.

The pydantic model (policylint.model.descriptor) is the one definition of a descriptor. Its
JSON Schema is shipped in the package (``policylint/schemas/descriptor.schema.json``, held to
the model by a test), and ``checker`` compiles it once into the one validator: the same for
a run's first descriptor and its ten-thousandth, and no pydantic import on a run's path.
"""

from __future__ import annotations

from functools import cache
from typing import Any, NamedTuple

from policylint.load.documents import Document, Position, escape_pointer_token
from policylint.load.masking import quoted
from policylint.model.checker import (
    DESCRIPTOR_SCHEMA,
    Check,
    Invalid,
    Problem,
    Schema,
    compile_check,
    read_schema,
    resolve_ref,
)


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
    problems = [_duplicate(pointer, position) for pointer, position in document.duplicates]
    try:
        validated: dict[str, Any] = descriptor_check()(document.data)
    except Invalid as error:
        problems.extend(_problem(problem, document) for problem in error.problems)
        return None, problems
    return (None, problems) if problems else (validated, [])


def _duplicate(pointer: str, position: Position) -> DescriptorProblem:
    key = pointer.rsplit("/", 1)[-1]
    return DescriptorProblem(f"duplicate key '{key}'", pointer, position)


def _problem(problem: Problem, document: Document) -> DescriptorProblem:
    pointer = "".join(f"/{escape_pointer_token(part)}" for part in problem.location)
    return DescriptorProblem(problem_message(problem, _did_you_mean), pointer, document.position(pointer))


def problem_message(problem: Problem, hint: Any = None) -> str:
    """A problem as one line: the dotted path, what is wrong, and the value (shortened)."""
    path = ".".join(str(part) for part in problem.location) or "document"
    if problem.kind == "unknown":
        return f"unknown key '{path}'{hint(problem.location) if hint else ''}"
    if problem.kind == "missing":
        return f"'{path}' is required"
    value = problem.value
    shown = "" if isinstance(value, dict | list) or not problem.has_value else f" (got {_shorten(quoted(value))})"
    return f"'{path}': {problem.message}{shown}"


def _shorten(text: str, width: int = 80) -> str:
    """A quoted value is evidence, not a copy: a 5 MB value makes no 5 MB error line."""
    return text if len(text) <= width else f"{text[: width - 1]}…"


def _did_you_mean(location: tuple[Any, ...]) -> str:
    allowed = keys_at(descriptor_json_schema(), location[:-1])
    import difflib  # only for a key the schema does not know

    matches = difflib.get_close_matches(str(location[-1]), allowed, n=1, cutoff=0.6)
    return f"; did you mean '{matches[0]}'?" if matches else ""


# --- the shipped schema, and the check compiled from it ---------------------------------


@cache
def descriptor_json_schema() -> Schema:
    """The model's JSON Schema as shipped with the package."""
    return read_schema(DESCRIPTOR_SCHEMA)


@cache
def descriptor_check() -> Check:
    schema = descriptor_json_schema()
    check = compile_check(schema, schema)

    def with_empty_spec(data: Any) -> Any:
        """``spec:`` with every key commented out (the init template) is an empty spec, as in the model."""
        if type(data) is dict and "spec" in data and data["spec"] is None:
            data = {**data, "spec": {}}
        return check(data)

    return with_empty_spec


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
