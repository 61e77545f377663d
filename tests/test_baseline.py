"""Baselines: fail only on new findings; known ones survive moved lines."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

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
