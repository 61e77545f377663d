"""Hosts as evidence: Windows security templates, PAM stacks, login.defs and sshd_config,
judged by the guideline's policies and the TWGCB pack at the settings' own lines."""

from __future__ import annotations

import codecs
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import AS_OF, ROOT, Result, shown

HOSTS = Path("tests/evidence/hosts")
SHARED = Path(__file__).resolve().parents[2] / "shared" / "evidence"

Found = tuple[str, str, int, int]


def check(run: Callable[..., Result], *argv: str) -> tuple[Result, dict[str, object]]:
    result = run("check", "--as-of", AS_OF, "--lang", "en", "--format", "json", *argv)
    return result, json.loads(result.out)


def findings(report: dict[str, object]) -> dict[Found, str]:
    """(policy, file, line, column) -> the English message."""
    listed = report["findings"]
    assert isinstance(listed, list)
    return {(f["policy"], f["file"], f["line"], f["column"]): f["messages"]["en"] for f in listed}


def errors(report: dict[str, object]) -> list[str]:
    listed = report["errors"]
    assert isinstance(listed, list)
    return [f"{e['file']}:{e.get('line')}: {e['message']}" for e in listed]


@pytest.fixture(autouse=True)
def _at_the_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.fixture
def host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str, str], str]:
    """Writes a host file into a repository of its own, and works from there."""
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)

    def place(relative: str, text: str) -> str:
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text(text, encoding="utf-8")
        return relative

    return place


# --- Windows security templates ---------------------------------------------------------


def test_the_windows_11_default_export_fails_at_its_settings_and_names_twgcb_items(run: Callable[..., Result]) -> None:
    export = str(HOSTS / "windows" / "win11-default-export.inf")
    result, report = check(run, export)
    found = findings(report)
    assert set(found) == {
        ("twgcb-password-min-age", export, 4, 1),
        ("twgcb-password-length", export, 6, 1),
        ("twgcb-password-complexity", export, 7, 1),
        ("twgcb-lockout-threshold", export, 9, 1),
        ("twgcb-lockout-duration", export, 11, 1),
    }
    length = found[("twgcb-password-length", export, 6, 1)]
    assert "minLength is 0; expected at least 8 (setting MinimumPasswordLength = 0)" in length
    assert "TWGCB-01-010-0003: the files do not show the product; TWGCB-01-010 v1.0 (Windows 11) assumed" in length
    lockout = found[("twgcb-lockout-threshold", export, 9, 1)]
    assert "(setting LockoutBadCount = 10) [TWGCB-01-010-0007" in lockout and "(also login-rate-limit)" in lockout
    assert result.code == 1


def test_one_fact_is_one_finding_with_the_guideline_references(run: Callable[..., Result]) -> None:
    export = str(HOSTS / "windows" / "win11-default-export.inf")
    result = run("check", "--as-of", AS_OF, "--lang", "en", export)
    (line,) = [line for line in result.out.splitlines() if line.startswith(f"{export}:9:1: ")]
    assert " twgcb-lockout-threshold " in line and "(also login-rate-limit)" in line
    assert line.endswith("[20170101-3, 20170102-2; PDPA§12,18,28]")  # the guideline policy's 20170102-2 too


def test_switching_the_pack_off_leaves_the_guideline_finding(run: Callable[..., Result]) -> None:
    export = str(HOSTS / "windows" / "win11-default-export.inf")
    _, report = check(run, "--ignore", "twgcb", export)
    assert set(findings(report)) == {("login-rate-limit", export, 9, 1), ("login-rate-limit", export, 11, 1)}
    _, report = check(run, "--select", "twgcb", export)
    assert {policy for policy, *_ in findings(report)} == {
        "twgcb-password-min-age",
        "twgcb-password-length",
        "twgcb-password-complexity",
        "twgcb-lockout-threshold",
        "twgcb-lockout-duration",
    }


def test_a_strong_stig_template_passes_the_password_and_lockout_policies(run: Callable[..., Result]) -> None:
    result, report = check(run, str(HOSTS / "windows" / "stig-gpo" / "GptTmpl.inf"))
    assert findings(report) == {} and errors(report) == []
    assert result.code == 0


def test_a_template_that_sets_only_lockout_says_nothing_of_passwords(run: Callable[..., Result]) -> None:
    template = str(HOSTS / "windows" / "lockout-only.inf")
    _, report = check(run, template)
    assert set(findings(report)) == {("twgcb-lockout-threshold", template, 5, 1)}


