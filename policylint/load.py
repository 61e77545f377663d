"""Load YAML and JSON documents safely, keeping the line and column of every key.

Documents are built straight from the events of libyaml's C parser (PyYAML's pure-Python
parser when libyaml is missing), never by PyYAML's composer or constructors: an unknown tag
(``!Ref``, ``!vault``, ``!!python/object``) yields the plain scalar, list or mapping.
Building from events needs no recursion, so nesting depth and the size a document expands
to through aliases are bounded while reading, before a hostile file costs anything.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import yaml

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml missing
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

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
# The characters YAML allows in a stream (libyaml and PyYAML refuse the others); checked up
# front so that the error has a line and column, and lone surrogates never reach the parser.
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")
# Escapes (JSON's, and YAML's when libyaml is missing) can still make one; no report can hold it.
_SURROGATE = re.compile("[\ud800-\udfff]")


@dataclass(frozen=True, slots=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True)
class LoadError(Exception):
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        return self.message


@dataclass
class Document:
    """One document of a file: its value and where each of its parts stands."""

    data: Any
    positions: dict[str, Position]
    index: int = 0
    duplicates: list[tuple[str, Position]] = field(default_factory=list)

    @property
    def start(self) -> Position:
        return self.positions.get("", Position(1, 1))

    def pointer_at(self, line: int, column: int) -> str:
        """The pointer of the key or item that starts last on ``line`` before ``column``, or ""."""
        candidates = [
            (p.column, pointer) for pointer, p in self.positions.items() if p.line == line and p.column <= column
        ]
        return max(candidates)[1] if candidates else ""

    def position(self, pointer: str) -> Position:
        """The position of ``pointer``, or of its nearest ancestor that exists."""
        while pointer not in self.positions and pointer:
            pointer = pointer.rsplit("/", 1)[0]
        return self.positions.get(pointer, self.start)


def escape_pointer_token(token: object) -> str:
    text = str(token)
    if "~" not in text and "/" not in text:  # nearly every key: spare two copies
        return text
    return text.replace("~", "~0").replace("/", "~1")


def _mark(event: yaml.Event) -> Position:
    mark = event.start_mark
    return Position(mark.line + 1, mark.column + 1) if mark is not None else Position(1, 1)


# --- building values from parser events -------------------------------------------------


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
        self.root: Any = None
        self._stack: list[_Frame] = []
        self._anchors: dict[str, _Anchor] = {}
        self._anchored_at: dict[str, Position] = {}
        self._budget = budget

    def scalar(self, event: yaml.ScalarEvent) -> None:
        start = self._begin(event)
        self._child_pointer(start)
        if event.style == '"':
            _refuse_surrogates(event.value, "invalid YAML", start)
        value, merge = _scalar_event(event)
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
        key = _as_key(value, start)
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
        for source in value if isinstance(value, list) else [value]:
            if not isinstance(source, dict):
                continue
            for key, item in source.items():
                if key in mapping:
                    continue
                mapping[key] = item
                frame.merged.add(key)
                if frame.pointer is not None:
                    self.positions.setdefault(f"{frame.pointer}/{escape_pointer_token(key)}", start)


def _pair(position: Position) -> tuple[int, int]:
    return position.line, position.column


def _scalar_event(event: yaml.ScalarEvent) -> tuple[Any, bool]:
    """The value of a scalar, and whether it is the merge key ``<<``."""
    tag = event.tag
    if tag is None or tag == "!":
        tag = _resolve(event.value, event.implicit)
    elif tag in _SCALAR_TAGS and tag != _STR_TAG and not _has_form_of(tag, event.value):
        # PyYAML's constructors assume the form their resolver matched: ``!!int ""`` or
        # ``!!bool maybe`` would crash them. A tag on a value it cannot describe keeps the text.
        return event.value, False
    return _scalar(tag, event.value), tag == _MERGE_TAG


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


def _as_key(value: Any, start: Position) -> Any:
    if type(value) is str:  # nearly every key
        return value
    if isinstance(value, dict):
        return f"<MappingNode key at line {start.line}>"
    if isinstance(value, list):
        return f"<SequenceNode key at line {start.line}>"
    return value if isinstance(value, str | int | float | bool | date) or value is None else str(value)


def _documents(events: Iterable[yaml.Event]) -> Iterator[Document]:
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
            yield Document(builder.root, builder.positions, index, builder.duplicates)


# --- entry points ---------------------------------------------------------------------


def load_yaml(text: str) -> Iterator[Document]:
    """Yield each document of a YAML stream; raise LoadError where the stream breaks."""
    _check_characters(text)
    try:
        yield from _documents(yaml.parse(text, Loader=_Loader))
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, text) from None
    except yaml.YAMLError as error:
        problem = str(error).splitlines()[0] if str(error) else "unreadable stream"
        raise LoadError(f"invalid YAML: {problem}") from None


def _check_characters(text: str) -> None:
    bad = _NOT_PRINTABLE.search(text)
    if bad is None:
        return
    before = text[: bad.start()]
    breaks = list(_LINE_BREAK.finditer(before))
    column = bad.start() - (breaks[-1].end() if breaks else 0) + 1
    raise LoadError(f"invalid YAML: character U+{ord(bad.group()):04X} is not allowed", len(breaks) + 1, column)


def _syntax_error(error: yaml.MarkedYAMLError, text: str) -> LoadError:
    mark = error.problem_mark or error.context_mark
    problem = error.problem or error.context or "invalid YAML"
    if mark is None:
        return LoadError(f"invalid YAML: {problem}")
    where = (mark.line + 1, mark.column + 1)
    if problem == "exceeded maximum nesting depth":  # libyaml's own bound, met while scanning ahead
        return LoadError(f"nesting deeper than {MAX_DEPTH} levels", *where)
    if problem == "found character that cannot start any token" and _character_at(text, mark) == "\t":
        problem = "tab character where indentation or a value should be (YAML indents with spaces only)"
    return LoadError(f"invalid YAML: {problem}", *where)


def _character_at(text: str, mark: yaml.Mark) -> str:
    lines = _LINE_BREAK.split(text, maxsplit=mark.line + 1)
    line = lines[mark.line] if mark.line < len(lines) else ""
    return line[mark.column : mark.column + 1]


def load_json(text: str) -> Iterator[Document]:
    """Strict JSON; positions come from the YAML loader when it reads the same values."""
    duplicates: list[tuple[str, Position]] = []
    try:
        data = json.loads(text, object_pairs_hook=lambda pairs: _json_object(pairs, duplicates), parse_int=_json_int)
    except json.JSONDecodeError as error:
        raise LoadError(f"invalid JSON: {error.msg}", error.lineno, error.colno) from None
    except RecursionError:
        raise LoadError(f"nesting deeper than {MAX_DEPTH} levels") from None
    except ValueError as error:
        raise LoadError(f"invalid JSON: {error}") from None
    nodes = _check_json_values(data, strings="\\u" in text or _SURROGATE.search(text) is not None)
    if nodes <= MAX_EXPANDED_NODES:  # larger, the YAML loader would only refuse it, slowly
        try:
            documents = list(load_yaml(text))
        except LoadError:
            documents = []
        if len(documents) == 1 and documents[0].data == data:
            yield documents[0]
            return
    yield Document(data, {"": Position(1, 1)}, 0, duplicates)


def _json_object(pairs: list[tuple[str, Any]], duplicates: list[tuple[str, Position]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            duplicates.append((f"/{escape_pointer_token(key)}", Position(1, 1)))
        result[key] = value
    return result


def _json_int(text: str) -> int:
    try:
        return int(text)
    except ValueError:  # Python refuses to convert more than 4300 digits
        raise LoadError(f"invalid JSON: a number of {len(text)} digits is too long") from None


def _check_json_values(data: Any, *, strings: bool) -> int:
    """The number of values; refuse what the YAML loader refuses: nesting deeper than
    MAX_DEPTH and, when ``strings``, lone surrogates (``"\\ud800"``), which are no characters."""
    pending: list[tuple[Any, int]] = [(data, 0)]
    nodes = 0
    while pending:
        value, depth = pending.pop()
        nodes += 1
        if depth > MAX_DEPTH:
            raise LoadError(f"nesting deeper than {MAX_DEPTH} levels")
        if isinstance(value, str):
            if strings:
                _refuse_surrogates(value, "invalid JSON")
        elif isinstance(value, dict):
            pending.extend((key, depth + 1) for key in value)
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
    return nodes


def _refuse_surrogates(text: str, problem: str, start: Position | None = None) -> None:
    found = _SURROGATE.search(text)
    if found is not None:
        where = (start.line, start.column) if start is not None else (None, None)
        raise LoadError(f"{problem}: lone surrogate U+{ord(found.group()):04X} is not a character", *where)


def load_text(text: str, *, is_json: bool) -> Iterator[Document]:
    return load_json(text) if is_json else load_yaml(text)
