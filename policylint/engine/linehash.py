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
from collections.abc import Iterable
from operator import mul

from policylint.load.masking import redact_source_line

WINDOW = 100
_MASK = (1 << 64) - 1
_POWERS = [pow(37, WINDOW - 1 - place, 1 << 64) for place in range(WINDOW)]
_LF = 10
_EOF = 0xFFFF  # a unit after the text: a final newline starts one more line, as on GitHub


def line_hashes(text: str, lines: Iterable[int]) -> tuple[tuple[int, str], ...]:
    """``(line, hash)`` for each of ``lines`` (1-based) that the text has."""
    wanted = set(lines)
    if not wanted:
        return ()
    units = _units(text)
    found: dict[int, str] = {}
    seen: dict[str, int] = {}
    for number, start in enumerate(_line_starts(units, max(wanted)), 1):
        window = units[start : start + WINDOW].tolist()
        value = format(sum(map(mul, window, _POWERS)) & _MASK, "x")
        seen[value] = seen.get(value, 0) + 1
        if number in wanted:
            found[number] = f"{value}:{seen[value]}"
    return tuple(sorted(found.items()))


def _units(text: str) -> array[int]:
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    masked = "\n".join(map(redact_source_line, lines)).replace(" ", "").replace("\t", "")
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
