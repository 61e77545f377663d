"""The JSON report ``policylint/v2``: a stable contract, documented in docs/output.md."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from operator import itemgetter
from typing import Any, NamedTuple, TextIO

from policylint.catalog.policies import Catalog
from policylint.model.pretty import Template, hole, pretty, text
from policylint.model.results import FileError, FileReport, Finding, Localized, Reference, RunReport, SystemResult
from policylint.report.stream import Spool

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
        # By policy and (a missing fact's) the policies that need it: one shape for its findings.
        self.templates: dict[tuple[str, tuple[str, ...]], _FindingTemplate] = {}
        self.messages: dict[Localized, tuple[str, str, str]] = {}  # see _message
        self.system_templates: dict[tuple[str, ...], Template] = {}  # by the policies of the results

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

    def file(self, report: FileReport) -> None:
        if report.findings:
            separator = ",\n    " if self.written else "\n    "
            self.out.write(separator + ",\n    ".join(map(self._finding, report.findings)))
            self.written += len(report.findings)
        if report.systems:
            self.systems.write("".join(map(self._system, report.systems)))

    def _finding(self, finding: Finding) -> str:
        shared = self.policies.get(finding.policy)
        if shared is None:
            shared = self.policies[finding.policy] = PolicyFacts.of(finding)
        if finding.waiver is not None:
            return pretty(finding_data(finding, self.run.lang, self.run.no_waivers, shared), _ITEM)
        template = self.templates.get((finding.policy, finding.policies))
        if template is None or not template.holds(finding):
            template = self._template(finding, shared)
        message = self.messages.get(finding.message) or self._message(finding.message)
        return template.fill(
            text(finding.status),
            text(finding.file),
            str(finding.line),
            str(finding.column),
            text(finding.pointer),
            text(finding.system),
            text(finding.fingerprint),
            "true" if finding.baselined else "false",
            *message,
        )

    def _template(self, finding: Finding, shared: PolicyFacts) -> _FindingTemplate:
        if len(self.templates) >= _KEPT:  # bounded, whatever the policies a scan's facts miss
            self.templates.clear()
        template = self.templates[(finding.policy, finding.policies)] = _FindingTemplate.of(
            finding, self.run.lang, shared
        )
        return template

    def _message(self, message: Localized) -> tuple[str, str, str]:
        """The JSON text of a message in the run's language, in Chinese and in English."""
        texts = (text(message(self.run.lang)), text(message.zh), text(message.en))
        if len(message.zh) + len(message.en) > _LONGEST_KEPT:  # a long value's: could be megabytes
            return texts
        if len(self.messages) >= _KEPT:  # bounded: a message may quote a value of one file
            self.messages.clear()
        self.messages[message] = texts
        return texts

    def _system(self, system: SystemResult) -> str:
        self.systems_written += 1
        separator = "\n    " if self.systems_written == 1 else ",\n    "
        policies = tuple(map(itemgetter(0), system.statuses))
        template = self.system_templates.get(policies)
        if template is None:
            if len(self.system_templates) >= _KEPT:
                self.system_templates.clear()
            template = self.system_templates[policies] = _system_template(policies)
        statuses = map(text, map(itemgetter(1), system.statuses))
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


class _FindingTemplate(NamedTuple):
    """The text of a policy's unwaived findings, with holes for what differs (``_HOLES``),
    and what it was made of besides, compared with each finding it is used for."""

    severity: str
    remediation: Localized
    references: tuple[Reference, ...]
    laws: tuple[str, ...]
    template: Template

    @classmethod
    def of(cls, finding: Finding, lang: str, shared: PolicyFacts) -> _FindingTemplate:
        holes = dict(zip(_HOLES, map(hole, range(len(_HOLES))), strict=True))
        shape = finding_data(finding, lang, shared=shared) | holes
        shape["messages"] = {"zh-TW": holes["messages"], "en": hole(len(_HOLES))}
        return cls(finding.severity, finding.remediation, finding.references, finding.laws, Template(shape, _ITEM))

    def holds(self, finding: Finding) -> bool:
        return (
            self.severity == finding.severity
            and self.references == finding.references
            and self.laws == finding.laws
            and self.remediation == finding.remediation
        )

    @property
    def fill(self) -> Callable[..., str]:
        return self.template.fill


# An unwaived finding's holes, in the order JsonReporter._finding fills them (then the English message).
_HOLES = ("status", "file", "line", "column", "pointer", "system", "fingerprint", "baselined", "message", "messages")
_KEPT = 1024  # templates and message texts a reporter keeps at most
_LONGEST_KEPT = 2000  # characters of a message kept


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
