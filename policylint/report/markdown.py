"""The audit report in Markdown: summaries per case, law and system, the compliance matrix
and every finding with its masked evidence. Computations live in ``audit``."""

from __future__ import annotations

import re
from itertools import groupby

from policylint.catalog.policies import Catalog
from policylint.model.results import Finding, RunReport
from policylint.report import audit
from policylint.report.audit import Audit, SourceReader, Table, label, safe
from policylint.report.audit import markdown_escape as escape


def render(run: RunReport, catalog: Catalog, *, color: bool = False) -> str:
    report = audit.audit(run, catalog)
    lang = run.lang
    blocks = [
        [f"# {label('title', lang)}", "", *_facts(audit.run_facts(run, catalog))],
        _section(label("by_case", lang), _table(audit.case_table(report, lang))),
        _section(label("by_law", lang), _table(audit.law_table(report, catalog, lang))),
        _section(label("by_system", lang), _table(audit.system_table(report, lang))),
        _section(label("matrix", lang), _matrix(report, lang), _reminders(report, lang)),
        _section(label("details", lang), _details(run, catalog)),
        _problems(run),
    ]
    return "\n\n".join("\n".join(block) for block in blocks if block).rstrip() + "\n"


def _facts(facts: list[tuple[str, str]]) -> list[str]:
    return [f"- **{escape(name)}**: {escape(value)}" for name, value in facts]


def _section(title: str, *parts: list[str]) -> list[str]:
    lines = [f"## {escape(title)}"]
    for part in parts:
        lines += ["", *part]
    return lines


def _table(table: Table) -> list[str]:
    if not table.rows:
        return ["-"]
    rule = "".join("---:|" if table.is_numeric(column) else "---|" for column in range(len(table.headers)))
    lines = [_row(table.headers), "|" + rule]
    return lines + [_row(row) for row in table.rows]


def _row(cells: tuple[str, ...]) -> str:
    return "| " + " | ".join(escape(cell) for cell in cells) + " |"


def _reminders(report: Audit, lang: str) -> list[str]:
    lines = [f"**{escape(label('reminder_texts', lang))}**", ""]
    for reminder in report.columns:
        lines.append(f"- `{reminder.case}-{reminder.number}` {escape(reminder.text(lang))}")
    return lines if report.columns else []


def _matrix(report: Audit, lang: str) -> list[str]:
    headers = (label("system", lang), *(f"{r.case}-{r.number}" for r in report.columns))
    rows = tuple(
        (
            f"{audit.system_label(row.row, lang)} ({safe(row.row.file)})",
            *(audit.SYMBOLS[cell] if cell else "" for cell in row.cells),
        )
        for row in report.matrix
    )
    legend = ", ".join(f"{symbol} {name}" for symbol, name in audit.legend(lang, report.statuses))
    return [escape(label("matrix_note", lang)) + " " + escape(legend), "", *_table(Table(headers, rows))]


def _details(run: RunReport, catalog: Catalog) -> list[str]:
    if not run.findings:
        return [escape(label("none", run.lang))]
    reader = SourceReader()
    lines: list[str] = []
    for file, group in groupby(run.findings, key=lambda f: f.file):
        lines += [f"### {escape(safe(file))}", ""]
        for finding in group:
            lines += _finding(finding, run, catalog, reader)
    return lines


def _finding(finding: Finding, run: RunReport, catalog: Catalog, reader: SourceReader) -> list[str]:
    where = f"{safe(finding.file)}:{finding.line}:{finding.column}"
    head = f"#### {escape(where)} {escape(finding.severity.upper())} **{escape(finding.policy)}**"
    lines = [head, "", *_facts(audit.finding_facts(finding, catalog, run))]
    source = reader.around(finding)
    if source:
        lines += ["", f"{escape(label('evidence', run.lang))}:", "", *_code(source)]
    return [*lines, ""]


def _code(source: tuple[audit.SourceLine, ...]) -> list[str]:
    body = [f"{'>' if line.focus else ' '} {line.number:>4} | {line.text}" for line in source]
    longest = max((len(run) for line in body for run in re.findall("`+", line)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}text", *body, fence]


def _problems(run: RunReport) -> list[str]:
    lines = [f"- {escape(safe(str(error)))}" for error in run.errors]
    lines += [f"- {escape(safe(warning))}" for warning in run.warnings]
    if not lines:
        return []
    title = f"{label('errors', run.lang)} / {label('warnings', run.lang)}"
    return _section(title, lines)
