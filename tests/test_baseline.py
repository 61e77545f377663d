"""Baselines: fail only on new findings; known ones survive moved lines."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import AS_OF, DESCRIPTOR_HEAD, Result, shown

Run = Callable[..., Result]
Write = Callable[[str, str], Path]
LEGACY = DESCRIPTOR_HEAD + "  downloads:\n    enabled: true\n    bulkDownload: true\n"


def _check_against(run: Run, system: Path, baseline: Path) -> Result:
    options = ("--select", "bulk-download-cap", "--as-of", AS_OF, "--format", "json")
    return run("check", str(system), "--baseline", str(baseline), *options)


def test_baseline_records_and_check_fails_only_on_new(run: Run, write: Write, tmp_path: Path) -> None:
    system = write("s.yaml", LEGACY)
    baseline = tmp_path / "baseline.json"
    assert run("baseline", str(system), "--select", "bulk-download-cap", "--output", str(baseline)).code == 0
    recorded = json.loads(baseline.read_text(encoding="utf-8"))
    assert recorded["policylint-baseline"] == 1 and len(recorded["findings"]) == 4

    moved = "# a new header comment\n# moves every line\n" + LEGACY
    write("s.yaml", moved)
    result = _check_against(run, system, baseline)
    assert result.code == 0, "known findings whose lines moved do not fail"
    report = json.loads(result.out)
    assert report["baseline"]["known"] == 4
    assert all(f["baselined"] for f in report["findings"])

    write(
        "s.yaml", moved.replace("    bulkDownload: true\n", "    bulkDownload: false\n    maxRecordsPerRequest: 5000\n")
    )
    result = _check_against(run, system, baseline)
    assert result.code == 1
    report = json.loads(result.out)
    new = [f for f in report["findings"] if not f["baselined"]]
    assert [f["pointer"] for f in new] == ["/spec/downloads/maxRecordsPerRequest"]
    fixed = sorted((entry["pointer"], entry["status"]) for entry in report["baseline"]["fixed"])
    assert fixed == [
        ("/spec/downloads/bulkDownload", "failed"),
        ("/spec/downloads/maxRecordsPerRequest", "not_declared"),
    ]


def test_text_summary_mentions_the_baseline(run: Run, write: Write, tmp_path: Path) -> None:
    system = write("s.yaml", LEGACY)
    baseline = tmp_path / "b.json"
    run("baseline", str(system), "--output", str(baseline), "--select", "bulk-download-cap")
    result = run("check", str(system), "--baseline", str(baseline), "--select", "bulk-download-cap", "--lang", "en")
    assert f"baseline {shown(baseline)}: 4 known findings remain, 0 entries fixed" in result.out


def test_invalid_baseline_is_an_error(run: Run, write: Write) -> None:
    bogus = write("b.json", '{"not": "a baseline"}')
    result = run("check", str(write("s.yaml", LEGACY)), "--baseline", str(bogus))
    assert result.code == 2
    assert "not a policylint baseline" in result.err


KEY = "POLICYLINT_FINGERPRINT_KEY"


def _use_key(monkeypatch: pytest.MonkeyPatch, key: str | None) -> None:
    if key is None:
        monkeypatch.delenv(KEY, raising=False)
    else:
        monkeypatch.setenv(KEY, key)


def _record(run: Run, system: Path, baseline: Path) -> dict[str, object]:
    assert run("baseline", str(system), "--select", "bulk-download-cap", "--output", str(baseline)).code == 0
    recorded: dict[str, object] = json.loads(baseline.read_text(encoding="utf-8"))
    return recorded


def test_a_baseline_records_which_fingerprint_key_made_it_never_the_key(
    run: Run, write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system, baseline = write("s.yaml", LEGACY), tmp_path / "b.json"
    monkeypatch.delenv(KEY, raising=False)
    assert _record(run, system, baseline)["fingerprint-key"] == "unkeyed"
    monkeypatch.setenv(KEY, "the organisation's secret")
    keyed = _record(run, system, baseline)["fingerprint-key"]
    monkeypatch.setenv(KEY, "another secret")
    other = _record(run, system, baseline)["fingerprint-key"]
    assert isinstance(keyed, str) and isinstance(other, str)
    assert keyed.startswith("keyed:") and other.startswith("keyed:") and keyed != other
    assert "secret" not in baseline.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("recorded_with", "checked_with", "state"),
    [
        (None, "k1", "recorded without POLICYLINT_FINGERPRINT_KEY, which is set now"),
        ("k1", None, "recorded with POLICYLINT_FINGERPRINT_KEY set, which is not set now"),
        ("k1", "k2", "recorded under another POLICYLINT_FINGERPRINT_KEY"),
    ],
)
def test_a_baseline_of_another_fingerprint_key_is_a_one_line_error(
    run: Run,
    write: Write,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    recorded_with: str | None,
    checked_with: str | None,
    state: str,
) -> None:
    """Detector fingerprints differ from one key to another: the baseline would match none."""
    system, baseline = write("s.yaml", LEGACY), tmp_path / "b.json"
    _use_key(monkeypatch, recorded_with)
    _record(run, system, baseline)
    _use_key(monkeypatch, checked_with)
    result = _check_against(run, system, baseline)
    assert (result.code, result.out) == (2, "")
    hint = "re-record it with the key in use (docs/output.md, 'Fingerprints and baselines')"
    message = f"baseline {state}: its detector findings would match none; {hint}"
    assert result.err == f"policylint: error: {shown(baseline)}: {message}\n"


def test_a_baseline_from_before_the_key_was_recorded_still_works(
    run: Run, write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    system, baseline = write("s.yaml", LEGACY), tmp_path / "b.json"
    monkeypatch.setenv(KEY, "k1")
    recorded = _record(run, system, baseline)
    del recorded["fingerprint-key"]
    baseline.write_text(json.dumps(recorded), encoding="utf-8")
    assert _check_against(run, system, baseline).code == 0
