"""SARIF 2.1.0, as GitHub code scanning reads it (see /work/shared/data/sarif-github-notes.md
in the development tree): one run, every policy of the catalog a rule, every finding a result."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any, NamedTuple, TextIO
from urllib.parse import quote

from policylint.catalog.policies import Catalog, Policy
from policylint.engine.waivers import EXPIRED_WAIVER
from policylint.load.masking import folder_of_masked, masked_name_note
from policylint.load.sources import display_name
from policylint.model.pretty import Template, hole, pretty, text
from policylint.model.results import FileError, FileReport, Finding, Localized, Reference, RunReport
from policylint.report.audit import finding_status, law_name, markdown_escape, reference_detail, safe
from policylint.report.json_report import fingerprint_texts
from policylint.report.kept import ByPolicy, Kept, Numbers
from policylint.report.stream import Spool

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/policylint/policylint"
SOURCE_ROOT = "%SRCROOT%"
FINGERPRINT_KEY = "policylint/v1"
LINE_HASH_KEY = "primaryLocationLineHash"
MAX_DESCRIPTION = 1024
MAX_NAME = 255
MAX_TAGS = 20
LEVELS = {"critical": "error", "high": "error", "medium": "warning", "low": "note", "info": "note"}
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "3.0", "info": "1.0"}
PROBLEM_SEVERITY = {
    "critical": "error",
    "high": "error",
    "medium": "warning",
    "low": "recommendation",
    "info": "recommendation",
}
_SEMVER = re.compile(r"^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$")
_EXPIRED_TITLE = Localized("豁免已到期", "A waiver has expired")
_HEADINGS = {
    "zh-TW": {"why": "理由", "fix": "修正", "references": "指引參照", "laws": "法規", "severity": "嚴重度"},
    "en": {"why": "Why", "fix": "Fix", "references": "Guideline references", "laws": "Laws", "severity": "Severity"},
}


@dataclass(frozen=True)
class RuleSource:
    """What a rule is made of: a catalog policy, or what its findings say of a policy the catalog lacks."""

    id: str
    severity: str
    title: Localized
    remediation: Localized
    references: tuple[Reference, ...]
    laws: tuple[str, ...]
    rationale: Localized | None = None

    @classmethod
    def of_policy(cls, policy: Policy) -> RuleSource:
        return cls(
            policy.id,
            policy.severity,
            policy.title,
            policy.remediation,
            policy.references,
            policy.laws,
            policy.rationale,
        )

    @classmethod
    def of_finding(cls, finding: Finding) -> RuleSource:
        title = _EXPIRED_TITLE if finding.policy == EXPIRED_WAIVER else Localized(finding.policy, finding.policy)
        return cls(finding.policy, finding.severity, title, finding.remediation, finding.references, finding.laws)


_RESULTS = "\u0000results\u0000"
_ITEM = "\n        "  # a result starts its line here: runs[0].results[n]


class SarifReporter:
    """Results as each file is checked, spooled: the rules and the invocation, which SARIF puts
    first, are known only at the end (errors, and policies only findings name)."""

    def __init__(self, out: TextIO, *, color: bool = False) -> None:
        self.out, self.run = out, RunReport("", date.min, "en", "low")
        self.catalog: Catalog | None = None
        self.index: dict[str, int] = {}
        self.foreign: dict[str, RuleSource] = {}  # policies the catalog lacks, by first seen
        self.results = Spool()
        self.written = 0
        self.templates = ByPolicy(self._template)  # the texts of a policy's plain results
        # In UTF-8, the JSON texts joined with them: a message (masked), by its text; a pointer,
        # a status or a policy's name; a system's name (masked); a line's or a column's number.
        self.messages = Kept(_masked_text)
        self.texts = Kept(_utf8_text)
        self.systems = Kept(_masked_text)
        self.numbers = Numbers()
        # Bound methods, called in C: calling a ByPolicy itself, or subscripting a Kept (a dict
        # subclass), goes through a lookup of __call__ or __getitem__ every time, some 500
        # instructions; each kept text is JSON (quoted, never empty) or a number, so ``or``
        # reaches the Kept only for a text not yet kept.
        self.template_of, self.number_of = self.templates.__call__, self.numbers.get
        self.message_of, self.text_of, self.system_of = self.messages.get, self.texts.get, self.systems.get
        self.zh = False  # the run's language is Chinese
        self.place = _Place(None, False, b"")  # the file of the results at hand
        self.line_hashes: dict[int, bytes] = {}  # the file at hand's, by line (GitHub's hash, ASCII)

    def begin(self, run: RunReport, catalog: Catalog) -> None:
        self.run, self.catalog, self.zh = run, catalog, run.lang == "zh-TW"
        self.index = {policy: position for position, policy in enumerate(catalog.policies)}

    def file(self, report: FileReport) -> None:
        if not report.findings:
            return
        self.line_hashes = {line: line_hash.encode() for line, line_hash in report.line_hashes}  # to fill a format
        try:
            pieces = self._results(report.findings)
        except UnicodeEncodeError:  # a lone surrogate (a name not UTF-8): the spool keeps it exactly
            results = "".join(map(self._result_text, report.findings))
            self.results.write(results if self.written else results[1:])
        else:
            if not self.written:  # the first follows no comma
                pieces[0] = pieces[0][1:]
            self.results.write_utf8(*pieces)
        self.written += len(report.findings)

    def _results(self, findings: tuple[Finding, ...]) -> list[bytes]:
        """The UTF-8 text of each result after a comma."""
        pieces: list[bytes] = []
        place, result = self.place, self._result
        # One loop, few calls: tens of results for every file of a scan.
        for finding, fingerprint in zip(findings, fingerprint_texts(findings), strict=True):
            if place.file != finding.file:
                place = self._place(finding.file)
            if finding.waiver is not None or finding.related or place.masked:
                pieces.append(self._result_text(finding).encode())
            else:
                pieces.append(result(finding, place.uri, fingerprint))
        return pieces

    def _result(self, finding: Finding, uri: bytes, fingerprint: bytes) -> bytes:
        """A plain result's text: its policy's template's texts (Template.texts(), encoded once)
        joined with its values, most of them kept once encoded. A result's text is a kilobyte:
        filling a bytes ``%`` format with it took twice as long (the format's text parsed, its
        bytes grown and shrunk again), and joining a string to encode longer still."""
        # locals: a bound method held by the instance is looked up anew on every call of it
        message_of, text_of, system_of, number_of = self.message_of, self.text_of, self.system_of, self.number_of
        template, line, column = self.template_of(finding), finding.line, finding.column
        line, column = line if line > 0 else 1, column if column > 0 else 1  # max(1, ...) without two calls
        shown, line_hash = finding.message.zh if self.zh else finding.message.en, self.line_hashes.get(line, b"")
        head, at_uri, at_line, at_column, at_fingerprint, at_hash, at_status, at_pointer, at_system = (
            template.hashed if line_hash else template.plain
        )
        return b"".join(  # one allocation, of the exact size
            (
                head,
                (message_of(shown) or self.messages[shown]) if shown else self.texts[finding.policy],  # or its name
                at_uri,
                uri,
                at_line,
                number_of(line) or self.numbers[line],
                at_column,
                number_of(column) or self.numbers[column],
                at_fingerprint,
                fingerprint,
                at_hash,
                line_hash,
                at_status,
                text_of(finding.status) or self.texts[finding.status],
                at_pointer,
                text_of(finding.pointer) or self.texts[finding.pointer],
                at_system,
                system_of(finding.system) or self.systems[finding.system],
                template.tails[finding.baselined],
            )
        )

    def _result_text(self, finding: Finding) -> str:
        """A result written from its data (waived, naming other places, or in a masked file)."""
        line_hash = self.line_hashes.get(max(1, finding.line), b"").decode()
        return "," + _ITEM + pretty(result_data(finding, self.run, self._index(finding), line_hash), _ITEM)

    def _index(self, finding: Finding) -> int:
        index = self.index.get(finding.policy)
        return self._foreign(finding) if index is None else index

    def _foreign(self, finding: Finding) -> int:
        """A policy the catalog lacks (``not-declared``): its rules follow the catalog's, sorted.
        Its results are written with its place by first sight, settled at the end only if
        that is not its sorted place (nearly never: most runs have one such policy)."""
        self.foreign[finding.policy] = RuleSource.of_finding(finding)
        index = self.index[finding.policy] = len(self.index)  # before it is added
        return index

    def _place(self, file: str) -> _Place:
        """Where the findings at hand are, kept while they last (a file's come together)."""
        uri = text(artifact_location(file)["uri"]).encode()
        self.place = _Place(file, folder_of_masked(file) is not None, uri)
        return self.place

    def _template(self, finding: Finding) -> _ResultTemplate:
        return _ResultTemplate.of(finding, self.run, self._index(finding))

    def end(self, run: RunReport) -> None:
        assert self.catalog is not None
        before, _, after = pretty(sarif_log(run, self.catalog, self._sources())).partition(pretty(_RESULTS))
        self.out.write(before + "[")
        unsettled = list(self.foreign) != sorted(self.foreign)
        self.results.copy_to(self.out, self._settle if unsettled else None)
        self.out.write(("\n      ]" if self.written else "]") + after + "\n")

    def _sources(self) -> list[RuleSource]:
        """Every policy of the catalog, then any policy that only findings name (``expired-waiver``)."""
        assert self.catalog is not None
        sources = [RuleSource.of_policy(policy) for policy in self.catalog.policies.values()]
        return sources + [self.foreign[policy] for policy in sorted(self.foreign)]

    def _settle(self, chunk: str) -> str:
        assert self.catalog is not None
        first = len(self.catalog.policies)
        seen = {str(first + rank): policy for rank, policy in enumerate(self.foreign)}
        place = {policy: str(first + rank) for rank, policy in enumerate(sorted(self.foreign))}

        def settled(match: re.Match[str]) -> str:
            index = match.group(1)
            return f'"ruleIndex": {place[seen[index]] if index in seen else index},'

        return _RULE_INDEX.sub(settled, chunk)


_RULE_INDEX = re.compile(r'"ruleIndex": (\d+),')


def _masked_text(shown: str) -> bytes:
    return text(safe(shown)).encode()


def _utf8_text(value: str) -> bytes:
    return text(value).encode()


# Slotted, as the templates below: their fields are read for every result, and a slot's read
# is specialized by the interpreter, a named tuple's field's is not.
@dataclass(frozen=True, slots=True)
class _Place:
    """A file as its results locate it: whether its name is masked, and its URI (JSON text, UTF-8)."""

    file: str | None
    masked: bool
    uri: bytes


@dataclass(frozen=True, slots=True)
class _ResultTemplate:
    """A policy's plain results (not waived, naming no other place, in a file whose name is
    not masked) as ``SarifReporter._results`` writes them: in UTF-8, the texts before and
    between the message, URI, line, column, fingerprint, line hash, status, pointer and
    system, with a line hash and without (its value then empty; the first text has a comma
    first); and the rest of the text that ends them, by whether the result is in the baseline."""

    hashed: tuple[bytes, ...]
    plain: tuple[bytes, ...]
    tails: tuple[bytes, bytes]

    @classmethod
    def of(cls, finding: Finding, run: RunReport, index: int) -> _ResultTemplate:
        holes = ResultFields.holes()._replace(index=index)
        hashed = _cut(Template(_result(finding, run, holes), _ITEM), True)
        plain = _cut(Template(_result(finding, run, holes._replace(line_hash="")), _ITEM), False)
        tail = hashed[9:]  # then, in a baseline's run, the result's state and the rest
        tails = [tail[0] + state + tail[1] for state in ('"new"', '"unchanged"')] if len(tail) > 1 else tail * 2
        return cls(_encoded(hashed), _encoded(plain), (tails[0].encode(), tails[1].encode()))


def _encoded(texts: list[str]) -> tuple[bytes, ...]:
    """A result's texts up to its system, a comma first, in UTF-8."""
    return tuple(piece.encode() for piece in ["," + _ITEM + texts[0], *texts[1:9]])


_HASHED_ORDER = [1, 2, 3, 4, 5, 10, 6, 7, 8]  # ResultFields: message, URI, ..., line hash, status, ...


def _cut(template: Template, hashed: bool) -> list[str]:
    """A result's texts around its holes, with the quotes of the fingerprint and the line
    hash (written bare: hexadecimal); without a line hash, an empty text stands for its own."""
    order = _HASHED_ORDER if hashed else [hole for hole in _HASHED_ORDER if hole != 10]
    if template.order not in (order, [*order, 9]):
        raise AssertionError(f"a result's holes out of order: {template.order}")
    texts = template.texts()
    texts[4], texts[5] = texts[4] + '"', '"' + texts[5]
    if hashed:
        texts[5], texts[6] = texts[5] + '"', '"' + texts[6]
    else:
        texts.insert(6, "")
    return texts


def sarif_log(run: RunReport, catalog: Catalog, sources: list[RuleSource]) -> dict[str, Any]:
    """The log, with a placeholder for its results."""
    run_data = {
        "tool": {"driver": _driver(run, [_rule(source, catalog) for source in sources])},
        "invocations": [_invocation(run)],
        "originalUriBaseIds": {SOURCE_ROOT: {"description": {"text": "The directory policylint ran in."}}},
        "language": run.lang,
        "columnKind": "unicodeCodePoints",
        "results": _RESULTS,
        "properties": {"as_of": run.as_of.isoformat(), "catalog_digest": catalog.digest, "fail_on": run.fail_on},
    }
    if run.category:
        # upload-sarif keeps an id already in the file and takes the category up to its last
        # '/': the trailing one makes all of NAME the category, so shards do not replace each other
        run_data["automationDetails"] = {"id": f"{safe(run.category)}/"}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run_data]}


