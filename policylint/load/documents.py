"""Load YAML and JSON documents safely, keeping the line and column of every key.

YAML documents are never built by PyYAML's constructors: an unknown tag (``!Ref``,
``!vault``, ``!!python/object``) yields the plain scalar, list or mapping. Two builders make
the same documents by the rules of ``load_base``:

- ``load_nodes``, from libyaml's C composer: fast, and only for what it can build exactly as
  the event builder does (no aliases, within the bounds, no error);
- ``load_events``, from parser events: every other file, and every error. It bounds nesting
  depth and the size a document expands to through aliases while reading.

A file the node builder declines is read by the event builder. The public names are all here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from policylint.load import nodes as load_nodes
from policylint.load.base import (
    MAX_DEPTH,
    MAX_DOCUMENTS,
    MAX_EXPANDED_NODES,
    SURROGATE,
    Document,
    LoadError,
    Position,
    escape_pointer_token,
    refuse_surrogates,
)

if TYPE_CHECKING:
    from policylint.load.errors import LocatedError

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - libyaml missing
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

__all__ = [
    "MAX_DEPTH",
    "MAX_DOCUMENTS",
    "MAX_EXPANDED_NODES",
    "Document",
    "LoadError",
    "Position",
    "escape_pointer_token",
    "load_json",
    "load_text",
    "load_yaml",
]

# The characters YAML allows in a stream (libyaml and PyYAML refuse the others); checked before
# the event builder reads, so that the error has a line and column and lone surrogates never
# reach the parser. The node builder leaves the check to libyaml and declines what it refuses.
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LINE_BREAK = re.compile("\r\n|[\r\n\x85\u2028\u2029]")


# --- entry points ---------------------------------------------------------------------


def load_yaml(text: str, utf8: bytes | None = None) -> Iterator[Document]:
    """Yield each document of a YAML stream; raise LoadError where the stream breaks.
    ``utf8``, if given, is exactly ``text`` encoded: the node builder reads it as it is."""
    try:
        yield from _documents(text, utf8)
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(error, text) from None
    except yaml.YAMLError as error:
        problem = str(error).splitlines()[0] if str(error) else "unreadable stream"
        raise LoadError(f"invalid YAML: {problem}") from None


def _documents(text: str, utf8: bytes | None) -> Iterator[Document]:
    """The node builder's documents if it can build them all, else the event builder's."""
    try:
        return iter(load_nodes.documents(text, utf8))
    except (load_nodes.Declined, yaml.YAMLError):
        pass  # only the event builder says what is wrong, and where
    from policylint.load import events as load_events  # not imported by a run whose files all build from nodes

    _check_characters(text)
    return load_events.documents(yaml.parse(text, Loader=_Loader))


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


def load_json(text: str, utf8: bytes | None = None) -> Iterator[Document]:
    """Strict JSON; positions come from the YAML loader when it reads the same values."""
    duplicates: list[tuple[str, Position]] = []
    try:
        data = json.loads(text, object_pairs_hook=lambda pairs: _json_object(pairs, duplicates), parse_int=_json_int)
    except json.JSONDecodeError as error:
        raise _json_syntax_error(error) from None
    except RecursionError:
        raise LoadError(f"nesting deeper than {MAX_DEPTH} levels") from None
    except ValueError as error:
        raise LoadError(f"invalid JSON: {error}") from None
    nodes = _check_json_values(data, strings="\\u" in text or SURROGATE.search(text) is not None)
    if nodes <= MAX_EXPANDED_NODES:  # larger, the YAML loader would only refuse it, slowly
        try:
            documents = list(load_yaml(text, utf8))
        except LoadError:
            documents = []
        if len(documents) == 1 and documents[0].data == data:
            yield documents[0]
            return
    yield Document(data, {"": Position(1, 1)}, 0, duplicates)


_JSON_SPACE = " \t\n\r"
_CLOSERS = {"}": "'}'", "]": "']'"}


def _json_syntax_error(error: json.JSONDecodeError) -> LoadError:
    """The decoder's error, except where Pythons differ: 3.13 reports a trailing comma at the
    comma ("Illegal trailing comma ..."), 3.10 to 3.12 at the bracket after it ("Expecting
    property name ..." or "Expecting value"). policylint words and places that one itself."""
    comma = _trailing_comma(error.doc, error.pos)
    if comma is None:
        return LoadError(f"invalid JSON: {error.msg}", error.lineno, error.colno)
    closer = error.doc[comma + 1 :].lstrip(_JSON_SPACE)[0]
    line = error.doc.count("\n", 0, comma) + 1
    column = comma - error.doc.rfind("\n", 0, comma)
    return LoadError(f"invalid JSON: trailing comma before {_CLOSERS[closer]}", line, column)


def _trailing_comma(text: str, pos: int) -> int | None:
    """Where the comma stands if the error at ``pos`` is a comma after a value and before a
    closing bracket (at the comma or at the bracket, as the Python reports it)."""
    comma = len(text[:pos].rstrip(_JSON_SPACE)) - 1 if text[pos : pos + 1] in _CLOSERS else pos
    if comma < 0 or text[comma : comma + 1] != "," or text[comma + 1 :].lstrip(_JSON_SPACE)[:1] not in _CLOSERS:
        return None
    before = text[:comma].rstrip(_JSON_SPACE)[-1:]
    return comma if before not in ("", "[", "{", ",") else None


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
                refuse_surrogates(value, "invalid JSON")
        elif isinstance(value, dict):
            pending.extend((key, depth + 1) for key in value)
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
    return nodes


def load_yaml_file(path: Path, error: type[LocatedError]) -> list[Document]:
    """Every document of the YAML file at ``path``; a file that cannot be read or parsed
    raises ``error``, naming the file, and the line and column where known."""
    try:
        return list(load_yaml(path.read_text(encoding="utf-8")))
    except LoadError as problem:
        raise error(str(path), problem.message, problem.line, problem.column) from None
    except (OSError, UnicodeDecodeError) as problem:
        raise error(str(path), f"cannot read: {problem}") from None


def load_text(text: str, *, is_json: bool, utf8: bytes | None = None) -> Iterator[Document]:
    """Every document of a file's text; ``utf8``, if given, is exactly the text encoded."""
    return load_json(text, utf8) if is_json else load_yaml(text, utf8)
