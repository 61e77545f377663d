"""The audit report as one self-contained HTML page: inline CSS, no script, nothing fetched,
laid out for A4 paper. Every text is escaped; computations live in ``audit``."""

from __future__ import annotations

import html
from collections.abc import Iterator
from functools import lru_cache
from itertools import groupby
from typing import TextIO

from policylint.catalog.policies import Reminder
from policylint.model.results import SEVERITIES, WAIVED, FileReport, Finding, RunReport, SourceLine
from policylint.model.waiver import Waiver
from policylint.report import audit, facts
from policylint.report.audit import Audit, Table, label, safe, xml_safe

# No resource may load from anywhere, whatever a report contains.
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; base-uri 'none'"
_CSS = """
:root { --ok: #1b7f3b; --bad: #b42318; --nd: #b54708; --na: #667085; --w: #6941c6; --err: #000;
  --line: #d0d5dd; --soft: #f2f4f7; font-family: "Noto Sans TC", "Noto Sans CJK TC", "PingFang TC",
  "Microsoft JhengHei", "Helvetica Neue", Arial, sans-serif; font-size: 10pt; color: #101828; }
body { margin: 0 auto; max-width: 1180px; padding: 16px 24px; line-height: 1.45; }
h1 { font-size: 18pt; margin: 0 0 8px; } h2 { font-size: 13pt; margin: 22px 0 8px;
  border-bottom: 2px solid #101828; padding-bottom: 2px; break-after: avoid; }
h3 { font-size: 11pt; margin: 16px 0 6px; break-after: avoid; word-break: break-all; }
table { border-collapse: collapse; width: 100%; margin: 6px 0 10px; }
th, td { border: 1px solid var(--line); padding: 3px 6px; text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
thead { display: table-header-group; } tr { break-inside: avoid; }
table.facts { width: auto; } table.facts th { width: 11em; }
table.reminders { table-layout: fixed; } table.reminders tr > :first-child { width: 8em; white-space: nowrap; }
.digest { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 8.5pt; word-break: break-all; }
.cards { display: flex; flex-wrap: wrap; gap: 8px; margin: 10px 0; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 6px 12px; min-width: 84px; }
.card b { display: block; font-size: 16pt; } .card span { color: #475467; font-size: 9pt; }
table.matrix { table-layout: fixed; font-size: 8.5pt; }
table.twgcb { font-size: 8.5pt; } table.twgcb td { text-align: center; }
table.twgcb td:nth-child(-n+2) { text-align: left; }
.s-not_evidenced { color: var(--nd); }
table.matrix th, table.matrix td { padding: 2px 1px; text-align: center; overflow-wrap: anywhere; }
table.matrix th.sys, table.matrix td.sys { width: 17em; text-align: left; padding: 2px 4px;
  overflow-wrap: anywhere; }
table.matrix td.sys small { color: #475467; }
.s-passed { color: var(--ok); background: #ecfdf3; }
.s-failed { color: var(--bad); background: #fef3f2; font-weight: 700; }
.s-not_declared { color: var(--nd); background: #fffaeb; } .s-not_applicable { color: var(--na); }
.s-waived { color: var(--w); background: #f4f3ff; } .s-error { color: #fff; background: var(--err); }
.legend span { margin-right: 12px; white-space: nowrap; }
.legend b { display: inline-block; min-width: 1.4em; text-align: center; }
.finding { border: 1px solid var(--line); border-radius: 4px; padding: 6px 10px; margin: 8px 0;
  break-inside: avoid; }
.finding.sev-critical { border-left: 6px solid #7a271a; } .finding.sev-high { border-left: 6px solid var(--bad); }
.finding.sev-medium { border-left: 6px solid var(--nd); } .finding.sev-low { border-left: 6px solid #0e7090; }
.finding.sev-info { border-left: 6px solid var(--na); }
.finding h4 { margin: 0 0 4px; font-size: 10pt; word-break: break-all; }
.finding dl { display: grid; grid-template-columns: 9em 1fr; gap: 1px 8px; margin: 0; }
.finding dt { color: #475467; } .finding dd { margin: 0; overflow-wrap: anywhere; }
pre { background: var(--soft); border: 1px solid var(--line); padding: 4px 6px; margin: 6px 0 0;
  font-family: ui-monospace, "DejaVu Sans Mono", "Noto Sans Mono CJK TC", monospace; font-size: 8.5pt;
  white-space: pre-wrap; overflow-wrap: anywhere; }
pre .focus { background: #fee4e2; display: inline-block; width: 100%; }
.muted { color: #475467; }
@page { size: A4; margin: 14mm 12mm; }
@page matrix { size: A4 landscape; margin: 10mm; }
@media print {
  :root { font-size: 9pt; } body { max-width: none; padding: 0; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section.matrix { page: matrix; }
  h2 { break-before: auto; }
  /* the summaries, matrix and register first; the long finding list starts a page after them */
  section.cases, section.laws { break-inside: avoid; }
  section.findings, section.problems { break-before: page; }
  .auditor { border-width: 2px; }
}
.auditor { border: 3px solid var(--bad); background: #fef3f2; color: var(--bad); font-weight: 700;
  padding: 6px 10px; margin: 8px 0; }
"""


