"""Validate a descriptor document against the model, with positions and "did you mean" hints."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

from policylint.load import Document, Position, escape_pointer_token
from policylint.model import Descriptor


@dataclass(frozen=True, slots=True)
class DescriptorProblem:
    message: str
    pointer: str
    position: Position


def validate_descriptor(document: Document) -> tuple[dict[str, Any] | None, list[DescriptorProblem]]:
    """The normalised descriptor (only what was declared), or the problems that stop it."""
    problems = [_duplicate(pointer, position) for pointer, position in document.duplicates]
    try:
        model = Descriptor.model_validate(document.data)
    except ValidationError as error:
        problems.extend(_problems(error, document))
        return None, problems
    if problems:
        return None, problems
    return model.model_dump(by_alias=True, exclude_unset=True), []


def _duplicate(pointer: str, position: Position) -> DescriptorProblem:
    key = pointer.rsplit("/", 1)[-1]
    return DescriptorProblem(f"duplicate key '{key}'", pointer, position)


def _problems(error: ValidationError, document: Document) -> Iterator[DescriptorProblem]:
    for detail in error.errors(include_url=False):
        location = tuple(detail["loc"])
        pointer = "".join(f"/{escape_pointer_token(part)}" for part in location)
        message = _message(detail, location)
        yield DescriptorProblem(message, pointer, document.position(pointer))


def _message(detail: Any, location: tuple[Any, ...]) -> str:
    path = ".".join(str(part) for part in location) or "document"
    if detail["type"] == "extra_forbidden":
        return f"unknown key '{path}'{_did_you_mean(location)}"
    if detail["type"] == "missing":
        return f"'{path}' is required"
    value = detail.get("input")
    shown = "" if isinstance(value, dict | list) else f" (got {value!r})"
    return f"'{path}': {detail['msg']}{shown}"


def _did_you_mean(location: tuple[Any, ...]) -> str:
    allowed = _keys_at(Descriptor, location[:-1])
    matches = difflib.get_close_matches(str(location[-1]), allowed, n=1, cutoff=0.6)
    return f"; did you mean '{matches[0]}'?" if matches else ""


def _keys_at(model: type[BaseModel], location: tuple[Any, ...]) -> list[str]:
    """The keys the model allows at ``location`` (list indices are skipped)."""
    current: Any = model
    for part in location:
        if isinstance(part, int):
            continue
        field = _field_by_alias(current, str(part))
        if field is None:
            return []
        current = _model_in(field.annotation)
    if not (isinstance(current, type) and issubclass(current, BaseModel)):
        return []
    return [info.alias or name for name, info in current.model_fields.items()]


def _field_by_alias(model: Any, alias: str) -> Any:
    if not (isinstance(model, type) and issubclass(model, BaseModel)):
        return None
    for name, info in model.model_fields.items():
        if (info.alias or name) == alias:
            return info
    return None


def _model_in(annotation: Any) -> Any:
    """The model class inside Optional[...] / list[...] / Annotated[...], if any."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is None and not isinstance(annotation, types.UnionType):
        return None
    for argument in typing.get_args(annotation):
        found = _model_in(argument)
        if found is not None:
            return found
    return None
