"""Text for people: one line a finding, grouped by file, and a summary line."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import groupby
from operator import attrgetter
from typing import Any, BinaryIO, TextIO

from policylint.catalog.policies import Catalog
from policylint.load.masking import escape_and_mask
from policylint.model.results import (
    SEVERITIES,
    SEVERITY_NAMES,
    FileReport,
    Finding,
    Localized,
    Reference,
    RunReport,
    references_text,
)
from policylint.report.kept import keep
from policylint.report.stream import utf8_bytes_under

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


class TextReporter:
    """Each file's findings as soon as it is checked, the summary line at the end."""

    def __init__(self, out: TextIO, *, color: bool = False) -> None:
        self.out, self.color, self.lang = out, color, "en"
        self.binary: BinaryIO | None = None
        self.kept = _Kept(self.lang, utf8=False)

    def begin(self, run: RunReport, catalog: Catalog) -> None:
        self.lang = run.lang
        self.binary = utf8_bytes_under(self.out)
        self.kept = _Kept(self.lang, utf8=self.binary is not None)

    def file(self, report: FileReport) -> None:
        if not report.findings:
            return
        if self.binary is not None:  # most of a scan's output: written as bytes, see findings_utf8
            errors = self.out.errors or "strict"
            self.binary.write(b"".join(_blocks(report.findings, self.lang, self.color, errors, self.kept)))
        else:
            self.out.write("".join(_blocks(report.findings, self.lang, self.color, None, self.kept)))

    def end(self, run: RunReport) -> None:
        self.out.write(summary_text(run))


def findings_text(findings: Sequence[Finding], lang: str, color: bool) -> str:
    """The blocks of sorted findings, one a file, each followed by a blank line."""
    return "".join(
        _blocks(findings, lang, color, None, _Kept(lang, utf8=False))
    )  # joined once: a scan writes ten times the text it reads


def findings_utf8(findings: Sequence[Finding], lang: str, color: bool, errors: str = "strict") -> bytes:
    """``findings_text`` encoded in UTF-8 with the ``errors`` handler: the texts that recur are
    encoded once, where encoding each file's text took a tenth of a scan (most is Chinese)."""
    return b"".join(_blocks(findings, lang, color, errors, _Kept(lang, utf8=True)))


def _blocks(findings: Sequence[Finding], lang: str, color: bool, errors: str | None, kept: _Kept) -> list[Any]:
    """The pieces of ``findings_text``: strings, or (``errors`` given) UTF-8 bytes."""
    pieces: list[Any] = []
    if findings and findings[0].file == findings[-1].file:  # sorted: one file's (what a scan reports a file)
        groups: Iterable[Sequence[Finding]] = (findings,)
    else:
        groups = (list(group) for _, group in groupby(findings, key=attrgetter("file")))
    for group in groups:
        _file_block(group, lang, color, pieces, errors, kept)
        pieces.append("\n" if errors is None else b"\n")
    return pieces


def summary_text(run: RunReport) -> str:
    return _summary(run) + "\n"


def _file_block(
    findings: Sequence[Finding], lang: str, color: bool, pieces: list[Any], errors: str | None, kept: _Kept
) -> None:
    """The findings of one file; each way to fix (a policy's, or a missing fact's) follows its
    first finding. The pieces are strings, or with ``errors`` UTF-8 bytes, from the same kept
    texts."""
    explained: set[Localized] = set()
    path = shown_path(findings[0].file)
    head = path if errors is None else path.encode("utf-8", errors)  # before each position
    text_at = 3 if errors is None else 4  # a kept text, or its bytes
    texts, fixes, positions = kept.texts, kept.fixes, kept.positions
    line, column = 0, 0
    prefix: Any = ""
    for finding in findings:  # one loop, few calls: tens of lines for every file of a scan
        if finding.line != line or finding.column != column:  # most of a descriptor's share one
            line, column = finding.line, finding.column
            prefix = head + (positions.get((line, column)) or kept.position(line, column))
        known = texts.get(finding.message)
        if (  # inline, not a call: tens of thousands of times a scan
            known is None
            or known[0] != finding.policy
            or known[1] != finding.severity
            or (known[2] is not finding.references and known[2] != finding.references)
        ):
            known = _text(texts, finding, lang, color)
        if finding.waiver is None and not finding.baselined:
            pieces += (prefix, known[text_at] or known[3].encode("utf-8", errors or "strict"))
        else:
            marked = _marked(finding, f"{path}:{line}:{column}: {known[3][:-1]}", lang)
            pieces.append(marked if errors is None else marked.encode("utf-8", errors))
        remediation = finding.remediation
        if remediation not in explained:
            explained.add(remediation)
            pieces.append(fixes.get(remediation) or kept.fix(remediation))


def _marked(finding: Finding, line: str, lang: str) -> str:
    """A waived or baselined finding's line, with its marks and its waiver."""
    line += _marks(finding, lang) + "\n"
    if finding.waiver is not None:
        waiver = finding.waiver
        source = shown_path(waiver.source)
        line += f"    {_WAIVED(lang)}: {waiver.reason} ({waiver.owner or '-'}, {waiver.expires}, {source})\n"
    return line


