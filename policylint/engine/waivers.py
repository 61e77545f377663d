"""Waivers: accepted risks with a reason, an owner and an expiry date.

Inline, a comment on the offending line (or alone on the line before it) waives that line;
a comment inside a descriptor's ``metadata`` waives the whole system:

    # policylint: waive POLICY[,POLICY] reason="..." expires=2027-06-30 [owner="..."]

In the configuration, ``waivers:`` is a list of entries scoped by system, path glob and
JSON pointer. A waived finding stays in every output; after its expiry date the finding is
back and an ``expired-waiver`` finding is added.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from typing import NamedTuple

from policylint.load.masking import quoted
from policylint.model.results import Finding, Localized
from policylint.model.waiver import Waiver

DIRECTIVE = re.compile(r"(?:^|\s)#\s*policylint:\s*waive\b(?P<arguments>.*)$")
EXPIRED_WAIVER = "expired-waiver"


class WaiverSyntaxError(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.message, self.line = message, line


def covers(waiver: Waiver, finding: Finding) -> bool:
    """Does ``waiver`` apply to ``finding``: its policy, and each scope the waiver names?"""
    return (
        finding.policy in waiver.policies
        and (waiver.file is None or waiver.file == finding.file)
        and (waiver.line is None or waiver.line == finding.line)
        and (waiver.system is None or waiver.system == finding.system)
        and (waiver.path is None or _glob(waiver.path, finding.file))
        and (waiver.pointer is None or finding.pointer.startswith(waiver.pointer))
    )


def _glob(pattern: str, path: str) -> bool:
    return fnmatch.fnmatchcase(path, pattern.removeprefix("./"))  # ``path``: a display name, with "/"


def inline_waivers(display: str, text: str, metadata_spans: Sequence[tuple[int, int, str]]) -> list[Waiver]:
    """Waivers written as comments in a file; ``metadata_spans`` are (first, last, system) lines."""
    if "policylint:" not in text:
        return []
    lines = text.splitlines()
    waivers = []
    for number, line in enumerate(lines, start=1):
        match = DIRECTIVE.search(line)
        if match is None:
            continue
        waiver = _parse(match.group("arguments"), f"{display}:{number}", number)
        system = next((name for first, last, name in metadata_spans if first <= number <= last), None)
        if system is not None:
            waivers.append(waiver._replace(file=display, system=system))
        else:
            waivers.append(waiver._replace(file=display, line=_target_line(lines, number, match.start())))
    return waivers


def _target_line(lines: list[str], number: int, start: int) -> int:
    """The directive's own line when it follows content, else the next line with content."""
    if lines[number - 1][:start].strip():
        return number
    for following in range(number, len(lines)):
        stripped = lines[following].strip()
        if stripped and not stripped.startswith("#"):
            return following + 1
    return number


def _parse(arguments: str, source: str, line: int) -> Waiver:
    try:
        words = shlex.split(arguments)
    except ValueError as error:
        raise WaiverSyntaxError(f"waiver: {error}", line) from None
    if not words or "=" in words[0]:
        raise WaiverSyntaxError("waiver names no policy", line)
    fields = dict(word.split("=", 1) for word in words[1:] if "=" in word)
    unknown = sorted(set(fields) - {"reason", "expires", "owner"}) + [w for w in words[1:] if "=" not in w]
    if unknown:
        raise WaiverSyntaxError(f"waiver: unknown field {quoted(unknown[0])}", line)
    if not fields.get("reason", "").strip():
        raise WaiverSyntaxError('waiver needs a reason="..."', line)
    return Waiver(
        policies=tuple(p for p in words[0].split(",") if p),
        reason=fields["reason"],
        expires=_expiry(fields.get("expires"), line),
        source=source,
        owner=fields.get("owner"),
    )


def _expiry(text: str | None, line: int) -> date:
    if not text:
        raise WaiverSyntaxError("waiver needs an expiry date, expires=YYYY-MM-DD", line)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise WaiverSyntaxError(f"waiver expiry is not a date (YYYY-MM-DD): {quoted(text)}", line) from None


class WaiverOutcome(NamedTuple):
    findings: tuple[Finding, ...]
    used: frozenset[str]


def apply_waivers(findings: Iterable[Finding], waivers: Sequence[Waiver], as_of: date) -> WaiverOutcome:
    """Attach the first matching waiver to each finding; add a finding for each expired one."""
    if not waivers:
        return WaiverOutcome(tuple(findings), frozenset())
    result: list[Finding] = []
    used: set[str] = set()
    expired: dict[str, tuple[Waiver, Finding]] = {}
    for finding in findings:
        waiver = next((w for w in waivers if covers(w, finding)), None)
        if waiver is None:
            result.append(finding)
            continue
        used.add(waiver.source)
        if waiver.active(as_of):
            result.append(replace(finding, waiver=waiver))
        else:
            result.append(finding)
            expired.setdefault(waiver.source, (waiver, finding))
    result.extend(_expired_finding(waiver, finding) for waiver, finding in expired.values())
    return WaiverOutcome(tuple(result), frozenset(used))


def _expired_finding(waiver: Waiver, finding: Finding) -> Finding:
    day = waiver.expires.isoformat()
    file, _, line = waiver.source.rpartition(":")
    return replace(
        finding,
        policy=EXPIRED_WAIVER,
        severity="medium",
        file=file,
        line=int(line),
        column=1,
        message=Localized(
            f"{finding.policy} 的豁免已於 {day} 到期（理由：{waiver.reason}）",
            f"the waiver of {finding.policy} expired on {day} (reason: {waiver.reason})",
        ),
        remediation=Localized(
            "修正原發現，或經核准後延長豁免期限。", "Fix the finding, or renew the waiver once approved."
        ),
        identity=(EXPIRED_WAIVER, waiver.source, finding.fingerprint),
        waiver=None,
    )