def _driver(run: RunReport, rules: list[dict[str, Any]]) -> dict[str, Any]:
    driver: dict[str, Any] = {"name": "policylint", "version": run.tool_version}
    if _SEMVER.match(run.tool_version):
        driver["semanticVersion"] = run.tool_version
    driver["informationUri"] = INFORMATION_URI
    driver["rules"] = rules
    return driver


# --- rules ----------------------------------------------------------------------------


def _rule(source: RuleSource, catalog: Catalog) -> dict[str, Any]:
    title = source.title
    return {
        "id": source.id,
        "name": pascal_case(source.id)[:MAX_NAME],
        "shortDescription": {"text": _limit(title.en or source.id)},
        "fullDescription": {"text": _limit(f"{title.en} / {title.zh}" if title.zh != title.en else title.en)},
        "help": {"text": help_text(source, catalog), "markdown": help_markdown(source, catalog)},
        "defaultConfiguration": {"level": LEVELS[source.severity]},
        "properties": {
            "tags": rule_tags(source),
            "precision": "very-high",
            "security-severity": SECURITY_SEVERITY[source.severity],
            "problem.severity": PROBLEM_SEVERITY[source.severity],
        },
    }


def pascal_case(identifier: str) -> str:
    """``default-credentials`` -> ``DefaultCredentials``."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^0-9A-Za-z]+", identifier) if part)


def rule_tags(source: RuleSource) -> list[str]:
    tags = ["security", *(r.case for r in source.references), *(str(r) for r in source.references), *source.laws]
    return list(dict.fromkeys(tags))[:MAX_TAGS]


def _limit(text: str, limit: int = MAX_DESCRIPTION) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _sections(source: RuleSource, catalog: Catalog, lang: str) -> tuple[str, list[tuple[str, list[str], bool]]]:
    """A rule's title in one language and its sections: heading, paragraphs or items, whether a list."""
    words = _HEADINGS[lang]
    sections = [(words["severity"], [source.severity], False)]
    if source.rationale is not None:
        sections.append((words["why"], [source.rationale(lang)], False))
    sections.append((words["fix"], [source.remediation(lang)], False))
    sections.append((words["references"], [reference_detail(r, catalog, lang) for r in source.references], True))
    sections.append((words["laws"], [law_name(catalog, law, lang) for law in source.laws], True))
    return source.title(lang), [section for section in sections if section[1]]


