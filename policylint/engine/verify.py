"""Policy examples: each policy's pass/, fail/ and not-applicable/ descriptors, checked as declared.

Layout: ``DIR/<policy-id>/pass/*.yaml`` pass the policy, ``not-applicable/*.yaml`` make it
not applicable, and ``fail/*.yaml`` list every finding they must produce, one comment each:

    # expect: POLICY STATUS LINE:COLUMN POINTER CASE-REMINDER[,CASE-REMINDER]

The way ``conftest verify`` and ``opa test`` serve Rego authors.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from policylint.catalog.policies import Catalog
from policylint.engine.evaluate import Options, check_path
from policylint.model.results import FileReport, references_text

KINDS = {"pass": ("passed",), "not-applicable": ("not_applicable",), "fail": ("failed", "not_declared")}
EXPECT = "# expect:"
Expectation = tuple[str, ...]


@dataclass(frozen=True)
class VerifyResult:
    policy: str
    kind: str
    file: str
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


def example_files(directory: Path) -> list[tuple[str, str, Path]]:
    return sorted(
        (path.parent.parent.name, path.parent.name, path)
        for kind in KINDS
        for path in directory.glob(f"*/{kind}/*")
        if path.suffix in (".yaml", ".yml", ".json")
    )


def verify_directory(directory: Path, catalog: Catalog, as_of: date) -> list[VerifyResult]:
    return [verify_example(policy, kind, path, catalog, as_of) for policy, kind, path in example_files(directory)]


def verify_example(policy: str, kind: str, path: Path, catalog: Catalog, as_of: date) -> VerifyResult:
    if policy not in catalog.policies:
        return VerifyResult(policy, kind, str(path), (f"no policy '{policy}' in the catalog",))
    report = check_path(str(path), catalog.select([policy]), Options(as_of=as_of))
    return VerifyResult(policy, kind, str(path), tuple(_problems(report, kind, path)))


def _problems(report: FileReport, kind: str, path: Path) -> list[str]:
    if report.errors:
        return [str(error) for error in report.errors]
    if len(report.systems) != 1:
        return [f"expected one descriptor, found {len(report.systems)}"]
    (_, status), *_ = report.systems[0].statuses
    problems = [] if status in KINDS[kind] else [f"status is {status}, expected {' or '.join(KINDS[kind])}"]
    expected = expected_findings(path.read_text(encoding="utf-8")) if kind == "fail" else set()
    if kind == "fail" and not expected:
        problems.append(f"a fail example lists its findings as '{EXPECT} ...' lines")
    actual = actual_findings(report)
    problems += [f"missing finding: {' '.join(e)}" for e in sorted(expected - actual)]
    problems += [f"unexpected finding: {' '.join(a)}" for a in sorted(actual - expected)]
    return problems


def expected_findings(text: str) -> set[Expectation]:
    return {tuple(line[len(EXPECT) :].split()) for line in text.splitlines() if line.startswith(EXPECT)}


def actual_findings(report: FileReport) -> set[Expectation]:
    """What each policy found: a missing fact's ``not-declared`` finding is expected of the
    policy that needs it (an example is checked with its own policy only)."""
    return {
        (policy, f.status, f"{f.line}:{f.column}", f.pointer, references_text(f.references, ","))
        for f in report.findings
        for policy in f.policy_ids
    }


def render_results(results: list[VerifyResult]) -> str:
    lines = []
    for result in results:
        lines.append(f"{'ok  ' if result.ok else 'FAIL'} {result.policy} {result.kind} {result.file}")
        lines.extend(f"       {problem}" for problem in result.problems)
    passed = sum(result.ok for result in results)
    lines.append(f"{passed} of {len(results)} policy examples behave as declared")
    return "\n".join(lines) + "\n"
