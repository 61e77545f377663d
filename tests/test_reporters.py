"""The machine and audit reports: SARIF for GitHub, JUnit, GitLab Code Quality, CSV, Markdown
and HTML. Official schemas come from the shared reference data beside the repository."""

from __future__ import annotations

import csv
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from policylint.catalog.policies import Catalog
from policylint.engine.excerpts import safe_source
from policylint.engine.waivers import Waiver
from policylint.model.pretty import pretty
from policylint.model.results import (
    FAILED,
    NOT_APPLICABLE,
    NOT_DECLARED,
    PASSED,
    WAIVED,
    FileError,
    FileReport,
    Finding,
    Localized,
    Reference,
    RunReport,
    SourceLine,
    SystemResult,
    fingerprint_of,
    fingerprints,
)
from policylint.report import REPORTERS, render
from policylint.report.audit import AuditTally, SystemRow, worst, xml_safe
from policylint.report.csv_report import COLUMNS, neutralise
from policylint.report.gitlab import SEVERITIES as GITLAB_SEVERITIES
from policylint.report.kept import KEPT, LONGEST_KEPT, Kept
from policylint.report.sarif import artifact_location, pascal_case
from tests.conftest import AS_OF, AS_OF_DATE, DESCRIPTOR_HEAD, ROOT, Result

Run = Callable[..., Result]
Write = Callable[[str, str], Path]
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
FORMATS = ("sarif", "junit", "gitlab", "csv", "markdown", "html")
NATIONAL_ID = "A123456789"  # the textbook example; its checksum holds
MASKED_ID = "A1******89"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'

needs_shared = pytest.mark.skipif(
    not SHARED_DATA.is_dir(), reason=f"reference schemas not found: {SHARED_DATA} (clone shared/ beside the repo)"
)


@pytest.fixture
def examples(run: Run, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """``policylint check examples`` from the repository root, so paths stay relative."""
    monkeypatch.chdir(ROOT)

    def check(output: str, *extra: str) -> Result:
        return run("check", "examples", "--as-of", AS_OF, "--format", output, *extra)

    return check


def _sarif_schema() -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SHARED_DATA / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))
    return schema


def _validate_sarif(log: dict[str, Any]) -> None:
    import jsonschema

    schema = _sarif_schema()
    jsonschema.validators.validator_for(schema)(schema).validate(log)


def _validate_junit(text: str) -> None:
    import xmlschema

    xmlschema.XMLSchema(str(SHARED_DATA / "junit.xsd")).validate(text)


def _finding(**changes: Any) -> Finding:
    base = Finding(
        policy="audit-logging",
        severity="high",
        status=FAILED,
        file="svc/a.yaml",
        line=3,
        column=5,
        pointer="/spec/auditLogging/enabled",
        system="svc",
        message=Localized("稽核紀錄不足：x", "Audit logging is insufficient: x"),
        references=(Reference("20170101", 5),),
        laws=("PDPA-12",),
        identity="0" * 32,
        remediation=Localized("修正", "fix it"),
    )
    return replace(base, **changes)


def test_a_files_fingerprints_are_each_findings() -> None:
    """All of a file's fingerprints at once (the JSON report's way) are the property's, one
    by one: a policy's finding from its own fields, a merged one from its identity's parts, a
    finding read back from a result with the fingerprint it came with."""
    policy_finding = _finding(identity=None)
    merged = _finding(identity=("not-declared", "svc/a.yaml", "svc", "/spec/backups"))
    findings = (policy_finding, merged, _finding(identity="read back"))
    expected = [
        fingerprint_of("audit-logging", "svc/a.yaml", "svc", "/spec/auditLogging/enabled", FAILED),
        fingerprint_of("not-declared", "svc/a.yaml", "svc", "/spec/backups"),
        "read back",
    ]
    assert fingerprints(findings) == [finding.fingerprint for finding in findings] == expected
    assert fingerprints(findings[:2]) == expected[:2] and len(expected[0]) == 32


class Results(NamedTuple):
    run: RunReport
    reports: list[FileReport]


def _run(findings: list[Finding], systems: list[SystemResult] | None = None, **changes: Any) -> Results:
    """A run whose files hold ``findings`` and ``systems``, ready to be handed to a reporter."""
    run = RunReport("0.1.0", AS_OF_DATE, changes.pop("lang", "en"), "low", scanned=["svc"], **changes)
    systems = systems or []
    files = sorted({finding.file for finding in findings} | {system.file for system in systems})
    reports = [
        FileReport(
            file,
            systems=tuple(system for system in systems if system.file == file),
            findings=tuple(finding for finding in findings if finding.file == file),
        )
        for file in files
    ]
    return Results(run, reports)


def reporter(name: str) -> Callable[[Results, Catalog], str]:
    return lambda results, catalog: render(name, results.run, catalog, results.reports)


def _audit_rows(results: Results, catalog: Catalog) -> tuple[AuditTally, list[SystemRow]]:
    tally = AuditTally(catalog, results.run.no_waivers)
    return tally, [row for report in results.reports for row in tally.rows(report)]


# --- every format ---------------------------------------------------------------------


