"""JUnit XML for CI test views: a test suite per descriptor, a test case per policy.

Only what the Jenkins xUnit schema (junit-10.xsd) allows: no ``file`` on test cases and no
``skipped`` count on the ``testsuites`` root. Characters that XML 1.0 cannot hold are dropped.
"""

from __future__ import annotations

from datetime import date
from typing import TextIO

from policylint.catalog.policies import Catalog
from policylint.model.results import (
    FAILED,
    NOT_APPLICABLE,
    NOT_DECLARED,
    STATUSES,
    WAIVED,
    FileError,
    FileReport,
    Finding,
    Localized,
    RunReport,
    references_text,
)
from policylint.report.audit import (
    ERROR,
    SystemRow,
    file_rows,
    label,
    safe,
    xml_safe,
)
from policylint.report.kept import ByPolicy, Kept
from policylint.report.stream import Spool

ERRORS_SUITE = "policylint errors"
_COUNTS = ("tests", "failures", "errors", "skipped")
# The indentation ElementTree.indent gives a test case and what it holds, in a suite.
_CASE, _INNER = "\n    ", "\n      "


class JunitReporter:
    """A test suite per descriptor as each file is checked, spooled: the root element, which
    comes first, carries the totals.

    The XML is written here, as ElementTree would serialise and indent it (the tests hold
    the two to each other): a suite has a test case for each of tens of policies, and
    building and serialising their elements took twice as long as checking the files."""

    def __init__(self, out: TextIO, *, color: bool = False) -> None:
        self.out, self.run = out, RunReport("", date.min, "en", "low")
        self.suites = Spool()
        self.totals = dict.fromkeys(_COUNTS[:3], 0)
        self.shown = _Shown("en")
        self.labels: dict[str, str] = {}  # a status as the run's language names it

    def begin(self, run: RunReport, catalog: Catalog) -> None:
        self.run, self.shown = run, _Shown(run.lang)
        self.labels = {status: label(status, run.lang) for status in (*STATUSES, ERROR)}

    def file(self, report: FileReport) -> None:
        self.suites.write("".join(map(self._suite, file_rows(report, self.run.no_waivers))))

    def _suite(self, row: SystemRow) -> str:
        counts, attribute = row.counts, self.shown.attribute
        totals = {
            "tests": len(row.statuses),
            "failures": counts[FAILED] + counts[NOT_DECLARED],
            "errors": counts[ERROR],
            "skipped": counts[NOT_APPLICABLE] + counts[WAIVED],
        }
        self._count(totals)
        findings, case, classname = _by_policy(row.findings), self._case, attribute[row.system or row.file]
        cases = [
            case(attribute[policy], classname, status, findings.get(policy))
            for policy, status in sorted(row.statuses.items())
        ]
        head = _start("testsuite", name=attribute[suite_name(row)], **_numbers(totals), file=attribute[row.file])
        return "\n  " + _element(head, cases, "\n  ", _CASE)

    def _count(self, counts: dict[str, int]) -> None:
        for key in self.totals:
            self.totals[key] += counts[key]

    def _case(self, name: str, classname: str, status: str, findings: list[Finding] | None) -> str:
        """A policy's test case: tens in each suite, written by one f-string each."""
        head = f'<testcase name="{name}" classname="{classname}"'
        if status in _FAILING:
            inner = self._failure(findings or [])
        elif status == NOT_APPLICABLE:
            inner = _NOT_APPLICABLE
        elif status == ERROR:
            inner = _leaf(_start("error", message=_UNEVALUATED(self.run.lang), type="error"))
        elif status == WAIVED:
            inner = _leaf(_WAIVED, self.shown.text["\n".join(_waiver_line(finding) for finding in findings or [])])
        else:
            return head + " />"
        return f"{head}>{_INNER}{inner}{_CASE}</testcase>"

    def _failure(self, findings: list[Finding]) -> str:
        """The findings that fail the case (or, if none is shown failing, all of them), each
        on a line, then what their policy says; the first one's message is the failure's."""
        no_waivers, shown = self.run.no_waivers, self.shown
        failing = [f for f in findings if f.status in _FAILING and (no_waivers or f.waiver is None)] or findings
        if not failing:
            return _FAILED
        first = failing[0]
        message = shown.attribute[first.message(self.run.lang)]
        if len(failing) > 1:
            message += f" (+{len(failing) - 1})"
        lines = [*map(self._finding_line, failing), shown.policy_lines(first)]
        return (
            f'<failure message="{message}" type="{shown.attribute[first.severity]}">' + "\n".join(lines) + "</failure>"
        )

    def _finding_line(self, finding: Finding) -> str:
        lang, text = self.run.lang, self.shown.text
        shown_status = finding.status if self.run.no_waivers else finding.shown_status
        status = self.labels.get(shown_status) or label(shown_status, lang)
        said = f"{finding.severity.upper()} {finding.policy} [{status}] {finding.message(lang)}"
        return f"{text[finding.file]}:{finding.line}:{finding.column}: {text[said]}"

    def end(self, run: RunReport) -> None:
        if run.errors:
            self.suites.write("\n  " + _error_suite(run.errors))
            self._count({"tests": len(run.errors), "failures": 0, "errors": len(run.errors)})
        root = _start("testsuites", name="policylint", **_numbers(self.totals))
        self.out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        if self.suites.empty:
            self.out.write(root + " />\n")
            return
        self.out.write(root + ">")
        self.suites.copy_to(self.out)
        self.out.write("\n</testsuites>\n")


