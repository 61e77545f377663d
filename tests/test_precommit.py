"""The pre-commit hook works as a user installs it: `pre-commit try-repo` on a real repository."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.conftest import EXAMPLES, ROOT

MANIFEST_KEYS = {
    "id", "name", "entry", "language", "alias", "files", "exclude", "types", "types_or", "exclude_types",
    "additional_dependencies", "args", "always_run", "fail_fast", "pass_filenames", "description",
    "language_version", "log_file", "require_serial", "stages", "verbose", "minimum_pre_commit_version",
}  # fmt: skip


def test_manifest_uses_only_keys_pre_commit_accepts() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(hooks, list)
    for hook in hooks:
        assert set(hook) <= MANIFEST_KEYS
        assert {"id", "name", "entry", "language"} <= set(hook)
    pre_commit = shutil.which("pre-commit", path=os.path.dirname(sys.executable))
    assert pre_commit is not None
    result = subprocess.run([pre_commit, "validate-manifest", ".pre-commit-hooks.yaml"], cwd=ROOT, check=False)
    assert result.returncode == 0


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True)


AGENCY_FILES = {
    "portal.yaml": (EXAMPLES / "20170101-job-portal.yaml").read_text(encoding="utf-8"),
    "reference.yaml": (EXAMPLES / "reference-system.yaml").read_text(encoding="utf-8"),
    "seed.sql": "INSERT INTO users VALUES ('F131104093');\n",
    "notes.txt": "nothing to see\n",
}


@pytest.fixture(scope="module")
def try_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, str]]:
    """Every hook of this repository, as a user installs them, run by ``pre-commit try-repo``
    on a new repository of ``AGENCY_FILES``: its status and each hook's output by id. One
    run: pre-commit builds the hooks' environment (pip installs the package) once."""
    if not (ROOT / ".git").exists():
        pytest.skip("try-repo needs the project as a git repository")
    work = tmp_path_factory.mktemp("agency-repo")
    _git(work, "init", "-q")
    for name, text in AGENCY_FILES.items():
        (work / name).write_text(text, encoding="utf-8")
    _git(work, "add", ".")
    pre_commit = shutil.which("pre-commit", path=os.path.dirname(sys.executable))
    assert pre_commit is not None
    env = {**os.environ, "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-cache")), "NO_COLOR": "1"}
    command = [pre_commit, "try-repo", str(ROOT), "--all-files", "--verbose"]
    result = subprocess.run(command, cwd=work, env=env, capture_output=True, text=True, check=False, timeout=600)
    output = result.stdout + result.stderr
    sections = re.split(r"^- hook id: ", output, flags=re.M)[1:]
    return result.returncode, {section.split("\n", 1)[0]: section for section in sections}


# pre-commit installs the package in an environment of its own, as test_package.py does: run on
# one Python only (.ci/run). The hooks' behaviour is the command's, tested on every Python.
@pytest.mark.package
def test_hook_runs_through_pre_commit_try_repo(try_repo: tuple[int, dict[str, str]]) -> None:
    code, hooks = try_repo
    output = hooks.get("policylint", "")
    assert code == 1, hooks
    assert "portal.yaml:" in output and "default-credentials" in output
    assert re.search(r"reference\.yaml:\d+:\d+:", output) is None
    assert re.search(r"(seed\.sql|notes\.txt):", output) is None  # YAML and JSON only


@pytest.mark.package
def test_pii_hook_runs_on_any_text_file(try_repo: tuple[int, dict[str, str]]) -> None:
    code, hooks = try_repo
    output = hooks.get("policylint-pii", "")
    assert code == 1, hooks
    assert "seed.sql:1:28: CRITICAL national-id-in-config" in output
    assert "F131104093" not in output and "F1******93" in output


@pytest.mark.skipif(not (ROOT / ".git").exists(), reason="pre-commit runs on a git repository")
def test_the_projects_own_hooks_pass(tmp_path: Path) -> None:
    """ruff, the incident examples (which must still load) and the reference system (which must pass)."""
    pre_commit = shutil.which("pre-commit", path=os.path.dirname(sys.executable))
    assert pre_commit is not None
    env = {
        **os.environ,
        "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""),
        "PRE_COMMIT_HOME": str(tmp_path / "cache"),
    }
    command = [pre_commit, "run", "--all-files", "--config", ".pre-commit-config.yaml"]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    for hook in ("ruff", "policylint (incident examples load)", "policylint (reference system passes)"):
        assert re.search(rf"^{re.escape(hook)}\.+Passed$", result.stdout, re.M), result.stdout