class HtmlReporter(audit.AuditReporter):
    def __init__(self, out: TextIO, *, color: bool = False) -> None:
        super().__init__(out, color=color)
        self.waived = 0  # findings a waiver covers, when waivers count

    def file(self, report: FileReport) -> None:
        if not self.run.no_waivers:
            self.waived += sum(finding.waiver is not None for finding in report.findings)
        super().file(report)

    def page(self, run: RunReport, summary: Audit, *, rows: bool, findings: bool) -> str:
        assert self.catalog is not None
        catalog, lang = self.catalog, run.lang
        systems = _streamed_table(audit.system_headers(summary.statuses, lang), audit.SYSTEM_ROWS) if rows else _NONE
        details = audit.DETAILS if findings else f'<p class="muted">{_e(label("none", lang))}</p>'
        body = [
            f"<h1>{_e(label('title', lang))}</h1>",
            _auditor_banner(run),
            _facts(audit.run_facts(run, catalog)),
            _cards(run, self.waived),
            _section("cases", label("by_case", lang), _table(audit.case_table(summary, lang))),
            _section("laws", label("by_law", lang), _table(audit.law_table(summary, catalog, lang))),
            _section("systems", label("by_system", lang), systems),
            _section(
                "matrix",
                label("matrix", lang),
                _legend(summary, lang),
                _matrix(summary, lang),
                _reminders(summary, lang),
            ),
            self._fact_section(lang),
            self._twgcb_section(lang),
            _section("waivers", label("waiver_register", lang), _table(waiver_register(run))),
            _section("findings", label("details", lang), details),
            _problems(run),
        ]
        return _page(lang, label("title", lang), "\n".join(part for part in body if part))

    def system_row(self, cells: tuple[str, ...]) -> str:
        return _table_row(cells, 2)  # the file and the system, then counts

    def fact_row(self, cells: tuple[str, ...]) -> str:
        return _table_row(cells, None)

    def _fact_section(self, lang: str) -> str:
        if self.fact_rows.empty:
            return ""
        note = f"{facts.label('facts_note', lang)} {facts.fact_summary(self.fact_counts, lang)}"
        table = _streamed_table(Table(facts.fact_headers(lang), ()), audit.FACT_ROWS)
        return _section("facts", facts.label("facts", lang), f'<p class="muted">{_e(note)}</p>', table)

    def _twgcb_section(self, lang: str) -> str:
        assert self.hosts is not None
        if not self.hosts.rows and not self.hosts.unknown:
            return ""
        legend = "".join(f"<span><b>{_e(symbol)}</b> {_e(name)}</span>" for symbol, name in facts.host_legend(lang))
        note = f'<p class="legend">{_e(facts.label("twgcb_note", lang))} {legend}</p>'
        return _section("twgcb", facts.label("twgcb", lang), note + audit.TWGCB_TABLES)

    def twgcb_tables(self, lang: str) -> Iterator[str]:
        assert self.hosts is not None
        for document in self.hosts.documents():
            yield f"\n<h3>{_e(document.title)}</h3>\n" + _host_table_head(document, lang)
            yield from (_host_row(row, lang) for row in document.rows)
            yield "</tbody>\n</table>"
        if self.hosts.unknown:
            unknown = ", ".join(safe(host) for host in sorted(self.hosts.unknown))
            yield f"\n<p>{_e(facts.label('unknown_product', lang))}: {_e(unknown)}</p>"

    def matrix_row(self, row: audit.MatrixRow) -> str:
        return _matrix_row(row, self.tally.columns if self.tally else (), self.run.lang)

    def file_details(self, report: FileReport, lines: dict[int, str], *, first: bool) -> str:
        shown = {number: _e(text) for number, text in lines.items()}  # each line once, not once a finding
        parts = [f"<h3>{_e(safe(report.file))}</h3>"]
        parts += [self._finding(finding, report, shown) for finding in report.findings]
        return ("" if first else "\n") + "\n".join(parts)

    def _finding(self, finding: Finding, report: FileReport, shown: dict[int, str]) -> str:
        opening, head = _finding_head(finding.severity, finding.policy, self.run.lang)
        source = self.evidence_text(finding, report, shown)
        return f"{opening}{self.where(finding)}{head}{self.facts_text(finding)}</dl>{source}</article>"

    def fact_parts(self, name: str) -> tuple[str, str]:
        return f"<dt>{_e(name)}</dt><dd>", "</dd>"

    def fact_value(self, text: str) -> str:
        return _e(text)

    def source_text(self, lines: list[tuple[SourceLine, bool]]) -> str:
        return _source(lines, self.run.lang)

    def file_text(self, path: str) -> str:
        return _e(safe(path)) + ":"


