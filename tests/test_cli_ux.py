"""What a new user meets first: statistics, quiet runs, colour, explaining a reference, hints."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from policylint.cli.commands import _new_run, _session
from policylint.cli.main import _parser
from policylint.report.text import laws_short
from tests.conftest import AS_OF, EXAMPLES, Result

Run = Callable[..., Result]
FINDING_LINE = re.compile(r"^\S+:\d+:\d+: ", re.MULTILINE)
SUMMARY = re.compile(r"^policylint: (\d+) findings")


def _summary_count(text: str) -> int:
    match = SUMMARY.match(text.splitlines()[-1])
    assert match, text
    return int(match.group(1))


@pytest.mark.parametrize("extra", [(), ("--report", "json:/dev/null")])  # streamed, and rendered whole
def test_statistics_count_by_policy_and_status_in_place_of_the_findings(run: Run, extra: tuple[str, ...]) -> None:
    result = run("check", str(EXAMPLES), "--statistics", "--lang", "en", "--as-of", AS_OF, *extra)
    assert result.code == 1
    assert not FINDING_LINE.search(result.out)
    by_policy, by_status = result.out.split("findings by status:\n")
    assert by_policy.startswith("findings by policy:\n")
    assert re.search(r"^ +\d+  default-credentials +critical  ", by_policy, re.MULTILINE)
    statuses = dict((name, int(count)) for count, name in re.findall(r"^ +(\d+)  (\w+)$", by_status, re.MULTILINE))
    assert set(statuses) == {"failed", "not_declared"}
    assert sum(statuses.values()) == _summary_count(result.out)


def test_statistics_beside_a_machine_format_go_to_standard_error(run: Run) -> None:
    result = run("check", str(EXAMPLES), "--statistics", "--format", "json", "--as-of", AS_OF)
    assert json.loads(result.out)["summary"]["findings"] > 0
    assert "not_declared" in result.err


def test_quiet_prints_only_the_summary_and_errors(run: Run) -> None:
    result = run("check", str(EXAMPLES), "--quiet", "--lang", "en", "--as-of", AS_OF)
    assert result.code == 1
    assert len(result.out.splitlines()) == 1 and _summary_count(result.out) > 0


@pytest.mark.parametrize(
    ("option", "environment", "coloured"),
    [
        ("always", {}, True),
        ("always", {"NO_COLOR": "1"}, True),  # the option is explicit
        ("never", {"FORCE_COLOR": "1"}, False),
        ("auto", {"FORCE_COLOR": "1"}, True),
        ("auto", {"FORCE_COLOR": "0"}, False),
        ("auto", {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),  # NO_COLOR wins
        ("auto", {}, False),  # not a terminal
    ],
)
def test_colour_option_and_environment(
    run: Run, monkeypatch: pytest.MonkeyPatch, option: str, environment: dict[str, str], coloured: bool
) -> None:
    for name in ("NO_COLOR", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    path = str(EXAMPLES / "20170101-job-portal.yaml")
    assert ("\033[" in run("check", path, "--color", option).out) is coloured
    assert ("\033[" in run("check", path, "--color", option, "--report", "json:/dev/null").out) is coloured


def test_explain_a_reference_lists_the_policies_of_its_reminder(run: Run) -> None:
    result = run("explain", "20170101-1", "--lang", "en")
    assert result.code == 0
    assert "Reminder 20170101-1: " in result.out
    listed = re.findall(r"^  - ([a-z-]+) \(", result.out, re.MULTILINE)
    assert listed == ["default-credentials", "national-id-in-config"]
    whole_case = run("explain", "20170101", "--lang", "en").out
    assert whole_case.count("Reminder 20170101-") == 9
    missing = run("explain", "20170101-99")
    assert missing.code == 2 and "no case or reminder '20170101-99'" in missing.err


def test_a_mistyped_policy_gets_a_did_you_mean(run: Run) -> None:
    explained = run("explain", "default-credential")
    assert explained.code == 2
    assert "unknown policy 'default-credential' (did you mean 'default-credentials'?)" in explained.err
    path = str(EXAMPLES / "reference-system.yaml")
    for option in ("--select", "--ignore"):
        result = run("check", path, option, "audit-loging")
        assert result.code == 2
        assert "(did you mean 'audit-logging'?)" in result.err


def test_check_help_ends_with_exit_codes_and_examples(run: Run, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        run("check", "--help")
    text = capsys.readouterr().out
    exit_codes, examples = text.split("exit status:\n")[1].split("examples:\n")
    assert [line.split()[0] for line in exit_codes.splitlines() if line[:3].strip().isdigit()] == ["0", "1", "2", "130"]
    assert len([line for line in examples.splitlines() if line.strip().startswith("policylint check")]) == 2


def test_category_is_kept_on_the_run_for_the_reporters() -> None:
    args = _parser("check").parse_args(["check", str(EXAMPLES), "--category", "backend"])
    assert _new_run(args, _session(args)).category == "backend"
    args = _parser("check").parse_args(["check", str(EXAMPLES)])
    assert _new_run(args, _session(args)).category == ""


def test_the_summary_counts_in_english_singular_and_plural(run: Run, tmp_path: Path) -> None:
    one = run("check", str(EXAMPLES / "20170101-job-portal.yaml"), "--lang", "en", "--as-of", AS_OF)
    assert re.search(r"findings \(.*\) in 1 descriptor, 1 file; 0 errors$", one.out.rstrip())
    clean = run("check", str(EXAMPLES / "reference-system.yaml"), "--lang", "en", "--as-of", AS_OF)
    assert clean.out == "policylint: no findings in 1 descriptor, 1 file; 0 errors\n"


def test_a_run_that_could_check_nothing_says_so(run: Run, tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("apiVersion: policylint/v1\nkind: InformationSystem\n", encoding="utf-8")
    result = run("check", str(broken), "--lang", "en")
    assert result.code == 2
    assert result.out == "policylint: nothing checked: no descriptor in 1 file; 2 errors\n"
    assert run("check", str(broken)).out == "policylint：沒有可檢查的系統描述檔（1 個檔案），2 個錯誤\n"


def test_a_finding_line_names_its_laws_in_short(run: Run) -> None:
    result = run(
        "check", str(EXAMPLES / "20170101-job-portal.yaml"), "--as-of", AS_OF, "--select", "default-credentials"
    )
    assert "[20170101-1; 個資法§12,18,28]" in result.out
    assert (
        laws_short(("CC-361", "CC-318-2", "CC-318-1", "PDPA-12", "XYZ-1"), "en") == "CC§318-1,318-2,361 PDPA§12 XYZ§1"
    )
    assert laws_short(("CC-211", "PDPA-15"), "zh-TW") == "刑法§211 個資法§15"