@pytest.mark.parametrize("output", FORMATS)
def test_every_format_is_registered_and_runs_on_the_examples(examples: Callable[..., Result], output: str) -> None:
    assert output in REPORTERS
    result = examples(output)
    assert result.code == 1
    assert result.out.strip()
    assert examples(output).out == result.out  # deterministic


# --- SARIF ----------------------------------------------------------------------------


@needs_shared
def test_sarif_is_valid_and_has_what_github_requires(examples: Callable[..., Result], catalog: Catalog) -> None:
    log = json.loads(examples("sarif").out)
    _validate_sarif(log)
    assert log["version"] == "2.1.0" and log["$schema"]
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "policylint" and driver["version"] and driver["semanticVersion"]
    assert driver["informationUri"] == "https://github.com/policylint/policylint"
    assert [rule["id"] for rule in driver["rules"]][: len(catalog.policies)] == list(catalog.policies)
    for rule in driver["rules"]:
        _check_rule(rule)
    assert run["results"], "the examples have findings"
    for result in run["results"]:
        _check_result(result, driver["rules"])
    assert run["invocations"][0]["executionSuccessful"] is True
    assert run["properties"]["as_of"] == AS_OF


def _check_rule(rule: dict[str, Any]) -> None:
    for key in ("shortDescription", "fullDescription"):
        assert 0 < len(rule[key]["text"].strip()) <= 1024
    assert rule["help"]["text"].strip() and rule["help"]["markdown"].strip()
    assert rule["name"] == pascal_case(rule["id"]) and len(rule["name"]) <= 255
    assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    properties = rule["properties"]
    assert isinstance(properties["security-severity"], str)
    assert 0.0 < float(properties["security-severity"]) <= 10.0
    assert "security" in properties["tags"] and len(properties["tags"]) <= 20
    assert len(set(properties["tags"])) == len(properties["tags"])
    assert properties["precision"] == "very-high"


def _check_result(result: dict[str, Any], rules: list[dict[str, Any]]) -> None:
    assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
    assert result["message"]["text"].strip()
    location = result["locations"][0]["physicalLocation"]
    uri = location["artifactLocation"]["uri"]
    assert uri.startswith("examples/") and "\\" not in uri
    assert location["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert location["region"]["startLine"] >= 1 and location["region"]["startColumn"] >= 1
    assert re.fullmatch("[0-9a-f]{32}", result["partialFingerprints"]["policylint/v1"])
    assert {"status", "pointer", "system", "references", "laws"} <= set(result["properties"])


def test_sarif_rule_help_names_the_reminder_and_the_laws(examples: Callable[..., Result], catalog: Catalog) -> None:
    rules = {rule["id"]: rule for rule in json.loads(examples("sarif").out)["runs"][0]["tool"]["driver"]["rules"]}
    policy = catalog.policies["audit-logging"]
    help_text = rules["audit-logging"]["help"]["text"]
    reminder = catalog.reminder(policy.references[0])
    assert reminder is not None
    for expected in (policy.title.en, policy.title.zh, reminder.text.en, reminder.text.zh, policy.remediation.zh):
        assert expected in help_text
    for law in policy.laws:
        assert catalog.law_names[law].en in help_text
    assert rules["audit-logging"]["fullDescription"]["text"] == f"{policy.title.en} / {policy.title.zh}"


@pytest.mark.parametrize(
    ("severity", "level", "score"),
    [
        ("critical", "error", "9.5"),
        ("high", "error", "8.0"),
        ("medium", "warning", "5.5"),
        ("low", "note", "3.0"),
        ("info", "note", "1.0"),
    ],
)
def test_sarif_levels_and_scores_follow_severity(catalog: Catalog, severity: str, level: str, score: str) -> None:
    log = json.loads(reporter("sarif")(_run([_finding(severity=severity, policy="not-in-catalog")]), catalog))
    (result,) = log["runs"][0]["results"]
    assert result["level"] == level
    rule = log["runs"][0]["tool"]["driver"]["rules"][result["ruleIndex"]]
    assert rule["id"] == "not-in-catalog"
    assert rule["properties"]["security-severity"] == score
    assert rule["defaultConfiguration"]["level"] == level


@needs_shared
def test_sarif_reports_file_errors_and_keeps_an_empty_results_array(catalog: Catalog) -> None:
    report = _run([], errors=[FileError("broken.yaml", "invalid YAML", 2, 3), FileError("gone.yaml", "missing")])
    log = json.loads(reporter("sarif")(report, catalog))
    _validate_sarif(log)
    run = log["runs"][0]
    assert run["results"] == []
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    first, second = invocation["toolExecutionNotifications"]
    assert first["level"] == "error" and first["message"]["text"] == "invalid YAML"
    assert first["locations"][0]["physicalLocation"]["region"] == {"startLine": 2, "startColumn": 3}
    assert "region" not in second["locations"][0]["physicalLocation"]


@needs_shared
def test_sarif_category_names_the_run_so_shards_keep_their_alerts(examples: Callable[..., Result]) -> None:
    log = json.loads(examples("sarif", "--category", "backend").out)
    _validate_sarif(log)
    assert log["runs"][0]["automationDetails"] == {"id": "backend/"}  # upload-sarif: category "backend"
    assert "automationDetails" not in json.loads(examples("sarif").out)["runs"][0]


def test_sarif_results_name_their_rule_whatever_order_outside_policies_come_in(catalog: Catalog) -> None:
    """Rules of policies the catalog lacks are sorted; results meet them in another order."""
    missing = _finding(policy="not-declared", status="not_declared", identity="2" * 32, file="svc/a.yaml")
    expired = _finding(policy="expired-waiver", severity="medium", identity="1" * 32, file="svc/b.yaml")
    log = json.loads(reporter("sarif")(_run([missing, expired, _finding(file="svc/c.yaml")]), catalog))
    rules = [rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]]
    assert rules[-2:] == ["expired-waiver", "not-declared"]
    assert [rules[result["ruleIndex"]] for result in log["runs"][0]["results"]] == [
        "not-declared",
        "expired-waiver",
        "audit-logging",
    ]


