"""Property tests over hostile input (issue 7), kept cheap for CI; fuzz_session.py runs deeper.

Each property is in tests/fuzz/properties.py: the loader yields documents or raises
LoadError, the model returns data or problems, the engine evaluates or raises PolicyError,
and the command line exits 0, 1 or 2 with no traceback and every file counted.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz import properties

QUICK = settings(
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
    print_blob=True,
)


def quick(examples: int) -> settings:
    """Few examples, no deadline: the whole file stays well under 30 s in CI."""
    return settings(QUICK, max_examples=examples)


@quick(1000)
@given(properties.yaml_texts)
def test_yaml_loader_yields_documents_or_load_error(text: str) -> None:
    properties.loads_or_refuses(text, is_json=False)


@quick(600)
@given(properties.json_texts)
def test_json_loader_yields_documents_or_load_error(text: str) -> None:
    properties.loads_or_refuses(text, is_json=True)


@quick(400)
@given(properties.descriptor_values())
def test_model_and_engine_never_raise(data: Any) -> None:
    properties.validates_and_evaluates(data)


@quick(100)
@given(properties.cli_files, st.sampled_from(("json", "text")))
def test_cli_exits_0_1_or_2_without_traceback(files: list[tuple[str, str]], output: str) -> None:
    properties.cli_checks_every_file(files, output)
