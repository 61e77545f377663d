"""The JSON report: a stable contract, documented in docs/output.md."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from policylint.catalog.policies import Catalog
from policylint.model.pretty import pretty
from policylint.model.results import FileError, Finding, RunReport, SystemResult

_PLACEHOLDER = "\u0000findings\u0000"


def render(run: RunReport, catalog: Catalog, *, color: bool = False) -> str:
    return stream_begin(run, catalog) + stream_file(run.findings, run, 0) + stream_end(run, catalog)


# A streaming run writes the same bytes in three parts: what is known before the scan, the
# findings of each file as it is checked, and what is known after it (summary last).


def stream_begin(run: RunReport, catalog: Catalog) -> str:
    head = {
        "tool": {"name": "policylint", "version": run.tool_version},
        "as_of": run.as_of.isoformat(),
        "lang": run.lang,
        "catalog": {"digest": catalog.digest, "policies": len(catalog.policies)},
        "scanned": list(run.scanned),
        "findings": _PLACEHOLDER,
    }
    return _dump(head).partition(_dump(_PLACEHOLDER))[0] + "["


def stream_file(findings: Sequence[Finding], run: RunReport, written: int, color: bool = False) -> str:
    """Array items for ``findings``; ``written`` is how many items came before them."""
    return "".join(
        ("\n" if written + index == 0 else ",\n") + "    " + pretty(finding_data(f, run.lang, run.no_waivers), "\n    ")
        for index, f in enumerate(findings)
    )


def stream_end(run: RunReport, catalog: Catalog) -> str:
    tail = {
        "findings": _PLACEHOLDER,
        "errors": [error_data(e) for e in run.errors],
        "warnings": list(run.warnings),
        "systems": [system_data(s) for s in run.systems],
        "summary": {
            "files": run.files,
            "descriptors": run.descriptor_count,
            "findings": run.finding_count,
            "errors": len(run.errors),
            "by_severity": run.by_severity(),
        },
        "baseline": baseline_data(run),
    }
    closing = "\n  ]" if run.finding_count else "]"
    return closing + _dump(tail).partition(_dump(_PLACEHOLDER))[2] + "\n"


def _dump(value: Any) -> str:
    return pretty(value)


def finding_data(finding: Finding, lang: str, no_waivers: bool = False) -> dict[str, Any]:
    data = {
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
        "remediation": finding.remediation.as_dict(),
        "references": [{"case": r.case, "reminder": r.reminder} for r in finding.references],
        "laws": list(finding.laws),
        "fingerprint": finding.fingerprint,
        "baselined": finding.baselined,
    }
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


def system_data(system: SystemResult) -> dict[str, Any]:
    return {
        "file": system.file,
        "line": system.line,
        "system": system.system,
        "results": dict(system.statuses),
    }