def help_text(source: RuleSource, catalog: Catalog) -> str:
    blocks = []
    for lang in ("en", "zh-TW"):
        title, sections = _sections(source, catalog, lang)
        colon = "：" if lang == "zh-TW" else ": "
        lines = [title, ""]
        for heading, items, is_list in sections:
            lines += (
                [heading + colon.strip(), *(f"  - {i}" for i in items)] if is_list else [heading + colon + items[0]]
            )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def help_markdown(source: RuleSource, catalog: Catalog) -> str:
    blocks = []
    for lang in ("en", "zh-TW"):
        title, sections = _sections(source, catalog, lang)
        lines = [f"## {markdown_escape(title)}"]
        for heading, items, is_list in sections:
            if is_list:
                lines += ["", f"**{markdown_escape(heading)}**", "", *(f"- {markdown_escape(i)}" for i in items)]
            else:
                lines += ["", f"**{markdown_escape(heading)}:** {markdown_escape(items[0])}"]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


# --- results --------------------------------------------------------------------------


class ResultFields(NamedTuple):
    """What differs between the results of one policy: values, or a template's holes."""

    index: Any
    message: Any
    uri: Any
    line: Any
    column: Any
    fingerprint: Any
    status: Any
    pointer: Any
    system: Any
    baseline_state: Any
    line_hash: Any = ""  # GitHub's primaryLocationLineHash, when the engine computed it

    @classmethod
    def holes(cls) -> ResultFields:
        return cls(*map(hole, range(len(cls._fields))))


