from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from policylint.catalog.policies import Catalog, load_catalog
from policylint.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"
AS_OF = "2026-11-29"
AS_OF_DATE = date.fromisoformat(AS_OF)


def shown(path: Path | str) -> str:
    """How outputs name a file given by its absolute path: relative to the working directory,
    with ``/`` (an oracle written apart from ``display_name``)."""
    return os.path.relpath(path).replace(os.sep, "/")


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture(scope="session")
def catalog() -> Catalog:
    return load_catalog()


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Callable[..., Result]:
    def invoke(*argv: str) -> Result:
        code = main(list(argv))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return invoke


DESCRIPTOR_HEAD = """\
apiVersion: policylint/v1
kind: InformationSystem
metadata:
  name: test-system
  agency: 臺中市政府
spec:
"""


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    def write_file(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write_file
