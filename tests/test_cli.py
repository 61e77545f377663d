"""The command line as a user meets it: exit codes, formats, options, and no tracebacks."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from policylint import __version__
from tests.conftest import AS_OF, DESCRIPTOR_HEAD, EXAMPLES, ROOT, Result, shown

Run = Callable[..., Result]
Write = Callable[[str, str], Path]
REPORT_SCHEMA = json.loads((ROOT / "policylint" / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
CLEAN = DESCRIPTOR_HEAD + "  downloads:\n    enabled: false\n"


def _json(result: Result) -> dict:  # type: ignore[type-arg]
    report = json.loads(result.out)
    jsonschema.Draft202012Validator(REPORT_SCHEMA).validate(report)
    return report  # type: ignore[no-any-return]


def test_examples_exit_1_and_name_every_headline_policy(run: Run) -> None:
    result = run("check", str(EXAMPLES), "--as-of", AS_OF, "--lang", "en")
    assert result.code == 1
    for expected in (
        "20170101-job-portal.yaml:18:7: CRITICAL default-credentials",
        "20170101-job-portal.yaml:28:7: HIGH login-rate-limit",
        "20170101-job-portal.yaml:31:5: HIGH audit-logging",
        "20170106-public-register.yaml:35:5: HIGH bulk-download-cap",
    ):
        assert expected in result.out
    assert "[20170101-3, 20170102-2; PDPA§12,18,28]" in result.out  # references, then the laws in short
    assert result.out.rstrip().splitlines()[-1].startswith("policylint: ")


def test_exit_0_when_nothing_fails(run: Run, write: Write) -> None:
    path = write("ok.yaml", CLEAN)
    assert run("check", str(path), "--select", "bulk-download-cap").code == 0


def test_fail_on_raises_the_threshold(run: Run) -> None:
    path = str(EXAMPLES / "20170106-public-register.yaml")
    assert run("check", path, "--select", "bulk-download-cap", "--fail-on", "high").code == 1
    assert run("check", path, "--select", "bulk-download-cap", "--fail-on", "critical").code == 0


def test_errors_win_over_findings_and_other_files_are_still_checked(run: Run, write: Write) -> None:
    broken = write("broken.yaml", "a: [1, 2\n")
    result = run("check", "--format", "json", "--as-of", AS_OF, str(broken), str(EXAMPLES / "20170101-job-portal.yaml"))
    assert result.code == 2
    report = _json(result)
    assert report["errors"][0]["file"] == shown(broken)
    assert report["errors"][0]["line"] == 2
    assert any(f["policy"] == "default-credentials" for f in report["findings"])
    assert f"{shown(broken)}:2:1: error: invalid YAML" in result.err


def test_missing_path_is_an_error(run: Run, tmp_path: Path) -> None:
    result = run("check", str(tmp_path / "nope.yaml"))
    assert result.code == 2
    assert f"{shown(tmp_path / 'nope.yaml')}: error: no such file or directory" in result.err


def test_unknown_policy_in_select_is_a_usage_error(run: Run, write: Write) -> None:
    result = run("check", str(write("ok.yaml", CLEAN)), "--select", "no-such-policy")
    assert result.code == 2
    assert "unknown policy 'no-such-policy'; see 'policylint rules'" in result.err


def test_bad_option_value_exits_2(run: Run, write: Write) -> None:
    with pytest.raises(SystemExit) as raised:
        run("check", str(write("ok.yaml", CLEAN)), "--as-of", "29/11/2026")
    assert raised.value.code == 2


def test_json_contract(run: Run) -> None:
    result = run("check", "--format", "json", "--as-of", AS_OF, "--lang", "en", str(EXAMPLES))
    report = _json(result)
    assert report["tool"] == {"name": "policylint", "version": __version__}
    assert report["as_of"] == AS_OF
    finding = next(f for f in report["findings"] if f["policy"] == "default-credentials" and f["line"] == 18)
    assert finding["file"] == shown(EXAMPLES / "20170101-job-portal.yaml")
    assert finding["column"] == 7
    assert finding["pointer"] == "/spec/authentication/defaultCredentials/accountSource"
    assert finding["system"] == "job-matching-portal"
    assert report["format"] == "policylint/v2"
    assert "references" not in finding and "remediation" not in finding  # the policy's, in its table
    policy = report["rules"]["default-credentials"]
    assert policy["references"] == [{"case": "20170101", "reminder": 1}]
    assert policy["laws"] == ["PDPA-12", "PDPA-18", "PDPA-28"]
    assert policy["remediation"]["en"] and policy["remediation"]["zh-TW"]
    assert sorted(report["rules"]) == sorted({f["policy"] for f in report["findings"]})
    assert finding["message"] == finding["messages"]["en"]
    assert report["summary"]["findings"] == len(report["findings"])
    assert report["summary"]["by_severity"]["critical"] >= 1


def test_fingerprints_do_not_depend_on_line_numbers(run: Run, write: Write) -> None:
    text = DESCRIPTOR_HEAD + "  downloads:\n    enabled: true\n    bulkDownload: true\n"
    first = _json(run("check", "--format", "json", "--select", "bulk-download-cap", str(write("a.yaml", text))))
    moved = "# a comment that moves every line\n\n" + text
    second = _json(run("check", "--format", "json", "--select", "bulk-download-cap", str(write("a.yaml", moved))))
    assert [f["fingerprint"] for f in first["findings"]] == [f["fingerprint"] for f in second["findings"]]
    assert [f["line"] for f in first["findings"]] != [f["line"] for f in second["findings"]]


def test_not_applicable_is_reported_as_such(run: Run, write: Write) -> None:
    report = _json(run("check", "--format", "json", "--select", "bulk-download-cap", str(write("a.yaml", CLEAN))))
    assert report["systems"][0]["results"] == {"bulk-download-cap": "not_applicable"}


def test_output_is_deterministic_and_path_order_does_not_matter(run: Run) -> None:
    files = sorted(str(p) for p in EXAMPLES.glob("*.yaml"))
    first = run("check", "--format", "json", "--as-of", AS_OF, *files).out
    second = run("check", "--format", "json", "--as-of", AS_OF, *reversed(files)).out
    assert first == second


def test_output_file_is_written(run: Run, tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    result = run("check", "--format", "json", "--output", str(target), "--as-of", AS_OF, str(EXAMPLES))
    assert result.code == 1
    assert result.out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["summary"]["findings"] > 0


def test_lang_switches_messages(run: Run) -> None:
    path = str(EXAMPLES / "20170101-job-portal.yaml")
    assert "預設帳號或密碼可被推測" in run("check", path, "--lang", "zh-TW").out
    assert "Default accounts or passwords can be guessed" in run("check", path, "--lang", "en").out


def _policies_found(report: dict[str, Any]) -> set[str]:
    """The policies the findings count for: a not-declared finding's ``policies``, else its ``policy``."""
    return {policy for f in report["findings"] for policy in f.get("policies", [f["policy"]])}