class _Shown:
    """The texts a reporter writes over and over, as XML shows them (``shown_text``), kept."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.text = Kept(lambda text: _escape_text(shown_text(text)))
        self.attribute = Kept(lambda text: _escape_attribute(shown_text(text)))
        # What all findings of a policy share (the guideline's references, the laws, the fix),
        # as a failure's last lines show it.
        self.policy_lines = ByPolicy(self._policy_lines)

    def _policy_lines(self, finding: Finding) -> str:
        lines = (
            f"{label('references', self.lang)}: {references_text(finding.references)}",
            f"{label('laws', self.lang)}: {', '.join(finding.laws)}",
            f"{label('remediation', self.lang)}: {finding.remediation(self.lang)}",
        )
        return "\n".join(self.text[line] for line in lines)


def shown_text(text: str) -> str:
    """``text`` as XML may show it: identifiers masked, the characters XML 1.0 cannot hold
    dropped, and masked again, since a dropped character may have been all that kept an
    identifier from standing whole, or from touching a letter (``A12345\\x016789``)."""
    return safe(xml_safe(safe(text)))


def _escape_text(text: str) -> str:
    """Character data, escaped as ElementTree escapes it."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    return text.replace(">", "&gt;") if ">" in text else text


_ATTRIBUTE_ENTITIES = (('"', "&quot;"), ("\r", "&#13;"), ("\n", "&#10;"), ("\t", "&#09;"))


def _escape_attribute(text: str) -> str:
    """An attribute's value, escaped as ElementTree escapes it: line breaks and tabs as
    character references, so that they survive the attribute's normalisation."""
    text = _escape_text(text)
    for character, entity in _ATTRIBUTE_ENTITIES:
        if character in text:
            text = text.replace(character, entity)
    return text


def _start(tag: str, **attributes: str) -> str:
    """An element's start tag, without its closing ``>``: attribute values already escaped."""
    return f"<{tag}" + "".join(f' {name}="{value}"' for name, value in attributes.items())


def _leaf(start: str, text: str = "") -> str:
    """An element of text (already escaped) only: ElementTree's short form when there is none."""
    return f"{start}>{text}</{start[1 : start.index(' ')]}>" if text else start + " />"


def _element(start: str, children: list[str], indent: str, inner: str) -> str:
    """An element and its children, one a line, indented as ElementTree.indent does."""
    if not children:
        return start + " />"
    tag = start[1 : start.index(" ")]
    return f"{start}>{inner}{inner.join(children)}{indent}</{tag}>"


def _numbers(counts: dict[str, int]) -> dict[str, str]:
    return {key: str(count) for key, count in counts.items()}


def _by_policy(findings: tuple[Finding, ...]) -> dict[str, list[Finding]]:
    """A system's findings by the policies they count for (``policy_ids``), in their order."""
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        for policy in finding.policies or (finding.policy,):
            if policy in grouped:
                grouped[policy].append(finding)
            else:
                grouped[policy] = [finding]
    return grouped


def suite_name(row: SystemRow) -> str:
    return f"{row.file}::{row.system}" if row.system else row.file


_FAILING = (FAILED, NOT_DECLARED)  # the statuses of a finding that fails its case
_UNEVALUATED = Localized("政策無法評估", "policy could not be evaluated")
_NOT_APPLICABLE = _leaf(_start("skipped", message="not applicable"))
_WAIVED = _start("skipped", message="waived")
_FAILED = _leaf(_start("failure", message="failed", type="error"))


def _where(finding: Finding) -> str:
    return f"{finding.file}:{finding.line}:{finding.column}"


def _waiver_line(finding: Finding) -> str:
    waiver = finding.waiver
    if waiver is None:
        return _where(finding)
    return f"{_where(finding)}: {waiver.reason} ({waiver.expires}, {waiver.source})"


def _error_suite(errors: list[FileError]) -> str:
    cases = []
    for error in errors:
        where = "".join(f":{part}" for part in (error.line, error.column) if part is not None)
        head = _start("testcase", name=_attribute(f"{error.file}{where}"), classname="policylint")
        inner = _leaf(
            _start("error", message=_attribute(error.message), type="error"), _escape_text(shown_text(str(error)))
        )
        cases.append(f"{head}>{_INNER}{inner}{_CASE}</testcase>")
    counts = _numbers({"tests": len(errors), "failures": 0, "errors": len(errors), "skipped": 0})
    return _element(_start("testsuite", name=ERRORS_SUITE, **counts), cases, "\n  ", _CASE)


def _attribute(text: str) -> str:
    return _escape_attribute(shown_text(text))
