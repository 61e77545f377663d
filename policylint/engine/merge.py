"""Combine JSON results of sharded runs (``--shard K/N``) into one report in any format.

Results are read in the current contract, ``policylint/v2``; a ``policylint/v1`` result
(before the policies table) is refused with a message to re-run its check.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from policylint.load.errors import LocatedError
from policylint.model.results import FileError, FileReport, Finding, Localized, Reference, RunReport, SystemResult
from policylint.model.waiver import Waiver


class MergeError(LocatedError):
    """A result that cannot be merged."""


FORMAT = "policylint/v2"
# A \uD800-\uDFFF escape: JSON allows one alone, but no UTF-8 report can hold what it decodes to.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def merge_results(paths: list[str], lang: str | None, fail_on: str | None) -> tuple[RunReport, Iterator[FileReport]]:
    """The merged run, and its results file by file in sorted order (for the reporters)."""
    shards = [(path, _read(path)) for path in paths]
    first = shards[0][1]
    _check_compatible(shards)
    run = RunReport(
        first["tool"]["version"], date.fromisoformat(first["as_of"]), lang or first["lang"], fail_on or "low"
    )
    by_file: dict[str, tuple[list[Finding], list[SystemResult]]] = {}
    for _, data in shards:
        _add_shard(run, data, by_file)
    run.scanned = sorted(set(run.scanned))
    return run, _reports(run, by_file, sum(data["summary"]["files"] for _, data in shards))


def _reports(
    run: RunReport, by_file: dict[str, tuple[list[Finding], list[SystemResult]]], files: int
) -> Iterator[FileReport]:
    for file in sorted(by_file):
        findings, systems = by_file.pop(file)
        yield FileReport(file, systems=tuple(systems), findings=tuple(findings))
    run.files = files  # the files the shards checked, not only those with results


def _read(path: str) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MergeError(path, f"cannot read a JSON result: {error}") from None
    if _SURROGATE_ESCAPE.search(text) and not _encodable(data):
        raise MergeError(path, "not a policylint JSON result: it holds a lone surrogate escape (\\uD800-\\uDFFF)")
    if not isinstance(data, dict) or data.get("tool", {}).get("name") != "policylint" or "findings" not in data:
        raise MergeError(path, "not a policylint JSON result (written by 'policylint check --format json')")
    if data.get("format") != FORMAT:
        raise MergeError(path, f"not a {FORMAT} result (written by an older policylint): check again to merge it")
    return data


def _encodable(data: Any) -> bool:
    """Whether every text of ``data`` is UTF-8: a pair of surrogate escapes is one character,
    a lone one is not (policylint never writes one)."""
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_compatible(shards: list[tuple[str, dict[str, Any]]]) -> None:
    path, first = shards[0]
    for other_path, other in shards[1:]:
        for key, label in (("as_of", "as-of date"), (("catalog", "digest"), "policy catalog")):
            mine, theirs = _get(first, key), _get(other, key)
            if mine != theirs:
                raise MergeError(other_path, f"its {label} ({theirs}) differs from {path}'s ({mine})")


def _get(data: dict[str, Any], key: str | tuple[str, str]) -> Any:
    return data[key] if isinstance(key, str) else data[key[0]][key[1]]


def _add_shard(
    run: RunReport, data: dict[str, Any], by_file: dict[str, tuple[list[Finding], list[SystemResult]]]
) -> None:
    run.scanned.extend(data.get("scanned", []))
    policies = data.get("rules", {})
    for item in data["findings"]:
        by_file.setdefault(item["file"], ([], []))[0].append(_finding(item, policies.get(item["policy"], {})))
    for s in data["systems"]:
        system = SystemResult(s["file"], s["system"], s["line"], tuple(s["results"].items()))
        by_file.setdefault(system.file, ([], []))[1].append(system)
    run.errors.extend(FileError(e["file"], e["message"], e.get("line"), e.get("column")) for e in data["errors"])
    run.warnings.extend(data.get("warnings", []))


def _localized(data: dict[str, str]) -> Localized:
    return Localized(data["zh-TW"], data["en"])


def _finding(item: dict[str, Any], policy: dict[str, Any]) -> Finding:
    """A finding; what it leaves out, its policy's entry in the ``policies`` table holds."""
    item = {**policy, **item}
    waiver = item.get("waiver")
    policies = tuple(item.get("policies", [item["policy"]]))
    return Finding(
        policy=item["policy"],
        severity=item["severity"],
        status=waiver["status"] if waiver else item["status"],
        file=item["file"],
        line=item["line"],
        column=item["column"],
        pointer=item["pointer"],
        system=item["system"],
        message=_localized(item["messages"]),
        references=tuple(Reference(r["case"], r["reminder"]) for r in item["references"]),
        laws=tuple(item["laws"]),
        identity=item["fingerprint"],
        remediation=_localized(item["remediation"]),
        waiver=_waiver(policies, waiver) if waiver else None,
        baselined=item.get("baselined", False),
        policies=tuple(item.get("policies", ())),
    )


def _waiver(policies: tuple[str, ...], data: dict[str, Any]) -> Waiver:
    return Waiver(
        policies=policies,
        reason=data["reason"],
        expires=date.fromisoformat(data["expires"]),
        source=data["source"],
        owner=data.get("owner"),
    )
