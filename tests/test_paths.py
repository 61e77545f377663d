"""Every output names files the same way on every platform: relative, with ``/``."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path, PurePath, PurePosixPath, PureWindowsPath

import pytest

from policylint.load import sources
from policylint.load.sources import display_name
from policylint.report.gitlab import gitlab_path
from policylint.report.sarif import artifact_location
from tests.conftest import AS_OF, ROOT, Result

Run = Callable[..., Result]
FORMATS = ["text", "json", "sarif", "junit", "gitlab", "csv", "markdown", "html"]


@pytest.mark.parametrize(
    ("path", "base", "expected"),
    [
        (PureWindowsPath("examples\\sub\\a.yaml"), None, "examples/sub/a.yaml"),
        (PureWindowsPath(".\\examples\\a.yaml"), None, "examples/a.yaml"),
        (PureWindowsPath("C:\\Work\\Repo\\sub dir\\系統.yaml"), PureWindowsPath("c:\\work\\repo"), "sub dir/系統.yaml"),
        (PureWindowsPath("C:\\Work\\other\\a.yaml"), PureWindowsPath("C:\\Work\\Repo"), "../other/a.yaml"),
        (PureWindowsPath("D:\\data\\a.yaml"), PureWindowsPath("C:\\Work\\Repo"), "data/a.yaml"),
        (PureWindowsPath("..\\a.yaml"), None, "../a.yaml"),
        (PurePosixPath("/srv/repo/examples/a.yaml"), PurePosixPath("/srv/repo"), "examples/a.yaml"),
        (PurePosixPath("/srv/other/a.yaml"), PurePosixPath("/srv/repo"), "../other/a.yaml"),
        (PurePosixPath("./examples//a.yaml"), None, "examples/a.yaml"),
        (PurePosixPath("sub\\name.yaml"), None, "sub\\name.yaml"),  # a backslash is part of a POSIX name
        (PurePosixPath("."), None, "."),
    ],
)
def test_display_names_are_relative_with_forward_slashes(path: PurePath, base: PurePath | None, expected: str) -> None:
    assert display_name(path, base) == expected


def test_an_absolute_path_is_shown_from_the_working_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.chdir(tmp_path)
    assert display_name(str(tmp_path / "sub" / "a.yaml")) == "sub/a.yaml"
    assert display_name(str(tmp_path.parent / "b.yaml")) == "../b.yaml"


@pytest.mark.parametrize(
    ("path", "uri"),
    [
        (PureWindowsPath("C:\\repo\\sub dir\\#1 系統.yaml"), "sub%20dir/%231%20%E7%B3%BB%E7%B5%B1.yaml"),
        (PurePosixPath("/repo/a:b?.yaml"), "a%3Ab%3F.yaml"),  # a colon must not read as a scheme
        (PurePosixPath("/repo/100%.yaml"), "100%25.yaml"),
    ],
)
def test_sarif_and_gitlab_locations_of_a_path_from_any_platform(path: PurePath, uri: str) -> None:
    shown = display_name(path, type(path)(path.anchor + "repo"))
    assert artifact_location(shown) == {"uri": uri, "uriBaseId": "%SRCROOT%"}
    assert gitlab_path(shown) == shown


def _as_on_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    """Name files as a run on Windows gets them: ``\\`` between the parts, Windows' path rules."""
    from policylint.engine import evaluate

    monkeypatch.setattr(sources, "PurePath", PureWindowsPath)
    monkeypatch.setattr(evaluate, "display_name", lambda path: display_name(path.replace("/", "\\")))


@pytest.mark.parametrize("output", FORMATS)
def test_every_format_names_files_the_same_as_on_windows(
    run: Run, monkeypatch: pytest.MonkeyPatch, output: str
) -> None:
    monkeypatch.chdir(ROOT)
    linux = run("check", "examples", "--as-of", AS_OF, "--format", output)
    _as_on_windows(monkeypatch)
    windows = run("check", "examples", "--as-of", AS_OF, "--format", output)
    assert (windows.code, windows.out, windows.err) == (linux.code, linux.out, linux.err)
    assert "\\examples" not in linux.out and "examples\\" not in linux.out


def test_a_baseline_written_on_windows_matches_on_linux(
    run: Run, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(ROOT)
    with monkeypatch.context() as windows:
        _as_on_windows(windows)
        assert run("baseline", "examples", "--as-of", AS_OF, "-o", str(tmp_path / "baseline.json")).code == 0
    entries = json.loads((tmp_path / "baseline.json").read_text(encoding="utf-8"))["findings"]
    assert entries and all(entry["file"].startswith("examples/") for entry in entries)
    result = run(
        "check", "examples", "--as-of", AS_OF, "--format", "json", "--baseline", str(tmp_path / "baseline.json")
    )
    report = json.loads(result.out)
    assert result.code == 0
    assert report["findings"] and all(finding["baselined"] for finding in report["findings"])
