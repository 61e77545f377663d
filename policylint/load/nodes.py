"""Build documents from libyaml's node tree: the fast way to read a descriptor.

libyaml's C composer (PyYAML's ``CParser``) turns each document into a tree of nodes and calls
back into Python only to resolve the tags of scalars; one walk over the tree then makes the
value, the positions and the duplicate keys by the rules of ``load_base``, as ``load_events``
does from parser events, at a third of the cost.

It builds only what it can build exactly as the event builder would, and declines the rest by
raising ``Declined``: the event builder then reads the whole file and gives its documents, or
its error with line and column, so that every error is worded in one place. Declined are:

- files that may hold an alias: the composer hands back the anchored node itself, so the
  alias's own position, which the event builder records, is lost (aliases are rare in
  descriptors; ``_MAY_BE_ALIAS`` says which files may hold one);
- files longer than ``MAX_COMPOSED_TEXT``: a document is composed whole before its bounds
  are checked, so its size must be bounded first;
- files that break a bound (depth, nodes, documents) or the syntax, or hold a character that
  YAML does not allow;
- everything, when libyaml does not bound nesting itself (0.2.5 and older): the composer
  recurses in C once a level, and 100,000 nested brackets would overflow the stack.
"""

from __future__ import annotations

import operator
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import yaml

from policylint.load.base import (
    MAX_DEPTH,
    MAX_DOCUMENTS,
    MAX_EXPANDED_NODES,
    SURROGATE,
    Document,
    Position,
    as_key,
    escape_pointer_token,
    merge_keys,
    scalar_value,
)

try:
    from yaml import _yaml as yaml_c
    from yaml._yaml import CParser

    _LIBYAML = True
except ImportError:  # pragma: no cover - libyaml missing: the event builder reads every file
    CParser = object  # type: ignore[assignment,misc]
    _LIBYAML = False

# A document is composed whole before its bounds are checked: this bounds what that can cost
# (about 400 bytes a node, a node a character at worst). Descriptors are a few KB.
MAX_COMPOSED_TEXT = 128 * 1024
# An alias is a node of its own: where it is valid, its ``*`` starts the text or follows a
# space, a line break or one of ``[{,:?`` (``]}`` too, to be safe: it would follow a node).
# Any other ``*`` is inside a scalar, a tag or a comment (``'*.gov.tw'``, ``https://*``),
# or the composer refuses the file (``"a"*b``, ``&a*b``).
_MAY_BE_ALIAS = re.compile(r"(?<![^\s\[\]{},:?\ufeff])\*")


class _Node(Protocol):
    """A node of the composer: its tag is what ``_Composer.resolve`` made of it, or its own tag."""

    @property
    def tag(self) -> object: ...
    @property
    def value(self) -> Any: ...
    @property
    def start_mark(self) -> yaml.Mark: ...


class Declined(Exception):
    """The event builder must read this file: only it gives exactly its documents or error."""


@dataclass(frozen=True, slots=True)
class _Resolved:
    """What a scalar without a tag stands for; the composer keeps it as the node's tag."""

    value: Any
    merge: bool = False  # the merge key ``<<``


_TEXT = _Resolved(None)  # the scalar's value is its text: a quoted scalar, most plain ones
_RESOLVED_TEXT_LENGTH = 80  # a longer plain scalar's resolution is not kept


def _resolution(text: str) -> _Resolved:
    if SURROGATE.search(text):  # only escapes in double quotes make one; libyaml refuses them
        raise Declined
    value, merge = scalar_value(None, text, (True, False))
    return _TEXT if value is text and not merge else _Resolved(value, merge)


# Descriptors repeat their keys and values from file to file: a short plain scalar's
# resolution is kept. Scalar values are immutable, so one value may serve many times (PyYAML
# itself gives one NaN object for every ``.nan``).
_kept_resolution = lru_cache(maxsize=4096)(_resolution)


@lru_cache(maxsize=4096)  # positions are immutable: each is made once (a few hundred serve a corpus)
def _position_at(line: int, column: int) -> Position:
    """Where a mark at 0-based ``line`` and ``column`` stands, 1-based."""
    return Position(line + 1, column + 1)


def _position(mark: yaml.Mark) -> Position:
    return _position_at(mark.line, mark.column)


