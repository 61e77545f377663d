"""A reporter's bounded memory of the texts it writes over and over.

A scan writes tens of thousands of findings, and most of their texts (a file's name on each
of its findings, a policy's remediation, the message of every ``not declared`` finding)
recur: masking and escaping each again took more than checking the files. A reporter keeps
what its own function made of a text, keyed by the text as it was given (unmasked), so a
kept result is what the function makes of that very text and nothing else can come out.
"""

from __future__ import annotations

from collections.abc import Callable

KEPT = 1024  # texts a reporter keeps at most: its memory must not grow with the scan
LONGEST_KEPT = 2000  # characters of a text kept: a long value's could be megabytes


class Kept(dict[str, str]):
    """``kept[text]`` is ``function(text)``, computed once for the texts that recur; at most
    ``KEPT`` of them, none longer than ``LONGEST_KEPT`` (a dict, so that a text seen before
    costs one lookup in C)."""

    def __init__(self, function: Callable[[str], str]) -> None:
        super().__init__()
        self.function = function

    def __missing__(self, text: str) -> str:
        made = self.function(text)
        if len(text) <= LONGEST_KEPT:
            if len(self) >= KEPT:
                self.clear()
            self[text] = made
        return made
