"""A missing fact is one finding, however many policies need it; each policy still counts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.conftest import AS_OF, DESCRIPTOR_HEAD, Result

Run = Callable[..., Result]
Write = Callable[[str, str], Path]
ONLINE_POLICIES = ["applicant-notification-protection", "owner-only-access", "remote-user-identification"]
SELECT = ("--select", ",".join(ONLINE_POLICIES))


def _check(run: Run, path: Path, *extra: str) -> tuple[int, dict[str, Any]]:
    result = run("check", str(path), "--format", "json", "--lang", "en", "--as-of", AS_OF, *SELECT, *extra)
    return result.code, json.loads(result.out)


def test_a_missing_section_is_one_finding_naming_every_policy_that_needs_it(run: Run, write: Write) -> None:
    code, report = _check(run, write("system.yaml", DESCRIPTOR_HEAD + "  protectionGrade: 普\n"))
    (finding,) = report["findings"]
    assert (finding["policy"], finding["status"], finding["line"], finding["column"]) == (
        "not-declared",
        "not_declared",
        6,
        1,
    )
    assert finding["pointer"] == "/spec/onlineService"
    assert finding["policies"] == ONLINE_POLICIES
    assert finding["severity"] == "critical"  # owner-only-access's: the highest of the three
    assert finding["message"] == f"onlineService is not declared; needed by {', '.join(ONLINE_POLICIES)}"
    references = finding.get("references", report["rules"]["not-declared"]["references"])  # policylint/v2
    assert [f"{r['case']}-{r['reminder']}" for r in references] == ["20170104-2", "20170104-3", "20170104-5"]
    (system,) = report["systems"]
    assert system["results"] == dict.fromkeys(ONLINE_POLICIES, "not_declared")
    assert code == 1
    # each policy's own way to fix it, after its name, in one sentence: no ".;" between them
    remediation = finding.get("remediation", report["rules"]["not-declared"]["remediation"])  # policylint/v2
    fix = remediation["en"]
    assert fix.startswith(f"{ONLINE_POLICIES[0]}: ") and fix.count("; owner-only-access: ") == 1
    assert ".; " not in fix and "。；" not in remediation["zh-TW"] and fix.endswith(".")


def test_a_missing_fact_is_placed_in_the_mapping_that_should_hold_it(run: Run, write: Write) -> None:
    text = DESCRIPTOR_HEAD + "  onlineService:\n    enabled: true\n"
    _, report = _check(run, write("system.yaml", text), "--select", "owner-only-access")
    (finding,) = [f for f in report["findings"] if "owner-only-access" in f["policies"]]
    assert finding["pointer"] == "/spec/accessControl"
    text += "  accessControl:\n    roles: []\n"
    _, report = _check(run, write("system.yaml", text), "--select", "owner-only-access")
    (finding,) = [f for f in report["findings"] if "owner-only-access" in f["policies"]]
    assert (finding["pointer"], finding["line"], finding["column"]) == ("/spec/accessControl/recordAccess", 9, 3)
    assert finding["message"] == "accessControl.recordAccess is not declared; needed by owner-only-access"


def test_a_waiver_covers_the_policies_it_names_and_the_others_stay_open(run: Run, write: Write) -> None:
    waived = DESCRIPTOR_HEAD.replace(
        "metadata:\n", 'metadata:\n  # policylint: waive owner-only-access reason="no accounts" expires=2099-01-01\n'
    )
    code, report = _check(run, write("system.yaml", waived + "  protectionGrade: 普\n"))
    open_finding, waived_finding = sorted(report["findings"], key=lambda f: f["status"])
    assert (open_finding["status"], open_finding["policies"]) == (
        "not_declared",
        [ONLINE_POLICIES[0], ONLINE_POLICIES[2]],
    )
    assert (waived_finding["status"], waived_finding["policies"]) == ("waived", ["owner-only-access"])
    assert waived_finding["waiver"]["reason"] == "no accounts"
    assert report["systems"][0]["results"]["owner-only-access"] == "waived"
    assert report["warnings"] == []  # the waiver matched
    assert code == 1


def test_waiving_every_policy_keeps_the_fingerprint_and_passes(run: Run, write: Write) -> None:
    _, before = _check(run, write("system.yaml", DESCRIPTOR_HEAD + "  protectionGrade: 普\n"))
    directive = f'  # policylint: waive {",".join(ONLINE_POLICIES)} reason="paper only" expires=2099-01-01\n'
    waived = DESCRIPTOR_HEAD.replace("metadata:\n", "metadata:\n" + directive)
    code, after = _check(run, write("system.yaml", waived + "  protectionGrade: 普\n"))
    (finding,) = after["findings"]
    assert finding["status"] == "waived" and finding["policies"] == ONLINE_POLICIES
    assert finding["fingerprint"] == before["findings"][0]["fingerprint"]
    assert code == 0


def test_a_fact_missing_in_two_systems_is_a_finding_for_each(run: Run, write: Write) -> None:
    second = DESCRIPTOR_HEAD.replace("test-system", "other-system")
    _, report = _check(
        run, write("two.yaml", DESCRIPTOR_HEAD + "  protectionGrade: 普\n---\n" + second + "  protectionGrade: 普\n")
    )
    assert [(f["system"], f["line"]) for f in report["findings"]] == [("test-system", 6), ("other-system", 14)]
    assert len({f["fingerprint"] for f in report["findings"]}) == 2


def test_merged_shards_keep_the_policies(run: Run, write: Write, tmp_path: Path) -> None:
    result = tmp_path / "shard.json"
    path = write("system.yaml", DESCRIPTOR_HEAD + "  protectionGrade: 普\n")
    run("check", str(path), "--format", "json", "--as-of", AS_OF, *SELECT, "--output", str(result))
    merged = json.loads(run("merge", str(result), "--format", "json", *SELECT).out)
    assert merged["findings"][0]["policies"] == ONLINE_POLICIES
