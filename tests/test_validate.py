"""The one validator (the shipped schema compiled into closures) and the pydantic model are one
definition: same answers, same data, and the shipped schemas are the models' own."""

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
from policylint.model.checker import Invalid
from policylint.model.descriptor import Descriptor
from policylint.model.schema import schemas_from_models
from policylint.model.validate import descriptor_check, validate_descriptor
from tests.conftest import EXAMPLES, ROOT

DESCRIPTORS = sorted([*EXAMPLES.glob("*.yaml"), *(ROOT / "tests" / "policies").glob("*/*/*.yaml")])


def _model(data: Any) -> dict[str, Any] | None:
    """What the pydantic model says: the declared data, or None when it refuses."""
    try:
        return Descriptor.model_validate(data).model_dump(by_alias=True, exclude_unset=True)
    except ValidationError:
        return None


def _through_a_file(data: Any) -> tuple[dict[str, Any] | None, Any]:
    """What validating ``data`` written to a YAML file and read back gives, and what was read
    back: PyYAML's dump is not always exact (a lone NEL comes back as a space)."""
    (document,) = load_yaml(yaml.safe_dump(data, allow_unicode=True))
    validated, problems = validate_descriptor(document)
    return (validated if not problems else None), document.data


def _checked(data: Any) -> Any:
    """What the compiled check says: the typed data, or "invalid"."""
    try:
        return _typed(descriptor_check()(data))
    except Invalid:
        return "invalid"


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
        assert _checked(document.data) == _typed(_model(document.data))  # 1 and 1.0 differ here


@pytest.mark.parametrize("shipped", sorted(schemas_from_models()), ids=lambda path: path.name)
def test_the_shipped_schemas_are_the_models_own(shipped: Path) -> None:
    made = schemas_from_models()[shipped]
    assert shipped.read_text(encoding="utf-8") == made, "regenerate with: python -m policylint.model.schema"


def test_a_check_imports_no_pydantic() -> None:
    """The first descriptor of a run is checked as the ten-thousandth is, with no pydantic."""
    descriptor = str(EXAMPLES / "reference-system.yaml")
    code = (
        "import contextlib, io, sys; from policylint.cli.main import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()): main(['check', {descriptor!r}])\n"
        "print(sorted(name for name in sys.modules if name.startswith('pydantic')))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "[]"


_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 500), st.floats(-1, 100, allow_nan=False),
    st.text(max_size=6), st.dates(), st.lists(st.sampled_from(["login", "captcha", "x", 1]), max_size=3),
    st.dictionaries(st.sampled_from(["enabled", "name", "typo"]), st.booleans(), max_size=2),
    st.datetimes(), st.floats(), st.integers(),
    st.sampled_from(["2024-01-01", "2024-02-30", "2024-1-01", "3", "1.5", "", "a" * 300, "Name", "x\n"]),
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
    validated, read_back = _through_a_file(data)
    assert validated == _model(read_back)
    model = _model(data)
    assert _checked(data) == ("invalid" if model is None else _typed(model))


@pytest.mark.parametrize("value", [False, True, "50"])
def test_a_percentage_is_a_number_to_the_model_as_to_the_checker(value: Any) -> None:
    """Found by the property test above: the model took ``false`` as 0 %, the checker refused it."""
    data = copy.deepcopy(BASE)
    data["spec"]["training"]["staffCompletedPercent"] = value
    assert _model(data) is None
    assert _checked(data) == "invalid"