def test_utf16_and_ascii_templates_read_alike(run: Callable[..., Result], tmp_path: Path) -> None:
    text = (HOSTS / "windows" / "win11-default-export.inf").read_text(encoding="utf-16")
    ascii_copy = tmp_path / "export.inf"
    ascii_copy.write_bytes(text.replace("\r\n", "\n").encode("ascii"))
    _, wide = check(run, str(HOSTS / "windows" / "win11-default-export.inf"))
    _, narrow = check(run, str(ascii_copy))
    assert {(p, line) for p, _, line, _ in findings(wide)} == {(p, line) for p, _, line, _ in findings(narrow)}


def test_a_truncated_utf16_template_is_an_error_naming_it(run: Callable[..., Result], tmp_path: Path) -> None:
    data = (HOSTS / "windows" / "win11-default-export.inf").read_bytes()
    broken = tmp_path / "GptTmpl.inf"
    broken.write_bytes(data[:-1])
    result, report = check(run, str(broken), str(HOSTS / "windows" / "lockout-only.inf"))
    assert [e for e in errors(report) if "truncated UTF-16" in e and e.startswith(shown(broken))]
    assert ("twgcb-lockout-threshold", str(HOSTS / "windows" / "lockout-only.inf"), 5, 1) in findings(report)
    assert result.code == 2 and "Traceback" not in result.err


def test_a_template_with_placeholders_is_an_error_naming_the_placeholder(
    run: Callable[..., Result], tmp_path: Path
) -> None:
    template = tmp_path / "GptTmpl.inf"
    template.write_bytes(
        codecs.BOM_UTF16_LE
        + "[System Access]\r\nMinimumPasswordLength = {{ min_len }}\r\nLockoutBadCount = 0\r\n".encode("utf-16-le")
    )
    result, report = check(run, str(template))
    placeholder = "unrendered template placeholder '{{ min_len }}': this is a template, not the file a host runs"
    assert errors(report) == [f"{shown(template)}:2: {placeholder}"]
    assert ("twgcb-lockout-threshold", shown(template), 3, 1) in findings(report)
    assert result.code == 2


# --- Linux: PAM, login.defs ---------------------------------------------------------------


def test_pam_tally2_deny_0_fails_lockout_at_that_line(run: Callable[..., Result]) -> None:
    stack = str(HOSTS / "legacy-db" / "etc" / "pam.d" / "system-auth")
    _, report = check(run, stack)
    found = findings(report)
    message = found[("twgcb-lockout-threshold", stack, 3, 41)]
    assert "lockout.enabled is false; expected true (setting deny = 0)" in message
    assert ("twgcb-password-history", stack, 6, 84) in found  # pam_unix remember=2
    assert ("password-slow-hashing", stack, 6, 39) in found  # pam_unix md5


def test_module_arguments_override_the_conf_file_and_its_lines_are_judged(run: Callable[..., Result]) -> None:
    etc = HOSTS / "rhel9-web" / "etc"
    _, report = check(run, str(etc / "pam.d" / "system-auth"))
    found = findings(report)
    conf = str(etc / "security" / "faillock.conf")
    # deny=3 on the stack line beats deny = 8 in faillock.conf; unlock_time comes from the file
    assert set(found) == {
        ("twgcb-lockout-duration", conf, 7, 1),
        ("password-slow-hashing", str(etc / "pam.d" / "system-auth"), 15, 70),
    }
    assert "RHEL 9 v1.2" in found[("twgcb-lockout-duration", conf, 7, 1)]  # os-release shows the product


def test_a_value_set_nowhere_is_the_modules_default_named_as_such(
    run: Callable[..., Result], host: Callable[[str, str], str]
) -> None:
    host("etc/pam.d/system-auth", "auth required pam_faillock.so preauth\nauth sufficient pam_unix.so\n")
    _, report = check(run, "--select", "login-rate-limit", "etc/pam.d/system-auth")
    assert findings(report) == {
        ("login-rate-limit", "etc/pam.d/system-auth", 1, 15): "Login attempts are not limited or accounts are not "
        "locked: loginProtection.lockout.durationMinutes is 10; expected at least 15 (setting unlock_time "
        "(pam_faillock default 600))"
    }


