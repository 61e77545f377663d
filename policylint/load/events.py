"""Build documents from parser events: the builder for every file the node builder declines.

It reads the events of libyaml's C parser (PyYAML's pure-Python parser when libyaml is
missing) one by one, never through PyYAML's composer or constructors: an unknown tag
(``!Ref``, ``!vault``, ``!!python/object``) yields the plain scalar, list or mapping.
Building from events needs no recursion, so nesting depth and the size a document expands
to through aliases are bounded while reading, before a hostile file costs anything; its
errors, with their lines and columns, are the ones policylint reports.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import yaml

from policylint.load.base import (
    MAX_DEPTH,
    MAX_DOCUMENTS,
    MAX_EXPANDED_NODES,
    Document,
    LoadError,
    Position,
    as_key,
    escape_pointer_token,
    merge_keys,
    refuse_surrogates,
    scalar_value,
)


def _mark(event: yaml.Event) -> Position:
    mark = event.start_mark
    return Position(mark.line + 1, mark.column + 1) if mark is not None else Position(1, 1)


@dataclass(frozen=True, slots=True)
class _Anchor:
    value: Any
    size: int  # nodes the value stands for, aliases inside it expanded
    height: int  # levels of nesting below it


@dataclass(slots=True)
class _Frame:
    """A sequence or mapping being read."""

    value: list[Any] | dict[Any, Any]
    pointer: str | None  # None inside keys and merge sources: nothing there gets a position
    start: Position
    anchor: str | None
    size_before: int
    height: int = 0
    has_key: bool = False  # a mapping's key is read and its value is awaited
    key: Any = None
    value_pointer: str | None = None
    merging: Position | None = None  # the awaited value is merged in (``<<``), from here
    merged: set[Any] = field(default_factory=set)


@dataclass(slots=True)
class _Budget:
    """Nodes read so far in the file, aliases expanded."""

    size: int = 0


class _Builder:
    """Turns the events of one document into plain values, positions and duplicate keys."""

    def __init__(self, budget: _Budget) -> None:
        self.positions: dict[str, Position] = {}
        self.duplicates: list[tuple[str, Position]] = []
        self.keys: set[str] = set()
        self.root: Any = None
        self._stack: list[_Frame] = []
        self._anchors: dict[str, _Anchor] = {}
        self._anchored_at: dict[str, Position] = {}
        self._budget = budget

    def scalar(self, event: yaml.ScalarEvent) -> None:
        start = self._begin(event)
        self._child_pointer(start)
        if event.style == '"':
            refuse_surrogates(event.value, "invalid YAML", start)
        value, merge = scalar_value(event.tag, event.value, event.implicit)
        if event.anchor is not None:
            self._anchors[event.anchor] = _Anchor(value, 1, 0)
        self._complete(value, start, 0, merge=merge)

    def open(self, event: yaml.CollectionStartEvent, value: list[Any] | dict[Any, Any]) -> None:
        size_before = self._budget.size
        start = self._begin(event)
        self._stack.append(_Frame(value, self._child_pointer(start), start, event.anchor, size_before))

    def close(self) -> None:
        frame = self._stack.pop()
        if frame.anchor is not None:
            self._anchors[frame.anchor] = _Anchor(frame.value, self._budget.size - frame.size_before, frame.height)
        self._complete(frame.value, frame.start, frame.height)

    def alias(self, event: yaml.AliasEvent) -> None:
        start = _mark(event)
        name = str(event.anchor)
        anchor = self._anchors.get(name)
        if anchor is None:
            undefined = f"invalid YAML: found undefined alias '{name}'"
            raise LoadError("recursive alias" if name in self._anchored_at else undefined, *_pair(start))
        if len(self._stack) + anchor.height > MAX_DEPTH:
            raise LoadError(f"nesting deeper than {MAX_DEPTH} levels (through alias '{name}')", *_pair(start))
        self._grow(anchor.size, start, through_alias=True)
        self._child_pointer(start)
        self._complete(anchor.value, start, anchor.height)

    def _begin(self, event: yaml.NodeEvent) -> Position:
        """Count a new node, bound its depth and claim its anchor."""
        start = _mark(event)
        if len(self._stack) > MAX_DEPTH:
            raise LoadError(f"nesting deeper than {MAX_DEPTH} levels", start.line, start.column)
        self._grow(1, start, through_alias=False)
        if event.anchor is not None:
            first = self._anchored_at.get(event.anchor)
            if first is not None:
                where = f"line {first.line}, column {first.column}"
                raise LoadError(f"invalid YAML: duplicate anchor '{event.anchor}' (first at {where})", *_pair(start))
            self._anchored_at[event.anchor] = start
        return start

    def _grow(self, nodes: int, start: Position, *, through_alias: bool) -> None:
        self._budget.size += nodes
        if self._budget.size <= MAX_EXPANDED_NODES:
            return
        if through_alias:
            message = f"aliases expand the file to more than {MAX_EXPANDED_NODES} nodes (alias bomb?)"
        else:
            message = f"file has more than {MAX_EXPANDED_NODES} nodes"
        raise LoadError(message, start.line, start.column)

    def _child_pointer(self, start: Position) -> str | None:
        """The pointer of the node starting at ``start``, recording where it stands."""
        if not self._stack:
            self.positions[""] = start
            return ""
        parent = self._stack[-1]
        if isinstance(parent.value, list):
            if parent.pointer is None:
                return None
            pointer = f"{parent.pointer}/{len(parent.value)}"
            self.positions.setdefault(pointer, start)
            return pointer
        return parent.value_pointer if parent.has_key else None

    def _complete(self, value: Any, start: Position, height: int, *, merge: bool = False) -> None:
        if not self._stack:
            self.root = value
            return
        parent = self._stack[-1]
        parent.height = max(parent.height, height + 1)
        if isinstance(parent.value, list):
            parent.value.append(value)
        elif not parent.has_key:
            self._key(parent, value, start, merge=merge)
        elif parent.merging is not None:
            self._merge(parent, parent.value, value, parent.merging)
        else:
            parent.value[parent.key] = value
            parent.has_key = False

    def _key(self, frame: _Frame, value: Any, start: Position, *, merge: bool) -> None:
        frame.has_key = True
        if merge:
            frame.merging, frame.value_pointer = start, None
            return
        key = as_key(value, start)
        if type(key) is str:
            self.keys.add(key)
        mapping = frame.value
        assert isinstance(mapping, dict)
        frame.key, frame.merging = key, None
        frame.value_pointer = None if frame.pointer is None else f"{frame.pointer}/{escape_pointer_token(key)}"
        if key in frame.merged:
            frame.merged.discard(key)  # an explicit key overrides a merged one: that is what merging is for
        elif key in mapping and frame.value_pointer is not None:
            self.duplicates.append((frame.value_pointer, start))
        if frame.value_pointer is not None:
            self.positions[frame.value_pointer] = start

    def _merge(self, frame: _Frame, mapping: dict[Any, Any], value: Any, start: Position) -> None:
        frame.has_key, frame.merging = False, None
        merge_keys(mapping, frame.merged, value, frame.pointer, start, self.positions)


def _pair(position: Position) -> tuple[int, int]:
    return position.line, position.column


def documents(events: Iterable[yaml.Event]) -> Iterator[Document]:
    budget = _Budget()
    builder = _Builder(budget)
    index = -1
    for event in events:
        if isinstance(event, yaml.ScalarEvent):
            builder.scalar(event)
        elif isinstance(event, yaml.MappingStartEvent):
            builder.open(event, {})
        elif isinstance(event, yaml.SequenceStartEvent):
            builder.open(event, [])
        elif isinstance(event, yaml.CollectionEndEvent):
            builder.close()
        elif isinstance(event, yaml.AliasEvent):
            builder.alias(event)
        elif isinstance(event, yaml.DocumentStartEvent):
            builder, index = _Builder(budget), index + 1
            if index >= MAX_DOCUMENTS:
                raise LoadError(f"file has more than {MAX_DOCUMENTS} documents", *_pair(_mark(event)))
        elif isinstance(event, yaml.DocumentEndEvent):
            yield Document(builder.root, builder.positions, index, builder.duplicates, frozenset(builder.keys))