class _Composer(CParser):
    """libyaml's composer, without PyYAML's path resolvers, resolving scalars to their values."""

    # The composer tells path resolvers of every node it enters and leaves; policylint has
    # none (what a node means never depends on where it stands). Builtins that take the same
    # arguments and ignore them cost a third of Python methods that do nothing: 6 % of composing.
    # Builtins do not bind to the instance: no staticmethod to unwrap at each of the lookups.
    descend_resolver = operator.is_  # (parent, index)
    ascend_resolver = tuple  # ()

    @staticmethod  # no bound method to make for each of the calls, one a node: 5 % of composing
    def resolve(kind: object, value: str | None, implicit: Any) -> _Resolved | None:
        """Called for nodes without a tag (or with ``!``); ``implicit[0]``: a plain scalar."""
        if value is None:
            return None  # a sequence or mapping: their tags are not used
        if not implicit[0]:
            if not value.isascii() and SURROGATE.search(value):
                raise Declined
            return _TEXT
        return _kept_resolution(value) if len(value) <= _RESOLVED_TEXT_LENGTH else _resolution(value)


class _Walk:
    """Makes one document's value, positions and duplicate keys from its tree of nodes.

    ``pointer`` is None inside keys and merge sources: nothing there gets a position.
    """

    def __init__(self) -> None:
        self.positions: dict[str, Position] = {}
        self.duplicates: list[tuple[str, Position]] = []
        self.keys: set[str] = set()
        self.nodes = 1  # the root

    def root(self, node: _Node) -> Any:
        self.positions[""] = _position(node.start_mark)
        return self.value(node, "", 0)

    def value(self, node: _Node, pointer: str | None, depth: int) -> Any:
        tag: object = node.tag
        if tag is _TEXT:
            return node.value
        if type(tag) is _Resolved:
            return tag.value
        if type(node) is yaml.MappingNode:
            return self.mapping(node.value, pointer, depth)
        if type(node) is yaml.SequenceNode:
            return self.sequence(node.value, pointer, depth)
        assert isinstance(node, yaml.ScalarNode)  # with a tag of its own
        return _tagged(node)[0]

    def sequence(self, items: list[_Node], pointer: str | None, depth: int) -> list[Any]:
        self._enter(depth, len(items))
        if pointer is None:
            return [self.value(item, None, depth + 1) for item in items]
        values = []
        positions = self.positions
        for index, item in enumerate(items):
            child = f"{pointer}/{index}"
            mark = item.start_mark
            positions.setdefault(child, _position_at(mark.line, mark.column))
            tag = item.tag
            if tag is _TEXT:
                values.append(item.value)
            elif type(tag) is _Resolved:
                values.append(tag.value)
            elif type(item) is yaml.MappingNode:  # no call through ``value`` for a collection
                values.append(self.mapping(item.value, child, depth + 1))
            else:
                values.append(self.value(item, child, depth + 1))
        return values

    def mapping(self, pairs: list[tuple[_Node, _Node]], pointer: str | None, depth: int) -> dict[Any, Any]:
        if depth >= MAX_DEPTH and pairs:  # ``_enter``, inline: a mapping is the most common collection
            raise Declined
        self.nodes += 2 * len(pairs)
        mapping: dict[Any, Any] = {}
        merged: set[Any] | None = None  # keys merged in (``<<``): a set made at the first merge
        keys, positions, prefix = self.keys, self.positions, f"{pointer}/"
        for key_node, value_node in pairs:
            mark = key_node.start_mark
            start = _position_at(mark.line, mark.column)
            key = key_node.value
            if key_node.tag is not _TEXT or pointer is None or merged or "/" in key or "~" in key:
                merged = self._entry(mapping, merged, key_node, value_node, pointer, start, depth)
                continue
            # Nearly every key: text, needing no escape, in a mapping that merges nothing.
            keys.add(key)
            child = prefix + key
            if key in mapping:
                self.duplicates.append((child, start))
            positions[child] = start
            tag = value_node.tag
            if tag is _TEXT:
                mapping[key] = value_node.value
            elif type(tag) is _Resolved:
                mapping[key] = tag.value
            elif type(value_node) is yaml.MappingNode:  # no call through ``value`` for a collection
                mapping[key] = self.mapping(value_node.value, child, depth + 1)
            else:
                mapping[key] = self.value(value_node, child, depth + 1)
        return mapping

    def _entry(
        self,
        mapping: dict[Any, Any],
        merged: set[Any] | None,
        key_node: _Node,
        value_node: _Node,
        pointer: str | None,
        start: Position,
        depth: int,
    ) -> set[Any] | None:
        """Add any key and its value to ``mapping``, recording where the key stands; the keys
        merged in so far, which an explicit key overrides (that is what merging is for)."""
        key, merge = self._key(key_node, depth)
        if merge:
            merged = set() if merged is None else merged
            merge_keys(mapping, merged, self.value(value_node, None, depth + 1), pointer, start, self.positions)
            return merged
        key = as_key(key, start)
        if type(key) is str:
            self.keys.add(key)
        child = None if pointer is None else f"{pointer}/{escape_pointer_token(key)}"
        if merged and key in merged:
            merged.discard(key)
        elif key in mapping and child is not None:
            self.duplicates.append((child, start))
        if child is not None:
            self.positions[child] = start
        mapping[key] = self.value(value_node, child, depth + 1)
        return merged

    def _key(self, node: _Node, depth: int) -> tuple[Any, bool]:
        """A key and whether it is the merge key; a key's parts get no positions."""
        tag: object = node.tag
        if tag is _TEXT:
            return node.value, False
        if type(tag) is _Resolved:
            return tag.value, tag.merge
        if isinstance(node, yaml.ScalarNode):
            return _tagged(node)
        return self.value(node, None, depth + 1), False

    def _enter(self, depth: int, children: int) -> None:
        """Count a collection's children; decline nesting deeper than MAX_DEPTH."""
        if children and depth >= MAX_DEPTH:
            raise Declined
        self.nodes += children