@needs_shared
def test_sarif_gives_rules_to_policies_outside_the_catalog_and_suppresses_waived(catalog: Catalog) -> None:
    waiver = Waiver(("audit-logging",), "legacy", date(2027, 6, 30), "svc/a.yaml:2", file="svc/a.yaml")
    findings = [_finding(waiver=waiver), _finding(policy="expired-waiver", severity="medium", identity="1" * 32)]
    log = json.loads(reporter("sarif")(_run(findings), catalog))
    _validate_sarif(log)
    run = log["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    by_policy = {result["ruleId"]: result for result in run["results"]}
    assert rules[by_policy["expired-waiver"]["ruleIndex"]]["shortDescription"]["text"] == "A waiver has expired"
    assert by_policy["audit-logging"]["suppressions"] == [
        {
            "kind": "inSource",
            "status": "accepted",
            "justification": "legacy",
            "properties": {"expires": "2027-06-30", "source": "svc/a.yaml:2"},
        }
    ]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("examples/a.yaml", {"uri": "examples/a.yaml", "uriBaseId": "%SRCROOT%"}),
        ("./sub dir/#1 系統.yaml", {"uri": "sub%20dir/%231%20%E7%B3%BB%E7%B5%B1.yaml", "uriBaseId": "%SRCROOT%"}),
        ("../repo/a b.yaml", {"uri": "../repo/a%20b.yaml", "uriBaseId": "%SRCROOT%"}),
    ],
)
def test_sarif_uris_are_relative_forward_slashed_and_percent_encoded(path: str, expected: dict[str, str]) -> None:
    assert artifact_location(path) == expected


# --- JUnit ----------------------------------------------------------------------------


@needs_shared
def test_junit_validates_and_has_a_suite_per_descriptor(examples: Callable[..., Result], catalog: Catalog) -> None:
    text = examples("junit").out
    _validate_junit(text)
    root = ET.fromstring(text)
    assert root.tag == "testsuites" and root.get("name") == "policylint"
    suites = root.findall("testsuite")
    report = json.loads(examples("json").out)
    assert [suite.get("name") for suite in suites] == [f"{s['file']}::{s['system']}" for s in report["systems"]]
    for key in ("tests", "failures", "errors"):
        assert int(root.get(key, "-1")) == sum(int(suite.get(key, "0")) for suite in suites)
    first = suites[0]
    assert [case.get("name") for case in first.findall("testcase")] == sorted(catalog.policies)
    assert all(case.get("file") is None for case in first.iter("testcase"))


@needs_shared
def test_junit_failures_skips_and_errors(examples: Callable[..., Result]) -> None:
    root = ET.fromstring(examples("junit", "--lang", "en").out)
    suite = root.find("testsuite[@name='examples/20170101-job-portal.yaml::job-matching-portal']")
    assert suite is not None
    cases = {case.get("name"): case for case in suite.findall("testcase")}
    failure = cases["audit-logging"].find("failure")
    assert failure is not None and failure.get("type") == "high"
    assert "examples/20170101-job-portal.yaml:31:5" in (failure.text or "")
    assert "20170101-5" in (failure.text or "")
    skipped = cases["bulk-download-cap"].find("skipped")
    assert skipped is not None and skipped.get("message") == "not applicable"
    reference = root.find("testsuite[@name='examples/reference-system.yaml::reference-case-portal']")
    assert reference is not None
    assert {case.get("name"): case.find("*") for case in reference.findall("testcase")}["audit-logging"] is None


@needs_shared
def test_junit_file_errors_and_illegal_characters(catalog: Catalog) -> None:
    finding = _finding(message=Localized("\x00控制\x1b", "bad\x00 \x1b[31m\x0bvalue"), file="svc/\x07a.yaml")
    errors = [FileError("broken\x01.yaml", "invalid\x02 YAML", 1, 1)]
    text = reporter("junit")(_run([finding], [SystemResult("svc/\x07a.yaml", "svc", 1, ())], errors=errors), catalog)
    _validate_junit(text)
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f]", text)
    root = ET.fromstring(text)
    error_suite = root.find("testsuite[@name='policylint errors']")
    assert error_suite is not None and error_suite.get("errors") == "1"
    error = error_suite.find("testcase/error")
    assert error is not None and error.get("message") == "invalid YAML"
    assert root.get("errors") == "1" and root.get("failures") == "1"


