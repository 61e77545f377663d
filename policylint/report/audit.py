"""What the audit reports share: per case, per law and per system summaries, the compliance
matrix, labels in both languages, and the evidence lines of a finding.

Nothing here evaluates a policy or opens a scanned file: everything is read from the results
(the engine captured the masked source lines) and the catalog. A tally keeps counts per case,
law and status as files go by, never findings. Every text that comes from a scanned file or a
message goes through :func:`safe` before any reporter shows it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import TextIO, TypeVar

from policylint.catalog.policies import Case, Catalog, Reminder
from policylint.engine.excerpts import EVIDENCE_RADIUS
from policylint.load.masking import escape_and_mask, redact
from policylint.model.results import (
    FAILED,
    NOT_APPLICABLE,
    NOT_DECLARED,
    PASSED,
    SEVERITY_NAMES,
    WAIVED,
    FileReport,
    Finding,
    Localized,
    Reference,
    RunReport,
    SourceLine,
    SystemResult,
)
from policylint.report import facts
from policylint.report.kept import keep
from policylint.report.stream import Spool

ERROR = "error"
_Key = TypeVar("_Key")
# A reminder's cell shows the worst status over its policies, in this order.
WORST_FIRST = (ERROR, FAILED, NOT_DECLARED, WAIVED, PASSED, NOT_APPLICABLE)
_RANK = {status: rank for rank, status in enumerate(WORST_FIRST)}
_RANKED: tuple[str | None, ...] = (*WORST_FIRST, None)  # by rank; past the last, no status
# The order of status columns in the summaries.
STATUS_COLUMNS = (PASSED, FAILED, NOT_DECLARED, NOT_APPLICABLE, WAIVED, ERROR)
SYMBOLS = {PASSED: "✓", FAILED: "✗", NOT_DECLARED: "?", NOT_APPLICABLE: "—", WAIVED: "W", ERROR: "!"}
# Characters XML 1.0 forbids (and HTML reports as parse errors): C0 controls but tab, LF, CR;
# lone surrogates; U+FFFE and U+FFFF.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~#])")
_SPACE = re.compile(r"\s+")
LABELS: dict[str, Localized] = {
    "title": Localized("policylint 稽核報告", "policylint audit report"),
    "as_of": Localized("檢查基準日", "Scan as of"),
    "tool": Localized("工具版本", "Tool version"),
    "digest": Localized("政策目錄摘要", "Catalog digest"),
    "guideline": Localized("指引", "Guideline"),
    "scope": Localized("檢查範圍", "Scope"),
    "scanned": Localized("掃描路徑", "Paths scanned"),
    "files": Localized("檔案", "Files"),
    "descriptors": Localized("系統描述檔", "Descriptors"),
    "policies": Localized("政策", "Policies"),
    "findings": Localized("發現", "Findings"),
    "errors": Localized("錯誤", "Errors"),
    "warnings": Localized("警告", "Warnings"),
    "by_case": Localized("依案例彙整", "Summary by case"),
    "by_law": Localized("依法規彙整", "Summary by law"),
    "by_system": Localized("依系統彙整", "Summary by system"),
    "matrix": Localized("符合性矩陣（系統 × 叮嚀事項）", "Compliance matrix (systems × reminders)"),
    "matrix_note": Localized(
        "每格為該叮嚀事項所屬政策中最差的狀態。", "Each cell is the worst status over the reminder's policies."
    ),
    "reminder_texts": Localized("叮嚀事項內容", "Reminders"),
    "details": Localized("發現明細", "Findings in detail"),
    "case": Localized("案例", "Case"),
    "reminders": Localized("叮嚀事項", "Reminders"),
    "reminder": Localized("叮嚀事項", "Reminder"),
    "law": Localized("法規", "Law"),
    "name": Localized("名稱", "Name"),
    "systems_affected": Localized("受影響系統", "Systems affected"),
    "file": Localized("檔案", "File"),
    "system": Localized("系統", "System"),
    "severity": Localized("嚴重度", "Severity"),
    "status": Localized("狀態", "Status"),
    "location": Localized("位置", "Location"),
    "message": Localized("訊息", "Message"),
    "remediation": Localized("修正方式", "Remediation"),
    "references": Localized("參照", "References"),
    "laws": Localized("法規", "Laws"),
    "evidence": Localized("原始內容（已遮罩）", "Source (masked)"),
    "fingerprint": Localized("指紋", "Fingerprint"),
    "waiver": Localized("豁免", "Waiver"),
    "expires": Localized("到期", "expires"),
    "waiver_register": Localized("豁免登錄簿", "Waiver register"),
    "auditor_mode": Localized(
        "稽核模式（--no-waivers）：豁免不予計入，每項發現均以原本狀態列出。",
        "Auditor mode (--no-waivers): waivers are not counted; every finding shows its own status.",
    ),
    "waiver_policies": Localized("政策", "Policies"),
    "reason": Localized("理由", "Reason"),
    "owner": Localized("負責人", "Owner"),
    "expiry": Localized("到期日", "Expires"),
    "declared_at": Localized("宣告位置", "Declared at"),
    "expired": Localized("已到期", "Expired"),
    "matched": Localized("有套用", "Matched"),
    "yes": Localized("是", "yes"),
    "no": Localized("否", "no"),
    "baselined": Localized("基準線已知", "In baseline"),
    "none": Localized("無", "none"),
    "no_system": Localized("（不屬於任何系統）", "(outside any system)"),
    PASSED: Localized("通過", "passed"),
    FAILED: Localized("未通過", "failed"),
    NOT_DECLARED: Localized("未宣告", "not declared"),
    NOT_APPLICABLE: Localized("不適用", "not applicable"),
    WAIVED: Localized("已豁免", "waived"),
    ERROR: Localized("無法評估", "error"),
    **SEVERITY_NAMES,
}


def label(key: str, lang: str) -> str:
    text = LABELS.get(key)
    return text(lang) if text is not None else key


# --- masking --------------------------------------------------------------------------


def safe(text: str) -> str:
    """``text`` with every personal identifier masked."""
    return redact(text)


def xml_safe(text: str) -> str:
    """``text`` without the characters that XML 1.0 cannot hold."""
    return _NOT_XML.sub("", text)


def markdown_text(text: str) -> str:
    """Inline Markdown text: one line, no markup, no raw HTML (``<`` and ``>`` become entities)."""
    text = _MARKDOWN_SPECIAL.sub(r"\\\1", escape_and_mask(_SPACE.sub(" ", text))).strip()
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # "&" first: once each


# ``markdown_text`` kept: the labels, references and laws of every finding, the same few texts
markdown_escape = lru_cache(maxsize=4096)(markdown_text)


# --- statuses -------------------------------------------------------------------------


def finding_status(finding: Finding, no_waivers: bool) -> str:
    """The status a report shows: ``waived`` when a waiver applies and waivers count."""
    return finding.status if no_waivers else finding.shown_status


def worst(statuses: Iterable[str]) -> str | None:
    present = set(statuses)
    return next((status for status in WORST_FIRST if status in present), None)


def law_name(catalog: Catalog, law: str, lang: str) -> str:
    """``PDPA-12: 個人資料保護法第 12 條（…）``, or the bare id when the catalog does not name it."""
    name = catalog.law_names.get(law)
    return f"{law}: {name(lang)}" if name is not None else law


def reference_detail(reference: Reference, catalog: Catalog, lang: str) -> str:
    """``20170101-5 (case title): reminder text``, as much as the catalog knows."""
    case = catalog.case(reference.case)
    reminder = catalog.reminder(reference)
    where = f"{reference} ({case.title(lang)})" if case is not None else str(reference)
    return f"{where}: {reminder.text(lang)}" if reminder is not None else where


def cases(catalog: Catalog) -> list[Case]:
    return [case for guideline in catalog.guidelines for case in guideline.cases]


# --- systems --------------------------------------------------------------------------


@dataclass(frozen=True)
class SystemRow:
    """One descriptor (or a file's findings outside any descriptor) with every policy's status."""

    file: str
    system: str
    line: int
    statuses: dict[str, str]
    findings: tuple[Finding, ...]
    counts: Counter[str] = field(default_factory=Counter)


def file_rows(report: FileReport, no_waivers: bool) -> list[SystemRow]:
    """The rows of one checked file: its descriptors, and its findings outside any."""
    grouped = _findings_by_system(report.findings)
    rows = [_row(result, grouped.pop((result.file, result.system), []), no_waivers) for result in report.systems]
    rows += [_orphan_row(key, found, no_waivers) for key, found in grouped.items()]
    return sorted(rows, key=lambda row: (row.file, row.line, row.system))


def _findings_by_system(findings: Iterable[Finding]) -> dict[tuple[str, str], list[Finding]]:
    grouped: dict[tuple[str, str], list[Finding]] = {}
    for finding in findings:
        grouped.setdefault((finding.file, finding.system), []).append(finding)
    return grouped


def _row(result: SystemResult, findings: list[Finding], no_waivers: bool) -> SystemRow:
    from_findings = _statuses_from_findings(findings, no_waivers)
    statuses = {policy: status for policy, status in result.statuses}
    if no_waivers:
        statuses = {p: from_findings.get(p, s) if s == WAIVED else s for p, s in statuses.items()}
    statuses = {**{p: s for p, s in from_findings.items() if p not in statuses}, **statuses}
    return SystemRow(result.file, result.system, result.line, statuses, tuple(findings), Counter(statuses.values()))


def _orphan_row(key: tuple[str, str], findings: list[Finding], no_waivers: bool) -> SystemRow:
    statuses = _statuses_from_findings(findings, no_waivers)
    line = min(finding.line for finding in findings)
    return SystemRow(key[0], key[1], line, statuses, tuple(findings), Counter(statuses.values()))


def _statuses_from_findings(findings: Iterable[Finding], no_waivers: bool) -> dict[str, str]:
    by_policy: dict[str, list[str]] = {}
    for finding in findings:  # finding_status and policy_ids inline: tens of findings in every file
        status = finding.status if no_waivers or finding.waiver is None else WAIVED
        for policy in finding.policies or (finding.policy,):
            by_policy.setdefault(policy, []).append(status)
    return {policy: _pair_status(statuses) for policy, statuses in sorted(by_policy.items())}


def _pair_status(statuses: list[str]) -> str:
    """A pair is waived only when every one of its findings is."""
    if len(statuses) == 1:  # nearly every pair: ``worst`` of one status, or failed when it is none of them
        return statuses[0] if statuses[0] in _RANK else FAILED
    if all(status == WAIVED for status in statuses):
        return WAIVED
    return worst(status for status in statuses if status != WAIVED) or FAILED


# --- summaries ------------------------------------------------------------------------


@dataclass(frozen=True)
class CaseRow:
    case: Case
    policies: tuple[str, ...]
    counts: Counter[str]


@dataclass(frozen=True)
class LawRow:
    law: str
    policies: int
    findings: int
    counts: Counter[str]
    systems: int


@dataclass(frozen=True)
class MatrixRow:
    row: SystemRow
    cells: tuple[str | None, ...]


@dataclass(frozen=True)
class Audit:
    """The summaries, once every file is counted."""

    cases: tuple[CaseRow, ...]
    laws: tuple[LawRow, ...]
    columns: tuple[Reminder, ...]
    statuses: tuple[str, ...]


@dataclass
class _LawCount:
    findings: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    systems: int = 0


class AuditTally:
    """Counts per case, law and status over the files as they go by; a file's rows are handed
    back to be written at once. Its size is the catalog's, whatever the size of the scan."""

    def __init__(self, catalog: Catalog, no_waivers: bool) -> None:
        self.catalog, self.no_waivers = catalog, no_waivers
        self.columns = tuple(r for guideline in catalog.guidelines for c in guideline.cases for r in c.reminders)
        self._cases = [(case, _case_policies(case, catalog)) for case in cases(catalog)]
        self._case_counts: list[Counter[str]] = [Counter() for _ in self._cases]
        self._laws: dict[str, _LawCount] = {law: _LawCount() for law in catalog.law_names}
        self._statuses: set[str] = set()
        self._cases_of = _indexes((policies for _, policies in self._cases))
        self._columns_of = _indexes(reminder.policies for reminder in self.columns)

    def rows(self, report: FileReport) -> list[SystemRow]:
        """The file's rows, counted."""
        rows = file_rows(report, self.no_waivers)
        for row in rows:
            self._statuses.update(row.statuses.values())
            for policy, status in row.statuses.items():
                for index in self._cases_of.get(policy, ()):
                    self._case_counts[index][status] += 1
        self._count_laws(report.findings)
        return rows

    def _count_laws(self, findings: Iterable[Finding]) -> None:
        """Findings and systems per law: the findings grouped first by the laws they cite and
        their status (a file's tens of findings cite a few sets of laws)."""
        counted: Counter[tuple[tuple[str, ...], str]] = Counter()
        seen: dict[tuple[str, ...], set[tuple[str, str]]] = {}
        for finding in findings:  # finding_status inline
            counted[finding.laws, finding.status if self.no_waivers or finding.waiver is None else WAIVED] += 1
            seen.setdefault(finding.laws, set()).add((finding.file, finding.system))
        for (laws, status), number in counted.items():
            for law in laws:
                count = self._laws.get(law) or self._laws.setdefault(law, _LawCount())
                count.findings += number
                count.counts[status] += number
        systems: dict[str, set[tuple[str, str]]] = {}
        for laws, pairs in seen.items():
            for law in laws:
                systems.setdefault(law, set()).update(pairs)
        for law, pairs in systems.items():
            self._laws[law].systems += len(pairs)

    def matrix_row(self, row: SystemRow) -> MatrixRow:
        """Each reminder's worst status over its policies: the row's statuses taken once each,
        by the rank of ``worst`` (a status it does not know counts for none)."""
        ranks = [len(WORST_FIRST)] * len(self.columns)
        for policy, status in row.statuses.items():
            rank = _RANK.get(status)
            if rank is not None:
                for index in self._columns_of.get(policy, ()):
                    ranks[index] = min(ranks[index], rank)
        return MatrixRow(row, tuple(_RANKED[rank] for rank in ranks))

    def summary(self) -> Audit:
        known = list(self.catalog.law_names)
        laws = known + sorted(set(self._laws) - set(known))
        return Audit(
            cases=tuple(CaseRow(case, p, c) for (case, p), c in zip(self._cases, self._case_counts, strict=True)),
            laws=tuple(self._law_row(law) for law in laws),
            columns=self.columns,
            statuses=status_columns(self._statuses),
        )

    def _law_row(self, law: str) -> LawRow:
        count = self._laws[law]
        policies = sum(law in policy.laws for policy in self.catalog.policies.values())
        return LawRow(law, policies, count.findings, count.counts, count.systems)


def status_columns(seen: set[str]) -> tuple[str, ...]:
    """Every status column but ``error``, which shows only when a policy could not be evaluated."""
    return tuple(status for status in STATUS_COLUMNS if status != ERROR or status in seen)


def _case_policies(case: Case, catalog: Catalog) -> tuple[str, ...]:
    return tuple(dict.fromkeys(p for r in case.reminders for p in r.policies if p in catalog.policies))


def _indexes(groups: Iterable[Iterable[str]]) -> dict[str, tuple[int, ...]]:
    """Each policy, with the index of every group (case, reminder) that names it."""
    found: dict[str, dict[int, None]] = {}
    for index, policies in enumerate(groups):
        for policy in policies:
            found.setdefault(policy, {})[index] = None
    return {policy: tuple(indexes) for policy, indexes in found.items()}


@dataclass
class _KeptTexts:
    """The ``fact_items`` of what findings share, by what they show: a run's few statuses,
    its systems, its messages (a value makes one its own) and its policies' texts."""

    status: dict[tuple[str, str], str] = field(default_factory=dict)
    system: dict[str, str] = field(default_factory=dict)
    message: dict[Localized, str] = field(default_factory=dict)
    policy: dict[tuple[Localized, tuple[Reference, ...], tuple[str, ...]], str] = field(default_factory=dict)
    fingerprint: tuple[str, str] | None = None  # the format's fact_parts of its label


_DIGEST = re.compile("[0-9a-f]+")  # a fingerprint as a policy's finding has it


# Texts kept per kind, at most: the kept texts stay bounded, whatever the size of the scan.
_KEPT_AT_MOST = 512
_LONGEST_KEPT = 4000  # a long value's text is not kept: a message may quote megabytes


def system_label(row: SystemRow, lang: str) -> str:
    return safe(row.system) if row.system else label("no_system", lang)


# --- evidence -------------------------------------------------------------------------


def evidence(finding: Finding, lines: dict[int, str]) -> list[tuple[SourceLine, bool]]:
    """The captured lines around ``finding`` (``lines`` by number), each with whether it is the
    finding's own."""
    if finding.line not in lines:
        return []
    around = range(finding.line - EVIDENCE_RADIUS, finding.line + EVIDENCE_RADIUS + 1)
    return [(SourceLine(number, lines[number]), number == finding.line) for number in around if number in lines]


# --- facts shown for a finding and for the run ----------------------------------------


def finding_facts(finding: Finding, catalog: Catalog, run: RunReport) -> list[tuple[str, str]]:
    """Label and value of every fact of a finding that the audit reports show, masked."""
    lang = run.lang
    facts = status_facts(finding, run) + system_facts(finding, lang) + message_facts(finding, lang)
    return facts + policy_facts(finding, catalog, lang) + own_facts(finding, lang)


def status_facts(finding: Finding, run: RunReport) -> list[tuple[str, str]]:
    lang = run.lang
    return [
        (label("severity", lang), label(finding.severity, lang)),
        (label("status", lang), label(finding_status(finding, run.no_waivers), lang)),
    ]


def system_facts(finding: Finding, lang: str) -> list[tuple[str, str]]:
    return [(label("system", lang), safe(finding.system) or label("no_system", lang))]


def message_facts(finding: Finding, lang: str) -> list[tuple[str, str]]:
    return [(label("message", lang), safe(finding.message(lang)))]


def policy_facts(finding: Finding, catalog: Catalog, lang: str) -> list[tuple[str, str]]:
    """What a finding says of its policy: how to fix it, the reminders and laws it answers to."""
    return [
        (label("remediation", lang), safe(finding.remediation(lang))),
        (label("references", lang), "; ".join(reference_detail(r, catalog, lang) for r in finding.references)),
        (label("laws", lang), "; ".join(law_name(catalog, law, lang) for law in finding.laws)),
    ]


def own_facts(finding: Finding, lang: str) -> list[tuple[str, str]]:
    """The facts of the finding alone: its fingerprint, its waiver, whether it is baselined."""
    return [(label("fingerprint", lang), finding.fingerprint), *_marks(finding, lang)]


def _marks(finding: Finding, lang: str) -> list[tuple[str, str]]:
    marks = []
    if finding.waiver is not None:
        waiver = finding.waiver
        owner = f", {safe(waiver.owner)}" if waiver.owner else ""
        marks.append((label("waiver", lang), f"{safe(waiver.reason)} ({waiver.expires}{owner}; {safe(waiver.source)})"))
    if finding.baselined:
        marks.append((label("baselined", lang), "✓"))
    return marks


def run_facts(run: RunReport, catalog: Catalog) -> list[tuple[str, str]]:
    """The header of an audit report: when, with what, on what."""
    lang = run.lang
    guidelines = "; ".join(guideline.title(lang) for guideline in catalog.guidelines)
    return [
        (label("as_of", lang), run.as_of.isoformat()),
        (label("tool", lang), f"policylint {run.tool_version}"),
        (label("digest", lang), catalog.digest or "-"),
        (label("guideline", lang), guidelines or "-"),
        (label("scanned", lang), ", ".join(safe(path) for path in run.scanned) or "-"),
        (label("scope", lang), scope_text(run, catalog)),
    ]


def scope_text(run: RunReport, catalog: Catalog) -> str:
    counts = [
        (run.files, "files"),
        (run.descriptor_count, "descriptors"),
        (len(catalog.policies), "policies"),
        (run.finding_count, "findings"),
        (len(run.errors), "errors"),
    ]
    return ", ".join(f"{label(key, run.lang)} {count}" for count, key in counts)


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric_from: int | None = None  # the first column of counts, right-aligned

    def is_numeric(self, column: int) -> bool:
        return self.numeric_from is not None and column >= self.numeric_from


def case_table(report: Audit, lang: str) -> Table:
    headers = (label("case", lang), label("reminders", lang), label("policies", lang))
    rows = tuple(
        (
            f"{row.case.id} {row.case.title(lang)}",
            ", ".join(str(reminder.number) for reminder in row.case.reminders),
            str(len(row.policies)),
            *(str(row.counts[status]) for status in report.statuses),
        )
        for row in report.cases
    )
    return Table((*headers, *(label(status, lang) for status in report.statuses)), rows, numeric_from=2)


def law_table(report: Audit, catalog: Catalog, lang: str) -> Table:
    statuses = (FAILED, NOT_DECLARED, WAIVED)
    headers = (label("law", lang), label("name", lang), label("policies", lang), label("findings", lang))
    rows = tuple(
        (
            row.law,
            name(lang) if (name := catalog.law_names.get(row.law)) else "-",
            str(row.policies),
            str(row.findings),
            *(str(row.counts[status]) for status in statuses),
            str(row.systems),
        )
        for row in report.laws
    )
    tail = (*(label(status, lang) for status in statuses), label("systems_affected", lang))
    return Table((*headers, *tail), rows, numeric_from=2)


def system_headers(statuses: tuple[str, ...], lang: str) -> Table:
    """The system table's headers (its rows are written as files are checked)."""
    headers = (label("file", lang), label("system", lang))
    counts = (*(label(status, lang) for status in statuses), label("findings", lang))
    return Table((*headers, *counts), (), numeric_from=2)


def system_cells(row: SystemRow, lang: str) -> tuple[str, ...]:
    """A row of the system table, with a count for every status column."""
    counts = (str(row.counts[status]) for status in STATUS_COLUMNS)
    return (f"{safe(row.file)}:{row.line}", system_label(row, lang), *counts, str(len(row.findings)))


def shown_cells(cells: list[str], statuses: tuple[str, ...]) -> tuple[str, ...]:
    """``system_cells`` for the status columns shown (``error`` only when there was one)."""
    counts = dict(zip(STATUS_COLUMNS, cells[2:-1], strict=True))
    return (cells[0], cells[1], *(counts[status] for status in statuses), cells[-1])


def legend(lang: str, statuses: Sequence[str]) -> list[tuple[str, str]]:
    return [(SYMBOLS[status], label(status, lang)) for status in statuses]


# --- the audit reports' stream --------------------------------------------------------

SYSTEM_ROWS = "\u0000system rows\u0000"
MATRIX_ROWS = "\u0000matrix rows\u0000"
FACT_ROWS = "\u0000fact rows\u0000"
TWGCB_TABLES = "\u0000twgcb tables\u0000"
DETAILS = "\u0000details\u0000"


class AuditReporter:
    """What the Markdown and HTML reports share: the summaries come first but are known only
    at the end, so each file's system row, matrix row and findings go to spools, and the page
    is written at the end around them. A format gives the page with the placeholders
    ``SYSTEM_ROWS``, ``MATRIX_ROWS``, ``FACT_ROWS`` (where there are facts) and ``DETAILS``,
    and the text of each row and file."""

    def __init__(self, out: TextIO, *, color: bool = False) -> None:
        self.out, self.run = out, RunReport("", date.min, "en", "low")
        self.catalog: Catalog | None = None
        self.tally: AuditTally | None = None
        self.system_rows, self.matrix_rows, self.details = Spool(), Spool(), Spool()
        self.fact_rows, self.fact_counts = Spool(), Counter[str]()
        self.hosts: facts.HostTally | None = None
        # Texts a finding shares with others, made once (see facts_text); and the shown path
        # of the file whose findings are being written, with what ``file_text`` made of it.
        self._kept = _KeptTexts()
        self._file_text = ("", "")
        self._evidence: dict[int, str] = {}  # the file's, by line (see evidence_text)

    def begin(self, run: RunReport, catalog: Catalog) -> None:
        self.run, self.catalog, self.tally = run, catalog, AuditTally(catalog, run.no_waivers)
        self.hosts = facts.HostTally(catalog)

    def file(self, report: FileReport) -> None:
        assert self.tally is not None
        rows = self.tally.rows(report)
        for row in rows:
            self.system_rows.write(json.dumps(system_cells(row, self.run.lang)) + "\n")
            self.matrix_rows.write(self.matrix_row(self.tally.matrix_row(row)))
        for result in report.systems:
            if result.facts:  # a system with evidence, or a host
                self._count_facts(result, rows)
        if report.findings:
            self._evidence = {}
            lines = {line.number: line.text for line in report.source_lines}
            self.details.write(self.file_details(report, lines, first=self.details.empty))

    def _count_facts(self, result: SystemResult, rows: list[SystemRow]) -> None:
        assert self.hosts is not None
        for fact in result.facts:
            self.fact_rows.write(self.fact_row(facts.fact_cells(result, fact, self.run.lang)))
            self.fact_counts[fact.status] += 1
        shown = next(row for row in rows if (row.file, row.system, row.line) == result[:3])
        self.hosts.add(result, shown.statuses)

    def end(self, run: RunReport) -> None:
        assert self.tally is not None
        summary = self.tally.summary()
        page = self.page(run, summary, rows=not self.system_rows.empty, findings=not self.details.empty)
        parts: tuple[tuple[str, Callable[[], None]], ...] = (
            (SYSTEM_ROWS, lambda: self.system_rows.copy_to(self.out, lambda rows: self._system_rows(rows, summary))),
            (MATRIX_ROWS, lambda: self.matrix_rows.copy_to(self.out)),
            (FACT_ROWS, lambda: self.fact_rows.copy_to(self.out)),
            (TWGCB_TABLES, lambda: self.out.writelines(self.twgcb_tables(run.lang))),
            (DETAILS, lambda: self.details.copy_to(self.out)),
        )
        for placeholder, write in parts:
            before, found, after = page.partition(placeholder)
            if found:
                self.out.write(before)
                write()
                page = after
        self.out.write(page)

    def _system_rows(self, chunk: str, summary: Audit) -> str:
        return "".join(self.system_row(shown_cells(json.loads(line), summary.statuses)) for line in chunk.splitlines())

    def facts_text(self, finding: Finding) -> str:
        """``fact_items`` of every fact of ``finding``, in ``finding_facts`` order. What it shares
        with other findings (status, system, message, policy) is made once and kept: tens of
        findings in every file show the same few texts, and masking and escaping them again
        took most of a report's time. What is kept is masked and escaped, as shown."""
        assert self.catalog is not None
        run, kept, lang = self.run, self._kept, self.run.lang
        # finding_status, inline: once for each of tens of findings in every file
        status = (finding.severity, finding.status if run.no_waivers or finding.waiver is None else WAIVED)
        policy = (finding.remediation, finding.references, finding.laws)
        system, message = finding.system, finding.message
        text = (
            (kept.status.get(status) or self._kept_as(kept.status, status, status_facts(finding, run)))
            + (kept.system.get(system) or self._kept_as(kept.system, system, system_facts(finding, lang)))
            + (kept.message.get(message) or self._kept_as(kept.message, message, message_facts(finding, lang)))
            + (kept.policy.get(policy) or self._kept_as(kept.policy, policy, policy_facts(finding, self.catalog, lang)))
            + self._fingerprint_text(finding.fingerprint)
        )
        if finding.waiver is not None or finding.baselined:
            text += self.fact_items(_marks(finding, lang))
        return text

    def _kept_as(self, kept: dict[_Key, str], key: _Key, facts: list[tuple[str, str]]) -> str:
        text = self.fact_items(facts)
        return keep(kept, key, text, len(text), most=_KEPT_AT_MOST, longest=_LONGEST_KEPT)

    def _fingerprint_text(self, fingerprint: str) -> str:
        """The fingerprint's item: a finding's own, but its label's text is kept, and a digest
        (hexadecimal digits) holds nothing to mask (an identifier starts with a capital) or escape."""
        if _DIGEST.fullmatch(fingerprint) is None:  # read back from a result: any text
            return self.fact_items([(label("fingerprint", self.run.lang), fingerprint)])
        if self._kept.fingerprint is None:
            self._kept.fingerprint = self.fact_parts(label("fingerprint", self.run.lang))
        start, end = self._kept.fingerprint
        return start + fingerprint + end

    def fact_items(self, facts: list[tuple[str, str]]) -> str:
        """Facts of a finding as a format lists them (``fact_parts`` around each ``fact_value``)."""
        items: list[str] = []
        for name, value in facts:
            start, end = self.fact_parts(name)
            items += (start, self.fact_value(value), end)
        return "".join(items)

    def where(self, finding: Finding) -> str:
        """The format's ``file:line:column`` of a finding; the file's text is made once for its
        findings (``file_text``: masking is the costly part, and the line and column hold
        nothing to mask or escape)."""
        if finding.file != self._file_text[0]:
            self._file_text = (finding.file, self.file_text(finding.file))
        return f"{self._file_text[1]}{finding.line}:{finding.column}"

    def evidence_text(self, finding: Finding, report: FileReport, lines: dict[int, str]) -> str:
        """The format's ``source_text`` of the captured lines around a finding of the checked
        file (not of a configuration file that an expired waiver's finding points to); made once
        for the findings of a line (most share theirs with others)."""
        if finding.file != report.file:
            return self.source_text([])
        text = self._evidence.get(finding.line)
        if text is None:
            text = self._evidence[finding.line] = self.source_text(evidence(finding, lines))
        return text

    # What a format gives: --------------------------------------------------------------

    def page(self, run: RunReport, summary: Audit, *, rows: bool, findings: bool) -> str:
        raise NotImplementedError

    def system_row(self, cells: tuple[str, ...]) -> str:
        raise NotImplementedError

    def matrix_row(self, row: MatrixRow) -> str:
        raise NotImplementedError

    def fact_row(self, cells: tuple[str, ...]) -> str:
        raise NotImplementedError

    def twgcb_tables(self, lang: str) -> Iterator[str]:
        """The TWGCB tables, a piece at a time (one row per host: hosts grow with the repository)."""
        raise NotImplementedError

    def file_details(self, report: FileReport, lines: dict[int, str], *, first: bool) -> str:
        raise NotImplementedError

    def fact_parts(self, name: str) -> tuple[str, str]:
        """What comes before and after the value of a fact named ``name`` in a list of facts."""
        raise NotImplementedError

    def fact_value(self, text: str) -> str:
        """A fact's value, masked and escaped."""
        raise NotImplementedError

    def file_text(self, path: str) -> str:
        """``path`` masked and escaped, with the ``:`` that follows it."""
        raise NotImplementedError

    def source_text(self, lines: list[tuple[SourceLine, bool]]) -> str:
        """The captured lines around a finding (none: the empty text), each with whether it is
        the finding's own; their texts as the format's ``file_details`` gave them."""
        raise NotImplementedError