def _tagged(node: yaml.ScalarNode) -> tuple[Any, bool]:
    """The value of a scalar with a tag of its own, and whether it is the merge key."""
    if node.style == '"' and SURROGATE.search(node.value):
        raise Declined
    return scalar_value(node.tag, node.value, (False, False))


def documents(text: str, utf8: bytes | None = None) -> list[Document]:
    """Every document of ``text``; raise Declined, or libyaml's YAMLError, when the event
    builder must read the file. All or none: the event builder refuses a character that
    YAML does not allow before it gives any document, and libyaml refuses the very same
    characters (``_NOT_PRINTABLE`` in ``load``) but only when it reaches them.

    ``utf8``, if given, must be exactly ``text`` encoded: libyaml reads it as it is, where it
    would encode the text again (it reads UTF-8 either way, so marks and errors are the same).
    """
    if COMPOSER is None or len(text) > MAX_COMPOSED_TEXT or ("*" in text and _MAY_BE_ALIAS.search(text)):
        raise Declined
    try:
        composer = COMPOSER(text if utf8 is None else utf8)
    except UnicodeEncodeError:  # a lone surrogate: the event builder says where
        raise Declined from None
    built: list[Document] = []
    nodes = 0
    while composer.check_node():
        if len(built) == MAX_DOCUMENTS:
            raise Declined
        root = composer.get_node()
        assert root is not None  # check_node found one
        walk = _Walk()
        try:
            data = walk.root(root)
        except RecursionError:  # up to four frames a level: the caller left too little stack
            raise Declined from None
        nodes += walk.nodes
        if nodes > MAX_EXPANDED_NODES:
            raise Declined
        built.append(Document(data, walk.positions, len(built), walk.duplicates, frozenset(walk.keys)))
    return built


def _bounded_composer() -> type[_Composer] | None:
    """The composer, if libyaml bounds nesting by itself, as releases after 0.2.5 do.

    The bound (1000 levels) is in libyaml's parser and counts block and flow nesting alike;
    that it refuses 1001 levels of block sequences shows it is there (a flow probe would cost
    over a millisecond at every start: libyaml scans flow collections in quadratic time).
    """
    if not _LIBYAML or yaml_c.get_version() < (0, 2, 6):  # pragma: no cover - an older libyaml
        return None
    try:
        CParser("- " * 1001 + "x\n").raw_parse()
    except yaml.YAMLError:
        return _Composer
    return None  # pragma: no cover - a libyaml with no bound


COMPOSER = _bounded_composer()