class _Kept:
    """What a text report keeps of the texts it writes over and over, each bounded: a line's
    text after its position, by message (see _text); the line of a way to fix, by the
    remediation itself (not its text in the run's language: a call of Localized for each
    remediation of each file cost more than the line); and a position's text after the file
    name (``:12:5: ``), by line and column, the same few in every file (two numbers formatted
    and the line's start encoded cost ten times the lookup). Strings, or (a report written as
    bytes) UTF-8."""

    __slots__ = ("fixes", "lang", "positions", "texts", "utf8")

    def __init__(self, lang: str, *, utf8: bool) -> None:
        self.lang, self.utf8 = lang, utf8
        self.texts: dict[Localized, _Known] = {}
        self.fixes: dict[Localized, Any] = {}
        self.positions: dict[tuple[int, int], Any] = {}

    def position(self, line: int, column: int) -> Any:
        """``:line:column: ``, made now and kept."""
        text = f":{line}:{column}: "
        return keep(self.positions, (line, column), text.encode() if self.utf8 else text, 0)

    def fix(self, remediation: Localized) -> Any:
        """The line of a way to fix, made now and kept: a string, or its UTF-8."""
        shown = remediation(self.lang)
        line = f"    {_FIX(self.lang)}: {shown}\n"
        made = line.encode() if self.utf8 else line  # a policy's own text: no surrogate
        return keep(self.fixes, remediation, made, len(shown))


# A line's text after its position, by message, kept by the reporter (one language and
# colouring): the same few recur in every file of a scan (most messages say a section is not
# declared, and a failing leaf phrases a value once). The policy, severity and references are
# kept beside the text (with its line break) and compared on use: a merged result may pair a
# message with others.
_Known = tuple[str, str, tuple[Reference, ...], str, bytes | None]


def _text(texts: dict[Localized, _Known], finding: Finding, lang: str, color: bool) -> _Known:
    shown = finding.severity.upper()
    if color:
        shown = f"{_COLORS[finding.severity]}{shown}{_RESET}"
    where = references_text(finding.references)
    if finding.laws:
        where += f"; {laws_short(finding.laws, lang)}"
    text = f"{shown} {finding.policy} {finding.message(lang)} [{where}]\n"
    known = (finding.policy, finding.severity, finding.references, text, _utf8(text))
    return keep(texts, finding.message, known, len(text), longest=_LONGEST_KEPT)


_LONGEST_KEPT = 1000


def _utf8(text: str) -> bytes | None:
    """``text`` in UTF-8, or None when a lone surrogate (from a file name) leaves its bytes to
    the stream's own error handler."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return None


def shown_path(path: str) -> str:
    """``path`` on one line: a newline in a file name must not forge a finding line."""
    return escape_and_mask(path)


def _marks(finding: Finding, lang: str) -> str:
    marks = [_WAIVED(lang)] if finding.waiver is not None else []
    marks += [_BASELINED(lang)] if finding.baselined else []
    return f" ({', '.join(marks)})" if marks else ""


def _summary(run: RunReport) -> str:
    return summary_line(run) + _baseline(run)


def _baseline(run: RunReport) -> str:
    if run.baseline is None:
        return ""
    known, fixed = run.baseline.known, len(run.baseline.fixed)
    if run.lang == "zh-TW":
        return f"\n基準線 {run.baseline.path}：仍有 {known} 項已知發現，{fixed} 項已修正"
    return f"\nbaseline {run.baseline.path}: {known} known findings remain, {fixed} entries fixed"


def summary_line(run: RunReport) -> str:
    """``policylint: 3 findings (1 critical, 2 high) in 1 descriptor, 1 file; 0 errors``, in
    English's singular and plural; a run that could check no descriptor says so."""
    counts = run.by_severity()
    parts = ", ".join(f"{counts[s]} {s}" for s in SEVERITIES if counts[s])
    descriptors, files, errors, found = run.descriptor_count, run.files, len(run.errors), run.finding_count
    if run.lang == "zh-TW":
        if not descriptors and not found:
            return f"policylint：沒有可檢查的系統描述檔（{files} 個檔案），{errors} 個錯誤"
        named = "、".join(f"{SEVERITY_NAMES[s].zh} {counts[s]} 項" for s in SEVERITIES if counts[s])
        shown = f"{found} 項發現（{named}）" if found else "沒有發現"
        return f"policylint：{files} 個檔案、{descriptors} 個系統描述檔，{shown}，{errors} 個錯誤"
    tail = f"{_counted(descriptors, 'descriptor')}, {_counted(files, 'file')}; {_counted(errors, 'error')}"
    if not descriptors and not found:
        return f"policylint: nothing checked: no descriptor in {_counted(files, 'file')}; {_counted(errors, 'error')}"
    shown = f"{_counted(found, 'finding')} ({parts})" if found else "no findings"
    return f"policylint: {shown} in {tail}"


def _counted(number: int, noun: str) -> str:
    return f"{number} {noun}" if number == 1 else f"{number} {noun}s"


# Short names of the laws a guideline cites, by the prefix of their ids (PDPA-12, CC-318-1).
_LAW_SHORT_NAMES = {"PDPA": Localized("個資法", "PDPA"), "CC": Localized("刑法", "CC")}


@lru_cache(maxsize=256)
def laws_short(laws: tuple[str, ...], lang: str) -> str:
    """``個資法§12,18,28 刑法§318-1,361``: each law's articles after its short name, in the
    order the laws are first cited, articles in number order."""
    articles: dict[str, list[str]] = {}
    for law in laws:
        code, _, article = law.partition("-")
        articles.setdefault(code, []).append(article)
    shown = []
    for code, numbers in articles.items():
        name = _LAW_SHORT_NAMES[code](lang) if code in _LAW_SHORT_NAMES else code
        ordered = sorted(numbers, key=lambda n: [int(p) if p.isdigit() else 0 for p in n.split("-")])
        shown.append(f"{name}§{','.join(ordered)}" if any(ordered) else name)
    return " ".join(shown)
