"""GitHub's ``primaryLocationLineHash`` of the lines findings point to, computed while the
file's text is at hand (reporters never open a scanned file).

The algorithm is the one ``upload-sarif`` runs when a SARIF result lacks the hash: the text
as UTF-16 code units, spaces and tabs dropped, CR and CRLF read as LF, one end-of-file unit
0xFFFF after it; a line's hash is the polynomial (base 37, modulo 2**64) of the 100 units
from the line's first one on (zeros past the end), in lower-case hex, with ``:N`` for its
N-th occurrence in the file. The text is masked first, as every output is: a hash of a
line holding an identifier or a password would let anyone who guesses the value confirm it.

``:N`` counts equal hash values, not equal windows: two different windows can have one hash
(``…BZ`` and ``…C5`` at a window's end do: 'B' * 37 + 'Z' == 'C' * 37 + '5'), so every line
up to the last one asked for is hashed. That is cheap because nothing walks the text unit
by unit: with P(n) the polynomial of the text's first n units, a line's window is
P(start + 100) - P(start) * 37**100; P at each line start follows from the line's own
polynomial, and P where a window ends inside a line from P at that line's start and the
polynomial of the line's first units. A line's polynomial and those of its first units at
every count up to 100 are kept by the line's text (most lines of a repository's descriptors
recur: keys, booleans, comments), so a window costs a few multiplications and no slice.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable
from functools import lru_cache
from itertools import accumulate, repeat
from operator import mul

from policylint.load.masking import redact_source_text

WINDOW = 100
_MASK = (1 << 64) - 1
_LF = 10
_EOF = 0xFFFF  # a unit after the text: a final newline starts one more line, as on GitHub
_TABLE = 1024  # powers of 37 kept in a table (a longer line has its power computed)
_NATIVE_UTF16 = "utf-16-le" if sys.byteorder == "little" else "utf-16-be"  # read back as "H" units
_LONGEST_KEPT = 1000  # characters of a line whose units are kept (a minified file's one line is not)
_PAST_END = array("Q", bytes(8 * (WINDOW + 1)))  # past the text, its units are zeros


def line_hashes(text: str, lines: Iterable[int]) -> tuple[tuple[int, str], ...]:
    """``(line, hash)`` for each of ``lines`` (1-based) that the text has."""
    wanted = sorted(set(lines))
    if not wanted:
        return ()
    windows = _windows(text, wanted[-1])
    occurrences = _occurrences(windows)
    return tuple(
        (line, f"{windows[line - 1]:x}:{occurrences[line - 1]}") for line in wanted if 1 <= line <= len(windows)
    )


def _occurrences(windows: list[int]) -> list[int]:
    """Each hash's occurrence so far: 1 throughout, unless two lines have one hash."""
    if len(set(windows)) == len(windows):
        return [1] * len(windows)
    seen: dict[int, int] = {}
    occurrences = []
    for window in windows:
        seen[window] = seen.get(window, 0) + 1
        occurrences.append(seen[window])
    return occurrences


def _windows(text: str, last: int) -> list[int]:
    """The polynomial of each line's window, lines 1 to ``last`` (or the text's last)."""
    # Each line has at least one unit (its LF), so line n's window ends by line n + 100.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n", last + WINDOW)
    count = min(len(lines), last + WINDOW)
    heads, starts, values = _prefixes(lines[:count], ended=count == len(lines))
    heads.append(_PAST_END)
    starts.append(starts[-1] + WINDOW + 1)  # past every window's end: the search below stops there
    powers, whole, windows, holder = _powers(), _powers()[WINDOW], [], 0
    for start, value in zip(starts[: min(last, count)], values, strict=False):
        end = start + WINDOW
        while starts[holder + 1] <= end:  # the line the window ends in (a later line's is no earlier)
            holder += 1
        offset = end - starts[holder]
        windows.append((values[holder] * powers[offset] + heads[holder][offset] - value * whole) & _MASK)
    return windows


def _prefixes(lines: list[str], ended: bool) -> tuple[list[array[int]], list[int], list[int]]:
    """For ``lines``: each one's head (see _masked_line), and the offset and the polynomial
    P of the text up to each line's start and to the last one's end (the text's, if ``ended``)."""
    kept = max(map(len, lines)) <= _LONGEST_KEPT  # nearly always: each line looked up in C
    heads, polynomials, powers, lengths = zip(*map(_kept_line if kept else _line, lines), strict=True)
    values, value = [0], 0
    for polynomial, power in zip(polynomials, powers, strict=True):  # the one loop a line
        value = (value * power + polynomial) & _MASK
        values.append(value)
    if ended:  # the last line ends with the end-of-file unit, not an LF
        values[-1] = (values[-1] - _LF + _EOF) & _MASK
    return list(heads), list(accumulate(lengths, initial=0)), values


def _line(raw: str) -> tuple[array[int], int, int, int]:
    """A line's head, the polynomial of its units and an LF, 37 to the power of their
    count and that count (see _prefixes)."""
    return _kept_line(raw) if len(raw) <= _LONGEST_KEPT else _masked_line(raw)


@lru_cache(maxsize=4096)  # lines recur across a team's descriptors; bounded, as memory must not grow
def _kept_line(raw: str) -> tuple[array[int], int, int, int]:
    return _masked_line(raw)


def _masked_line(raw: str) -> tuple[array[int], int, int, int]:
    """See _line. The head is the polynomial of the line's first units at every count of
    them a window can end after (up to 100): a window's end is then looked up, not computed."""
    body = _utf16(redact_source_text(raw).replace(" ", "").replace("\t", ""))
    head, value = [0], 0
    for unit in body[:WINDOW].encode() if body.isascii() else map(ord, body[:WINDOW]):  # ASCII: no ord() a unit
        value = (value * 37 + unit) & _MASK
        head.append(value)
    polynomial = value if len(body) <= WINDOW else _polynomial(body)
    return array("Q", head), (polynomial * 37 + _LF) & _MASK, _power(len(body) + 1), len(body) + 1


def _utf16(text: str) -> str:
    """``text`` with one character a UTF-16 unit: itself, unless it holds a character past
    U+FFFF (two units, a surrogate pair)."""
    if text.isascii():
        return text
    data = text.encode(_NATIVE_UTF16, "surrogatepass")
    if len(data) == 2 * len(text):
        return text
    return "".join(map(chr, memoryview(data).cast("H")))


def _polynomial(units: str) -> int:
    """The polynomial of ``units`` (base 37, modulo 2**64): each unit times 37 to the power
    of the units after it, summed in C a table's length at a time."""
    powers = _powers()
    value = 0
    for start in range(0, len(units), _TABLE):
        piece = units[start : start + _TABLE]
        value = (value * powers[len(piece)] + sum(map(mul, map(ord, reversed(piece)), powers))) & _MASK
    return value


def _power(exponent: int) -> int:
    return _powers()[exponent] if exponent <= _TABLE else pow(37, exponent, _MASK + 1)


@lru_cache(maxsize=1)
def _powers() -> list[int]:
    """37**j modulo 2**64, for j up to the table's size."""
    return list(accumulate(repeat(37, _TABLE), lambda power, ratio: power * ratio & _MASK, initial=1))
