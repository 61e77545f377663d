"""A descriptor linked to its configuration: observed facts, mismatches and broken links."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import AS_OF, ROOT, Result, shown

EVIDENCE = ROOT / "tests" / "evidence"
SYSTEMS = EVIDENCE / "systems"
REALM = EVIDENCE / "keycloak" / "weak-lockout-realm.json"


def line_of(path: Path, text: str, occurrence: int = 1) -> int:
    hits = [
        n for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if line.lstrip().startswith(text)
    ]
    return hits[occurrence - 1]


def check(run: Callable[..., Result], *argv: str) -> Result:
    return run("check", "--as-of", AS_OF, "--lang", "en", "--select", "login-rate-limit", *argv)


def test_a_contradicted_declaration_is_a_mismatch_naming_both_lines(run: Callable[..., Result]) -> None:
    descriptor = SYSTEMS / "staff-portal.yaml"
    result = check(run, str(descriptor))
    realm = Path("tests/evidence/keycloak/weak-lockout-realm.json")  # as the descriptor names it
    shown_realm = str((SYSTEMS / "../keycloak/weak-lockout-realm.json").resolve().relative_to(ROOT))
    declared = line_of(descriptor, "threshold:")
    observed = line_of(REALM, '"failureFactor"')
    assert (
        f"{descriptor}:{declared}:7: HIGH declaration-mismatch loginProtection.lockout.threshold is declared 5, "
        "but the setting failureFactor "
        f"at {shown_realm}:{observed} makes it 10 [20170101-3, 20170102-2; PDPA§12,18,28]"
    ).replace(str(ROOT) + "/", "") in result.out.replace(str(ROOT) + "/", "")
    assert f"{realm}:{observed}:3: HIGH login-rate-limit" in result.out.replace(str(ROOT) + "/", "")
    assert result.code == 1


def test_sarif_names_the_setting_as_a_related_location(run: Callable[..., Result]) -> None:
    result = run(
        "check",
        "--as-of",
        AS_OF,
        "--format",
        "sarif",
        "--select",
        "login-rate-limit",
        str(SYSTEMS / "staff-portal.yaml"),
    )
    results = json.loads(result.out)["runs"][0]["results"]
    mismatch = next(
        r for r in results if r["ruleId"] == "declaration-mismatch" and "failureFactor" in r["message"]["text"]
    )
    related = mismatch["relatedLocations"][0]["physicalLocation"]
    assert related["artifactLocation"]["uri"].endswith("tests/evidence/keycloak/weak-lockout-realm.json")
    assert related["region"]["startLine"] == line_of(REALM, '"failureFactor"')


def test_an_observed_fact_fills_in_what_the_descriptor_leaves_out(run: Callable[..., Result]) -> None:
    result = run(
        "check",
        "--as-of",
        AS_OF,
        "--lang",
        "en",
        "--format",
        "json",
        "--select",
        "login-rate-limit",
        str(SYSTEMS / "records.yaml"),
    )
    findings = json.loads(result.out)["findings"]
    # the staff realm locks after 5 failures for 30 minutes: lockout passes without being declared
    assert findings == []
    assert result.code == 0


def test_a_directory_scan_checks_a_linked_realm_once(run: Callable[..., Result]) -> None:
    result = check(run, str(EVIDENCE))
    observed = line_of(REALM, '"failureFactor"')
    failure_factor = f"weak-lockout-realm.json:{observed}:3: HIGH login-rate-limit"
    assert result.out.count(failure_factor) == 1
    # a realm no descriptor names is still checked on its own
    assert "no-brute-force-realm.json:" in result.out


def test_a_missing_evidence_file_is_an_error_and_the_rest_still_runs(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    descriptor = tmp_path / "system.yaml"
    text = (
        (SYSTEMS / "staff-portal.yaml")
        .read_text(encoding="utf-8")
        .replace("../keycloak/weak-lockout-realm.json", "realm.json")
    )
    descriptor.write_text(text.replace("perIpPerMinute: 10", "perIpPerMinute: 100"), encoding="utf-8")
    result = check(run, str(descriptor))
    assert result.code == 2
    assert (
        f"{shown(tmp_path / 'realm.json')}: error: evidence file named by {shown(descriptor)}: "
        "no such file or directory" in result.err
    )
    assert "perIpPerMinute is 100" in result.out


@pytest.mark.parametrize(
    ("target", "error"),
    [
        ("package.json", "package.json: error: not a Keycloak realm export file (evidence kind 'keycloak-realm')"),
        ("../../etc/passwd", "error: evidence path '../../etc/passwd' leaves the repository"),
    ],
)
def test_a_linked_file_of_another_kind_or_outside_the_repository_is_an_error(
    run: Callable[..., Result], tmp_path: Path, target: str, error: str
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "package.json").write_text('{"name": "portal"}\n', encoding="utf-8")
    text = (SYSTEMS / "staff-portal.yaml").read_text(encoding="utf-8")
    (tmp_path / "system.yaml").write_text(text.replace("../keycloak/weak-lockout-realm.json", target), encoding="utf-8")
    result = check(run, str(tmp_path / "system.yaml"))
    assert result.code == 2
    assert error in result.err


def test_an_unknown_kind_is_an_error(run: Callable[..., Result], tmp_path: Path) -> None:
    (tmp_path / "realm.json").write_bytes(REALM.read_bytes())
    text = (SYSTEMS / "staff-portal.yaml").read_text(encoding="utf-8").replace("kind: keycloak-realm", "kind: okta")
    text = text.replace("../keycloak/weak-lockout-realm.json", "realm.json")
    (tmp_path / "system.yaml").write_text(text, encoding="utf-8")
    result = check(run, str(tmp_path / "system.yaml"))
    assert result.code == 2
    assert (
        "unknown evidence kind 'okta' (known: ingress-nginx, keycloak-realm, linux-pam, login-defs, nginx, pam-conf, "
        "sshd, windows-security-template)" in result.err
    )


# --- audit events a Keycloak realm decides in part --------------------------------------

AUDITED = """apiVersion: policylint/v1
kind: InformationSystem
metadata: {{name: audited, agency: 臺中市政府}}
spec:
  protectionGrade: 普
  auditLogging:
    enabled: true
    retentionDays: 365
    events: {events}
    fields: [eventType, time, source, user]
    accessRestricted: true
  evidence:
    - {{kind: keycloak-realm, path: realm.json}}
