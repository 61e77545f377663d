"""The artifact users install: the sdist holds what the wheel is built from, and the wheel,
installed in a fresh virtual environment outside the repository, gives the same bytes as this
checkout from any working directory.

Marked ``package``: ``.ci/run`` runs it once, with the README's test command, and leaves it out
on the other Pythons (``-m "not package"``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import venv
import zipfile
from pathlib import Path

import pytest

from tests.conftest import AS_OF, EXAMPLES, ROOT

pytestmark = pytest.mark.package
hatchling = pytest.importorskip("hatchling.build", reason="hatchling builds the package (pip install -e '.[test]')")
# Every command and format whose output the installed package must reproduce.
COMMANDS = [
    *(["check", "examples", "--as-of", AS_OF, "--format", output] for output in ("text", "json", "sarif", "junit")),
    *(["check", "examples", "--as-of", AS_OF, "--format", output] for output in ("gitlab", "csv", "markdown", "html")),
    ["check", "examples", "--as-of", AS_OF, "--lang", "en", "--jobs", "2"],
    ["rules", "--coverage"],
    ["explain", "default-credentials", "--lang", "en"],
]


def _build(source: Path, target: Path) -> tuple[Path, Path]:
    """The sdist of ``source``, and the wheel built from that sdist (as ``python -m build`` does)."""
    build = "import sys; from hatchling.build import build_{0}; print(build_{0}(sys.argv[1]))"
    sdist = _run_python(source, build.format("sdist"), str(target))
    with tarfile.open(target / sdist) as archive:
        archive.extractall(target / "unpacked", filter="data")  # our own archive; the filter from 3.10.12 on
    unpacked = target / "unpacked" / sdist.removesuffix(".tar.gz")
    wheel = _run_python(unpacked, build.format("wheel"), str(target))
    return target / sdist, target / wheel


def _run_python(cwd: Path, code: str, *args: str) -> str:
    result = subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, capture_output=True, text=True, check=True)
    return result.stdout.strip().splitlines()[-1]


def _install(wheel: Path, environment: Path) -> Path:
    """A fresh virtual environment with the wheel and nothing of this checkout. Its dependencies
    come from the environment running the tests, so that no index is needed."""
    venv.EnvBuilder(with_pip=False).create(environment)
    python = environment / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    purelib = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"], capture_output=True, text=True
    ).stdout.strip()
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(purelib)
    dependencies = {Path(module.__file__).parent.parent for module in _dependencies()}
    (Path(purelib) / "policylint-dependencies.pth").write_text("\n".join(map(str, sorted(dependencies))) + "\n")
    return python


def _dependencies() -> list[object]:
    import jsonschema
    import pydantic
    import yaml

    return [jsonschema, pydantic, yaml]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """The sdist, the wheel and the Python of a virtual environment holding the wheel."""
    work = tmp_path_factory.mktemp("package")
    sdist, wheel = _build(ROOT, work)
    return sdist, wheel, _install(wheel, work / "venv")


def test_the_sdist_holds_the_tests_the_policies_and_the_examples(installed: tuple[Path, Path, Path]) -> None:
    sdist, _, _ = installed
    with tarfile.open(sdist) as archive:
        names = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", "policies/guideline.yaml", "tests/conftest.py", ".ci/run"} <= names
    assert {"tests/hostile/expected.yaml", "examples/reference-system.yaml"} <= names
    assert {p.relative_to(ROOT).as_posix() for p in (ROOT / "policies").rglob("*.yaml")} <= names
    assert not any(name.startswith((".venv/", ".git/")) or "__pycache__" in name for name in names)


def test_the_wheel_holds_the_catalog_and_the_guideline(installed: tuple[Path, Path, Path]) -> None:
    _, wheel, _ = installed
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    policies = {
        f"policylint/policies/{p.relative_to(ROOT / 'policies').as_posix()}" for p in ROOT.glob("policies/**/*.yaml")
    }
    assert policies and policies <= names
    assert {"policylint/policies/guideline.yaml", "policylint/data/common-passwords.txt"} <= names
    assert not any(name.startswith(("tests/", "examples/")) for name in names)


def test_the_installed_wheel_gives_the_bytes_of_this_checkout(
    installed: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    _, _, python = installed
    elsewhere = tmp_path / "some project"
    shutil.copytree(EXAMPLES, elsewhere / "examples")
    where = subprocess.run(
        [python, "-c", "import policylint; print(policylint.__file__)"], cwd=elsewhere, capture_output=True, text=True
    )
    assert Path(where.stdout.strip()).is_relative_to(python.parent.parent), "the wheel, not this checkout"
    environment = {**os.environ, "POLICYLINT_CACHE_DIR": str(tmp_path / "cache")}
    for command in COMMANDS:
        wheel = subprocess.run(
            [python, "-m", "policylint", *command], cwd=elsewhere, capture_output=True, env=environment
        )
        here = subprocess.run(
            [sys.executable, "-m", "policylint", *command], cwd=elsewhere, capture_output=True, env=environment
        )
        assert (wheel.returncode, wheel.stdout, wheel.stderr) == (here.returncode, here.stdout, here.stderr), command
        assert wheel.returncode in (0, 1) and wheel.stdout, command
        for machine_path in (ROOT, python.parent.parent, tmp_path):
            assert os.fsencode(machine_path) not in wheel.stdout + wheel.stderr, (command, machine_path)
