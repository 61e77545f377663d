"""The package's folders are its pipeline: every import runs down it, and none runs in a circle.

Imports made only for type checking count too: an upward arrow in a type hint is still an
arrow a reader has to follow.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "policylint"
LAYERS = ("load", "model", "catalog", "evidence", "engine", "report", "cli")  # bottom to top


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name.startswith("policylint.")}


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
GRAPH = {name: {target for target in imports_of(path) if target in MODULES} for name, path in MODULES.items()}


def layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else None


def test_every_module_lives_in_a_layer() -> None:
    loose = [name for name in MODULES if name.count(".") == 1 and layer(name) is None]
    assert sorted(loose) == ["policylint.__main__"], "a module beside the layers belongs in one of them"


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_run_down_the_pipeline(module: str) -> None:
    source = layer(module)
    if source is None:
        return
    upward = [t for t in GRAPH[module] if layer(t) and LAYERS.index(layer(t)) > LAYERS.index(source)]  # type: ignore[arg-type]
    assert not upward, f"{module} imports from a higher layer: {sorted(upward)}"


def test_no_import_circle() -> None:
    state: dict[str, int] = {}

    def visit(name: str, trail: list[str]) -> None:
        state[name] = 1
        for target in sorted(GRAPH[name]):
            if state.get(target) == 1:
                cycle = [*trail[trail.index(target) :], target] if target in trail else [name, target]
                pytest.fail("import circle: " + " -> ".join(cycle))
            if target not in state:
                visit(target, [*trail, target])
        state[name] = 2

    for module in sorted(GRAPH):
        if module not in state:
            visit(module, [module])


def test_the_walk_sees_an_upward_import(tmp_path: Path) -> None:
    module = tmp_path / "policylint" / "load" / "bad.py"
    module.parent.mkdir(parents=True)
    module.write_text("from policylint.report.text import render\n", encoding="utf-8")
    assert imports_of(module) == {"policylint.report.text", "policylint.report.text.render"}


def test_nothing_is_cached_between_runs() -> None:
    """No module keeps data between runs: nothing a cache directory holds can steer a run."""
    sources = {name: path.read_text(encoding="utf-8") for name, path in MODULES.items()}
    cache_directory = re.compile(r"XDG_CACHE_HOME|CACHE_DIR|\.cache[\"'/]")
    assert not [name for name, text in sources.items() if cache_directory.search(text)]
    assert not [name for name, text in sources.items() if "marshal" in text or "exec(" in text]