"""


def _audited(tmp_path: Path, events: str, realm: str) -> Path:
    (tmp_path / "realm.json").write_text(realm, encoding="utf-8")
    descriptor = tmp_path / "audited.yaml"
    descriptor.write_text(AUDITED.format(events=events), encoding="utf-8")
    return descriptor


def audit(run: Callable[..., Result], *argv: str) -> Result:
    return run("check", "--as-of", AS_OF, "--lang", "en", "--select", "audit-logging", *argv)


def test_a_realm_that_drops_declared_events_is_a_mismatch_and_fails_at_its_setting(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    realm = (
        '{\n  "realm": "staff",\n  "eventsEnabled": true,\n  "enabledEventTypes": ["LOGIN"],\n'
        '  "adminEventsEnabled": false\n}\n'
    )
    descriptor = _audited(tmp_path, "[login, failedLogin, dataAccess, export, admin]", realm)
    result = audit(run, str(descriptor))
    where = shown(tmp_path / "realm.json")
    assert (
        f"{shown(descriptor)}:9:5: HIGH declaration-mismatch auditLogging.events is declared "
        f'["login", "failedLogin", "admin"], but the setting enabledEventTypes LOGIN; adminEventsEnabled false '
        f'at {where}:5 makes it ["login"]'
    ) in result.out
    # admin actions go unrecorded: audit-logging fails at adminEventsEnabled, not at the declaration
    assert f"{where}:5:3: HIGH audit-logging" in result.out
    assert f"{shown(descriptor)}:9:5: HIGH audit-logging" not in result.out
    assert result.code == 1


def test_what_the_declaration_leaves_out_is_reported_at_the_declaration(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    realm = '{"realm": "staff", "eventsEnabled": true, "adminEventsEnabled": true}'
    descriptor = _audited(tmp_path, "[login, admin]", realm)
    result = audit(run, str(descriptor))
    # the realm records every login event and admin action; dataAccess and export are the system's own
    assert f"{shown(descriptor)}:9:5: HIGH audit-logging" in result.out
    assert "declaration-mismatch" not in result.out


def test_a_realm_that_records_what_is_declared_passes(run: Callable[..., Result], tmp_path: Path) -> None:
    realm = '{"realm": "staff", "eventsEnabled": true, "adminEventsEnabled": true}'
    descriptor = _audited(tmp_path, "[login, failedLogin, dataAccess, export, admin]", realm)
    result = audit(run, str(descriptor))
    assert (result.code, result.out.count("HIGH")) == (0, 0)


# --- streamed order -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Forty descriptors, a realm checked on its own among them, and a realm one of them links."""
    root = tmp_path_factory.mktemp("mixed")
    realm = REALM.read_text(encoding="utf-8")
    for index in range(40):
        (root / f"system-{index:02d}.yaml").write_text(
            "apiVersion: policylint/v1\nkind: InformationSystem\n"
            f"metadata: {{name: s{index}, agency: 臺中市政府}}\nspec:\n  auditLogging: {{enabled: false}}\n"
            + ("  evidence:\n    - {kind: keycloak-realm, path: system-39-realm.json}\n" if index == 39 else ""),
            encoding="utf-8",
        )
    (root / "system-19-realm.json").write_text(realm, encoding="utf-8")  # alone, between 18 and 19
    (root / "system-39-realm.json").write_text(realm, encoding="utf-8")  # linked by the last descriptor
    return root