def result_data(finding: Finding, run: RunReport, index: int, line_hash: str = "") -> dict[str, Any]:
    result: dict[str, Any] = {
        "ruleId": finding.policy,
        "ruleIndex": index,
        "level": LEVELS[finding.severity],
        "message": {"text": _located(safe(finding.message(run.lang)) or finding.policy, finding.file, run.lang)},
        "locations": [{"physicalLocation": _physical(finding.file, finding.line, finding.column)}],
        "partialFingerprints": _fingerprints(finding.fingerprint, line_hash),
        "properties": _properties(finding, run),
    }
    if finding.related:
        result["relatedLocations"] = [
            {"id": number, "physicalLocation": _physical(*place)} for number, place in enumerate(finding.related, 1)
        ]
    if finding.waiver is not None and not run.no_waivers:
        result["suppressions"] = [_suppression(finding)]
    if run.baseline is not None:
        result["baselineState"] = "unchanged" if finding.baselined else "new"
    return result


def _result(finding: Finding, run: RunReport, fields: ResultFields) -> dict[str, Any]:
    """``result_data``'s shape for a finding that is not waived, names no other place and
    whose file name is not masked: what ``SarifReporter`` makes templates of."""
    location = {**artifact_location(finding.file), "uri": fields.uri}
    region = {"startLine": fields.line, "startColumn": fields.column}
    result: dict[str, Any] = {
        "ruleId": finding.policy,
        "ruleIndex": fields.index,
        "level": LEVELS[finding.severity],
        "message": {"text": fields.message},
        "locations": [{"physicalLocation": {"artifactLocation": location, "region": region}}],
        "partialFingerprints": _fingerprints(fields.fingerprint, fields.line_hash),
        "properties": {
            "severity": finding.severity,
            "status": fields.status,
            "pointer": fields.pointer,
            "system": fields.system,
            "references": [str(reference) for reference in finding.references],
            "laws": list(finding.laws),
        },
    }
    if run.baseline is not None:
        result["baselineState"] = fields.baseline_state
    return result