# --- GitLab Code Quality --------------------------------------------------------------


def test_gitlab_code_quality_fields(examples: Callable[..., Result]) -> None:
    issues = json.loads(examples("gitlab").out)
    report = json.loads(examples("json").out)
    assert isinstance(issues, list) and len(issues) == len(report["findings"])
    for issue, finding in zip(issues, report["findings"], strict=True):
        assert issue["description"].strip() and issue["check_name"] == finding["policy"]
        waived = finding.get("waiver") is not None
        assert issue["severity"] == ("info" if waived else GITLAB_SEVERITIES[finding["severity"]])
        assert issue["severity"] in ("info", "minor", "major", "critical", "blocker")
        assert issue["location"] == {"path": finding["file"], "lines": {"begin": finding["line"]}}
    assert len({issue["fingerprint"] for issue in issues}) == len(issues)
    assert not examples("gitlab").out.startswith("\ufeff")


def test_gitlab_severities_and_errors(catalog: Catalog) -> None:
    assert GITLAB_SEVERITIES == {
        "critical": "critical",
        "high": "major",
        "medium": "minor",
        "low": "info",
        "info": "info",
    }
    report = _run([_finding(file="./svc/a.yaml")], errors=[FileError("broken.yaml", "invalid YAML")])
    issue, error = json.loads(reporter("gitlab")(report, catalog))
    assert issue["location"]["path"] == "svc/a.yaml"
    assert error["severity"] == "blocker" and error["location"] == {"path": "broken.yaml", "lines": {"begin": 1}}


def test_gitlab_reports_a_waived_finding_as_info_naming_its_waiver(catalog: Catalog) -> None:
    waiver = Waiver(("audit-logging",), "legacy HSM", date(2027, 6, 30), "svc/a.yaml:2", file="svc/a.yaml")
    findings = [_finding(waiver=waiver), _finding(line=9, identity="1" * 32)]
    waived, open_issue = json.loads(reporter("gitlab")(_run(findings), catalog))
    assert waived["severity"] == "info" and open_issue["severity"] == "major"
    assert waived["description"].endswith("(waived: legacy HSM; expires 2027-06-30)")
    audited = json.loads(reporter("gitlab")(_run(findings, no_waivers=True), catalog))
    assert [issue["severity"] for issue in audited] == ["major", "major"]
    assert "waived" not in audited[0]["description"]


# --- CSV ------------------------------------------------------------------------------


def test_csv_has_a_header_and_a_row_a_finding(examples: Callable[..., Result]) -> None:
    text = examples("csv", "--lang", "en").out
    assert "\r" not in text
    assert text.startswith("\ufeffpolicy,") and text.count("\ufeff") == 1  # Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    assert tuple(rows[0]) == COLUMNS
    report = json.loads(examples("json", "--lang", "en").out)
    assert len(rows) - 1 == len(report["findings"])
    first = dict(zip(COLUMNS, rows[1], strict=True))
    assert first["fingerprint"] == report["findings"][0]["fingerprint"]
    assert first["message"] == report["findings"][0]["message"]


def test_csv_file_opens_as_utf8_in_excel(examples: Callable[..., Result], tmp_path: Path) -> None:
    examples("csv", "-o", str(tmp_path / "findings.csv"))
    data = (tmp_path / "findings.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbfpolicy,")
    assert "稽核" in data.decode("utf-8-sig")


def test_csv_names_the_waiver_that_covers_a_finding(catalog: Catalog) -> None:
    waiver = Waiver(("audit-logging",), "=舊系統", date(2027, 6, 30), "svc/a.yaml:2", owner="資安科")
    findings = [_finding(waiver=waiver), _finding(line=9, identity="1" * 32)]
    text = reporter("csv")(_run(findings, lang="zh-TW"), catalog)
    waived, plain = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    assert waived["status"] == "waived" and plain["status"] == "failed"
    assert [waived["waiver_reason"], waived["waiver_owner"], waived["waiver_expires"]] == [
        "'=舊系統",
        "資安科",
        "2027-06-30",
    ]
    assert [plain["waiver_reason"], plain["waiver_owner"], plain["waiver_expires"]] == ["", "", ""]


@pytest.mark.parametrize("cell", ["=1+1", "+1", "-1", "@SUM(A1)", '=HYPERLINK("http://x")'])
def test_csv_neutralises_formulas(cell: str) -> None:
    assert neutralise(cell) == "'" + cell
    assert neutralise("safe " + cell) == "safe " + cell


@pytest.mark.parametrize(("cell", "shown"), [("\tx", "\\tx"), ("\rx", "\\rx"), ("a\x1b[2Jb", "a\\x1b[2Jb")])
def test_csv_escapes_control_characters(cell: str, shown: str) -> None:
    assert neutralise(cell) == shown


