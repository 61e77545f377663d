"""Waivers: inline and in configuration, with a reason and an expiry; auditors can ignore them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import AS_OF, DESCRIPTOR_HEAD, Result, shown

Run = Callable[..., Result]
Write = Callable[[str, str], Path]
DOWNLOADS = (
    DESCRIPTOR_HEAD
    + """\
  downloads:
    enabled: true
    bulkDownload: true{comment}
    maxRecordsPerRequest: 50
    maxRecordsPerDay: 500
    antiAutomation: [rateLimit]
"""
)
WAIVE = '  # policylint: waive bulk-download-cap reason="legacy export # ticket 12" expires={day} owner="資訊室"'


def _check(run: Run, path: Path, *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = run("check", str(path), "--select", "bulk-download-cap", "--format", "json", "--as-of", AS_OF, *extra)
    return result.code, json.loads(result.out)


def test_inline_waiver_keeps_the_finding_but_not_the_failure(run: Run, write: Write) -> None:
    path = write("s.yaml", DOWNLOADS.format(comment=WAIVE.format(day="2027-06-30")))
    code, report = _check(run, path)
    assert code == 0
    (finding,) = report["findings"]
    assert finding["status"] == "waived"
    assert finding["waiver"]["reason"] == "legacy export # ticket 12"  # '#' inside quotes belongs to the reason
    assert finding["waiver"]["owner"] == "資訊室"
    assert finding["waiver"]["source"] == f"{shown(path)}:9"
    assert report["systems"][0]["results"] == {"bulk-download-cap": "waived"}


def test_no_waivers_is_the_auditors_mode(run: Run, write: Write) -> None:
    path = write("s.yaml", DOWNLOADS.format(comment=WAIVE.format(day="2027-06-30")))
    code, report = _check(run, path, "--no-waivers")
    assert code == 1
    (finding,) = report["findings"]
    assert finding["status"] == "failed"
    assert finding["waiver"]["ignored"] is True


def test_expired_waiver_brings_the_finding_back_and_adds_one(run: Run, write: Write) -> None:
    path = write("s.yaml", DOWNLOADS.format(comment=WAIVE.format(day="2026-01-31")))
    code, report = _check(run, path)
    assert code == 1
    statuses = sorted((f["policy"], f["status"]) for f in report["findings"])
    assert statuses == [("bulk-download-cap", "failed"), ("expired-waiver", "failed")]
    expired = next(f for f in report["findings"] if f["policy"] == "expired-waiver")
    assert (expired["file"], expired["line"]) == (shown(path), 9)
    assert "expired on 2026-01-31" in expired["messages"]["en"]


@pytest.mark.parametrize(
    ("directive", "message"),
    [
        ("# policylint: waive bulk-download-cap expires=2027-01-01", 'waiver needs a reason="..."'),
        ('# policylint: waive bulk-download-cap reason="x"', "waiver needs an expiry date"),
        ('# policylint: waive bulk-download-cap reason="x" expires=soon', "waiver expiry is not a date"),
        ('# policylint: waive reason="x" expires=2027-01-01', "waiver names no policy"),
    ],
)
def test_invalid_waiver_is_an_error(run: Run, write: Write, directive: str, message: str) -> None:
    path = write("s.yaml", DOWNLOADS.format(comment="  " + directive))
    result = run("check", str(path), "--select", "bulk-download-cap")
    assert result.code == 2
    assert f"{shown(path)}:9:1: error: {message}" in result.err


def test_waiver_on_its_own_line_applies_to_the_next(run: Run, write: Write) -> None:
    text = DOWNLOADS.format(comment="").replace(
        "    bulkDownload: true", "    " + WAIVE.format(day="2027-06-30").strip() + "\n    bulkDownload: true"
    )
    code, report = _check(run, write("s.yaml", text))
    assert code == 0
    assert report["findings"][0]["line"] == 10


def test_waiver_in_metadata_covers_the_whole_system(run: Run, write: Write) -> None:
    text = DOWNLOADS.format(comment="").replace(
        "  agency: 臺中市政府\n", "  agency: 臺中市政府\n" + WAIVE.format(day="2027-06-30") + "\n"
    )
    text = text.replace("    maxRecordsPerRequest: 50\n", "")
    code, report = _check(run, write("s.yaml", text))
    assert code == 0
    assert {f["status"] for f in report["findings"]} == {"waived"}
    assert len(report["findings"]) == 2


def test_unmatched_waiver_warns(run: Run, write: Write) -> None:
    text = DOWNLOADS.format(comment="").replace(
        "    maxRecordsPerDay: 500", "    maxRecordsPerDay: 500" + WAIVE.format(day="2027-06-30")
    )
    result = run("check", str(write("s.yaml", text)), "--select", "bulk-download-cap", "--as-of", AS_OF)
    assert result.code == 1
    assert "s.yaml:11: warning: waiver matches no finding" in result.err


def test_config_waiver_scoped_by_system_and_pointer(
    run: Run, write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    path = write("s.yaml", DOWNLOADS.format(comment=""))
    write(
        ".policylint.yaml",
        "waivers:\n"
        "  - policy: bulk-download-cap\n    system: test-system\n    pointer: /spec/downloads/bulkDownload\n"
        "    reason: nightly statistics export\n    owner: 資訊室\n    expires: 2027-06-30\n",
    )
    code, report = _check(run, path)
    assert code == 0
    assert report["findings"][0]["waiver"]["source"].endswith(".policylint.yaml:2")


def test_config_waiver_without_reason_is_an_error(
    run: Run, write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    write(
        ".policylint.yaml",
        "waivers:\n  - policy: bulk-download-cap\n    system: x\n    owner: me\n    expires: 2027-01-01\n",
    )
    result = run("check", str(write("s.yaml", DOWNLOADS.format(comment=""))))
    assert result.code == 2
    assert ".policylint.yaml:2:5: 'waivers.0.reason' is required" in result.err


def _section_text(page: str, name: str) -> list[str]:
    """The rows of a section of the HTML report, each as its cells' text joined by '|'."""
    import re

    section = page.split(f'<section class="{name}">', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr>(.*?)</tr>", section)
    return ["|".join(re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)) for row in rows]