def _fingerprints(fingerprint: str, line_hash: str) -> dict[str, str]:
    """Ours, and GitHub's line hash when known (else upload-sarif computes it; other uploads
    need it, or alerts are duplicated)."""
    return {FINGERPRINT_KEY: fingerprint, LINE_HASH_KEY: line_hash} if line_hash else {FINGERPRINT_KEY: fingerprint}


def _properties(finding: Finding, run: RunReport) -> dict[str, Any]:
    return {
        "severity": finding.severity,
        "status": finding_status(finding, run.no_waivers),
        "pointer": finding.pointer,
        "system": safe(finding.system),
        "references": [str(reference) for reference in finding.references],
        "laws": list(finding.laws),
    }


def _suppression(finding: Finding) -> dict[str, Any]:
    waiver = finding.waiver
    assert waiver is not None
    in_source = waiver.file is not None and waiver.file == finding.file
    properties = {"expires": waiver.expires.isoformat(), "source": safe(waiver.source)}
    if waiver.owner:
        properties["owner"] = safe(waiver.owner)
    return {
        "kind": "inSource" if in_source else "external",
        "status": "accepted",
        "justification": safe(waiver.reason),
        "properties": properties,
    }


def _located(text: str, file: str, lang: str) -> str:
    return text if folder_of_masked(file) is None else f"{text} ({masked_name_note(lang)})"


def _physical(file: str, line: int | None, column: int | None) -> dict[str, Any]:
    folder = folder_of_masked(file)
    if folder is not None:  # a masked name locates no file: its folder does
        return {"artifactLocation": artifact_location(folder)}
    physical: dict[str, Any] = {"artifactLocation": artifact_location(file)}
    if line is not None:
        region = {"startLine": max(1, line)}
        if column is not None:
            region["startColumn"] = max(1, column)
        physical["region"] = region
    return physical


def artifact_location(path: str) -> dict[str, str]:
    """The file as an RFC 3986 relative reference from ``%SRCROOT%``: spaces, non-ASCII and
    reserved characters percent-encoded (UTF-8), so that ``a:b.yaml`` cannot read as a scheme."""
    return {"uri": quote(display_name(path), safe="/"), "uriBaseId": SOURCE_ROOT}


# --- the invocation -------------------------------------------------------------------


def _invocation(run: RunReport) -> dict[str, Any]:
    notifications = [_error(error) for error in run.errors]
    notifications += [{"level": "warning", "message": {"text": safe(warning)}} for warning in run.warnings]
    return {"executionSuccessful": not run.errors, "toolExecutionNotifications": notifications}


def _error(error: FileError) -> dict[str, Any]:
    return {
        "level": "error",
        "message": {"text": _located(safe(error.message) or "error", error.file, "en")},
        "locations": [{"physicalLocation": _physical(error.file, error.line, error.column)}],
    }