@lru_cache(maxsize=256)
def _finding_head(severity: str, policy: str, lang: str) -> tuple[str, str]:
    """A finding's article up to its place, and after it up to its facts."""
    opening = f'<article class="finding sev-{_e(severity)}"><h4>'
    return opening, f" · {_e(label(severity, lang))} · {_e(policy)}</h4><dl>"


_NONE = '<p class="muted">-</p>'


def _e(text: str) -> str:
    return html.escape(xml_safe(text), quote=True)


def _page(lang: str, title: str, body: str) -> str:
    head = (
        '<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="referrer" content="no-referrer">\n'
        f"<title>{_e(title)}</title>\n<style>{_CSS}</style>"
    )
    return f'<!DOCTYPE html>\n<html lang="{_e(lang)}">\n<head>\n{head}\n</head>\n<body>\n{body}\n</body>\n</html>\n'


def _section(name: str, title: str, *parts: str) -> str:
    inner = "\n".join(part for part in parts if part)
    return f'<section class="{name}">\n<h2>{_e(title)}</h2>\n{inner}\n</section>'


def _facts(facts: list[tuple[str, str]]) -> str:
    rows = "".join(f"<tr><th>{_e(name)}</th><td>{_fact_value(name, value)}</td></tr>" for name, value in facts)
    return f'<table class="facts">{rows}</table>'


def _fact_value(name: str, value: str) -> str:
    is_digest = len(value) == 64 and all(c in "0123456789abcdef" for c in value)
    return f'<span class="digest">{_e(value)}</span>' if is_digest else _e(value)


def _auditor_banner(run: RunReport) -> str:
    return f'<p class="auditor" role="note">{_e(label("auditor_mode", run.lang))}</p>' if run.no_waivers else ""


def _cards(run: RunReport, waived: int) -> str:
    counts = run.by_severity()
    values = [(run.descriptor_count, "descriptors"), (run.finding_count, "findings")]
    values += [(counts[severity], severity) for severity in SEVERITIES]
    values += [(waived, WAIVED), (len(run.errors), "errors")]
    cards = [(str(value), label(key, run.lang)) for value, key in values]
    items = "".join(f'<div class="card"><b>{_e(v)}</b><span>{_e(k)}</span></div>' for v, k in cards)
    return f'<div class="cards">{items}</div>'


def waiver_register(run: RunReport) -> Table:
    """Every waiver declared, in the configuration or inline, whether it matched or not."""
    lang = run.lang
    keys = ("waiver_policies", "system", "reason", "owner", "expiry", "declared_at", "expired", "matched")
    declared = sorted(run.waivers.values(), key=lambda w: (w.file or "", w.line or 0, w.source))
    rows = tuple(_waiver_row(run, waiver) for waiver in declared)
    return Table(tuple(label(key, lang) for key in keys), rows, None)


def _waiver_row(run: RunReport, waiver: Waiver) -> tuple[str, ...]:
    def yes_no(value: bool) -> str:
        return label("yes" if value else "no", run.lang)

    return (
        ", ".join(waiver.policies),
        safe(waiver.system or "-"),
        safe(waiver.reason),
        safe(waiver.owner or "-"),
        waiver.expires.isoformat(),
        safe(waiver.source),
        yes_no(not waiver.active(run.as_of)),
        yes_no(waiver.source in run.used_waivers),
    )


def _table(table: Table) -> str:
    if not table.rows:
        return _NONE
    rows = "".join(_table_row(row, table.numeric_from) for row in table.rows)
    return _streamed_table(table, rows)


def _streamed_table(table: Table, rows: str) -> str:
    """The table, with ``rows`` (or a placeholder for the rows written later)."""
    head = "".join(_cell("th", h, table.is_numeric(i)) for i, h in enumerate(table.headers))
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>"


