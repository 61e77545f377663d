"""GitHub's ``primaryLocationLineHash`` of the lines findings point to, computed while the
file's text is at hand (reporters never open a scanned file).

The algorithm is the one ``upload-sarif`` runs when a SARIF result lacks the hash: the text
as UTF-16 code units, spaces and tabs dropped, CR and CRLF read as LF, one end-of-file unit
0xFFFF after it; a line's hash is the polynomial (base 37, modulo 2**64) of the 100 units
from the line's first one on (zeros past the end), in lower-case hex, with ``:N`` for its
N-th occurrence in the file. The text is masked first, as every output is: a hash of a
line holding an identifier or a password would let anyone who guesses the value confirm it.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import accumulate, repeat
from operator import mul

from policylint.load.masking import redact_source_text

WINDOW = 100
_MASK = (1 << 64) - 1
_SEGMENT = 4096  # line starts hashed from one run of prefix sums (its tables: this plus a window)
_LF = 10
_EOF = 0xFFFF  # a unit after the text: a final newline starts one more line, as on GitHub


def line_hashes(text: str, lines: Iterable[int]) -> tuple[tuple[int, str], ...]:
    """``(line, hash)`` for each of ``lines`` (1-based) that the text has."""
    wanted = set(lines)
    if not wanted:
        return ()
    found: dict[int, str] = {}
    seen: dict[str, int] = {}
    for number, window in enumerate(_windows(_units(text), max(wanted)), 1):
        value = format(window, "x")
        seen[value] = seen.get(value, 0) + 1
        if number in wanted:
            found[number] = f"{value}:{seen[value]}"
    return tuple(sorted(found.items()))


def _windows(units: array[int], last: int) -> Iterator[int]:
    """The polynomial of each line's window, lines 1 to ``last``: from prefix sums of
    ``units[j] * 37**-j`` (37 is odd, so it has an inverse modulo 2**64), made in C for a
    segment of the text at a time, where a sum of a hundred products a line took longer."""
    inverse, powers = _tables()
    base, sums = 0, [0]
    for start in _line_starts(units, last):
        offset = start - base
        if offset >= _SEGMENT or start == 0:
            base, offset = start, 0
            sums = list(accumulate(map(mul, units[start : start + _SEGMENT + WINDOW], inverse), initial=0))
        end = min(offset + WINDOW, len(sums) - 1)  # past the text, units are zeros
        yield (sums[end] - sums[offset]) * powers[offset + WINDOW - 1] & _MASK


@lru_cache(maxsize=1)
def _tables() -> tuple[list[int], list[int]]:
    """37**-j and 37**j modulo 2**64, for j up to a segment and a window."""
    size = _SEGMENT + WINDOW
    return _geometric(pow(37, -1, _MASK + 1), size), _geometric(37, size)


def _geometric(ratio: int, size: int) -> list[int]:
    return list(accumulate(repeat(ratio, size - 1), lambda power, ratio: power * ratio & _MASK, initial=1))


def _units(text: str) -> array[int]:
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    masked = redact_source_text(normalised).replace(" ", "").replace("\t", "")
    units = array("H")
    units.frombytes(masked.encode("utf-16-le", "surrogatepass"))
    if array("H", [1]).tobytes() != b"\x01\x00":  # a big-endian machine
        units.byteswap()
    units.append(_EOF)
    return units


def _line_starts(units: array[int], last: int) -> Iterable[int]:
    """Where lines 1 to ``last`` start among ``units`` (each newline is followed by a unit)."""
    start, number = 0, 1
    while number <= last:
        yield start
        newline = _index(units, start)
        if newline < 0:
            return
        start, number = newline + 1, number + 1


def _index(units: array[int], start: int) -> int:
    try:
        return units.index(_LF, start)
    except ValueError:
        return -1