def test_csv_neutralises_a_finding_message(catalog: Catalog) -> None:
    message = Localized("=cmd|' /C calc'!A0", "=cmd|' /C calc'!A0")
    report = _run([_finding(message=message, remediation=Localized("-x", "-x"), system="@svc")])
    rows = list(csv.DictReader(io.StringIO(reporter("csv")(report, catalog).removeprefix("\ufeff"))))
    assert rows[0]["message"] == "'=cmd|' /C calc'!A0"
    assert rows[0]["remediation"] == "'-x" and rows[0]["system"] == "'@svc"
    assert rows[0]["line"] == "3"


# --- the texts a CSV, GitLab or JUnit reporter keeps -----------------------------------

WHOLE_ID = re.compile(r"[A-Z][1289A-D][0-9]{8}")


def test_kept_texts_are_bounded_and_a_long_one_is_not_kept() -> None:
    kept = Kept(str.upper)
    assert kept["a"] == "A" and "a" in kept
    long = "x" * (LONGEST_KEPT + 1)
    assert kept[long] == long.upper() and long not in kept
    for number in range(3 * KEPT):
        assert kept[str(number)] == str(number)
    assert 0 < len(kept) <= KEPT


def _same_policy_with_an_identifier() -> list[Finding]:
    """Two findings of one policy, the second (another system's, as a result merged from
    another catalog could be) with an identifier in every text its policy's findings share."""
    plain = _finding()
    marked = _finding(
        line=9,
        system="other",
        message=Localized(f"值為 {NATIONAL_ID}", f"value {NATIONAL_ID}"),
        remediation=Localized(f"移除 {NATIONAL_ID}", f"remove {NATIONAL_ID}"),
        references=(Reference(NATIONAL_ID, 1),),
        laws=(f"LAW-{NATIONAL_ID}",),
    )
    return [plain, marked, replace(plain, line=12)]


def test_a_csv_row_masks_what_its_policy_shares_with_kept_rows(catalog: Catalog) -> None:
    text = reporter("csv")(_run(_same_policy_with_an_identifier()), catalog)
    assert WHOLE_ID.search(text) is None
    rows = {row["line"]: row for row in csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))}
    for column in ("message", "remediation", "references", "laws"):
        assert MASKED_ID in rows["9"][column] and MASKED_ID not in rows["12"][column], column


def test_a_gitlab_issue_masks_what_its_policy_shares_with_kept_issues(catalog: Catalog) -> None:
    issues = json.loads(reporter("gitlab")(_run(_same_policy_with_an_identifier()), catalog))
    assert WHOLE_ID.search(json.dumps(issues)) is None
    marked = next(issue for issue in issues if issue["location"]["lines"]["begin"] == 9)
    assert marked["description"] == f"value {MASKED_ID} [{MASKED_ID}-1]"


def test_a_junit_failure_masks_what_its_policy_shares_with_kept_failures(catalog: Catalog) -> None:
    root = ET.fromstring(reporter("junit")(_run(_same_policy_with_an_identifier()), catalog))
    failures = {suite.get("name"): suite.find("testcase/failure") for suite in root.iter("testsuite")}
    marked, plain = failures["svc/a.yaml::other"], failures["svc/a.yaml::svc"]
    assert marked is not None and plain is not None
    assert WHOLE_ID.search(ET.tostring(root, encoding="unicode")) is None
    assert marked.get("message") == f"value {MASKED_ID}"
    assert (marked.text or "").count(MASKED_ID) == 4  # message, references, laws, remediation
    assert MASKED_ID not in (plain.text or "")


@pytest.mark.parametrize("output", ("csv", "gitlab", "junit"))
def test_a_character_dropped_or_escaped_never_joins_an_identifier(output: str, catalog: Catalog) -> None:
    """XML 1.0 cannot hold ``\\x01``: dropping it must not leave ``A123456789`` whole."""
    finding = _finding(file="svc/A12345\x016789.yaml", message=Localized("A12345\x016789", "A12345\x016789 x"))
    text = reporter(output)(_run([finding]), catalog)
    assert WHOLE_ID.search(text) is None


@needs_shared
def test_junit_is_what_elementtree_writes(catalog: Catalog) -> None:
    """Parsed and written again by ElementTree (indented as ElementTree.indent does), the
    report gives its own bytes: the escaping and layout are ElementTree's."""
    hostile = Localized('值 "<&>"\t\n末', 'value "<&>"\tand\nmore')
    waiver = Waiver(("backup-protection",), "legacy <&>", date(2027, 6, 30), 'svc/a&"b.yaml:2')
    findings = [
        _finding(file='svc/a&"b.yaml', system='s"<>', message=hostile),
        _finding(file='svc/a&"b.yaml', system='s"<>', line=7, policy="not-declared", policies=("x", "audit-logging")),
        _finding(file='svc/a&"b.yaml', system='s"<>', line=8, policy="backup-protection", waiver=waiver),
    ]
    statuses = (("audit-logging", FAILED), ("backup-protection", WAIVED), ("x", NOT_APPLICABLE), ("y", "error"))
    systems = [
        SystemResult('svc/a&"b.yaml', 's"<>', 1, (*statuses, ("z", PASSED))),
        SystemResult("svc/c.yaml", "empty", 1, ()),
    ]
    errors = [FileError("broken\t<&>.yaml", 'bad "value"\nhere', 2, 3)]
    for lang in ("en", "zh-TW"):
        text = reporter("junit")(_run(findings, systems, errors=errors, lang=lang), catalog)
        _validate_junit(text)
        root = ET.fromstring(text)
        ET.indent(root)
        assert text == '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


