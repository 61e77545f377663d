"""``json.dumps(value, ensure_ascii=False, indent=2)``, byte for byte, several times faster.

Given ``indent``, the standard library gives up its C encoder for a generic pure-Python
one: writing a scan's findings as JSON (or SARIF, or a GitLab report) took three times as
long as checking them. This writer knows only JSON's own types, as json.dumps does, and
escapes strings with json's C function; tests/test_reporters.py holds it to json.dumps.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from json.encoder import encode_basestring  # the C implementation where there is one
from operator import itemgetter
from typing import Any

_STEP = "  "
_HOLE = re.compile(r'"\\u0000hole (\d+)\\u0000"')  # a hole's JSON text (its number a group: split keeps it)


def pretty(value: Any, newline: str = "\n") -> str:
    """The JSON text of ``value``; every line after the first starts with ``newline``'s indentation."""
    parts: list[str] = []
    _write(value, parts, newline)
    return "".join(parts)


def _write(value: Any, parts: list[str], newline: str) -> None:
    """json.encoder's order of type tests: a str or int subclass is written as its base."""
    if isinstance(value, str):
        parts.append(encode_basestring(value))
    elif value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, int):
        parts.append(int.__repr__(value))
    elif isinstance(value, float):
        parts.append(_float(value))
    elif isinstance(value, list | tuple):
        _items(value, parts, newline)
    elif isinstance(value, dict):
        _members(value, parts, newline)
    else:
        raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _items(items: list[Any] | tuple[Any, ...], parts: list[str], newline: str) -> None:
    if not items:
        parts.append("[]")
        return
    inner = newline + _STEP
    separator = "[" + inner
    for item in items:
        if type(item) is str:  # most values: written here, without a call
            parts.append(separator + encode_basestring(item))
        else:
            parts.append(separator)
            _write(item, parts, inner)
        separator = "," + inner
    parts.append(newline + "]")


def _members(members: dict[Any, Any], parts: list[str], newline: str) -> None:
    if not members:
        parts.append("{}")
        return
    inner = newline + _STEP
    separator = "{" + inner
    for key, item in members.items():
        name = encode_basestring(key if type(key) is str else _key(key))
        if type(item) is str:  # most values: written here, without a call
            parts.append(f"{separator}{name}: {encode_basestring(item)}")
        elif type(item) is int:
            parts.append(f"{separator}{name}: {int.__repr__(item)}")
        else:
            parts.append(f"{separator}{name}: ")
            _write(item, parts, inner)
        separator = "," + inner
    parts.append(newline + "}")


def _key(key: Any) -> str:
    if isinstance(key, str):
        return key
    if isinstance(key, float):
        return _float(key)
    if key is True or key is False or key is None:
        return {True: "true", False: "false", None: "null"}[key]
    if isinstance(key, int):
        return int.__repr__(key)
    raise TypeError(f"keys must be str, int, float, bool or None, not {type(key).__name__}")


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


class Template:
    """The text ``pretty`` gives a value, with holes: a report writes thousands of findings of
    one shape, and filling the holes of a text made once costs a fraction of writing each.
    The holes are ``hole(n)`` values in the shape; ``fill(*values)`` takes each hole's JSON
    text, ``values[n]`` for hole ``n`` (values no hole asks for are left out)."""

    def __init__(self, shape: Any, newline: str = "\n") -> None:
        text = pretty(shape, newline)
        pieces = _HOLE.split(text)  # text, hole number, text, ..., text
        self.parts = pieces[:]  # the texts, with each hole's value put between them by fill
        self.order = [int(number) for number in pieces[1::2]]
        self.pick = _picker(self.order)

    def fill(self, *values: str) -> str:
        parts = self.parts.copy()
        parts[1::2] = self.pick(values)  # in C: a report fills tens of thousands
        return "".join(parts)

    def texts(self) -> list[str]:
        """The texts around the holes, in order: one more than the holes. For a writer that
        joins them with each value itself (a value encoded once for many, say)."""
        return self.parts[0::2]


def _picker(order: list[int]) -> Callable[[tuple[str, ...]], Sequence[str]]:
    """``values[n]`` for each ``n`` of ``order``, in C (itemgetter gives one item bare)."""
    if len(order) > 1:
        return itemgetter(*order)
    return lambda values: [values[number] for number in order]


def hole(number: int) -> str:
    return f"\u0000hole {number}\u0000"


# A string's JSON text, to fill a hole: json's C function itself, called for most fields of
# every finding a report writes.
text: Callable[[str], str] = encode_basestring
