"""Baselines: record today's findings so a legacy repository fails only on new ones.

A baseline stores fingerprints (derived from policy, file, system and JSON pointer, never
from line numbers or detected values), so entries survive lines moving and unrelated edits.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

from policylint.engine.detectors import FINGERPRINT_KEY_VARIABLE, fingerprint_key_kind
from policylint.load.errors import LocatedError
from policylint.model.pretty import pretty
from policylint.model.results import BaselineSummary, FileReport, Finding, RunReport

FORMAT_VERSION = 1


class BaselineError(LocatedError):
    """A baseline file that cannot be used."""


def baseline_json(tool_version: str, findings: Iterable[Finding]) -> str:
    entries = sorted(
        (_entry(finding) for finding in findings),
        key=lambda entry: (entry["file"], entry["policy"], entry["fingerprint"]),
    )
    unique = list({entry["fingerprint"]: entry for entry in entries}.values())
    document = {
        "policylint-baseline": FORMAT_VERSION,
        "tool-version": tool_version,
        "fingerprint-key": fingerprint_key_kind(),
        "findings": unique,
    }
    return pretty(document) + "\n"


def _entry(finding: Finding) -> dict[str, str]:
    """What identifies a finding to a reader; never a detected value, never a line number."""
    return {
        "fingerprint": finding.fingerprint,
        "policy": finding.policy,
        "file": finding.file,
        "system": finding.system,
        "pointer": finding.pointer,
        "status": finding.status,
    }


def read_baseline(path: str) -> list[dict[str, str]]:
    try:
        data: Any = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise BaselineError(path, f"cannot read baseline: {error}") from None
    except json.JSONDecodeError as error:
        raise BaselineError(path, f"not a baseline (invalid JSON at line {error.lineno})") from None
    if not isinstance(data, dict) or data.get("policylint-baseline") != FORMAT_VERSION:
        raise BaselineError(path, "not a policylint baseline (written by 'policylint baseline')")
    findings = data.get("findings")
    if not isinstance(findings, list) or not all(isinstance(e, dict) and "fingerprint" in e for e in findings):
        raise BaselineError(path, "baseline 'findings' must be a list of entries with a fingerprint")
    _check_fingerprint_key(path, data.get("fingerprint-key"))
    return findings


def _check_fingerprint_key(path: str, recorded: object) -> None:
    """Detector fingerprints depend on POLICYLINT_FINGERPRINT_KEY: a baseline recorded under
    another key (or none) would silently match none of its detector findings. A baseline
    written before it recorded the key (no field) is taken as it is."""
    if recorded is not None and not isinstance(recorded, str):
        raise BaselineError(path, "baseline 'fingerprint-key' must be a string")
    current = fingerprint_key_kind()
    if recorded is None or recorded == current:
        return
    if recorded == "unkeyed":
        state = f"recorded without {FINGERPRINT_KEY_VARIABLE}, which is set now"
    elif current == "unkeyed":
        state = f"recorded with {FINGERPRINT_KEY_VARIABLE} set, which is not set now"
    else:
        state = f"recorded under another {FINGERPRINT_KEY_VARIABLE}"
    hint = "re-record it with the key in use (docs/output.md, 'Fingerprints and baselines')"
    raise BaselineError(path, f"baseline {state}: its detector findings would match none; {hint}")


def mark_known(
    reports: Iterable[FileReport], run: RunReport, path: str, entries: list[dict[str, str]]
) -> Iterator[FileReport]:
    """Each report with its known findings marked; once all are done, ``run.baseline`` says how
    many known findings remain and which entries are fixed (none of its findings now)."""
    known = {entry["fingerprint"] for entry in entries}
    remaining: set[str] = set()  # of ``known``: grows with the baseline, not with the scan
    count = 0
    run.baseline = BaselineSummary(path, 0, ())  # the reports say which findings are new
    for report in reports:
        findings = tuple(_mark(finding, known) for finding in report.findings)
        for finding in findings:
            if finding.baselined:
                remaining.add(finding.fingerprint)
                count += 1
        yield report._replace(findings=findings)
    fixed = tuple(entry for entry in entries if entry["fingerprint"] not in remaining)
    run.baseline = BaselineSummary(path, count, fixed)


def _mark(finding: Finding, known: set[str]) -> Finding:
    return replace(finding, baselined=True) if finding.fingerprint in known else finding