def test_login_defs_ages_at_their_lines(run: Callable[..., Result]) -> None:
    defs = str(HOSTS / "rhel9-web" / "etc" / "login.defs")
    _, report = check(run, "--select", "twgcb-password-max-age,twgcb-password-min-age,twgcb-fail-delay", defs)
    assert findings(report) == {
        ("twgcb-password-max-age", defs, 3, 1): "The maximum password age does not meet the TWGCB baseline: "
        "passwordPolicy.maxAgeDays is 365; expected at most 90 (setting PASS_MAX_DAYS = 365) "
        "[TWGCB-01-012-0225 (RHEL 9 v1.2: login.defs PASS_MAX_DAYS 1–90)]"
    }


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ('auth [success=1 default=ignore] pam_unix.so {if "with-nullok":nullok}', "unrendered template placeholder"),
        ('{include if "with-faillock"}auth required pam_faillock.so preauth', "unrendered template placeholder"),
        ("auth required pam_fallock.so preauth", "unknown PAM module 'pam_fallock' (did you mean pam_faillock?)"),
        ("auth required pam_faillock.so preauth deney=3", "unknown pam_faillock argument 'deney'"),
    ],
)
def test_bad_pam_lines_are_errors_at_their_line_and_the_rest_is_read(
    run: Callable[..., Result], host: Callable[[str, str], str], line: str, problem: str
) -> None:
    host("etc/pam.d/system-auth", f"auth required pam_env.so\n{line}\npassword sufficient pam_unix.so md5\n")
    result, report = check(run, "etc/pam.d/system-auth")
    assert [e for e in errors(report) if e.startswith("etc/pam.d/system-auth:2: ") and problem in e]
    assert ("password-slow-hashing", "etc/pam.d/system-auth", 3, 33) in findings(report)
    assert result.code == 2 and "Traceback" not in result.err


# --- Jinja templates of host files (an Ansible role's templates/) ----------------------

_TEMPLATES = {
    "roles/ssh/templates/sshd_config.j2": "PermitRootLogin no\nMaxAuthTries {{ ssh_max_auth_tries }}\nLogLevel INFO\n",
    "roles/login/templates/login.defs.j2": "PASS_MAX_DAYS 365\nPASS_MIN_DAYS {{ min_days }}\nUID_MIN 1000\n",
    "roles/pam/templates/system-auth.j2": (
        'auth required pam_env.so\n{include if "with-faillock"}\nauth required pam_faillock.so preauth deny=0\n'
    ),
    "roles/pam/templates/faillock.conf.j2": "deny = {{ faillock_deny }}\nunlock_time = 300\n",
}


def test_jinja_templates_of_host_files_are_found_and_their_placeholders_are_errors(
    run: Callable[..., Result], host: Callable[[str, str], str]
) -> None:
    for relative, text in _TEMPLATES.items():
        host(relative, text)
    result, report = check(run, "roles")
    placeholder = ": unrendered template placeholder {!r}: this is a template, not the file a host runs"
    assert errors(report) == [
        "roles/login/templates/login.defs.j2:2" + placeholder.format("{{ min_days }}"),
        "roles/pam/templates/faillock.conf.j2:1" + placeholder.format("{{ faillock_deny }}"),
        "roles/pam/templates/system-auth.j2:2" + placeholder.format('{include if "with-faillock"}'),
        "roles/ssh/templates/sshd_config.j2:2" + placeholder.format("{{ ssh_max_auth_tries }}"),
    ]
    found = findings(report)
    # The rest of each template is still judged, at its own lines ...
    assert ("twgcb-password-max-age", "roles/login/templates/login.defs.j2", 1, 1) in found
    assert ("twgcb-lockout-threshold", "roles/pam/templates/system-auth.j2", 3, 39) in found
    assert ("twgcb-lockout-duration", "roles/pam/templates/faillock.conf.j2", 2, 1) in found
    # ... and a key a placeholder sets is not taken to be its default.
    policies = {policy for policy, file, _, _ in found if file.endswith((".defs.j2", "sshd_config.j2"))}
    assert "twgcb-password-min-age" not in policies and "twgcb-ssh-max-auth-tries" not in policies
    assert result.code == 2 and "Traceback" not in result.err


