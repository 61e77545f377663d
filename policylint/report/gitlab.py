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
from typing import NamedTuple, TextIO

from policylint.catalog.policies import Catalog
from policylint.load.masking import folder_of_masked, masked_name_note
from policylint.load.sources import display_name
from policylint.model.pretty import Template, hole, pretty, text
from policylint.model.results import FileError, FileReport, Finding, RunReport, references_text
from policylint.report.audit import label, safe
from policylint.report.kept import ByPolicy, Kept

SEVERITIES = {"critical": "critical", "high": "major", "medium": "minor", "low": "info", "info": "info"}
ERROR_CHECK = "policylint-error"
ERROR_SEVERITY = "blocker"
WAIVED_SEVERITY = "info"


class GitlabReporter:
    """One JSON array: each file's issues as it is checked, the errors' at the end."""

    def __init__(self, out: TextIO, *, color: bool = False) -> None:
        self.out, self.run, self.written = out, RunReport("", date.min, "en", "low"), 0
        self.kept = _Kept("en")

    def begin(self, run: RunReport, catalog: Catalog) -> None:
        self.run, self.kept = run, _Kept(run.lang)
        self.out.write("[")

    def file(self, report: FileReport) -> None:
        if report.findings:
            self.out.write("".join(map(self._issue, report.findings)))

    def end(self, run: RunReport) -> None:
        self.out.write("".join(map(self._error, run.errors)))
        self.out.write(("\n]" if self.written else "]") + "\n")

    def _item(self, text: str) -> str:
        self.written += 1
        return ("\n" if self.written == 1 else ",\n") + "  " + text

    def _issue(self, finding: Finding) -> str:
        """A finding's issue, from the template and the texts kept: a scan writes tens of
        thousands, most of whose texts recur."""
        kept = self.kept
        shared = kept.policies(finding)
        description = finding.message(self.run.lang) + shared.references
        # A waived finding is an accepted risk, not an open problem: ``info``, as SARIF suppresses it.
        waived = finding.waiver is not None and not self.run.no_waivers
        if waived:
            description += _waiver_text(finding, self.run.lang)
        return self._item(
            _ISSUE.fill(
                kept.descriptions[description + kept.notes[finding.file]],
                shared.check_name,
                text(_digest("finding", finding.fingerprint)),
                _WAIVED_SEVERITY if waived else shared.severity,
                kept.paths[finding.file],
                str(max(1, finding.line)),
                _SECURITY,
            )
        )

    def _error(self, error: FileError) -> str:
        """A file that could not be checked: its policies were never evaluated."""
        return self._item(
            _ISSUE.fill(
                text(_located(safe(error.message), error.file, "en")),
                text(ERROR_CHECK),
                text(_digest("error", error.file, str(error.line), str(error.column), error.message)),
                text(ERROR_SEVERITY),
                text(gitlab_path(error.file)),
                str(max(1, error.line or 1)),
                _BUG_RISK,
            )
        )


class _Kept:
    """What a reporter keeps of the texts it writes over and over, each bounded (``Kept``)."""

    def __init__(self, lang: str) -> None:
        self.descriptions = Kept(lambda description: text(safe(description)))
        self.paths = Kept(lambda file: text(gitlab_path(file)))
        self.notes = Kept(lambda file: _located("", file, lang))  # what a masked file name adds
        self.policies = ByPolicy(_PolicyTexts.of)  # what a policy's issues share


class _PolicyTexts(NamedTuple):
    """The JSON texts a policy's issues share."""

    check_name: str
    severity: str
    references: str  # what the description adds to the message

    @classmethod
    def of(cls, finding: Finding) -> _PolicyTexts:
        references = references_text(finding.references)
        return cls(
            text(finding.policy),
            text(SEVERITIES[finding.severity]),
            f" [{references}]" if references else "",
        )


def _waiver_text(finding: Finding, lang: str) -> str:
    waiver = finding.waiver
    assert waiver is not None
    return f" ({label('waived', lang)}: {safe(waiver.reason)}; {label('expires', lang)} {waiver.expires})"


_ITEM = "\n  "  # an issue's lines after its first start here
# An issue's text, with holes for what differs, in the order GitlabReporter fills them.
_ISSUE = Template(
    {
        "type": "issue",
        "description": hole(0),
        "check_name": hole(1),
        "fingerprint": hole(2),
        "severity": hole(3),
        "categories": hole(6),
        "location": {"path": hole(4), "lines": {"begin": hole(5)}},
    },
    _ITEM,
)
_WAIVED_SEVERITY = text(WAIVED_SEVERITY)
_SECURITY, _BUG_RISK = (pretty([category], _ITEM + "  ") for category in ("Security", "Bug Risk"))


def _located(text: str, file: str, lang: str) -> str:
    return text if folder_of_masked(file) is None else f"{text} ({masked_name_note(lang)})"


def _digest(*parts: str) -> str:
    """An MD5 hex digest, the form GitLab's documentation shows; unique per issue, not a secret."""
    return hashlib.md5("\0".join(parts).encode("utf-8"), usedforsecurity=False).hexdigest()


def gitlab_path(path: str) -> str:
    """Relative to the repository, as GitLab links it: forward slashes, no leading ``./``;
    the folder of a file whose masked name locates nothing."""
    return display_name(folder_of_masked(path) or path)
