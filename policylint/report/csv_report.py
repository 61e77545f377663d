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
from datetime import date
from typing import TextIO

from policylint.catalog.policies import Catalog
from policylint.load.masking import escape_and_mask
from policylint.model.results import FileReport, Finding, RunReport, references_text
from policylint.report.audit import finding_status, safe

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
        self.out, self.writer = out, csv.writer(out, lineterminator="\n")
        self.run = RunReport("", date.min, "en", "low")

    def begin(self, run: RunReport, catalog: Catalog) -> None:
        self.run = run
        self.out.write(BOM)
        self.writer.writerow(COLUMNS)

    def file(self, report: FileReport) -> None:
        self.writer.writerows(row(finding, self.run) for finding in report.findings)

    def end(self, run: RunReport) -> None:
        return None


def row(finding: Finding, run: RunReport) -> list[str | int]:
    texts = {
        "policy": finding.policy,
        "severity": finding.severity,
        "status": finding_status(finding, run.no_waivers),
        "file": safe(finding.file),
        "system": safe(finding.system),
        "references": references_text(finding.references, ";"),
        "laws": ";".join(finding.laws),
        "message": safe(finding.message(run.lang)),
        "remediation": safe(finding.remediation(run.lang)),
        "fingerprint": finding.fingerprint,
        **waiver_cells(finding),
    }
    numbers = {"line": finding.line, "column": finding.column}
    return [numbers[name] if name in numbers else neutralise(texts[name]) for name in COLUMNS]


def waiver_cells(finding: Finding) -> dict[str, str]:
    waiver = finding.waiver
    if waiver is None:
        return {"waiver_reason": "", "waiver_owner": "", "waiver_expires": ""}
    return {
        "waiver_reason": safe(waiver.reason),
        "waiver_owner": safe(waiver.owner or ""),
        "waiver_expires": waiver.expires.isoformat(),
    }


def neutralise(cell: str) -> str:
    """``cell`` on one line, its control characters escaped (``cat`` of the report must run
    no escape sequence), with a single quote in front if a spreadsheet would take it for a
    formula."""
    cell = escape_and_mask(cell)
    return "'" + cell if cell.startswith(_FORMULA_STARTS) else cell
