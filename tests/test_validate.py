"""The compiled validator and the pydantic model are one definition: same answers, same data."""

from __future__ import annotations

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from policylint.load.documents import load_yaml
from policylint.model.descriptor import Descriptor
from policylint.model.quickcheck import Unsure
from policylint.model.validate import _quick_check, validate_descriptor
from tests.conftest import EXAMPLES, ROOT

DESCRIPTORS = sorted([*EXAMPLES.glob("*.yaml"), *(ROOT / "tests" / "policies").glob("*/*/*.yaml")])


def _model(data: Any) -> dict[str, Any] | None:
    """What the pydantic model says: the declared data, or None when it refuses."""
    try:
        return Descriptor.model_validate(data).model_dump(by_alias=True, exclude_unset=True)
    except ValidationError:
        return None


def _fast(data: Any) -> dict[str, Any] | None:
    (document,) = load_yaml(yaml.safe_dump(data, allow_unicode=True))
    validated, problems = validate_descriptor(document)
    return validated if not problems else None


def _quick(data: Any) -> Any:
    """What the pure-Python check says: the typed data, or "unsure"."""
    try:
        return _typed(_quick_check()(data))
    except Unsure:
        return "unsure"


def _typed(value: Any) -> Any:
    """``value`` with the type of every scalar, so that 1 and 1.0 differ."""
    if isinstance(value, dict):
        return {key: _typed(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_typed(item) for item in value]
    return type(value).__name__, value


@pytest.mark.parametrize("path", DESCRIPTORS, ids=lambda p: str(p.relative_to(ROOT)))
def test_same_data_for_every_bundled_descriptor(path: Path) -> None:
    for document in load_yaml(path.read_text(encoding="utf-8")):
        validated, problems = validate_descriptor(document)
        assert problems == []
        assert validated == _model(document.data)
        assert _quick(document.data) == _typed(validated)  # valid descriptors never need pydantic-core


def test_a_check_of_a_valid_descriptor_does_not_load_pydantic_core() -> None:
    descriptor = str(EXAMPLES / "reference-system.yaml")
    code = (
        "import contextlib, io, sys; from policylint.cli.main import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()): main(['check', {descriptor!r}])\n"
        "print('pydantic_core' in sys.modules)"
    )
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True) for _ in "12"]
    assert runs[1].stdout.strip() == "False"  # the first run may fill the schema cache


_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 500), st.floats(-1, 100, allow_nan=False),
    st.text(max_size=6), st.dates(), st.lists(st.sampled_from(["login", "captcha", "x", 1]), max_size=3),
    st.dictionaries(st.sampled_from(["enabled", "name", "typo"]), st.booleans(), max_size=2),
)  # fmt: skip


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


BASE = yaml.safe_load((EXAMPLES / "reference-system.yaml").read_text(encoding="utf-8"))
PATHS = _paths(BASE)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.sampled_from(PATHS), _VALUES), min_size=1, max_size=3))
def test_same_answer_for_mutated_descriptors(mutations: list[tuple[tuple[Any, ...], Any]]) -> None:
    data = copy.deepcopy(BASE)
    for path, value in mutations:
        target = data
        try:
            for part in path[:-1]:
                target = target[part]
            target[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue
    assert _fast(data) == _model(data)
    quick = _quick(data)
    assert quick == "unsure" or quick == _typed(_model(data))