def test_select_and_ignore(run: Run) -> None:
    path = str(EXAMPLES / "20170101-job-portal.yaml")
    only = _json(run("check", "--format", "json", "--select", "audit-logging", path))
    assert _policies_found(only) == {"audit-logging"}
    without = _json(run("check", "--format", "json", "--ignore", "audit-logging,default-credentials", path))
    assert {"audit-logging", "default-credentials"}.isdisjoint(_policies_found(without))
    assert "login-rate-limit" in _policies_found(without)
    selected = ("--select", "login-rate-limit,audit-logging", "--ignore", "audit-logging")
    both = _json(run("check", "--format", "json", *selected, path))
    assert _policies_found(both) == {"login-rate-limit"}


def test_no_colour_unless_a_terminal(run: Run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    assert "\033[" not in run("check", str(EXAMPLES)).out


def test_rules_json_lists_every_policy(run: Run) -> None:
    rules = json.loads(run("rules", "--format", "json").out)
    ids = [rule["id"] for rule in rules]
    assert ids == sorted(ids)
    rule = next(r for r in rules if r["id"] == "login-rate-limit")
    assert rule["severity"] == "high"
    assert set(rule["title"]) == {"zh-TW", "en"}
    assert rule["references"] == [{"case": "20170101", "reminder": 3}, {"case": "20170102", "reminder": 2}]
    assert rule["laws"] == ["PDPA-12", "PDPA-18", "PDPA-28"]
    assert rule["parameterSources"]["maxPerIpPerMinute"] == {"zh-TW": "policylint 預設值", "en": "policylint default"}
    assert "15 分鐘" in rule["parameterSources"]["minLockoutMinutes"]["zh-TW"]


def test_explain_says_where_each_parameter_default_comes_from(run: Run) -> None:
    out = run("explain", "incident-response", "--lang", "en").out
    assert "  maxContainHoursLevels3And4 = 36  (Cyber security incident reporting, response and drills" in out
    assert (
        "  maxIdleLogoutMinutes = 30  (policylint default)" in run("explain", "account-lifecycle", "--lang", "en").out
    )


def test_zh_tw_findings_give_units_and_enumerate_with_the_enumeration_comma(run: Run) -> None:
    example = ROOT / "tests" / "policies" / "incident-response" / "fail" / "one-deadline-for-every-level.yaml"
    out = run("check", str(example), "--as-of", AS_OF, "--lang", "zh-TW").out
    assert "incidentResponse.containWithinHours.level3 為 72 小時，應不大於 36 小時" in out
    out = run("check", str(EXAMPLES / "20170101-job-portal.yaml"), "--as-of", AS_OF, "--lang", "zh-TW").out
    assert "auditLogging.events 為 login、admin，應包含全部 login、dataAccess、export、admin" in out
    assert "auditLogging.retentionDays 為 90 天，應不小於 184 天" in out


def test_the_zh_tw_summary_line_is_all_chinese(run: Run) -> None:
    out = run("check", str(EXAMPLES / "20170105-counter-lookup.yaml"), "--as-of", AS_OF, "--lang", "zh-TW").out
    summary = out.splitlines()[-1]
    assert "項發現（嚴重 " in summary and "、高 " in summary
    assert not any(severity in summary for severity in ("critical", "high", "medium", "low"))


def test_explain_shows_case_reminder_laws_and_fix(run: Run) -> None:
    result = run("explain", "default-credentials", "--lang", "zh-TW")
    assert result.code == 0
    assert "20170101" in result.out
    assert "身分證字號" in result.out
    assert "PDPA-12" in result.out
    assert run("explain", "nope").code == 2


def test_version(capsys: pytest.CaptureFixture[str], run: Run) -> None:
    with pytest.raises(SystemExit) as raised:
        run("--version")
    assert raised.value.code == 0
    assert capsys.readouterr().out.strip() == f"policylint {__version__}"


@pytest.mark.parametrize("command", ["check", "rules", "explain", "schema"])
def test_help_everywhere(run: Run, command: str) -> None:
    with pytest.raises(SystemExit) as raised:
        run(command, "--help")
    assert raised.value.code == 0


def test_python_dash_m_works() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "policylint", "check", str(EXAMPLES / "reference-system.yaml")],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
