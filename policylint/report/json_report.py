"""The JSON report ``policylint/v2``: a stable contract, documented in docs/output.md."""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from datetime import date
from operator import itemgetter
from typing import Any, BinaryIO, NamedTuple, TextIO

from policylint.catalog.policies import Catalog
from policylint.model.pretty import Template, hole, pretty, text
from policylint.model.results import (
    FileError,
    FileReport,
    Finding,
    Localized,
    Reference,
    RunReport,
    SystemResult,
    fingerprints,
)
from policylint.report.kept import Kept, Numbers, keep
from policylint.report.stream import Spool, utf8_bytes_under

FORMAT = "policylint/v2"
_FINDINGS = "\u0000findings\u0000"
_SYSTEMS = "\u0000systems\u0000"
_ITEM = "\n    "  # an array item of the report's top level starts its line here


class PolicyFacts(NamedTuple):
    """What every finding of a policy shares, written once in the ``policies`` table."""

    remediation: Localized
    references: tuple[Reference, ...]
    laws: tuple[str, ...]

    @classmethod
    def of(cls, finding: Finding) -> PolicyFacts:
        return cls(finding.remediation, finding.references, finding.laws)

    def data(self) -> dict[str, Any]:
        return {
            "remediation": self.remediation.as_dict(),
            "references": references_data(self.references),
            "laws": list(self.laws),
        }


