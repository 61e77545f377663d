"""The lines of a checked file that the audit reports show beside its findings, captured
while the file's text is at hand (reporters never open a scanned file), masked once here."""

from __future__ import annotations

from collections.abc import Iterable

from policylint.load.masking import escape_and_mask, redact_source_line
from policylint.model.results import Finding, SourceLine

EVIDENCE_RADIUS = 1
MAX_SOURCE_LINE = 240


def excerpt(display: str, text: str, findings: Iterable[Finding]) -> tuple[SourceLine, ...]:
    """The masked lines within ``EVIDENCE_RADIUS`` of every finding of the file ``display``."""
    wanted = {finding.line for finding in findings if finding.file == display}
    if not wanted:
        return ()
    lines = text.splitlines()
    numbers = {n for line in wanted if 1 <= line <= len(lines) for n in _around(line, len(lines))}
    return tuple(SourceLine(number, safe_source(lines[number - 1])) for number in sorted(numbers))


def _around(line: int, last: int) -> range:
    return range(max(1, line - EVIDENCE_RADIUS), min(last, line + EVIDENCE_RADIUS) + 1)


def safe_source(line: str) -> str:
    """A source line with identifiers masked and the value of any password-like key hidden."""
    line = escape_and_mask(redact_source_line(line))  # no raw escape sequence reaches a terminal
    return line if len(line) <= MAX_SOURCE_LINE else line[: MAX_SOURCE_LINE - 1] + "…"