def test_a_module_argument_set_by_a_placeholder_is_unknown_and_the_rest_of_the_line_is_read(
    run: Callable[..., Result], host: Callable[[str, str], str]
) -> None:
    stack = (
        "auth required pam_faillock.so preauth deny={{ faillock_deny }} unlock_time=300\nauth sufficient pam_unix.so\n"
    )
    host("roles/pam/templates/system-auth.j2", stack)
    result, report = check(run, "roles")
    assert [e.split(": ", 1)[0] for e in errors(report)] == ["roles/pam/templates/system-auth.j2:1"]
    found = findings(report)
    # the module is loaded (no "no pam_faillock" finding), deny is not known (no default 3) ...
    assert {policy for policy, *_ in found} == {"twgcb-lockout-duration"}
    # ... and unlock_time, beside the placeholder, is judged at its own column
    assert ("twgcb-lockout-duration", "roles/pam/templates/system-auth.j2", 1, 64) in found
    assert result.code == 2


# --- sshd ---------------------------------------------------------------------------------


def test_an_sshd_drop_in_is_judged_at_its_own_lines(run: Callable[..., Result]) -> None:
    ssh = HOSTS / "rhel9-web" / "etc" / "ssh"
    result, report = check(run, str(ssh))
    drop_in = str(ssh / "sshd_config.d" / "50-hardening.conf")
    # MaxAuthTries 6 in the drop-in, included first, wins over MaxAuthTries 3; the Match block does not count
    assert set(findings(report)) == {("twgcb-ssh-max-auth-tries", drop_in, 3, 1)}
    assert result.code == 1


def test_openssh_defaults_are_named_in_the_finding(run: Callable[..., Result], host: Callable[[str, str], str]) -> None:
    host("etc/ssh/sshd_config", "Port 22\nPasswordAuthentication no\nSubsystem sftp internal-sftp\n")
    _, report = check(run, "--select", "twgcb-ssh-root-login", "etc/ssh/sshd_config")
    (message,) = findings(report).values()
    assert (
        "(setting PermitRootLogin (OpenSSH default prohibit-password (OpenSSH 7.0 and later; yes before 7.0)))"
        in message
    )
    assert "TWGCB-01-012-0269: the files do not show the product; TWGCB-01-012 v1.2 (RHEL 9) assumed" in message


@pytest.mark.parametrize(
    ("include", "problem"),
    [
        ("Include /etc/ssh/sshd_config", "Include loop"),
        ("Include /usr/share/ssh/*.conf", "is not below /etc: it leaves the repository"),
        ("Inclde /etc/ssh/x.conf", "unknown sshd keyword 'Inclde'"),
        ("AllowUsers {{ ssh_users }}", "unrendered template placeholder"),
    ],
)
def test_bad_sshd_lines_are_errors_at_their_line(
    run: Callable[..., Result], host: Callable[[str, str], str], include: str, problem: str
) -> None:
    host("etc/ssh/sshd_config", f"Port 22\n{include}\nMaxAuthTries 9\n")
    result, report = check(run, "--select", "twgcb-ssh-max-auth-tries", "etc/ssh/sshd_config")
    assert [e for e in errors(report) if e.startswith("etc/ssh/sshd_config:2: ") and problem in e], errors(report)
    assert ("twgcb-ssh-max-auth-tries", "etc/ssh/sshd_config", 3, 1) in findings(report)
    assert result.code == 2 and "Traceback" not in result.err


def test_a_loop_through_two_drop_ins_is_an_error_at_the_include(
    run: Callable[..., Result], host: Callable[[str, str], str]
) -> None:
    host("etc/ssh/sshd_config", "Include /etc/ssh/sshd_config.d/a.conf\nPort 22\n")
    host("etc/ssh/sshd_config.d/a.conf", "Include /etc/ssh/sshd_config.d/b.conf\nMaxAuthTries 2\n")
    host("etc/ssh/sshd_config.d/b.conf", "Include /etc/ssh/sshd_config.d/a.conf\n")
    result, report = check(run, "etc/ssh/sshd_config")
    assert errors(report) == [
        "etc/ssh/sshd_config.d/b.conf:1: Include loop: etc/ssh/sshd_config.d/a.conf is already being read"
    ]
    assert result.code == 2


