"""GitLab Code Quality: the subset of the Code Climate issue format that GitLab reads.

GitLab documents ``description``, ``check_name``, ``fingerprint``, ``severity`` (``info``,
``minor``, ``major``, ``critical``, ``blocker``) and ``location.path`` with
``location.lines.begin``; it ignores the other Code Climate fields. A file that could not be
checked is reported too, as a ``blocker`` of the check ``policylint-error``: its policies
were never evaluated. A waived finding is an ``info`` issue whose description names the
waiver's reason and expiry (under ``--no-waivers``, its own severity).
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any, TextIO

from policylint.catalog.policies import Catalog
from policylint.load.masking import folder_of_masked, masked_name_note
from policylint.load.sources import display_name
from policylint.model.pretty import pretty
from policylint.model.results import FileError, FileReport, Finding, RunReport, references_text
from policylint.report.audit import label, safe

SEVERITIES = {"critical": "critical", "high": "major", "medium": "minor", "low": "info", "info": "info"}
ERROR_CHECK = "policylint-error"
ERROR_SEVERITY = "blocker"
WAIVED_SEVERITY = "info"


class GitlabReporter:
    """One JSON array: each file's issues as it is checked, the errors' at the end."""

    def __init__(self, out: TextIO, *, color: bool = False) -> None:
        self.out, self.run, self.written = out, RunReport("", date.min, "en", "low"), 0

    def begin(self, run: RunReport, catalog: Catalog) -> None:
        self.run = run
        self.out.write("[")

    def file(self, report: FileReport) -> None:
        if report.findings:
            self.out.write("".join(self._item(issue(finding, self.run)) for finding in report.findings))

    def end(self, run: RunReport) -> None:
        self.out.write("".join(self._item(error_issue(error)) for error in run.errors))
        self.out.write(("\n]" if self.written else "]") + "\n")

    def _item(self, data: dict[str, Any]) -> str:
        self.written += 1
        return ("\n" if self.written == 1 else ",\n") + "  " + pretty(data, "\n  ")


def issue(finding: Finding, run: RunReport) -> dict[str, Any]:
    return {
        "type": "issue",
        "description": _description(finding, run),
        "check_name": finding.policy,
        "fingerprint": _digest("finding", finding.fingerprint),
        "severity": _severity(finding, run),
        "categories": ["Security"],
        "location": {"path": gitlab_path(finding.file), "lines": {"begin": max(1, finding.line)}},
    }


def _description(finding: Finding, run: RunReport) -> str:
    references = references_text(finding.references)
    text = f"{safe(finding.message(run.lang))} [{references}]" if references else safe(finding.message(run.lang))
    if finding.waiver is not None and not run.no_waivers:
        waiver = finding.waiver
        text += f" ({label('waived', run.lang)}: {safe(waiver.reason)}; {label('expires', run.lang)} {waiver.expires})"
    return _located(text, finding.file, run.lang)


def _severity(finding: Finding, run: RunReport) -> str:
    """A waived finding is an accepted risk, not an open problem: ``info``, as SARIF suppresses it."""
    waived = finding.waiver is not None and not run.no_waivers
    return WAIVED_SEVERITY if waived else SEVERITIES[finding.severity]


def _located(text: str, file: str, lang: str) -> str:
    return text if folder_of_masked(file) is None else f"{text} ({masked_name_note(lang)})"


def error_issue(error: FileError) -> dict[str, Any]:
    return {
        "type": "issue",
        "description": _located(safe(error.message), error.file, "en"),
        "check_name": ERROR_CHECK,
        "fingerprint": _digest("error", error.file, str(error.line), str(error.column), error.message),
        "severity": ERROR_SEVERITY,
        "categories": ["Bug Risk"],
        "location": {"path": gitlab_path(error.file), "lines": {"begin": max(1, error.line or 1)}},
    }


def _digest(*parts: str) -> str:
    """An MD5 hex digest, the form GitLab's documentation shows; unique per issue, not a secret."""
    return hashlib.md5("\0".join(parts).encode("utf-8"), usedforsecurity=False).hexdigest()


def gitlab_path(path: str) -> str:
    """Relative to the repository, as GitLab links it: forward slashes, no leading ``./``;
    the folder of a file whose masked name locates nothing."""
    return display_name(folder_of_masked(path) or path)