@pytest.mark.parametrize("output_format", ["text", "json", "sarif"])
def test_a_configuration_checked_alone_keeps_its_sorted_place(
    run: Callable[..., Result], mixed: Path, output_format: str
) -> None:
    argv = ("check", "--as-of", AS_OF, "--lang", "en", "--select", "audit-logging,login-rate-limit")
    serial = run(*argv, "--format", output_format, "--jobs", "1", str(mixed))
    assert run(*argv, "--format", output_format, "--jobs", "2", str(mixed)).out == serial.out
    if output_format != "text":
        return
    files = [line.split(":", 1)[0] for line in serial.out.splitlines() if ": HIGH " in line]
    named = [Path(file).name for file in dict.fromkeys(files)]
    assert named == sorted(named)  # one pass, in file order
    assert named.index("system-19-realm.json") == named.index("system-18.yaml") + 1  # "-" sorts before "."
    assert "system-39-realm.json" in named  # reported through system-39.yaml, which links it
    assert files.count(shown(mixed / "system-19-realm.json")) > 0


def test_what_the_detectors_find_in_a_linked_file_is_still_reported(run: Callable[..., Result], tmp_path: Path) -> None:
    """A linked realm's settings are judged through its descriptor; a national ID in its text
    is reported by no descriptor, so it stays, at the realm's own line."""
    realm = json.loads(REALM.read_text(encoding="utf-8"))
    realm["smtpServer"] = {"user": "A123456789"}
    (tmp_path / "realm.json").write_text(json.dumps(realm, indent=2) + "\n", encoding="utf-8")
    text = (SYSTEMS / "staff-portal.yaml").read_text(encoding="utf-8")
    (tmp_path / "system.yaml").write_text(text.replace("../keycloak/weak-lockout-realm.json", "realm.json"), "utf-8")
    result = run("check", "--as-of", AS_OF, "--lang", "en", "--format", "json", str(tmp_path))
    found = [(f["file"], f["policy"]) for f in json.loads(result.out)["findings"] if f["file"].endswith("realm.json")]
    assert (shown(tmp_path / "realm.json"), "national-id-in-config") in found
    assert "A123456789" not in result.out
