"""What the two YAML builders share: documents, positions, bounds and the meaning of scalars.

``policylint.load`` is the entry point and re-exports the public names; ``load_events`` builds
documents from parser events and ``load_nodes`` from libyaml's node tree, both with these
rules, so that they give the same documents.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, NamedTuple

import yaml

# Bounds on one file, counted across its documents so that splitting a file does not help.
MAX_EXPANDED_NODES = 200_000  # aliases counted each time they appear
MAX_DOCUMENTS = 1_000  # each may be a descriptor, checked against every policy
MAX_DEPTH = 200

_SCALAR_TAGS = {
    "tag:yaml.org,2002:null",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:timestamp",
}
_STR_TAG = "tag:yaml.org,2002:str"
_INT_TAG = "tag:yaml.org,2002:int"
_FLOAT_TAG = "tag:yaml.org,2002:float"
_MERGE_TAG = "tag:yaml.org,2002:merge"
_constructor = yaml.constructor.SafeConstructor()
_resolver = yaml.resolver.Resolver()
# Escapes (JSON's, and YAML's when libyaml is missing) can still make one; no report can hold it.
SURROGATE = re.compile("[\ud800-\udfff]")


class Position(NamedTuple):  # a named tuple: made for many nodes, cheaper than a dataclass
    line: int
    column: int


_FIRST = Position(1, 1)


class LoadError(Exception):
    # A plain class: a dataclass costs a pre-commit run 1.8 M instructions to define.
    def __init__(self, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(message, line, column)
        self.message, self.line, self.column = message, line, column

    def __str__(self) -> str:
        return self.message


@dataclass
class Document:
    """One document of a file: its value and where each of its parts stands."""

    data: Any
    positions: dict[str, Position]
    index: int = 0
    duplicates: list[tuple[str, Position]] = field(default_factory=list)
    # Every text key of every mapping the document's value holds (merged ones and keys of keys
    # too), or None when the builder did not say. A detector looking for keys of some kind
    # can pass over a document that holds none without walking it.
    keys: frozenset[str] | None = None
    # Positions found for pointers that are not in ``positions`` (a missing fact: its nearest
    # parent). Tens of findings a descriptor point at the same few missing sections.
    _nearest: dict[str, Position] = field(default_factory=dict, compare=False, repr=False)

    @property
    def start(self) -> Position:
        return self.positions.get("", _FIRST)

    def pointer_at(self, line: int, column: int) -> str:
        """The pointer of the key or item that starts last on ``line`` before ``column``, or ""."""
        candidates = [
            (p.column, pointer) for pointer, p in self.positions.items() if p.line == line and p.column <= column
        ]
        return max(candidates)[1] if candidates else ""

    def position(self, pointer: str) -> Position:
        """The position of ``pointer``, or of its nearest ancestor that exists."""
        return self.positions.get(pointer) or self._nearest.get(pointer) or self._nearest_position(pointer)

    def _nearest_position(self, pointer: str) -> Position:
        found = self._nearest[pointer] = self._ancestor_position(pointer)
        return found

    def _ancestor_position(self, pointer: str) -> Position:
        while pointer not in self.positions and pointer:
            pointer = pointer.rsplit("/", 1)[0]
        found = self.positions.get(pointer)
        return self.start if found is None else found


def escape_pointer_token(token: object) -> str:
    text = str(token)
    if "~" not in text and "/" not in text:  # nearly every key: spare two copies
        return text
    return text.replace("~", "~0").replace("/", "~1")


# --- scalars ----------------------------------------------------------------------------


def scalar_value(tag: str | None, text: str, implicit: tuple[bool, bool]) -> tuple[Any, bool]:
    """The value of a scalar, and whether it is the merge key ``<<``.

    ``tag`` is the scalar's own tag; None or ``!`` when it has none, and ``implicit`` then says
    whether it may be resolved as YAML 1.1 does (plain scalars) or is text (quoted ones).
    """
    if tag is None or tag == "!":
        tag = _resolve(text, implicit)
    elif tag in _SCALAR_TAGS and tag != _STR_TAG and not _has_form_of(tag, text):
        # PyYAML's constructors assume the form their resolver matched: ``!!int ""`` or
        # ``!!bool maybe`` would crash them. A tag on a value it cannot describe keeps the text.
        return text, False
    return _scalar(tag, text), tag == _MERGE_TAG


def _has_form_of(tag: str, text: str) -> bool:
    resolved = _resolve(text, (True, False))
    return resolved == tag or (tag == _FLOAT_TAG and resolved == _INT_TAG)


def _resolve(value: str, implicit: tuple[bool, bool]) -> str:
    tag: str = _resolver.resolve(yaml.ScalarNode, value, implicit)  # type: ignore[no-untyped-call]
    return tag


def _scalar(tag: str, text: str) -> Any:
    if tag == _STR_TAG or tag not in _SCALAR_TAGS:
        return text
    node = yaml.ScalarNode(tag, text)
    try:
        value = _constructor.yaml_constructors[tag](_constructor, node)
    except (ValueError, OverflowError, yaml.constructor.ConstructorError):
        return text
    if isinstance(value, datetime) and tag.endswith("timestamp") and len(text) <= 10:
        return value.date()
    return value


def as_key(value: Any, start: Position) -> Any:
    if type(value) is str:  # nearly every key
        return value
    if isinstance(value, dict):
        return f"<MappingNode key at line {start.line}>"
    if isinstance(value, list):
        return f"<SequenceNode key at line {start.line}>"
    return value if isinstance(value, str | int | float | bool | date) or value is None else str(value)


def merge_keys(
    mapping: dict[Any, Any],
    merged: set[Any],
    value: Any,
    pointer: str | None,
    start: Position,
    positions: dict[str, Position],
) -> None:
    """``<<: value``: the keys of a mapping (or of each mapping in a list) that ``mapping``
    lacks join it, noted in ``merged``; each gets the position of ``<<`` unless it has one."""
    for source in value if isinstance(value, list) else [value]:
        if not isinstance(source, dict):
            continue
        for key, item in source.items():
            if key in mapping:
                continue
            mapping[key] = item
            merged.add(key)
            if pointer is not None:
                positions.setdefault(f"{pointer}/{escape_pointer_token(key)}", start)


def refuse_surrogates(text: str, problem: str, start: Position | None = None) -> None:
    found = SURROGATE.search(text)
    if found is not None:
        where = (start.line, start.column) if start is not None else (None, None)
        raise LoadError(f"{problem}: lone surrogate U+{ord(found.group()):04X} is not a character", *where)
