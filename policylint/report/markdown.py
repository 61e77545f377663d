"""The audit report in Markdown: summaries per case, law and system, the compliance matrix
and every finding with its masked evidence. Computations live in ``audit``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from policylint.model.results import FileReport, Finding, RunReport, SourceLine
from policylint.report import audit, facts
from policylint.report.audit import Audit, Table, label, safe
from policylint.report.audit import markdown_escape as escape
from policylint.report.audit import markdown_text as escape_text


class MarkdownReporter(audit.AuditReporter):
    def page(self, run: RunReport, summary: Audit, *, rows: bool, findings: bool) -> str:
        assert self.catalog is not None
        catalog, lang = self.catalog, run.lang
        systems = _streamed_table(audit.system_headers(summary.statuses, lang), audit.SYSTEM_ROWS, rows)
        details = ["", audit.DETAILS, ""] if findings else ["", escape(label("none", lang))]
        blocks = [
            [f"# {label('title', lang)}", "", *_facts(audit.run_facts(run, catalog))],
            _section(label("by_case", lang), _table(audit.case_table(summary, lang))),
            _section(label("by_law", lang), _table(audit.law_table(summary, catalog, lang))),
            _section(label("by_system", lang), systems),
            _section(label("matrix", lang), _matrix(summary, lang, rows), _reminders(summary, lang)),
            self._fact_section(lang),
            self._twgcb_section(lang),
            [f"## {escape(label('details', lang))}", *details],
            _problems(run),
        ]
        return "\n\n".join("\n".join(block) for block in blocks if block).rstrip() + "\n"

    def system_row(self, cells: tuple[str, ...]) -> str:
        return "\n" + _row(cells)

    def fact_row(self, cells: tuple[str, ...]) -> str:
        return "\n" + _row(cells)

    def _fact_section(self, lang: str) -> list[str]:
        if self.fact_rows.empty:
            return []
        note = f"{escape(facts.label('facts_note', lang))} {escape(facts.fact_summary(self.fact_counts, lang))}"
        table = _streamed_table(Table(facts.fact_headers(lang), ()), audit.FACT_ROWS, True)
        return _section(facts.label("facts", lang), [note], table)

    def _twgcb_section(self, lang: str) -> list[str]:
        assert self.hosts is not None
        if not self.hosts.rows and not self.hosts.unknown:
            return []
        legend = ", ".join(f"{symbol} {name}" for symbol, name in facts.host_legend(lang))
        note = f"{escape(facts.label('twgcb_note', lang))} {escape(legend)}"
        return [f"## {escape(facts.label('twgcb', lang))}", "", note + audit.TWGCB_TABLES]

    def twgcb_tables(self, lang: str) -> Iterator[str]:
        assert self.hosts is not None
        for document in self.hosts.documents():
            headers = _table(Table(facts.host_headers(document, lang), (), None), streamed=True)
            yield "\n".join(["", "", f"### {escape(document.title)}", "", *headers])
            yield from ("\n" + _row(facts.host_cells(row, lang)) for row in document.rows)
            yield "\n\n" + "\n".join(f"- {escape(note)}" for note in facts.item_notes(document))
        if self.hosts.unknown:
            unknown = ", ".join(safe(host) for host in sorted(self.hosts.unknown))
            yield f"\n\n{escape(facts.label('unknown_product', lang))}: {escape(unknown)}"

    def matrix_row(self, row: audit.MatrixRow) -> str:
        name = f"{audit.system_label(row.row, self.run.lang)} ({safe(row.row.file)})"
        return "\n" + _row((name, *(audit.SYMBOLS[cell] if cell else "" for cell in row.cells)))

    def file_details(self, report: FileReport, lines: dict[int, str], *, first: bool) -> str:
        blocks = [self._finding(finding, report, lines) for finding in report.findings]
        return ("" if first else "\n\n") + f"### {escape(safe(report.file))}\n\n" + "\n\n".join(blocks)

    def _finding(self, finding: Finding, report: FileReport, lines: dict[int, str]) -> str:
        head = f"#### {self.where(finding)}{_severity_and_policy(finding.severity, finding.policy)}\n\n"
        return head + self.facts_text(finding)[:-1] + self.evidence_text(finding, report, lines)

    def fact_parts(self, name: str) -> tuple[str, str]:
        return f"- **{escape(name)}**: ", "\n"

    def fact_value(self, text: str) -> str:
        return escape_text(text)  # not the kept escape: a value is made once for many findings, or for one

    def source_text(self, lines: list[tuple[SourceLine, bool]]) -> str:
        if not lines:
            return ""
        return f"\n\n{escape(label('evidence', self.run.lang))}:\n\n" + "\n".join(_code(lines))

    def file_text(self, path: str) -> str:
        # escaped with the colon: escaping strips the text's ends, and a path may end in a space
        return escape(safe(path) + ":")


@lru_cache(maxsize=256)
def _severity_and_policy(severity: str, policy: str) -> str:
    return f" {escape(severity.upper())} **{escape(policy)}**"


def _facts(facts: list[tuple[str, str]]) -> list[str]:
    return [f"- **{escape(name)}**: {escape(value)}" for name, value in facts]


def _section(title: str, *parts: list[str]) -> list[str]:
    lines = [f"## {escape(title)}"]
    for part in parts:
        lines += ["", *part]
    return lines


def _table(table: Table, *, streamed: bool = False) -> list[str]:
    """The table's lines; ``streamed``: its rows come later, each after a line break."""
    if not table.rows and not streamed:
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


def _streamed_table(table: Table, placeholder: str, rows: bool) -> list[str]:
    if not rows:
        return ["-"]
    lines = _table(table, streamed=True)
    return [*lines[:-1], lines[-1] + placeholder]


def _matrix(report: Audit, lang: str, rows: bool) -> list[str]:
    headers = (label("system", lang), *(f"{r.case}-{r.number}" for r in report.columns))
    legend = ", ".join(f"{symbol} {name}" for symbol, name in audit.legend(lang, report.statuses))
    table = _streamed_table(Table(headers, ()), audit.MATRIX_ROWS, rows)
    return [escape(label("matrix_note", lang)) + " " + escape(legend), "", *table]


def _code(source: list[tuple[SourceLine, bool]]) -> list[str]:
    body = [f"{'>' if focus else ' '} {line.number:>4} | {line.text}" for line, focus in source]
    runs = [run for line in body if "`" in line for run in re.findall("`+", line)]  # few lines hold one
    longest = max(map(len, runs), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}text", *body, fence]


def _problems(run: RunReport) -> list[str]:
    lines = [f"- {escape(safe(str(error)))}" for error in run.errors]
    lines += [f"- {escape(safe(warning))}" for warning in run.warnings]
    if not lines:
        return []
    title = f"{label('errors', run.lang)} / {label('warnings', run.lang)}"
    return _section(title, lines)
