"""Fuzz strategies and properties, shared by tests/test_fuzz.py (a quick run in CI) and
tests/fuzz/fuzz_session.py (long runs).

The properties: the loader yields documents or raises LoadError, never anything else; the
descriptor model returns data or problems, never raises; the engine evaluates or raises
PolicyError; the command line exits 0, 1 or 2, with no traceback and no file lost.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from hypothesis import strategies as st

from policylint.catalog.conditions import PolicyError
from policylint.catalog.policies import Catalog, load_catalog
from policylint.cli.main import main
from policylint.engine.evaluate import evaluate
from policylint.load.documents import MAX_DEPTH, Document, LoadError, Position, load_text
from policylint.model.validate import validate_descriptor

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 11, 29)
EXAMPLE_TEXTS = tuple(path.read_text(encoding="utf-8") for path in sorted((ROOT / "examples").glob("*.yaml")))
EXAMPLE_DATA = tuple(yaml.safe_load(text) for text in EXAMPLE_TEXTS)
PLAIN_TYPES = (str, int, float, bool, date, type(None))
YAML_PIECES = (
    "[", "]", "{", "}", ":", ": ", ",", "- ", "? ", "&a ", "*a", "&b ", "*b", "<<: ", "!", "!!str ", "!!int ",
    "!!binary ", "!!python/object/apply:os.system ", "!Ref ", "!vault |\n", "|", ">-", "'", '"', "\\", "\\u",
    "\\ud800", "#", "%YAML 1.1\n", "%TAG ! tag:x:\n", "---\n", "...\n", "\t", "\n", "\r\n", "  ", "    ",
    "\ufeff", "\x85", "\u2028", "\x00", "\x1b", "\ud800", "~", "null", "yes", "2024-02-30", "0x1F", ".nan",
    "1e400", "9" * 5000, "apiVersion: policylint/v1\n", "kind: InformationSystem\n", "metadata:\n", "spec:\n",
)  # fmt: skip
JSON_PIECES = ("{", "}", "[", "]", ",", ":", '"', '\\"', "\\u", "\\ud800", "\\udc00", "1", "-0", "1e999",
               "NaN", "true", "null", "\t", "\n", "\ufeff", "\x00", "9" * 5000)  # fmt: skip


def _keys_of(value: Any, found: set[str]) -> set[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            found.add(str(key))
            _keys_of(item, found)
    elif isinstance(value, list):
        for item in value:
            _keys_of(item, found)
    return found


KNOWN_KEYS = tuple(sorted(set().union(*(_keys_of(data, set()) for data in EXAMPLE_DATA))))


# --- strategies --------------------------------------------------------------------------


def pieces_text(pieces: tuple[str, ...]) -> st.SearchStrategy[str]:
    """Text made of syntax-significant pieces: reaches far more parser states than random text."""
    return st.lists(st.one_of(st.sampled_from(pieces), st.text(max_size=4)), max_size=60).map("".join)


@st.composite
def mutated(draw: st.DrawFn, originals: tuple[str, ...], pieces: tuple[str, ...]) -> str:
    """A real file with a few insertions, deletions, duplications and swaps."""
    text = draw(st.sampled_from(originals))
    for _ in range(draw(st.integers(1, 6))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, min(len(text), start + 80)))
        operation = draw(st.sampled_from(("insert", "delete", "duplicate", "replace", "swap")))
        if operation == "insert":
            text = text[:start] + draw(st.sampled_from(pieces)) + text[start:]
        elif operation == "delete":
            text = text[:start] + text[end:]
        elif operation == "duplicate":
            text = text[:end] + text[start:end] * draw(st.integers(1, 3)) + text[end:]
        elif operation == "replace":
            text = text[:start] + draw(st.text(max_size=8)) + text[end:]
        else:
            lines = text.split("\n")
            first, second = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[first], lines[second] = lines[second], lines[first]
            text = "\n".join(lines)
    return text


JSON_EXAMPLES = tuple(json.dumps(data, ensure_ascii=False, default=str, indent=1) for data in EXAMPLE_DATA)
yaml_texts = st.one_of(st.text(), pieces_text(YAML_PIECES), mutated(EXAMPLE_TEXTS, YAML_PIECES))
json_texts = st.one_of(st.text(), pieces_text(JSON_PIECES), mutated(JSON_EXAMPLES, JSON_PIECES))
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12) | st.dates(),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(st.sampled_from(KNOWN_KEYS) | st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=24,
)


def _leaves_of(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for item in value.values() for leaf in _leaves_of(item)]
    if isinstance(value, list):
        return [leaf for item in value for leaf in _leaves_of(item)]
    return [value]


PLAIN_EXAMPLES = tuple(json.loads(json.dumps(data, default=str)) for data in EXAMPLE_DATA)
EXAMPLE_LEAVES: dict[str, tuple[str, ...]] = {}  # by type name: a swap keeps the type, often the validity
for _leaf in sorted({json.dumps(leaf) for data in PLAIN_EXAMPLES for leaf in _leaves_of(data)}):
    _kind = type(json.loads(_leaf)).__name__
    EXAMPLE_LEAVES[_kind] = (*EXAMPLE_LEAVES.get(_kind, ()), _leaf)
for _kind in ("dict", "list", "NoneType"):
    EXAMPLE_LEAVES[_kind] = tuple(json.dumps(leaf) for data in PLAIN_EXAMPLES for leaf in _leaves_of(data))


@st.composite
def descriptor_values(draw: st.DrawFn) -> Any:
    """A real descriptor with parts dropped, swapped for values of other descriptors (often
    still valid, so the engine runs) or replaced by random values; or a random envelope."""
    if draw(st.integers(0, 4)) == 0:
        return {
            "apiVersion": "policylint/v1",
            "kind": draw(st.sampled_from(("InformationSystem", "Other")) | json_values),
            "metadata": draw(json_values),
            "spec": draw(json_values),
        }
    data = json.loads(json.dumps(draw(st.sampled_from(PLAIN_EXAMPLES))))
    for _ in range(draw(st.integers(1, 4))):
        spec = data.get("spec")
        top = draw(st.integers(0, 9)) == 0 or not (isinstance(spec, dict) and spec)
        parent, key = _random_slot(draw, data if top else spec)
        operation = draw(st.sampled_from(("drop", "swap", "swap", "random")))
        if operation == "drop":
            del parent[key]
        elif operation == "swap":
            kind = type(parent[key]).__name__
            parent[key] = json.loads(draw(st.sampled_from(EXAMPLE_LEAVES.get(kind, EXAMPLE_LEAVES["dict"]))))
        else:
            parent[key] = draw(json_values)
    return data


def _random_slot(draw: st.DrawFn, data: dict[str, Any]) -> tuple[Any, Any]:
    """A container inside ``data`` and one of its keys or indices, at a random depth."""
    parent: Any = data
    key: Any = draw(st.sampled_from(sorted(data)))
    while isinstance(parent[key], dict | list) and parent[key] and draw(st.integers(0, 3)) > 0:
        parent = parent[key]
        key = draw(st.sampled_from(sorted(parent) if isinstance(parent, dict) else range(len(parent))))
    return parent, key


# --- properties --------------------------------------------------------------------------


def loads_or_refuses(text: str, *, is_json: bool) -> None:
    try:
        documents = list(load_text(text, is_json=is_json))
    except LoadError as error:
        assert error.message and "\n" not in error.message, repr(error.message)
        assert error.line is None or error.line >= 1
        return
    for document in documents:
        assert_plain(document.data)
        assert all(position.line >= 1 and position.column >= 1 for position in document.positions.values())


def assert_plain(data: Any) -> None:
    """Only plain values, no deeper than MAX_DEPTH, every string fit for a UTF-8 report."""
    pending = [(data, 0)]
    while pending:
        value, depth = pending.pop()
        assert depth <= MAX_DEPTH + 1
        if isinstance(value, dict):
            pending.extend((key, depth + 1) for key in value)
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
        else:
            assert isinstance(value, PLAIN_TYPES), type(value)
            if isinstance(value, str):
                value.encode("utf-8")


@cache
def catalog() -> Catalog:
    return load_catalog()


def validates_and_evaluates(data: Any) -> None:
    """The model returns data or problems; every policy then evaluates or raises PolicyError."""
    result, problems = validate_descriptor(Document(data, {"": Position(1, 1)}))
    assert (result is None) == bool(problems)
    for problem in problems:
        assert isinstance(problem.message, str) and problem.position.line >= 1
    if result is None:
        return
    for policy in catalog().policies.values():
        with contextlib.suppress(PolicyError):
            evaluate(policy, result, AS_OF)


def cli_checks_every_file(files: list[tuple[str, str]], output: str) -> None:
    """Exit 0, 1 or 2, no traceback, and every file counted: none is lost."""
    with tempfile.TemporaryDirectory() as directory:
        paths = []
        for index, (suffix, text) in enumerate(files):
            path = Path(directory) / f"file{index}{suffix}"
            path.write_text(text, encoding="utf-8", errors="surrogatepass")
            paths.append(str(path))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["check", "--format", output, "--as-of", AS_OF.isoformat(), *paths])
    assert code in (0, 1, 2), (code, err.getvalue())
    assert "Traceback" not in err.getvalue() and "internal error" not in err.getvalue(), err.getvalue()
    if output == "json":
        assert out.getvalue().startswith("{"), err.getvalue()
        report = json.loads(out.getvalue())
        assert report["summary"]["files"] == len(paths)
        assert {error["file"] for error in report["errors"]} <= {os.path.relpath(path) for path in paths}
        assert (code == 2) == bool(report["errors"])


cli_files = st.lists(
    st.tuples(st.just(".yaml"), st.one_of(mutated(EXAMPLE_TEXTS, YAML_PIECES), pieces_text(YAML_PIECES)))
    | st.tuples(st.just(".json"), json_texts),
    min_size=1,
    max_size=3,
)
