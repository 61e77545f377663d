"""Text for people: one line a finding, grouped by file, and a summary line."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from itertools import groupby

from policylint.catalog import Catalog
from policylint.mask import one_line
from policylint.results import SEVERITIES, Finding, Localized, Reference, RunReport, references_text

_COLORS = {
    "critical": "\033[1;31m",
    "high": "\033[31m",
    "medium": "\033[33m",
    "low": "\033[36m",
    "info": "\033[2m",
}
_RESET = "\033[0m"
_FIX = Localized("修正", "fix")
_WAIVED = Localized("已豁免", "waived")
_BASELINED = Localized("基準線已知", "in baseline")


def render(run: RunReport, catalog: Catalog, *, color: bool = False) -> str:
    return findings_text(run.findings, run.lang, color) + summary_text(run)


def findings_text(findings: Sequence[Finding], lang: str, color: bool) -> str:
    """The blocks of sorted findings, one a file, each followed by a blank line. A streaming
    run prints this for each file as it is checked, and the same bytes come out."""
    return "".join(
        _file_block(list(group), lang, color) + "\n" for _, group in groupby(findings, key=lambda f: f.file)
    )


def summary_text(run: RunReport) -> str:
    return _summary(run) + "\n"


def stream_begin(run: RunReport, catalog: Catalog) -> str:
    return ""


def stream_file(findings: Sequence[Finding], run: RunReport, written: int, color: bool = False) -> str:
    return findings_text(findings, run.lang, color)


def stream_end(run: RunReport, catalog: Catalog) -> str:
    return summary_text(run)


def _file_block(findings: list[Finding], lang: str, color: bool) -> str:
    """The findings of one file; how to fix each policy follows its first finding."""
    explained: set[str] = set()
    path = shown_path(findings[0].file)
    lines = []
    for finding in findings:  # one loop, few calls: tens of lines for every file of a scan
        key = (finding.severity, finding.policy, finding.message, finding.references, lang, color)
        text = _TEXTS.get(key) or _text(key)
        if finding.waiver is None and not finding.baselined:
            lines.append(f"{path}:{finding.line}:{finding.column}: {text}\n")
        else:
            lines.append(_marked(finding, f"{path}:{finding.line}:{finding.column}: {text}", lang))
        if finding.policy not in explained:
            explained.add(finding.policy)
            lines.append(_fix(finding.remediation, lang))
    return "".join(lines)


def _marked(finding: Finding, line: str, lang: str) -> str:
    """A waived or baselined finding's line, with its marks and its waiver."""
    line += _marks(finding, lang) + "\n"
    if finding.waiver is not None:
        waiver = finding.waiver
        source = shown_path(waiver.source)
        line += f"    {_WAIVED(lang)}: {waiver.reason} ({waiver.owner or '-'}, {waiver.expires}, {source})\n"
    return line


@lru_cache(maxsize=256)
def _fix(remediation: Localized, lang: str) -> str:
    return f"    {_FIX(lang)}: {remediation(lang)}\n"


_Key = tuple[str, str, Localized, tuple[Reference, ...], str, bool]
# A line's text after its position: the same few recur in every file of a scan (most
# messages say a section is not declared, and a failing leaf phrases a value once).
_TEXTS: dict[_Key, str] = {}


def _text(key: _Key) -> str:
    severity, policy, message, references, lang, color = key
    shown = severity.upper()
    if color:
        shown = f"{_COLORS[severity]}{shown}{_RESET}"
    text = f"{shown} {policy} {message(lang)} [{references_text(references)}]"
    if len(text) <= _LONGEST_KEPT:  # a long value's text is not kept: it could be megabytes
        if len(_TEXTS) >= 1024:  # bounded: a scan's memory must not grow with its size
            _TEXTS.clear()
        _TEXTS[key] = text
    return text


_LONGEST_KEPT = 1000


def shown_path(path: str) -> str:
    """``path`` on one line: a newline in a file name must not forge a finding line."""
    return one_line(path)


def _marks(finding: Finding, lang: str) -> str:
    marks = [_WAIVED(lang)] if finding.waiver is not None else []
    marks += [_BASELINED(lang)] if finding.baselined else []
    return f" ({', '.join(marks)})" if marks else ""


def _summary(run: RunReport) -> str:
    return _counts(run) + _baseline(run)


def _baseline(run: RunReport) -> str:
    if run.baseline is None:
        return ""
    known, fixed = run.baseline.known, len(run.baseline.fixed)
    if run.lang == "zh-TW":
        return f"\n基準線 {run.baseline.path}：仍有 {known} 項已知發現，{fixed} 項已修正"
    return f"\nbaseline {run.baseline.path}: {known} known findings remain, {fixed} entries fixed"


def _counts(run: RunReport) -> str:
    counts = run.by_severity()
    parts = ", ".join(f"{counts[s]} {s}" for s in SEVERITIES if counts[s])
    descriptors, files, errors = run.descriptor_count, run.files, len(run.errors)
    if run.lang == "zh-TW":
        found = f"{run.finding_count} 項發現（{parts}）" if run.finding_count else "沒有發現"
        return f"policylint：{files} 個檔案、{descriptors} 個系統描述檔，{found}，{errors} 個錯誤"
    found = f"{run.finding_count} findings ({parts})" if run.finding_count else "no findings"
    return f"policylint: {found} in {descriptors} descriptors, {files} files; {errors} errors"
