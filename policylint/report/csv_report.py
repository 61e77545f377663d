"""CSV for spreadsheets: a header row, then one finding a row.

A cell that a spreadsheet would read as a formula (starting with ``=``, ``+``, ``-`` or
``@``) is prefixed with a single quote, so opening the file never runs anything (CWE-1236);
a tab or a carriage return is escaped like every control character. The file starts with a
UTF-8 byte order mark: without it Excel reads UTF-8 as the local code page, and zh-TW text
comes out as mojibake. The waiver columns name the waiver that covers a finding (empty when
none does), under ``--no-waivers`` too, where the status says the waiver is not counted.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from typing import NamedTuple, TextIO

from policylint.catalog.policies import Catalog
from policylint.load.masking import escape_and_mask
from policylint.model.results import FileReport, Finding, RunReport, references_text
from policylint.report.kept import ByPolicy, Kept

COLUMNS = (
    "policy",
    "severity",
    "status",
    "file",
    "line",
    "column",
    "system",
    "references",
    "laws",
    "message",
    "remediation",
    "fingerprint",
    "waiver_reason",
    "waiver_owner",
    "waiver_expires",
)
BOM = "\ufeff"
_FORMULA_STARTS = ("=", "+", "-", "@")


class CsvReporter:
    """The header row, then each file's rows as it is checked."""

    def __init__(self, out: TextIO, *, color: bool = False) -> None:
        self.out, self.run = out, RunReport("", date.min, "en", "low")
        self.cells = Kept(cell)  # a file's name, a system's, a message: the same on many rows
        self.policies = ByPolicy(lambda finding: _PolicyCells.of(finding, "en"))  # the cells its rows repeat

    def begin(self, run: RunReport, catalog: Catalog) -> None:
        self.run = run
        self.policies = ByPolicy(lambda finding: _PolicyCells.of(finding, run.lang))
        self.out.write(BOM)
        csv.writer(self.out, lineterminator="\n").writerow(COLUMNS)

    def file(self, report: FileReport) -> None:
        self.out.write("".join(map(self._row, report.findings)))

    def _row(self, finding: Finding) -> str:
        """The row of ``finding``, in the order of ``COLUMNS``, each text as ``cell`` gives it:
        the policy's own once for its findings, each other kept in ``cells``. Rows are joined
        here, from cells quoted once: the csv module's writer tests each character of each
        cell, and took more than a third of a scan when it wrote every row."""
        shared = self.policies(finding)
        cells = self.cells
        status = cells[finding.status if self.run.no_waivers else finding.shown_status]
        fingerprint = finding.fingerprint
        if not _DIGEST.fullmatch(fingerprint):
            fingerprint = cell(fingerprint)
        return (
            f"{shared.policy},{shared.severity},{status},{cells[finding.file]},{finding.line},{finding.column},"
            f"{cells[finding.system]},{shared.references},{shared.laws},{cells[finding.message(self.run.lang)]},"
            f"{shared.remediation},{fingerprint},{waiver_cells(finding)}\n"
        )

    def end(self, run: RunReport) -> None:
        return None


class _PolicyCells(NamedTuple):
    """The cells that a policy's findings share, made once (kept.ByPolicy)."""

    policy: str
    severity: str
    references: str
    laws: str
    remediation: str

    @classmethod
    def of(cls, finding: Finding, lang: str) -> _PolicyCells:
        return cls(
            cell(finding.policy),
            cell(finding.severity),
            cell(references_text(finding.references, ";")),
            cell(";".join(finding.laws)),
            cell(finding.remediation(lang)),
        )


def waiver_cells(finding: Finding) -> str:
    """The waiver's reason, owner and expiry; empty when no waiver covers the finding."""
    waiver = finding.waiver
    if waiver is None:
        return ",,"
    return ",".join(map(cell, (waiver.reason, waiver.owner or "", waiver.expires.isoformat())))


# A fingerprint as policylint makes it: nothing in it to mask, escape, neutralise or quote.
_DIGEST = re.compile("[0-9a-f]*")


def cell(text: str) -> str:
    """``text`` neutralised, as the csv module writes it in a row: quoted when it holds a
    comma or a quote (it holds no line break: ``neutralise`` escaped them)."""
    text = neutralise(text)
    if not text:
        return ""  # the csv module quotes an empty cell only when it is a row's only one
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="").writerow((text,))
    return buffer.getvalue()


def neutralise(cell: str) -> str:
    """``cell`` on one line, its control characters escaped (``cat`` of the report must run
    no escape sequence), with a single quote in front if a spreadsheet would take it for a
    formula."""
    cell = escape_and_mask(cell)
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell
