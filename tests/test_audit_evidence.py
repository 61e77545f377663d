"""What an auditor reads of evidence in the Markdown and HTML audit reports: each fact as
declared, observed, or both (agreeing or not), and the TWGCB items of every host."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import AS_OF, ROOT, Result

HOSTS = "tests/evidence/hosts"
DESCRIPTOR = """\
apiVersion: policylint/v1
kind: InformationSystem
metadata:
  name: staff-portal
  agency: 臺中市政府
spec:
  holdsPersonalData: true
  passwordPolicy:
    maxAgeDays: 90
  loginProtection:
    lockout:
      enabled: true
      threshold: 5
  evidence:
    - kind: keycloak-realm
      path: realm.json
"""


@pytest.fixture(autouse=True)
def _at_the_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)


@pytest.fixture
def linked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A repository with a descriptor and the Keycloak realm it links."""
    (tmp_path / ".git").mkdir()
    shutil.copy(ROOT / "tests/evidence/keycloak/weak-lockout-realm.json", tmp_path / "realm.json")
    (tmp_path / "portal.yaml").write_text(DESCRIPTOR, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _markdown(run: Callable[..., Result], *argv: str) -> str:
    return str(run("check", "--as-of", AS_OF, "--lang", "en", "--format", "markdown", *argv).out)


def _section(text: str, title: str) -> list[str]:
    """The table lines of a Markdown section (or sub-section)."""
    body = text.split(f"{title}\n", 1)[1]
    body = re.split(r"\n#{2,3} ", body, maxsplit=1)[0]
    return [line for line in body.splitlines() if line.startswith("| ")]


def test_the_fact_table_shows_declared_observed_and_whether_they_agree(
    run: Callable[..., Result], linked: Path
) -> None:
    rows = _section(_markdown(run, "portal.yaml"), "## Evidence: declared and observed facts")
    assert rows[0] == "| System | Fact | Declared | Observed | Status |"
    assert {row.split(" | ")[1]: row for row in rows[1:]} == {
        "/spec/auditLogging/enabled": "| staff-portal | /spec/auditLogging/enabled | - "
        "| false (eventsEnabled; realm.json:75) | observed only |",
        "/spec/authentication/mfa/enabled": "| staff-portal | /spec/authentication/mfa/enabled | - "
        "| false (browser flow 'browser': no required OTP step; realm.json:182) | observed only |",
        "/spec/loginProtection/lockout/enabled": "| staff-portal | /spec/loginProtection/lockout/enabled "
        "| true (portal.yaml:12) | true (bruteForceProtected; realm.json:18) | both, agreeing |",
        "/spec/loginProtection/lockout/threshold": "| staff-portal | /spec/loginProtection/lockout/threshold "
        "| 5 (portal.yaml:13) | 10 (failureFactor; realm.json:26) | both, disagreeing |",
        "/spec/loginProtection/lockout/durationMinutes": "| staff-portal "
        "| /spec/loginProtection/lockout/durationMinutes | - | 1 (waitIncrementSeconds = 60 s; realm.json:23) "
        "| observed only |",
        "/spec/passwordPolicy/blocklist": "| staff-portal | /spec/passwordPolicy/blocklist | - "
        "| false (passwordPolicy passwordBlacklist; realm.json:37) | observed only |",
        "/spec/passwordPolicy/characterClasses": "| staff-portal | /spec/passwordPolicy/characterClasses | - "
        "| 1 (passwordPolicy digits/lowerCase/upperCase/specialChars; realm.json:37) | observed only |",
        "/spec/passwordPolicy/history": "| staff-portal | /spec/passwordPolicy/history | - "
        "| 0 (passwordPolicy passwordHistory; realm.json:37) | observed only |",
        "/spec/passwordPolicy/maxAgeDays": "| staff-portal | /spec/passwordPolicy/maxAgeDays "
        "| 90 (portal.yaml:9) | - | declared only |",  # the realm could say, and does not
        "/spec/passwordPolicy/minLength": "| staff-portal | /spec/passwordPolicy/minLength | - "
        "| 8 (passwordPolicy length; realm.json:37) | observed only |",
    }


def test_the_fact_table_in_html_names_both_places(run: Callable[..., Result], linked: Path) -> None:
    page = run("check", "--as-of", AS_OF, "--lang", "en", "--format", "html", "portal.yaml").out
    section = page.split('<section class="facts">', 1)[1].split("</section>", 1)[0]
    assert "<td>5 (portal.yaml:13)</td><td>10 (failureFactor; realm.json:26)</td><td>both, disagreeing</td>" in section
    assert "both, disagreeing 1, declared only 1, observed only 7, both, agreeing 1" in section
    _well_formed(page)


def test_the_twgcb_table_has_every_item_of_each_hosts_document(run: Callable[..., Result]) -> None:
    page = _markdown(run, HOSTS)
    rhel9 = _section(page, "### TWGCB-01-012 v1.2 (RHEL 9)")
    items = [f"TWGCB-01-012-{n:04d}" for n in (208, 209, *range(218, 221), *range(222, 224), 225, 227, 263, 264)]
    items += [f"TWGCB-01-012-{n:04d}" for n in (266, 269, 270, 272, 273)]
    assert rows_of(rhel9) == [
        ["Host", "Document from", *(item.replace("_", "\\_") for item in items)],
        # legacy-db: pam_tally2 deny=0 fails 0218, remember=2 fails 0220; no os-release, so RHEL 9 assumed
        ["legacy-db", "assumed (the files do not show the product)", "?", "?", "✗", "?", "✗", *["?"] * 11],
        # rhel9-web: unlock_time 300 (0219), PASS_MAX_DAYS 365 (0225), MaxAuthTries 6 in the drop-in (0266)
        ["rhel9-web", f"{HOSTS}/rhel9-web/etc/os-release:3", *"✓✓✓✗✓✓✓✗✓", *"✓✓✗✓✓✓✓"],
    ]
    windows = rows_of(_section(page, "### TWGCB-01-010 v1.0 (Windows 11)"))
    assert windows[0][2:] == [f"TWGCB-01-010-{n:04d}" for n in (1, 2, 3, 4, 7, 9)]
    assert windows[3] == [
        f"{HOSTS}/windows/win11-default-export.inf".replace("_", "\\_"),
        "assumed (the files do not show the product)",
        *["✗", "✓", "✗", "✗", "✗", "✗"],  # MinimumPasswordLength = 0, lockout 10 for 10 minutes
    ]
    assert "- TWGCB-01-012-0218: faillock deny 1–5 (twgcb-lockout-threshold)" in page


def test_the_twgcb_table_in_html(run: Callable[..., Result]) -> None:
    page = run("check", "--as-of", AS_OF, "--lang", "en", "--format", "html", HOSTS).out
    section = page.split('<section class="twgcb">', 1)[1].split("</section>", 1)[0]
    assert "<h3>TWGCB-01-012 v1.2 (RHEL 9)</h3>" in section
    assert (
        '<th title="TWGCB-01-012-0218: faillock deny 1–5 (twgcb-lockout-threshold)">TWGCB-01-012-0218</th>' in section
    )
    assert (
        '<tr><td>legacy-db</td><td>assumed (the files do not show the product)</td><td class="s-not_evidenced">?'
        in (section)
    )
    _well_formed(page)


def test_a_scan_without_evidence_has_neither_table(run: Callable[..., Result]) -> None:
    text = _markdown(run, "examples")
    assert "## Evidence" not in text and "TWGCB baseline" not in text


def test_the_evidence_tables_are_the_same_bytes_with_one_or_two_jobs(run: Callable[..., Result]) -> None:
    argv = ("tests/evidence/systems", HOSTS)
    assert _markdown(run, "--jobs", "1", *argv) == _markdown(run, "--jobs", "2", *argv)


def rows_of(lines: list[str]) -> list[list[str]]:
    return [line.strip("| ").split(" | ") for line in lines if not line.startswith("|---")]


def _well_formed(page: str) -> None:
    """Every element the page opens is closed, in order (void elements aside)."""
    void = {"meta", "br", "hr", "img", "link", "input"}

    class Nesting(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.open: list[str] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag not in void:
                self.open.append(tag)

        def handle_endtag(self, tag: str) -> None:
            assert self.open and self.open.pop() == tag, tag

    parser = Nesting()
    parser.feed(page)
    assert parser.open == []


def test_the_evidence_tables_mask_identifiers(run: Callable[..., Result], linked: Path) -> None:
    national_id, masked = "A123456789", "A1******89"  # the textbook example; its checksum holds
    etc = linked / f"web-{national_id}" / "etc"
    etc.mkdir(parents=True)
    (etc / "login.defs").write_text("PASS_MAX_DAYS 365\nPASS_MIN_DAYS 1\nUID_MIN 1000\n", encoding="utf-8")
    (etc / "os-release").write_text('ID="rhel"\nVERSION_ID="9.4"\n', encoding="utf-8")
    for output, host in (("markdown", "web-" + masked.replace("*", "\\*")), ("html", f"web-{masked}")):
        page = run("check", "--as-of", AS_OF, "--lang", "en", "--format", output, ".").out
        facts, twgcb = page.split("Evidence: declared and observed facts", 1)[1].split("TWGCB baseline", 1)
        assert national_id not in page, output
        assert f"| {host} |" in facts or f"<td>{host}</td>" in facts, output
        assert f"| {host} |" in twgcb or f"<td>{host}</td>" in twgcb, output


def test_a_host_descriptor_without_files_shows_its_declared_facts_and_items(
    run: Callable[..., Result], linked: Path
) -> None:
    host = "apiVersion: policylint/v1\nkind: InformationSystem\nmetadata:\n  name: bastion\n  agency: x\nspec:\n"
    host += '  host:\n    os: rhel-9\n    ssh:\n      maxAuthTries: 3\n      permitRootLogin: "yes"\n'
    (linked / "bastion.yaml").write_text(host, encoding="utf-8")
    page = _markdown(run, "bastion.yaml")
    facts = _section(page, "## Evidence: declared and observed facts")
    assert facts[1:] == [
        '| bastion | /spec/host/os | "rhel-9" (bastion.yaml:8) | - | declared only |',
        "| bastion | /spec/host/ssh/maxAuthTries | 3 (bastion.yaml:10) | - | declared only |",
        '| bastion | /spec/host/ssh/permitRootLogin | "yes" (bastion.yaml:11) | - | declared only |',
    ]
    (row,) = rows_of(_section(page, "### TWGCB-01-012 v1.2 (RHEL 9)"))[1:]
    assert row == ["bastion", "bastion.yaml:8", *"?" * 11, "✓", "✗", *"???"]  # 0266 MaxAuthTries, 0269 root


def test_a_waived_item_shows_waived_and_its_own_status_under_no_waivers(
    run: Callable[..., Result], linked: Path
) -> None:
    waive = '  # policylint: waive twgcb-ssh-root-login reason="jump host" expires=2027-06-30'
    host = "apiVersion: policylint/v1\nkind: InformationSystem\nmetadata:\n  name: bastion\n  agency: x\nspec:\n"
    host += f'  host:\n    os: rhel-9\n    ssh:\n      permitRootLogin: "yes"{waive}\n'
    (linked / "bastion.yaml").write_text(host, encoding="utf-8")
    for argv, shown in (((), "W"), (("--no-waivers",), "✗")):
        (row,) = rows_of(_section(_markdown(run, *argv, "bastion.yaml"), "### TWGCB-01-012 v1.2 (RHEL 9)"))[1:]
        assert row[2 + 12] == shown, argv  # TWGCB-01-012-0269, PermitRootLogin no
