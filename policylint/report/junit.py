"""JUnit XML for CI test views: a test suite per descriptor, a test case per policy.

Only what the Jenkins xUnit schema (junit-10.xsd) allows: no ``file`` on test cases and no
``skipped`` count on the ``testsuites`` root. Characters that XML 1.0 cannot hold are dropped.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date
from typing import TextIO

from policylint.catalog.policies import Catalog
from policylint.model.results import (
    FAILED,
    NOT_APPLICABLE,
    NOT_DECLARED,
    WAIVED,
    FileError,
    FileReport,
    Finding,
    RunReport,
    references_text,
)
from policylint.report.audit import (
    ERROR,
    SystemRow,
    file_rows,
    finding_status,
    label,
    safe,
    xml_safe,
)
from policylint.report.stream import Spool

ERRORS_SUITE = "policylint errors"
_COUNTS = ("tests", "failures", "errors", "skipped")


class JunitReporter:
    """A test suite per descriptor as each file is checked, spooled: the root element, which
    comes first, carries the totals."""

    def __init__(self, out: TextIO, *, color: bool = False) -> None:
        self.out, self.run = out, RunReport("", date.min, "en", "low")
        self.suites = Spool()
        self.totals = dict.fromkeys(_COUNTS[:3], 0)

    def begin(self, run: RunReport, catalog: Catalog) -> None:
        self.run = run

    def file(self, report: FileReport) -> None:
        for row in file_rows(report, self.run.no_waivers):
            self._add(_suite(row, self.run))

    def _add(self, suite: ET.Element) -> None:
        for key in self.totals:
            self.totals[key] += int(suite.get(key, "0"))
        ET.indent(suite, level=1)
        self.suites.write("\n  " + ET.tostring(suite, encoding="unicode"))

    def end(self, run: RunReport) -> None:
        if run.errors:
            self._add(_error_suite(run.errors))
        root = ET.Element("testsuites", _attributes(name="policylint", **self.totals))
        self.out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        if self.suites.empty:
            self.out.write(ET.tostring(root, encoding="unicode") + "\n")
            return
        self.out.write(ET.tostring(root, encoding="unicode").removesuffix(" />") + ">")
        self.suites.copy_to(self.out)
        self.out.write("\n</testsuites>\n")


def _attributes(**values: object) -> dict[str, str]:
    return {key: xml_safe(str(value)) for key, value in values.items()}


def _text(element: ET.Element, text: str) -> ET.Element:
    element.text = xml_safe(text)
    return element


def suite_name(row: SystemRow) -> str:
    return f"{row.file}::{row.system}" if row.system else row.file


def _suite(row: SystemRow, run: RunReport) -> ET.Element:
    cases = [_case(row, policy, row.statuses[policy], run) for policy in sorted(row.statuses)]
    counts = {
        "tests": len(cases),
        "failures": sum(case.find("failure") is not None for case in cases),
        "errors": sum(case.find("error") is not None for case in cases),
        "skipped": sum(case.find("skipped") is not None for case in cases),
    }
    suite = ET.Element("testsuite", _attributes(name=safe(suite_name(row)), **counts, file=safe(row.file)))
    suite.extend(cases)
    return suite


def _case(row: SystemRow, policy: str, status: str, run: RunReport) -> ET.Element:
    case = ET.Element("testcase", _attributes(name=policy, classname=safe(row.system or row.file)))
    findings = [finding for finding in row.findings if policy in finding.policy_ids]
    if status in (FAILED, NOT_DECLARED):
        case.append(_failure(findings, run))
    elif status == ERROR:
        message = "policy could not be evaluated" if run.lang == "en" else "政策無法評估"
        case.append(ET.Element("error", _attributes(message=message, type="error")))
    elif status == NOT_APPLICABLE:
        case.append(ET.Element("skipped", _attributes(message="not applicable")))
    elif status == WAIVED:
        skipped = ET.Element("skipped", _attributes(message="waived"))
        case.append(_text(skipped, "\n".join(_waiver_line(finding) for finding in findings)))
    return case


def _failure(findings: list[Finding], run: RunReport) -> ET.Element:
    failing = [f for f in findings if finding_status(f, run.no_waivers) in (FAILED, NOT_DECLARED)] or findings
    if not failing:
        return ET.Element("failure", _attributes(message="failed", type="error"))
    first = failing[0]
    message = safe(first.message(run.lang)) + (f" (+{len(failing) - 1})" if len(failing) > 1 else "")
    lines = [_finding_line(finding, run) for finding in failing] + _policy_lines(first, run.lang)
    return _text(ET.Element("failure", _attributes(message=message, type=first.severity)), "\n".join(lines))


def _where(finding: Finding) -> str:
    return f"{safe(finding.file)}:{finding.line}:{finding.column}"


def _finding_line(finding: Finding, run: RunReport) -> str:
    status = label(finding_status(finding, run.no_waivers), run.lang)
    severity = finding.severity.upper()
    return f"{_where(finding)}: {severity} {finding.policy} [{status}] {safe(finding.message(run.lang))}"


def _policy_lines(finding: Finding, lang: str) -> list[str]:
    """What all findings of one policy share: the guideline's references, the laws, the fix."""
    return [
        f"{label('references', lang)}: {references_text(finding.references)}",
        f"{label('laws', lang)}: {', '.join(finding.laws)}",
        f"{label('remediation', lang)}: {safe(finding.remediation(lang))}",
    ]


def _waiver_line(finding: Finding) -> str:
    waiver = finding.waiver
    if waiver is None:
        return _where(finding)
    return f"{_where(finding)}: {safe(waiver.reason)} ({waiver.expires}, {safe(waiver.source)})"


def _error_suite(errors: list[FileError]) -> ET.Element:
    suite = ET.Element("testsuite", _attributes(name=ERRORS_SUITE, tests=len(errors), failures=0, errors=len(errors)))
    for error in errors:
        where = "".join(f":{part}" for part in (error.line, error.column) if part is not None)
        case = ET.Element("testcase", _attributes(name=safe(f"{error.file}{where}"), classname="policylint"))
        error_element = ET.Element("error", _attributes(message=safe(error.message), type="error"))
        case.append(_text(error_element, safe(str(error))))
        suite.append(case)
    suite.set("skipped", "0")
    return suite