# --- the audit reports ----------------------------------------------------------------


def test_worst_status_orders_failed_before_not_declared_before_passed() -> None:
    assert worst([PASSED, NOT_DECLARED, FAILED]) == FAILED
    assert worst([PASSED, NOT_DECLARED]) == NOT_DECLARED
    assert worst([NOT_APPLICABLE, PASSED]) == PASSED
    assert worst([NOT_APPLICABLE]) == NOT_APPLICABLE
    assert worst([WAIVED, PASSED]) == WAIVED
    assert worst([]) is None


def test_matrix_cells_are_the_worst_status_over_a_reminders_policies(catalog: Catalog) -> None:
    reminder = next(r for g in catalog.guidelines for c in g.cases for r in c.reminders if len(r.policies) > 1)
    first, second = reminder.policies[:2]
    system = SystemResult("svc/a.yaml", "svc", 1, ((first, PASSED), (second, NOT_DECLARED)))
    tally, rows = _audit_rows(_run([], [system]), catalog)
    column = tally.columns.index(reminder)
    assert tally.matrix_row(rows[0]).cells[column] == NOT_DECLARED


def test_pairs_whose_findings_are_all_waived_count_as_waived_unless_waivers_are_ignored(catalog: Catalog) -> None:
    waiver = Waiver(("audit-logging",), "legacy", date(2027, 6, 30), "svc/a.yaml:2")
    system = SystemResult("svc/a.yaml", "svc", 1, (("audit-logging", WAIVED),))
    findings = [_finding(waiver=waiver)]
    assert _audit_rows(_run(findings, [system]), catalog)[1][0].statuses["audit-logging"] == WAIVED
    ignored = _audit_rows(_run(findings, [system], no_waivers=True), catalog)[1]
    assert ignored[0].statuses["audit-logging"] == FAILED


def test_markdown_has_the_per_case_summary_and_the_matrix(examples: Callable[..., Result], catalog: Catalog) -> None:
    text = examples("markdown").out
    assert text.startswith("# policylint 稽核報告")
    assert "## 依案例彙整" in text and "## 依法規彙整" in text and "## 依系統彙整" in text
    for case in (c for g in catalog.guidelines for c in g.cases):
        assert f"| {case.id} {case.title.zh} |" in text
    assert "## 符合性矩陣" in text and "| job-matching-portal (examples/20170101-job-portal.yaml) | ✗" in text
    assert f"- **檢查基準日**: {AS_OF}" in text and catalog.digest in text
    assert "```text\n" in text and ">   31 |     retentionDays: 90" in text


def test_markdown_in_english(examples: Callable[..., Result]) -> None:
    text = examples("markdown", "--lang", "en").out
    assert "## Summary by case" in text and "## Compliance matrix" in text


def test_html_is_self_contained_and_has_the_matrix(examples: Callable[..., Result]) -> None:
    text = examples("html").out
    assert text.startswith("<!DOCTYPE html>") and '<html lang="zh-TW">' in text
    assert "<script" not in text.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", text, re.IGNORECASE)
    assert "@import" not in text and "url(" not in text
    assert "@page" in text and "size: A4" in text and "table-header-group" in text
    assert '<table class="matrix">' in text and 'class="s-failed"' in text
    assert "依案例彙整" in text and "retentionDays: 90" in text


def test_html_escapes_hostile_text(catalog: Catalog) -> None:
    system = SystemResult(f"{HOSTILE}.yaml", HOSTILE, 1, (("audit-logging", FAILED),))
    finding = _finding(file=f"{HOSTILE}.yaml", system=HOSTILE, message=Localized(HOSTILE, HOSTILE))
    text = reporter("html")(_run([finding], [system]), catalog)
    assert "<script" not in text and "<img" not in text
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in text
    markdown = reporter("markdown")(_run([finding], [system]), catalog)
    assert "<script" not in markdown and "<img" not in markdown


def test_audit_reports_mask_national_ids_in_evidence_and_messages(run: Run, write: Write) -> None:
    text = DESCRIPTOR_HEAD.replace("  agency:", f"  title: 測試 {NATIONAL_ID}\n  agency:") + "  downloads:\n"
    path = write("ids.yaml", text + "    enabled: false\n")
    for output in FORMATS:
        result = run("check", str(path), "--as-of", AS_OF, "--format", output, "--exit-zero")
        assert NATIONAL_ID not in result.out, output
    html = run("check", str(path), "--as-of", AS_OF, "--format", "html", "--exit-zero").out
    assert f"title: 測試 {MASKED_ID}" in html