def test_html_audit_lists_every_waiver_and_counts_the_waived(run: Run, write: Write) -> None:
    unmatched = '  # policylint: waive audit-logging reason="no audit yet" expires=2026-01-31'
    text = DOWNLOADS.format(comment=WAIVE.format(day="2027-06-30")).replace(
        "  downloads:\n", f"{unmatched}\n  downloads:\n"
    )
    path = write("s.yaml", text)
    page = run(
        "check", str(path), "--select", "bulk-download-cap", "--format", "html", "--lang", "en", "--as-of", AS_OF
    ).out
    register = _section_text(page, "waivers")
    assert register[0] == "Policies|System|Reason|Owner|Expires|Declared at|Expired|Matched"
    assert register[1:] == [
        # an inline waiver names the system it stands in (its findings', or its descriptor's)
        f"audit-logging|test-system|no audit yet|-|2026-01-31|{shown(path)}:7|yes|no",
        f"bulk-download-cap|test-system|legacy export # ticket 12|資訊室|2027-06-30|{shown(path)}:10|no|yes",
    ]
    assert '<div class="card"><b>1</b><span>waived</span></div>' in page
    assert 'class="auditor"' not in page
    assert "@media print" in page and "section.findings, section.problems { break-before: page; }" in page
    assert page.index('<section class="waivers">') < page.index('<section class="findings">')


def test_html_audit_in_auditor_mode_says_so(run: Run, write: Write) -> None:
    path = write("s.yaml", DOWNLOADS.format(comment=WAIVE.format(day="2027-06-30")))
    page = run("check", str(path), "--format", "html", "--lang", "en", "--no-waivers", "--as-of", AS_OF).out
    assert '<p class="auditor" role="note">Auditor mode (--no-waivers)' in page
    assert '<div class="card"><b>0</b><span>waived</span></div>' in page
    assert page.index('class="auditor"') < page.index('<table class="facts">')
