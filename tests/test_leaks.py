"""A linter about leaks must not leak (issue 17).

Two trees that differ only in the hidden digits of national IDs (in values, keys, system
names, file names and error messages) give byte-identical reports in every format, and no
report, baseline or merged result holds an ID whole, a raw control character or an
absolute path of the machine.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from policylint.load.masking import escape_and_mask
from tests.conftest import AS_OF, Result

Run = Callable[..., Result]
FORMATS = ("text", "json", "sarif", "junit", "gitlab", "csv", "markdown", "html")
# Two valid IDs that mask alike (A1******89), and one more for a file name.
FIRST, SECOND = "A123456789", "A100000289"
WHOLE_ID = re.compile(r"[A-Z][1289A-D][0-9]{8}")
C0 = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _tree(root: Path, identifier: str) -> Path:
    """Descriptors, a configuration file and a broken file, all holding ``identifier``."""
    root.mkdir()
    (root / ".policylint.yaml").write_text(
        "waivers:\n  - {policy: rule-derived-passwords, reason: old, expires: 2099-01-01, owner: o, path: '*.env'}\n",
        encoding="utf-8",
    )
    (root / f"{identifier}.yaml").write_text(
        "apiVersion: policylint/v1\nkind: InformationSystem\n"
        f"metadata:\n  name: sys-{identifier}\n  agency: 臺中市政府\n"
        f"spec:\n  classification: sensitive\n  notes: '{identifier}'\n  {identifier}: x\n"
        f"  authentication:\n    password: {identifier}\n",
        encoding="utf-8",
    )
    (root / "envs").mkdir()
    (root / "envs" / "app.env").write_text(f"OWNER_ID={identifier}\nDB_PASSWORD={identifier}\n", encoding="utf-8")
    (root / "envs" / f"{identifier}.env").write_text("LEVEL=1\n", encoding="utf-8")
    (root / f"broken-{identifier}.yaml").write_text(f"a: [1\nb: {identifier}\n", encoding="utf-8")
    (root / f"\x1b{identifier}.yaml").write_text("a: 1\n", encoding="utf-8")
    (root / "esc.yaml").write_text(
        "apiVersion: policylint/v1\nkind: InformationSystem\nmetadata: {name: e, agency: y}\n"
        f'spec:\n  classification: "x\\n{identifier}\\u001b[31m"\n',
        encoding="utf-8",
    )
    return root


def _reports(run: Run, root: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.chdir(root)
    outputs = {}
    for name in FORMATS:
        result = run("check", "--format", name, "--lang", "en", "--as-of", AS_OF, "-j", "1", ".")
        assert result.code == 2, result.err
        outputs[name], outputs[f"{name} (standard error)"] = result.out, result.err
    recorded = run("baseline", "--as-of", AS_OF, "-o", "baseline.json", "-j", "1", "envs")
    assert recorded.code == 0, recorded.err
    outputs["baseline"] = (root / "baseline.json").read_text(encoding="utf-8")
    run("check", "--format", "json", "--as-of", AS_OF, "-j", "1", "-o", "result.json", ".")
    merged = run("merge", "--format", "json", "result.json")
    outputs["merge"] = merged.out + merged.err
    return outputs


@pytest.fixture
def two_trees(tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch) -> tuple[dict[str, str], dict[str, str]]:
    monkeypatch.delenv("POLICYLINT_FINGERPRINT_KEY", raising=False)
    first = _reports(run, _tree(tmp_path / "one", FIRST), monkeypatch)
    second = _reports(run, _tree(tmp_path / "two", SECOND), monkeypatch)
    return first, second


def test_reports_of_ids_that_mask_alike_are_byte_identical(two_trees: tuple[dict[str, str], dict[str, str]]) -> None:
    first, second = two_trees
    assert {*FORMATS, "baseline", "merge"} <= set(first)
    for name in first:
        assert first[name] == second[name], name


def test_no_report_holds_an_id_a_control_character_or_an_absolute_path(
    two_trees: tuple[dict[str, str], dict[str, str]], tmp_path: Path
) -> None:
    for name, text in two_trees[0].items():
        assert WHOLE_ID.search(text) is None, (name, WHOLE_ID.search(text))
        assert C0.search(text) is None, name
        assert str(tmp_path) not in text, name
        assert "A1******89" in text, name


def test_a_file_name_that_holds_an_id_is_a_finding(two_trees: tuple[dict[str, str], dict[str, str]]) -> None:
    report = json.loads(two_trees[0]["json"])
    on_name = [f for f in report["findings"] if f["policy"] == "national-id-in-config" and "file name" in f["message"]]
    assert {f["file"] for f in on_name} == {
        "A1******89.yaml",
        "broken-A1******89.yaml",
        "envs/A1******89.env",
        "\x1bA1******89.yaml",
    }


def test_sarif_and_gitlab_report_a_masked_file_name_at_its_folder(
    two_trees: tuple[dict[str, str], dict[str, str]],
) -> None:
    sarif = json.loads(two_trees[0]["sarif"])
    uris = {
        location["physicalLocation"]["artifactLocation"]["uri"]
        for result in sarif["runs"][0]["results"]
        for location in result["locations"]
    }
    assert not any("*" in uri for uri in uris)
    gitlab = json.loads(two_trees[0]["gitlab"])
    assert not any("*" in issue["location"]["path"] for issue in gitlab)
    assert any("file name" in issue["description"] and "folder" in issue["description"] for issue in gitlab)


def test_fingerprints_use_the_organisation_key_only_when_set(
    tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fingerprints(identifier: str, key: str | None) -> list[str]:
        if key is None:
            monkeypatch.delenv("POLICYLINT_FINGERPRINT_KEY", raising=False)
        else:
            monkeypatch.setenv("POLICYLINT_FINGERPRINT_KEY", key)
        path = tmp_path / "app.env"
        path.write_text(f"OWNER_ID={identifier}\n", encoding="utf-8")
        result = run("check", "--format", "json", "--as-of", AS_OF, "app.env")
        return [f["fingerprint"] for f in json.loads(result.out)["findings"]]

    monkeypatch.chdir(tmp_path)
    assert fingerprints(FIRST, None) == fingerprints(SECOND, None)
    assert fingerprints(FIRST, "org-secret") != fingerprints(SECOND, "org-secret")
    assert fingerprints(FIRST, "org-secret") != fingerprints(FIRST, "other-secret")
    result = run("check", "--format", "json", "--as-of", AS_OF, "app.env")
    assert "org-secret" not in result.out + result.err


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("x\nA123456789", "x\\nA1******89"),
        ("\x1bA123456789", "\\x1bA1******89"),
        ("A123456789\x00", "A1******89\\x00"),
        ("plain", "plain"),
    ],
)
def test_escape_and_mask_masks_before_escaping(text: str, shown: str) -> None:
    assert escape_and_mask(text) == shown


def test_a_config_waiver_names_its_file_relative_to_the_working_directory(
    tmp_path: Path, run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".policylint.yaml").write_text(
        "waivers:\n  - {policy: security-training, reason: r, expires: 2099-01-01, owner: ops, path: x}\n",
        encoding="utf-8",
    )
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.env").write_text("X=1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path / "sub")
    result = run("check", "--as-of", AS_OF, "a.env")
    assert "../.policylint.yaml:2: warning: waiver matches no finding" in result.err
    assert os.sep + "tmp" not in result.err