@pytest.mark.parametrize(
    ("output", "shown"),
    [
        ("markdown", "- **System**: {id}\n- **Message**: value {id}\n"),
        ("html", "<dt>System</dt><dd>{id}</dd><dt>Message</dt><dd>value {id}</dd>"),
    ],
)
def test_the_texts_findings_share_are_kept_masked(catalog: Catalog, output: str, shown: str) -> None:
    """A reporter makes a system's or a message's text once for all its findings: every finding
    still shows it masked, and a finding whose system or status differs shows its own."""
    message = Localized(f"值 {NATIONAL_ID}", f"value {NATIONAL_ID}")
    findings = [_finding(file=f"svc/{NATIONAL_ID}-{n}.yaml", system=NATIONAL_ID, message=message) for n in range(3)]
    findings.append(_finding(file="svc/z.yaml", system="other", message=message, status=NOT_DECLARED))
    text = reporter(output)(_run(findings), catalog)
    masked = MASKED_ID.replace("*", "\\*") if output == "markdown" else MASKED_ID  # Markdown escapes the stars
    assert NATIONAL_ID not in text
    assert text.count(shown.format(id=masked)) == 3
    assert text.count(f"value {masked}") == 4 and text.count(label_of(NOT_DECLARED, output)) == 1


def label_of(status: str, output: str) -> str:
    name = status.replace("_", " ")
    return f"- **Status**: {name}\n" if output == "markdown" else f"<dt>Status</dt><dd>{name}</dd>"


def test_evidence_hides_password_values_and_strips_illegal_xml() -> None:
    assert safe_source("  password: hunter2") == "  password: ********"
    assert safe_source('DB_PASSWORD="Tp2017!"') == "DB_PASSWORD=********"
    assert safe_source("  passwordSource: nationalId") == "  passwordSource: nationalId"
    assert safe_source(f"  owner: {NATIONAL_ID}") == f"  owner: {MASKED_ID}"
    assert xml_safe("a\x00b\x1bc\td\ne") == "abc\td\ne"


_JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()  # NaN and the infinities too, which json.dumps writes as NaN and Infinity
    | st.text()  # control characters, quotes, backslashes, non-BMP and lone surrogates
)
_JSON_KEYS = st.text(max_size=6) | st.integers() | st.floats() | st.booleans() | st.none()
_JSON_VALUES = st.recursive(
    _JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(_JSON_KEYS, children, max_size=4)
    ),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(_JSON_VALUES)
def test_pretty_writes_what_json_dumps_writes(value: Any) -> None:
    assert pretty(value) == json.dumps(value, ensure_ascii=False, indent=2)
    indented = "    " + json.dumps(value, ensure_ascii=False, indent=2).replace("\n", "\n    ")
    assert "    " + pretty(value, "\n    ") == indented


def test_pretty_refuses_what_json_dumps_refuses() -> None:
    for value in ({1j: 1}, {(1,): 2}, [object()], {"a": {1, 2}}):
        with pytest.raises(TypeError):
            json.dumps(value, ensure_ascii=False, indent=2)
        with pytest.raises(TypeError):
            pretty(value)


def test_text_lines_keep_their_own_policy_severity_and_references_when_a_message_recurs(catalog: Catalog) -> None:
    """The text report keeps a line's text by message: a merged result can pair one message
    with another policy, severity or references, and each line must still say its own."""
    message, other = Localized("同一訊息", "one message"), (Reference("20170102", 1),)
    findings = [  # each differs from the one before in one of the three only
        _finding(message=message, line=1),
        _finding(message=message, line=2, severity="low"),
        _finding(message=message, line=3, severity="low", policy="other-policy"),
        _finding(message=message, line=4, severity="low", policy="other-policy", references=other),
        _finding(message=message, line=5, severity="low", policy="other-policy", references=(*other,)),
    ]
    lines = [line for line in reporter("text")(_run(findings), catalog).splitlines() if line.startswith("svc/")]
    assert lines == [
        "svc/a.yaml:1:5: HIGH audit-logging one message [20170101-5; PDPA§12]",
        "svc/a.yaml:2:5: LOW audit-logging one message [20170101-5; PDPA§12]",
        "svc/a.yaml:3:5: LOW other-policy one message [20170101-5; PDPA§12]",
        "svc/a.yaml:4:5: LOW other-policy one message [20170102-1; PDPA§12]",
        "svc/a.yaml:5:5: LOW other-policy one message [20170102-1; PDPA§12]",  # equal references, not the same
    ]


