"""A longer fuzz session over the properties of tests/test_fuzz.py (not collected by pytest).

    .venv/bin/python tests/fuzz/fuzz_session.py --minutes 30
    .venv/bin/python tests/fuzz/fuzz_session.py --minutes 5 --only yaml --only cli

Runs every property in rounds of --examples fresh random examples until the time is up.
A failure is shrunk by Hypothesis and printed; its input is saved under --crashes (default
.hypothesis/fuzz-crashes/) so it can join the regression corpus in tests/hostile/. Exit status:
0 nothing found, 1 something found. Examples that once failed are replayed first, from
.hypothesis/fuzz-session.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from hypothesis.database import DirectoryBasedExampleDatabase  # noqa: E402

from tests.fuzz import properties  # noqa: E402

Property = Callable[[Any], None]
PROPERTIES: dict[str, tuple[st.SearchStrategy[Any], Property]] = {
    "yaml": (properties.yaml_texts, lambda text: properties.loads_or_refuses(text, is_json=False)),
    "json": (properties.json_texts, lambda text: properties.loads_or_refuses(text, is_json=True)),
    "model": (properties.descriptor_values(), properties.validates_and_evaluates),
    "cli": (
        st.tuples(properties.cli_files, st.sampled_from(("json", "text"))),
        lambda case: properties.cli_checks_every_file(*case),
    ),
}


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="how long to run (default 10)")
    parser.add_argument("--examples", type=int, default=2000, help="examples a property gets each round")
    parser.add_argument("--only", action="append", choices=sorted(PROPERTIES), help="run only these properties")
    parser.add_argument("--crashes", type=Path, default=ROOT / ".hypothesis" / "fuzz-crashes", metavar="DIR")
    return parser.parse_args(argv)


def _round(name: str, examples: int, crashes: Path) -> bool:
    """One round of a property; False when it found a failure (already reported)."""
    strategy, check = PROPERTIES[name]
    last: list[Any] = []

    def recorded(value: Any) -> None:
        last[:] = [value]
        check(value)

    test = settings(
        max_examples=examples,
        deadline=None,
        database=DirectoryBasedExampleDatabase(ROOT / ".hypothesis" / "fuzz-session"),
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )(given(strategy)(recorded))
    try:
        test()
    except Exception:  # any failure of the property is what a fuzz session is for: report it
        traceback.print_exc()
        _save(name, last[0] if last else None, crashes)
        return False
    return True


def _save(name: str, value: Any, crashes: Path) -> None:
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str, indent=1)
    data = text.encode("utf-8", "surrogatepass")
    crashes.mkdir(parents=True, exist_ok=True)
    path = crashes / f"{name}-{hashlib.sha256(data).hexdigest()[:12]}.txt"
    path.write_bytes(data)
    print(f"fuzz: {name}: failing input saved to {path}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    names = args.only or sorted(PROPERTIES)
    deadline = time.monotonic() + args.minutes * 60
    rounds = failures = 0
    while time.monotonic() < deadline:
        for name in names:
            started = time.monotonic()
            ok = _round(name, args.examples, args.crashes)
            failures += not ok
            rounds += 1
            print(f"fuzz: {name}: {args.examples} examples in {time.monotonic() - started:.1f} s"
                  f"{'' if ok else ', FAILED'}", file=sys.stderr)  # fmt: skip
            if time.monotonic() >= deadline:
                break
    print(f"fuzz: {rounds} rounds, {failures} failing", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