def test_an_include_whose_link_leaves_the_repository_is_an_error(
    run: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repository = tmp_path / "repo"
    config = repository / "etc" / "ssh" / "sshd_config"
    (config.parent / "sshd_config.d").mkdir(parents=True)
    (repository / ".git").mkdir()
    outside = tmp_path / "outside.conf"
    outside.write_text("MaxAuthTries 2\n", encoding="utf-8")
    (config.parent / "sshd_config.d" / "x.conf").symlink_to(outside)
    config.write_text("Include /etc/ssh/sshd_config.d/*.conf\nPort 22\n", encoding="utf-8")
    monkeypatch.chdir(repository)
    _, report = check(run, "etc/ssh/sshd_config")
    assert [e for e in errors(report) if "leaves the repository" in e]


# --- linking, products, the shared samples ---------------------------------------------------


def test_a_linked_descriptor_that_contradicts_its_host_gets_a_mismatch(
    run: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ROOT / HOSTS / "legacy-db", tmp_path / "legacy-db")
    (tmp_path / ".git").mkdir()
    (tmp_path / "system.yaml").write_text(
        "apiVersion: policylint/v1\nkind: InformationSystem\nmetadata:\n  name: payroll\n  agency: 臺中市政府\n"
        "spec:\n  loginProtection:\n    lockout:\n      enabled: true\n      threshold: 5\n"
        "  evidence:\n    - {kind: linux-pam, path: legacy-db/etc/pam.d/system-auth, os: rhel8}\n",
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    _, report = check(run, "--select", "twgcb-lockout-threshold,login-rate-limit", "system.yaml")
    found = findings(report)
    assert (
        "declared true, but the setting deny = 0 at legacy-db/etc/pam.d/system-auth:3 makes it false"
        in (found[("declaration-mismatch", "system.yaml", 9, 7)])
    )
    threshold = found[("twgcb-lockout-threshold", "legacy-db/etc/pam.d/system-auth", 3, 41)]
    assert "TWGCB-01-008-0220 (RHEL 8 v1.3: faillock deny 1–5)" in threshold  # the entry names the product


def test_a_repository_without_host_files_reads_none(run: Callable[..., Result]) -> None:
    _, report = check(run, "examples")
    assert not [f for f in report["findings"] if str(f["policy"]).startswith("twgcb-")]  # type: ignore[union-attr]


@pytest.mark.skipif(not SHARED.is_dir(), reason="the shared evidence samples are not here")
def test_the_shared_samples_read_as_their_sources_say(
    run: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    etc = tmp_path / "etc"
    for source, target in [
        ("windows-security-policy/nsacyber_shb_windows_GptTmpl.inf", "GptTmpl.inf"),
        ("linux-pam-login/system-auth__gentoo_pambase_rendered_default", "pam.d/system-auth"),
        ("linux-pam-login/faillock.conf__openbmc_phosphor", "security/faillock.conf"),
        ("sshd/sshd_config__grapheneos_infrastructure", "ssh/sshd_config"),
    ]:
        (etc / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(SHARED / source, etc / target)
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    _, report = check(run, "etc")
    found = findings(report)
    assert not [key for key in found if key[1] == "etc/GptTmpl.inf"]  # the NSA baseline is strong
    assert ("twgcb-lockout-threshold", "etc/security/faillock.conf", 1, 1) in found  # deny=0
    md5 = (etc / "pam.d" / "system-auth").read_text(encoding="utf-8").splitlines()[6].index("md5") + 1
    assert ("password-slow-hashing", "etc/pam.d/system-auth", 7, md5) in found
    assert [e for e in errors(report) if e.startswith("etc/ssh/sshd_config:") and "{{ssh_users}}" in e]


def test_a_conf_file_no_stack_reads_is_checked_on_its_own(
    run: Callable[..., Result], host: Callable[[str, str], str]
) -> None:
    alone = host("a/etc/security/faillock.conf", "# lockout\ndeny=0\nunlock_time=0\n")
    host("b/etc/security/faillock.conf", "deny = 30\n")
    host("b/etc/pam.d/system-auth", "auth required pam_faillock.so preauth\nauth sufficient pam_unix.so\n")
    host("c/etc/security/pwquality.conf", "# minlen = 8\n")  # sets nothing: nothing to judge
    _, report = check(run, "--select", "twgcb-lockout-threshold", ".")
    assert set(findings(report)) == {
        ("twgcb-lockout-threshold", alone, 2, 1),
        ("twgcb-lockout-threshold", "b/etc/security/faillock.conf", 1, 1),  # through b's stack, once
    }