_TEXT_ERRORS = ("surrogateescape", "replace", "backslashreplace", "strict")
# Lone surrogates, which the stream's error handler decides on: st.text never makes them.
_WITH_SURROGATES = st.lists(st.one_of(st.characters(), st.sampled_from(["\ud800", "\udcff", "臺"])), max_size=30).map(
    "".join
)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(_WITH_SURROGATES, st.booleans(), st.integers(1, 3)), min_size=1, max_size=6),
    st.sampled_from(("en", "zh-TW")),
    st.booleans(),
    st.sampled_from(_TEXT_ERRORS),
)
def test_the_text_report_in_utf8_is_the_text_encoded(
    parts: list[tuple[str, bool, int]], lang: str, color: bool, errors: str
) -> None:
    """A streamed text report is written as UTF-8 bytes from kept, encoded texts: they must
    be the bytes the text itself encodes to, lone surrogates and waived lines included."""
    from policylint.report.text import findings_text, findings_utf8

    waiver = Waiver(("audit-logging",), "accepted", AS_OF_DATE, "cfg.yaml:3", owner="ops")
    findings = [
        _finding(message=Localized(f"訊息{text}", f"message {text}"), line=line, waiver=waiver if waived else None)
        for text, waived, line in parts
    ]
    findings.sort(key=lambda finding: finding.line)
    try:
        expected: bytes | type[Exception] = findings_text(findings, lang, color).encode("utf-8", errors)
    except UnicodeEncodeError:
        expected = UnicodeEncodeError
    if expected is UnicodeEncodeError:
        with pytest.raises(UnicodeEncodeError):
            findings_utf8(findings, lang, color, errors)
    else:
        assert findings_utf8(findings, lang, color, errors) == expected


def test_bytes_are_written_under_a_utf8_stream_only() -> None:
    from policylint.report.text import utf8_bytes_under as _utf8_bytes_under

    assert _utf8_bytes_under(io.StringIO()) is None
    assert _utf8_bytes_under(io.TextIOWrapper(io.BytesIO(), encoding="cp950")) is None
    stream = io.TextIOWrapper(io.BytesIO(), encoding="UTF8")
    stream.write("先寫的 ")
    buffer = _utf8_bytes_under(stream)
    assert buffer is stream.buffer
    buffer.write("再寫的".encode())
    stream.write(" 最後")
    stream.flush()
    assert buffer.getvalue().decode() == "先寫的 再寫的 最後"  # type: ignore[attr-defined]


# --- one scan, every reporter ----------------------------------------------------------


def test_one_scan_writes_every_report_as_a_run_of_its_own_would(
    examples: Callable[..., Result], tmp_path: Path
) -> None:
    extras = [f"{name}:{tmp_path / name}" for name in REPORTERS if name != "text"]
    combined = examples("text", *(argument for extra in extras for argument in ("--report", extra)))
    assert combined.out == examples("text").out
    for name in REPORTERS:
        if name != "text":
            assert (tmp_path / name).read_text(encoding="utf-8") == examples(name).out, name


def test_audit_reports_show_the_evidence_the_engine_captured_without_opening_the_file(catalog: Catalog) -> None:
    """The evidence comes with the results: the file named here does not exist."""
    finding = _finding(file="gone/a.yaml", line=2)
    results = _run([finding], [SystemResult("gone/a.yaml", "svc", 1, (("audit-logging", FAILED),))])
    lines = (SourceLine(1, "audit:"), SourceLine(2, "  enabled: false"), SourceLine(3, "  days: 1"))
    results.reports[0] = results.reports[0]._replace(source_lines=lines)
    markdown = reporter("markdown")(results, catalog)
    assert ">    2 |   enabled: false" in markdown and "     3 |   days: 1" in markdown
    assert '<span class="focus">   2 |   enabled: false</span>' in reporter("html")(results, catalog)


def test_results_written_from_templates_are_those_of_their_data(catalog: Catalog) -> None:
    """SARIF results and JSON findings are filled into a text made once per policy; the bytes
    are those of writing each result's own data (waived ones are written so)."""
    from policylint.model.results import BaselineSummary
    from policylint.report.json_report import PolicyFacts, finding_data
    from policylint.report.sarif import result_data

    waiver = Waiver(("audit-logging",), "legacy", date(2027, 6, 30), "svc/a.yaml:2")
    findings = [
        _finding(),
        _finding(line=9, column=2, baselined=True, message=Localized("中\x00", 'a "b"\n')),
        _finding(line=12, waiver=waiver),
        _finding(file="/abs/b.yaml", system="", pointer="/x~1y"),
        _finding(file="svc/c.yaml", severity="low", policy="not-in-catalog"),
    ]
    for baseline in (None, BaselineSummary("b.json", 1, ())):
        results = _run(findings, baseline=baseline)
        log = reporter("sarif")(results, catalog)
        assert log == json.dumps(json.loads(log), ensure_ascii=False, indent=2) + "\n"
        rules = [rule["id"] for rule in json.loads(log)["runs"][0]["tool"]["driver"]["rules"]]
        ordered = [f for report in results.reports for f in report.findings]
        ordered.sort(key=lambda f: (f.file, f.line, f.column, f.policy, f.pointer))
        expected = [result_data(f, results.run, rules.index(f.policy)) for f in ordered]
        assert json.loads(log)["runs"][0]["results"] == json.loads(json.dumps(expected))
        report = reporter("json")(results, catalog)
        assert report == json.dumps(json.loads(report), ensure_ascii=False, indent=2) + "\n"
        shared = {f.policy: PolicyFacts.of(f) for f in reversed(ordered)}
        expected = [finding_data(f, "en", False, shared[f.policy]) for f in ordered]
        assert json.loads(report)["findings"] == json.loads(json.dumps(expected))
