"""Keycloak realm exports as evidence: what each setting observes, and where."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from policylint.evidence import Observation, Observed, Source, observe
from tests.conftest import AS_OF, ROOT, SHARED, Result
from tests.conftest import shown as shown_as

FIXTURES = ROOT / "tests" / "evidence" / "keycloak"


def observed(name: str, **selector: str) -> Observed:
    path = FIXTURES / name
    return observe(Source(name, str(path), path.read_text(encoding="utf-8"), str(ROOT), selector=selector))


def facts(name: str, **selector: str) -> dict[str, Observation]:
    found = observed(name, **selector)
    assert found.errors == ()
    return {o.pointer: o for system in found.systems for o in system.observations}


def line_of(name: str, key: str, occurrence: int = 1) -> int:
    lines = (FIXTURES / name).read_text(encoding="utf-8").splitlines()
    hits = [number for number, text in enumerate(lines, 1) if text.lstrip().startswith(f'"{key}"')]
    return hits[occurrence - 1]


def test_lockout_settings_are_observed_at_their_lines() -> None:
    found = facts("weak-lockout-realm.json")
    threshold = found["/spec/loginProtection/lockout/threshold"]
    duration = found["/spec/loginProtection/lockout/durationMinutes"]
    assert (threshold.value, threshold.line, threshold.setting) == (
        10,
        line_of("weak-lockout-realm.json", "failureFactor"),
        "failureFactor",
    )
    # the first lock lasts waitIncrementSeconds (60 s), not maxFailureWaitSeconds (900 s)
    assert (duration.value, duration.line, duration.setting) == (
        1,
        line_of("weak-lockout-realm.json", "waitIncrementSeconds"),
        "waitIncrementSeconds",
    )


def test_brute_force_off_observes_only_that() -> None:
    found = facts("no-brute-force-realm.json")
    enabled = found["/spec/loginProtection/lockout/enabled"]
    assert (enabled.value, enabled.line) == (False, line_of("no-brute-force-realm.json", "bruteForceProtected"))
    assert "/spec/loginProtection/lockout/threshold" not in found  # inert while protection is off


def test_password_policy_string_and_events_and_otp() -> None:
    found = facts("hardened-realm.json")
    values = {pointer: observation.value for pointer, observation in found.items()}
    assert values == {
        "/spec/loginProtection/lockout/enabled": True,
        "/spec/loginProtection/lockout/threshold": 5,
        "/spec/loginProtection/lockout/durationMinutes": 15,
        "/spec/passwordPolicy/minLength": 12,
        "/spec/passwordPolicy/history": 5,
        "/spec/passwordPolicy/maxAgeDays": 90,
        "/spec/passwordPolicy/characterClasses": 4,
        "/spec/passwordPolicy/blocklist": True,
        "/spec/auditLogging/enabled": True,
        "/spec/auditLogging/retentionDays": 365,
        "/spec/auditLogging/events": ["login", "logout", "failedLogin", "passwordChange", "admin"],
        "/spec/authentication/mfa/enabled": True,
        "/spec/dataFlows/-/channel": "https",  # sslRequired: external
    }
    assert found["/spec/passwordPolicy/minLength"].line == line_of("hardened-realm.json", "passwordPolicy")


def test_conditional_otp_is_not_required_otp() -> None:
    mfa = facts("weak-lockout-realm.json")["/spec/authentication/mfa/enabled"]
    assert mfa.value is False
    assert mfa.line == line_of("weak-lockout-realm.json", "browserFlow")


def test_ssl_not_required_is_plain_http(tmp_path: Path) -> None:
    text = (FIXTURES / "weak-lockout-realm.json").read_text(encoding="utf-8").replace('"external"', '"none"')
    found = observe(Source("realm.json", "realm.json", text, str(tmp_path)))
    channel = {o.pointer: o for o in found.systems[0].observations}["/spec/dataFlows/-/channel"]
    assert (channel.value, channel.line, channel.raw) == (
        "http",
        line_of("weak-lockout-realm.json", "sslRequired"),
        "none",
    )


def test_a_realm_is_chosen_by_name_from_a_list() -> None:
    found = observed("two-realms.json", realm="staff")
    assert [system.name for system in found.systems] == ["staff"]
    threshold = {o.pointer: o for o in found.systems[0].observations}["/spec/loginProtection/lockout/threshold"]
    assert (threshold.value, threshold.line) == (5, line_of("two-realms.json", "failureFactor", 2))
    assert [system.name for system in observed("two-realms.json").systems] == ["master", "staff"]


def test_a_missing_realm_is_an_error() -> None:
    assert "no realm named 'nobody'" in observed("two-realms.json", realm="nobody").errors[0].message


def test_an_unparsable_password_policy_is_an_error_at_its_line() -> None:
    errors = observed("bad-policy-realm.json").errors
    assert len(errors) == 1
    assert errors[0].line == line_of("bad-policy-realm.json", "passwordPolicy")
    assert "cannot read the rule" in errors[0].message


def test_a_realm_export_that_is_not_json_is_an_error_with_its_line() -> None:
    text = (FIXTURES / "truncated-realm.json").read_text(encoding="utf-8")
    found = observe(Source("cut.json", "cut.json", text, str(ROOT)), "keycloak-realm")
    assert [(e.message, e.line) for e in found.errors] == [
        ("Keycloak realm export: invalid JSON: Expecting ':' delimiter", 25)
    ]


def test_a_json_file_of_another_kind_is_an_error_naming_it() -> None:
    found = observe(Source("package.json", "package.json", '{"name": "portal"}', str(ROOT)), "keycloak-realm")
    assert [e.message for e in found.errors] == ["not a Keycloak realm export file (evidence kind 'keycloak-realm')"]


def test_event_types_and_admin_events_decide_the_identity_events(tmp_path: Path) -> None:
    realm = tmp_path / "events-realm.json"
    realm.write_text(
        '{\n  "realm": "staff",\n  "eventsEnabled": true,\n  "enabledEventTypes": ["LOGIN", "LOGOUT"],\n'
        '  "adminEventsEnabled": true\n}\n',
        encoding="utf-8",
    )
    found = observe(Source(realm.name, str(realm), realm.read_text(encoding="utf-8"), str(tmp_path)))
    events = {o.pointer: o for system in found.systems for o in system.observations}["/spec/auditLogging/events"]
    # no LOGIN_ERROR: failed logins go unrecorded, located at the list that leaves them out
    assert (events.value, events.line, events.column) == (["login", "logout", "admin"], 4, 3)
    assert events.scope == ("login", "logout", "failedLogin", "passwordChange", "admin")


def test_events_off_and_no_admin_events_record_nothing_at_admin_events() -> None:
    events = facts("weak-lockout-realm.json")["/spec/auditLogging/events"]
    assert (events.value, events.line) == ([], line_of("weak-lockout-realm.json", "adminEventsEnabled"))
    assert events.setting == "eventsEnabled false; adminEventsEnabled false"


def test_admin_events_left_out_of_the_export_are_blamed_at_the_nearest_setting(tmp_path: Path) -> None:
    realm = tmp_path / "no-admin-key.json"
    realm.write_text('{\n  "realm": "a",\n  "eventsEnabled": false\n}\n', encoding="utf-8")
    found = observe(Source(realm.name, str(realm), realm.read_text(encoding="utf-8"), str(tmp_path)))
    events = {o.pointer: o for system in found.systems for o in system.observations}["/spec/auditLogging/events"]
    # adminEventsEnabled absent (Keycloak's default, off) has no line: eventsEnabled's, not the file's first
    assert (events.value, events.line, events.column) == ([], 3, 3)


def test_an_empty_event_type_list_saves_keycloaks_default_types(tmp_path: Path) -> None:
    realm = tmp_path / "default-types.json"
    realm.write_text('{"realm": "a", "eventsEnabled": true, "enabledEventTypes": []}', encoding="utf-8")
    found = observe(Source(realm.name, str(realm), realm.read_text(encoding="utf-8"), str(tmp_path)))
    events = {o.pointer: o for system in found.systems for o in system.observations}["/spec/auditLogging/events"]
    assert events.value == ["login", "logout", "failedLogin", "passwordChange"]  # adminEventsEnabled absent: off


@pytest.mark.skipif(not (SHARED / "evidence" / "keycloak").is_dir(), reason="../shared is not present")
def test_public_realm_exports() -> None:
    path = SHARED / "evidence" / "keycloak" / "tractusx-CX-Operator-realm.json"
    found = observe(Source(path.name, str(path), path.read_text(encoding="utf-8"), str(path.parent)))
    values = {o.pointer: o.value for system in found.systems for o in system.observations}
    assert values["/spec/loginProtection/lockout/threshold"] == 10
    assert values["/spec/passwordPolicy/minLength"] == 15
    assert values["/spec/authentication/mfa/enabled"] is False  # OTP only for users who set it up


# --- through the command line ---------------------------------------------------------


def test_a_weak_realm_fails_login_lockout_at_its_two_lines(run: Callable[..., Result]) -> None:
    result = run(
        "check",
        "--as-of",
        AS_OF,
        "--lang",
        "en",
        "--select",
        "login-rate-limit",
        str(FIXTURES / "weak-lockout-realm.json"),
    )
    shown = shown_as(FIXTURES / "weak-lockout-realm.json")
    name = "weak-lockout-realm.json"
    assert result.code == 1
    assert f"{shown}:{line_of(name, 'failureFactor')}:3: HIGH login-rate-limit" in result.out
    assert f"{shown}:{line_of(name, 'waitIncrementSeconds')}:3: HIGH login-rate-limit" in result.out
    assert "[20170101-3, 20170102-2; PDPA§12,18,28]" in result.out


def test_brute_force_off_fails_at_its_setting(run: Callable[..., Result]) -> None:
    path = FIXTURES / "no-brute-force-realm.json"
    result = run("check", "--as-of", AS_OF, "--lang", "en", "--select", "login-rate-limit", str(path))
    assert f"{shown_as(path)}:{line_of(path.name, 'bruteForceProtected')}:3: HIGH login-rate-limit" in result.out
    assert result.out.count("login-rate-limit") == 1


def test_a_bad_policy_string_exits_2_and_keeps_the_other_findings(run: Callable[..., Result]) -> None:
    path = FIXTURES / "bad-policy-realm.json"
    result = run("check", "--as-of", AS_OF, "--lang", "en", str(path))
    assert result.code == 2
    assert (
        f"{shown_as(path)}:{line_of(path.name, 'passwordPolicy')}:3: error: Keycloak realm broken: passwordPolicy"
        in result.err
    )


@pytest.mark.parametrize("form", ["text", "json", "sarif", "junit", "gitlab", "csv", "markdown", "html"])
def test_secrets_of_a_realm_export_never_reach_an_output(run: Callable[..., Result], tmp_path: Path, form: str) -> None:
    report = tmp_path / "report"
    run("check", "--as-of", AS_OF, "--format", form, "--output", str(report), str(FIXTURES / "weak-lockout-realm.json"))
    text = report.read_text(encoding="utf-8")
    assert "login-rate-limit" in text
    assert "9fK2-client-secret-VALUE-7788" not in text and "Adm1n-Pa55word!" not in text


def test_a_realm_on_its_own_fails_audit_logging_where_it_records_nothing(run: Callable[..., Result]) -> None:
    path = FIXTURES / "weak-lockout-realm.json"
    result = run("check", "--as-of", AS_OF, "--lang", "en", "--select", "audit-logging", str(path))
    name = path.name
    assert f"{shown_as(path)}:{line_of(name, 'eventsEnabled')}:3: HIGH audit-logging" in result.out
    assert f"{shown_as(path)}:{line_of(name, 'adminEventsEnabled')}:3: HIGH audit-logging" in result.out
    assert "(setting eventsEnabled false; adminEventsEnabled false)" in result.out
    # a realm decides only its own events: the system's data access and exports are not its to answer
    assert result.out.count("HIGH audit-logging") == 2


def test_a_realm_recording_every_identity_event_passes_audit_logging_on_events(run: Callable[..., Result]) -> None:
    path = FIXTURES / "hardened-realm.json"
    result = run("check", "--as-of", AS_OF, "--lang", "en", "--select", "audit-logging", str(path))
    assert "HIGH audit-logging" not in result.out