class JsonReporter:
    """The findings as each file is checked; the systems to a spool, copied in at the end
    with the errors, the policies the findings name and the summary."""

    def __init__(self, out: TextIO, *, color: bool = False) -> None:
        self.out, self.run = out, RunReport("", date.min, "en", "low")
        self.catalog: Catalog | None = None
        self.written = 0
        self.systems = Spool()
        self.systems_written = 0
        self.policies: dict[str, PolicyFacts] = {}
        # By policy, (a missing fact's) the policies that need it, status and whether in the
        # baseline: one shape for its findings.
        self.templates: dict[tuple[str, tuple[str, ...], str, bool], _FindingTemplate] = {}
        self.messages: dict[Localized, bytes] = {}  # see _message
        # The JSON text of a file name, a pointer or a system's name, in UTF-8: the same recur in every file.
        self.texts = Kept(lambda value: text(value).encode("utf-8", self.errors))
        self.numbers = Numbers()  # a line's or a column's text, in UTF-8
        self.binary: BinaryIO | None = None  # the UTF-8 bytes under ``out``, if it is such a stream
        self.errors = "surrogatepass"  # how a lone surrogate is encoded: see begin
        self.system_templates: dict[tuple[str, ...], Template] = {}  # by the policies of the results
        # A status's JSON text: tens of them for every system, five values in all.
        self.statuses = Kept(text)

    def begin(self, run: RunReport, catalog: Catalog) -> None:
        self.run, self.catalog = run, catalog
        head = {
            "format": FORMAT,
            "tool": {"name": "policylint", "version": run.tool_version},
            "as_of": run.as_of.isoformat(),
            "lang": run.lang,
            "catalog": {"digest": catalog.digest, "policies": len(catalog.policies)},
            "scanned": sorted(set(run.scanned)),
            "findings": _FINDINGS,
        }
        self.out.write(pretty(head).partition(pretty(_FINDINGS))[0] + "[")
        # The findings are written in UTF-8 under a UTF-8 stream, encoded as it would (its error
        # handler); else they are kept whole (surrogatepass) to be decoded and written to it.
        self.binary = utf8_bytes_under(self.out)
        self.errors = (self.out.errors or "strict") if self.binary is not None else "surrogatepass"

    def file(self, report: FileReport) -> None:
        if report.findings:
            data = b"".join(self._findings(report.findings))
            self._write(data if self.written else data[1:])  # the report's first finding follows no comma
            self.written += len(report.findings)
        if report.systems:
            self.systems.write("".join(map(self._system, report.systems)))

    def _findings(self, findings: tuple[Finding, ...]) -> list[bytes]:
        """The UTF-8 text of each finding after a comma, as pieces that are all kept but one:
        its template's texts around its file, line, column, pointer and system (each kept
        once encoded), its messages (most of its non-ASCII text), its fingerprint (the file's
        all made at once) and its end. Encoding a finding's text whole took a third of a JSON
        report; the pieces are joined once, for the file."""
        pieces: list[bytes] = []
        templates, messages, texts, numbers, errors = (
            self.templates,
            self.messages,
            self.texts,
            self.numbers,
            self.errors,
        )
        # One loop, few calls: tens of findings a file.
        for finding, fingerprint in zip(findings, fingerprint_texts(findings, errors), strict=True):
            template = templates.get((finding.policy, finding.policies, finding.status, finding.baselined))
            if (  # whether the template holds, inline: tens of thousands of times a scan
                template is None
                or finding.waiver is not None
                or template.severity != finding.severity
                or template.references != finding.references
                or template.laws != finding.laws
                or template.remediation != finding.remediation
            ):
                template = self._template(finding)
                if template is None:  # waived: written from its data
                    pieces.append(b"," + _ITEM.encode() + pretty(self._data(finding), _ITEM).encode("utf-8", errors))
                    continue
            at_file, at_line, at_column, at_pointer, at_system, after = template.where
            pieces += (  # joined once a file: no text made for a finding, nothing encoded
                at_file,
                texts[finding.file],
                at_line,
                numbers[finding.line],
                at_column,
                numbers[finding.column],
                at_pointer,
                texts[finding.pointer],
                at_system,
                texts[finding.system],
                after,
                messages.get(finding.message) or self._message(finding.message),
                fingerprint,
                template.tail,
            )
        return pieces

    def _data(self, finding: Finding) -> dict[str, Any]:
        return finding_data(finding, self.run.lang, self.run.no_waivers, self._shared(finding))

    def _shared(self, finding: Finding) -> PolicyFacts:
        shared = self.policies.get(finding.policy)
        if shared is None:
            shared = self.policies[finding.policy] = PolicyFacts.of(finding)
        return shared

    def _template(self, finding: Finding) -> _FindingTemplate | None:
        """The template of ``finding``'s policy, made (and kept) now; None for a waived finding."""
        shared = self._shared(finding)
        if finding.waiver is not None:
            return None
        key = (finding.policy, finding.policies, finding.status, finding.baselined)
        template = _FindingTemplate.of(finding, self.run.lang, shared, self.errors)
        return keep(self.templates, key, template, 0)  # bounded, whatever the policies a scan's facts miss

    def _message(self, message: Localized) -> bytes:
        """In UTF-8, a finding's text from its message to its fingerprint's opening quote: the
        message in the run's language, in Chinese and in English."""
        after_message, after_zh, after_en = _BETWEEN_MESSAGES
        shown, zh, en = text(message(self.run.lang)), text(message.zh), text(message.en)
        data = f'{shown}{after_message}{zh}{after_zh}{en}{after_en}"'.encode("utf-8", self.errors)
        return keep(self.messages, message, data, len(message.zh) + len(message.en))  # it may quote a value

    def _write(self, data: bytes) -> None:
        if self.binary is not None:
            self.binary.write(data)
        else:  # not a UTF-8 stream: its own rules decide (see begin)
            self.out.write(data.decode("utf-8", "surrogatepass"))

    def _system(self, system: SystemResult) -> str:
        self.systems_written += 1
        separator = "\n    " if self.systems_written == 1 else ",\n    "
        policies = tuple(map(itemgetter(0), system.statuses))
        template = self.system_templates.get(policies)
        if template is None:
            template = keep(self.system_templates, policies, _system_template(policies), 0)
        statuses = map(self.statuses.__getitem__, map(itemgetter(1), system.statuses))  # all in C
        return separator + template.fill(text(system.file), str(system.line), text(system.system), *statuses)

    def end(self, run: RunReport) -> None:
        tail = {
            "findings": _FINDINGS,
            "errors": [error_data(e) for e in run.errors],
            "warnings": list(run.warnings),
            "systems": _SYSTEMS,
            "rules": {policy: self.policies[policy].data() for policy in sorted(self.policies)},
            "summary": summary_data(run),
            "baseline": baseline_data(run),
        }
        before, _, after = pretty(tail).partition(pretty(_SYSTEMS))
        self.out.write(("\n  ]" if self.written else "]") + before.partition(pretty(_FINDINGS))[2] + "[")
        self.systems.copy_to(self.out)
        self.out.write(("\n  ]" if self.systems_written else "]") + after + "\n")


def fingerprint_texts(findings: Sequence[Finding], errors: str = "strict") -> list[bytes]:
    """The findings' fingerprints in UTF-8, each as its JSON text without quotes: a file's
    made at once, for the JSON and SARIF reports."""
    with suppress(UnicodeEncodeError):  # a lone surrogate, in one read back from a result
        encoded = list(map(str.encode, fingerprints(findings)))
        if all(map(bytes.isalnum, encoded)):  # hexadecimal (checked in C: fast), unless read back
            return encoded
    return [text(finding.fingerprint)[1:-1].encode("utf-8", errors) for finding in findings]


