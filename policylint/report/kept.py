"""A reporter's bounded memory of the texts it writes over and over.

A scan writes tens of thousands of findings, and most of their texts (a file's name on each
of its findings, a policy's remediation, the message of every ``not declared`` finding)
recur: masking and escaping each again took more than checking the files. A reporter keeps
what its own function made of a text, keyed by the text as it was given (unmasked), so a
kept result is what the function makes of that very text and nothing else can come out.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from policylint.model.results import Finding, Localized, Reference

_Key = TypeVar("_Key")
_Made = TypeVar("_Made")
KEPT = 1024  # texts a reporter keeps at most: its memory must not grow with the scan
LONGEST_KEPT = 2000  # characters of a text kept: a long value's could be megabytes


class Kept(dict[str, _Made]):
    """``kept[text]`` is ``function(text)``, computed once for the texts that recur; at most
    ``KEPT`` of them, none longer than ``LONGEST_KEPT`` (a dict, so that a text seen before
    costs one lookup in C)."""

    def __init__(self, function: Callable[[str], _Made]) -> None:
        super().__init__()
        self.function = function

    def __missing__(self, text: str) -> _Made:
        return keep(self, text, self.function(text), len(text))


class Numbers(dict[int, bytes]):
    """``numbers[n]``: the decimal text of ``n`` in UTF-8, made once for the numbers that recur
    (lines and columns: a thousand kept at most)."""

    def __missing__(self, number: int) -> bytes:
        return keep(self, number, str(number).encode(), 0)


def keep(
    kept: dict[_Key, _Made], key: _Key, made: _Made, size: int, *, most: int = KEPT, longest: int = LONGEST_KEPT
) -> _Made:
    """``made``, kept under ``key`` unless ``size`` (the length of the text it was made of)
    passes ``longest``; ``kept`` is emptied first when it holds ``most``: every reporter's
    memory of what it made stays bounded this one way, whatever the size of the scan."""
    if size <= longest:
        if len(kept) >= most:
            kept.clear()
        kept[key] = made
    return made


# What a policy's findings share: severity, references, laws, remediation.
_Parts = tuple[str, tuple[Reference, ...], tuple[str, ...], Localized]


class ByPolicy(Generic[_Made]):
    """``by_policy(finding)`` is ``function(finding)`` made once for the findings of a policy
    (and, a missing fact's, of the policies that need it) that share its parts: severity,
    references, laws and remediation, compared with each finding's on use (a result merged
    from another catalog may differ). At most ``KEPT`` policies."""

    def __init__(self, function: Callable[[Finding], _Made]) -> None:
        self.function = function
        self.made: dict[tuple[str, tuple[str, ...]], tuple[_Parts, _Made]] = {}

    def __call__(self, finding: Finding) -> _Made:
        found = self.made.get((finding.policy, finding.policies))
        if found is not None and found[0] == (finding.severity, finding.references, finding.laws, finding.remediation):
            return found[1]  # the parts compared in C, not by a call: for every finding a reporter writes
        made = self.function(finding)
        parts = (finding.severity, finding.references, finding.laws, finding.remediation)
        key = (finding.policy, finding.policies)
        return keep(self.made, key, (parts, made), 0)[1]  # bounded, whatever the results merged into a run
