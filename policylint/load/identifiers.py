"""Taiwanese national ID (身分證字號) and resident certificate (居留證) numbers in text.

Only whole tokens with a valid checksum count, so phone numbers, dates, serial numbers and
random codes do not raise alarms. Three formats share the checksum:

* national ID: a letter, 1 or 2 (the gender digit), eight digits;
* resident certificate, 2021 format: a letter, 8 or 9, eight digits;
* resident certificate, old format (until 2020): a letter, A-D, eight digits, where the
  second letter counts as the last digit of its own letter code (A=10 -> 0, B=11 -> 1, ...).

The old-format rule follows the published open-source validators that agree on it:
enylin/taiwan-id-validator (``src/nin-arc/index.ts``: second letter -> code mod 10, weight 8)
and guanting112/taiwan-id-validator (``twid.go``, ``validateOldArcIdFormat``); their published
examples ``AA00000009`` and ``AC01234567`` pass. Those validators accept any second letter,
but only A-D were issued (A/B and C/D: two groups of holders, male and female), so other
letters are not matched: fewer false positives on ordinary upper-case codes.

Choices that keep false positives low:

* the first letter must be upper case: IDs are printed in upper case, and ``a123456789``
  style tokens in configuration are mostly hex digests and generated names;
* a token is whole when no ASCII letter, digit or underscore touches it. Other characters,
  CJK included, are boundaries, because Chinese text writes ``身分證字號A123456789`` with
  no space.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import NamedTuple

# The official letter codes (the county or city of first registration); I, O, W, Z were
# added after the others, hence their codes out of alphabetical order.
LETTER_CODES: dict[str, int] = dict(zip("ABCDEFGHJKLMNPQRSTUVXYWZIO", range(10, 36), strict=True))

# The first letter's two digits are weighted 1 and 9; pre-summed here so the checksum is one lookup.
_LETTER_VALUE: dict[str, int] = {letter: code // 10 + code % 10 * 9 for letter, code in LETTER_CODES.items()}
_OLD_SECOND_LETTER_DIGIT: dict[str, int] = {letter: LETTER_CODES[letter] % 10 for letter in "ABCD"}
_DIGIT_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 1, 1)

_KIND_BY_SECOND = {"1": "national-id", "2": "national-id", "8": "resident-id-new", "9": "resident-id-new"}
_KIND_BY_SECOND.update(dict.fromkeys("ABCD", "resident-id-old"))

# The letter comes first so the regex engine can skip ahead with a character-set scan; the
# boundary is checked after it by a two-character lookbehind (which also holds at offset 0).
_CANDIDATE = re.compile(r"[A-Z](?<![A-Za-z0-9_][A-Z])[1289A-D][0-9]{8}(?![A-Za-z0-9_])")
_TOKEN = re.compile(r"[A-Z][1289A-D][0-9]{8}")


class IdentifierMatch(NamedTuple):
    kind: str  # "national-id" | "resident-id-old" | "resident-id-new"
    start: int
    end: int
    value: str


# Every candidate has this shape: an ASCII capital, a digit or capital, eight digits. Most
# files hold none, and translating their bytes to shapes and searching those runs in C at
# a fifth of the cost of the regex, whose scan for a capital tests each character in turn.
_SHAPES = bytes(ord("A") if 65 <= b <= 90 else ord("0") if 48 <= b <= 57 else ord("x") for b in range(256))
_SHAPE_TEST_UP_TO = 64 * 1024  # a longer text nearly always holds a candidate somewhere


def find_identifiers(text: str, utf8: bytes | None = None) -> Iterator[IdentifierMatch]:
    """Every valid identifier in ``text`` that stands as a whole token, in order of offset;
    ``utf8``, if given, is exactly ``text`` encoded (a file's bytes: not encoded again)."""
    if len(text) <= _SHAPE_TEST_UP_TO and not _may_hold_candidate(text, utf8):
        return
    for candidate in _CANDIDATE.finditer(text):
        value = candidate.group()
        if _checksum_holds(value):
            yield IdentifierMatch(_KIND_BY_SECOND[value[1]], candidate.start(), candidate.end(), value)


def _may_hold_candidate(text: str, utf8: bytes | None = None) -> bool:
    """False only when no candidate can match (non-ASCII characters become bytes of ``x``)."""
    shapes = (text.encode("utf-8", "surrogatepass") if utf8 is None else utf8).translate(_SHAPES)
    return b"A000000000" in shapes or b"AA00000000" in shapes


def is_valid_identifier(token: str) -> str | None:
    """The kind of ``token`` if the whole of it is a valid identifier, else None."""
    if _TOKEN.fullmatch(token) is None or not _checksum_holds(token):
        return None
    return _KIND_BY_SECOND[token[1]]


def _checksum_holds(value: str) -> bool:
    """``value`` already has the shape of an identifier; is its weighted sum a multiple of 10?"""
    second = value[1]
    digits = [_OLD_SECOND_LETTER_DIGIT[second] if second in _OLD_SECOND_LETTER_DIGIT else int(second)]
    digits += map(int, value[2:])
    total = _LETTER_VALUE[value[0]] + sum(w * d for w, d in zip(_DIGIT_WEIGHTS, digits, strict=True))
    return total % 10 == 0


def mask(value: str) -> str:
    """``A123456789`` -> ``A1******89``: never the whole value, whatever its length."""
    if len(value) <= 4:
        return "*" * len(value)
    return value[:2] + "*" * (len(value) - 4) + value[-2:]


def redact(text: str) -> str:
    """``text`` with every identifier that :func:`find_identifiers` finds masked."""
    if len(text) <= _SHAPE_TEST_UP_TO and not _may_hold_candidate(text):  # nearly every text: no generator made
        return text
    pieces: list[str] = []
    last = 0
    for match in find_identifiers(text):
        pieces += (text[last : match.start], mask(match.value))
        last = match.end
    if not pieces:
        return text
    pieces.append(text[last:])
    return "".join(pieces)


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of ``offset``; the column counts characters, not bytes.

    ``\\n``, ``\\r\\n`` and a lone ``\\r`` each end a line, as in editors; an offset on the
    ``\\n`` of a ``\\r\\n`` still belongs to the line that the pair ends.
    """
    if not 0 <= offset <= len(text):
        raise ValueError(f"offset {offset} is outside a text of {len(text)} characters")
    end = offset - 1 if _splits_crlf(text, offset) else offset
    lone_returns = text.count("\r", 0, end) - text.count("\r\n", 0, end)
    line = text.count("\n", 0, end) + lone_returns + 1
    line_start = max(text.rfind("\n", 0, end), text.rfind("\r", 0, end)) + 1
    return line, offset - line_start + 1


def _splits_crlf(text: str, offset: int) -> bool:
    return 0 < offset < len(text) and text[offset - 1] == "\r" and text[offset] == "\n"
