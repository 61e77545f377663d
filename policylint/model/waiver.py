"""A waiver as a value: which findings it covers, why, until when, and where it was declared.

Reading waivers from comments and applying them to findings is the engine's work
(``policylint.engine.waivers``); a finding only carries the waiver that covered it.
"""

# No ``from __future__ import annotations`` here: typing compiles every field annotation of a
# named tuple that is a string (a ForwardRef each), at every start-up.

from datetime import date
from typing import NamedTuple


class Waiver(NamedTuple):  # not a dataclass: one costs every start-up 1.8 M instructions to define
    policies: tuple[str, ...]
    reason: str
    expires: date
    source: str
    owner: str | None = None
    file: str | None = None
    line: int | None = None
    system: str | None = None
    path: str | None = None
    pointer: str | None = None

    def active(self, as_of: date) -> bool:
        return as_of <= self.expires