def _table_row(cells: tuple[str, ...], numeric_from: int | None) -> str:
    numeric = len(cells) if numeric_from is None else numeric_from
    return "<tr>" + "".join(_cell("td", cell, i >= numeric) for i, cell in enumerate(cells)) + "</tr>\n"


def _cell(tag: str, text: str, numeric: bool) -> str:
    return f'<{tag} class="n">{_e(text)}</{tag}>' if numeric else f"<{tag}>{_e(text)}</{tag}>"


def _host_table_head(document: facts.Document, lang: str) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in facts.host_headers(document, lang)[:2])
    head += "".join(f'<th title="{_e(note)}">{_e(c.item.item)}</th>' for c, note in _item_titles(document))
    return f'<table class="twgcb">\n<thead><tr>{head}</tr></thead>\n<tbody>\n'


def _item_titles(document: facts.Document) -> list[tuple[facts.Column, str]]:
    return list(zip(document.columns, facts.item_notes(document), strict=True))


def _host_row(row: facts.HostRow, lang: str) -> str:
    host, basis, *symbols = facts.host_cells(row, lang)
    cells = "".join(
        f'<td class="s-{status or facts.NOT_EVIDENCED}">{_e(symbol)}</td>'
        for status, symbol in zip(row.statuses, symbols, strict=True)
    )
    return f"<tr><td>{_e(host)}</td><td>{_e(basis)}</td>{cells}</tr>\n"


def _reminders(report: Audit, lang: str) -> str:
    if not report.columns:
        return ""
    rows = "".join(
        f"<tr><th>{_e(f'{r.case}-{r.number}')}</th><td>{_e(r.text(lang))}</td></tr>\n" for r in report.columns
    )
    head = f"<tr><th>{_e(label('reminder', lang))}</th><th>{_e(label('reminder_texts', lang))}</th></tr>"
    return f'<table class="reminders">\n<thead>{head}</thead>\n<tbody>\n{rows}</tbody>\n</table>'


def _legend(report: Audit, lang: str) -> str:
    items = "".join(
        f'<span><b class="s-{status}">{_e(audit.SYMBOLS[status])}</b> {_e(label(status, lang))}</span>'
        for status in report.statuses
    )
    return f'<p class="legend">{_e(label("matrix_note", lang))} {items}</p>'


def _matrix(report: Audit, lang: str) -> str:
    groups = [(case, len(list(items))) for case, items in groupby(report.columns, key=lambda r: r.case)]
    first = f'<th class="sys" rowspan="2">{_e(label("system", lang))}</th>'
    first += "".join(f'<th colspan="{span}">{_e(case)}</th>' for case, span in groups)
    second = "".join(f'<th title="{_e(r.text(lang))}">{r.number}</th>' for r in report.columns)
    rows = audit.MATRIX_ROWS
    return (
        f'<table class="matrix">\n<thead><tr>{first}</tr><tr>{second}</tr></thead>\n<tbody>\n{rows}</tbody>\n</table>'
    )


def _matrix_row(row: audit.MatrixRow, columns: tuple[Reminder, ...], lang: str) -> str:
    name = f"{_e(audit.system_label(row.row, lang))}<br><small>{_e(safe(row.row.file))}</small>"
    pairs = zip(row.cells, columns, strict=True)
    cells = "".join(_matrix_cell(cell, reminder.case, reminder.number, lang) for cell, reminder in pairs)
    return f'<tr><td class="sys">{name}</td>{cells}</tr>\n'


@lru_cache(maxsize=1024)  # a catalog's reminders times the statuses: a cell for every policy of every system
def _matrix_cell(status: str | None, case: str, number: int, lang: str) -> str:
    if status is None:
        return "<td></td>"
    title = f"{case}-{number}: {label(status, lang)}"
    return f'<td class="s-{status}" title="{_e(title)}">{_e(audit.SYMBOLS[status])}</td>'


def _source(lines: list[tuple[SourceLine, bool]], lang: str) -> str:
    """The evidence of a finding, its lines already escaped."""
    if not lines:
        return ""
    body = "\n".join(
        f'<span class="{"focus" if focus else "line"}">{line.number:>4} | {line.text}</span>' for line, focus in lines
    )
    return f'<pre aria-label="{_e(label("evidence", lang))}">{body}</pre>'


def _problems(run: RunReport) -> str:
    items = [f"<li>{_e(safe(str(error)))}</li>" for error in run.errors]
    items += [f"<li>{_e(safe(warning))}</li>" for warning in run.warnings]
    if not items:
        return ""
    title = f"{label('errors', run.lang)} / {label('warnings', run.lang)}"
    return _section("problems", title, "<ul>" + "".join(items) + "</ul>")