# Slotted: its fields are read for every finding, and a slot's read is specialized by the
# interpreter, a named tuple's field's is not.
@dataclass(frozen=True, slots=True)
class _FindingTemplate:
    """The text of a policy's unwaived findings of one status, cut at what differs (``_HOLES``);
    and what it was made of besides, compared with each finding it is used for."""

    severity: str
    remediation: Localized
    references: tuple[Reference, ...]
    laws: tuple[str, ...]
    # In UTF-8, the texts from the start (a comma first) to the message, around the file,
    # line, column, pointer and system. What lies between the message and the fingerprint is
    # the same for every policy: see JsonReporter._message. (A bytes ``%`` format filled for
    # each finding cost twice these pieces joined once a file: its text parsed, its bytes
    # grown and shrunk again.)
    where: tuple[bytes, ...]
    tail: bytes  # in UTF-8, after the fingerprint (its closing quote first): its remediation may be Chinese

    @classmethod
    def of(cls, finding: Finding, lang: str, shared: PolicyFacts, errors: str) -> _FindingTemplate:
        template = Template(finding_data(finding, lang, shared=shared) | _HOLES, _ITEM)
        texts = template.texts()
        if template.order != list(range(len(template.order))) or tuple(texts[6:9]) != _BETWEEN_MESSAGES:
            raise AssertionError(f"a finding's holes out of order, or its messages apart: {template.order}")
        where = tuple(piece.encode("utf-8", errors) for piece in ("," + _ITEM + texts[0], *texts[1:6]))
        tail = ('"' + texts[9]).encode("utf-8", errors)
        facts = (finding.severity, finding.remediation, finding.references, finding.laws)
        return cls(*facts, where, tail)


# An unwaived finding's holes, in the order of its text, as JsonReporter._findings fills them.
_HOLES = {
    "file": hole(0),
    "line": hole(1),
    "column": hole(2),
    "pointer": hole(3),
    "system": hole(4),
    "message": hole(5),
    "messages": {"zh-TW": hole(6), "en": hole(7)},
    "fingerprint": hole(8),
}
# The texts between a finding's message and its fingerprint, whatever its policy: after the
# message, its Chinese and its English.
_BETWEEN_MESSAGES = tuple(
    Template({key: _HOLES[key] for key in ("message", "messages", "fingerprint")}, _ITEM).texts()[1:4]
)


def _system_template(policies: tuple[str, ...]) -> Template:
    """A system's text, with holes for its file, line and name, then each policy's status."""
    results = {policy: hole(3 + number) for number, policy in enumerate(policies)}
    shape = {"file": hole(0), "line": hole(1), "system": hole(2), "results": results}
    return Template(shape, _ITEM)


def summary_data(run: RunReport) -> dict[str, Any]:
    return {
        "files": run.files,
        "descriptors": run.descriptor_count,
        "findings": run.finding_count,
        "errors": len(run.errors),
        "by_severity": run.by_severity(),
    }


def references_data(references: tuple[Reference, ...]) -> list[dict[str, Any]]:
    return [{"case": r.case, "reminder": r.reminder} for r in references]


def finding_data(
    finding: Finding, lang: str, no_waivers: bool = False, shared: PolicyFacts | None = None
) -> dict[str, Any]:
    """A finding; what its policy's table entry (``shared``) holds is left out, unless this
    finding says otherwise (a result merged from another catalog)."""
    data: dict[str, Any] = {
        "policy": finding.policy,
        "severity": finding.severity,
        "status": finding.status if no_waivers else finding.shown_status,
        "file": finding.file,
        "line": finding.line,
        "column": finding.column,
        "pointer": finding.pointer,
        "system": finding.system,
        "message": finding.message(lang),
        "messages": finding.message.as_dict(),
        "fingerprint": finding.fingerprint,
        "baselined": finding.baselined,
    }
    if shared is None or finding.remediation != shared.remediation:
        data["remediation"] = finding.remediation.as_dict()
    if shared is None or finding.references != shared.references:
        data["references"] = references_data(finding.references)
    if shared is None or finding.laws != shared.laws:
        data["laws"] = list(finding.laws)
    if finding.policies:  # a not-declared finding: the policies that need the missing fact
        data["policies"] = list(finding.policies)
    if finding.waiver is not None:
        data["waiver"] = waiver_data(finding, no_waivers)
    return data


def waiver_data(finding: Finding, ignored: bool) -> dict[str, Any]:
    waiver = finding.waiver
    assert waiver is not None
    return {
        "reason": waiver.reason,
        "owner": waiver.owner,
        "expires": waiver.expires.isoformat(),
        "source": waiver.source,
        "status": finding.status,
        "ignored": ignored,
    }


def baseline_data(run: RunReport) -> dict[str, Any] | None:
    if run.baseline is None:
        return None
    return {"file": run.baseline.path, "known": run.baseline.known, "fixed": list(run.baseline.fixed)}


def error_data(error: FileError) -> dict[str, Any]:
    data: dict[str, Any] = {"file": error.file, "message": error.message}
    if error.line is not None:
        data["line"] = error.line
    if error.column is not None:
        data["column"] = error.column
    return data
