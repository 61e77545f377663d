"""A small on-disk cache of JSON data that only changes when files change: the plugin
directories, and model/validate.py's schemas (until it ships them). Never code.

Entries are keyed by a digest of what they were computed from (paths, sizes and
modification times of the inputs, and the package's own version and schema files), and
written atomically. Any problem reading or writing the cache just means computing afresh.
Set POLICYLINT_NO_CACHE=1 to turn it off, or POLICYLINT_CACHE_DIR to move it.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from policylint import __version__

_PACKAGE = Path(__file__).parent.parent
# Each installation keeps its own entries, so that two of them (a venv and a pre-commit
# environment) do not evict each other on every run.
_INSTALLATION = hashlib.sha256(str(_PACKAGE).encode()).hexdigest()[:12]


def cache_dir() -> Path | None:
    if os.environ.get("POLICYLINT_NO_CACHE"):
        return None
    if os.environ.get("POLICYLINT_CACHE_DIR"):
        return Path(os.environ["POLICYLINT_CACHE_DIR"])
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "policylint"


def key_for(inputs: Iterable[Path]) -> str:
    """A digest of the inputs' identities and of the package code that reads them."""
    digest = hashlib.sha256(__version__.encode())
    for path in [*sorted(_PACKAGE.glob("*.py")), *sorted((_PACKAGE / "schemas").glob("*.json")), *inputs]:
        info = path.stat()
        digest.update(f"{path}\0{info.st_size}\0{info.st_mtime_ns}\0".encode())
    return digest.hexdigest()


def read(name: str, key: str) -> Any | None:
    directory = cache_dir()
    if directory is None:
        return None
    try:
        entry = json.loads((directory / f"{name}-{_INSTALLATION}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return entry.get("value") if isinstance(entry, dict) and entry.get("key") == key else None


def write(name: str, key: str, value: Any) -> None:
    try:
        entry = json.dumps({"key": key, "value": value}, ensure_ascii=False)
    except (TypeError, ValueError):
        return  # an unserialisable value only costs the next run some time
    _store(f"{name}-{_INSTALLATION}.json", entry)


def _store(filename: str, data: str | bytes) -> None:
    directory = cache_dir()
    if directory is None:
        return
    from policylint.report.output import write_atomic

    try:
        directory.mkdir(parents=True, exist_ok=True)
        write_atomic(directory / filename, data)
    except OSError:
        pass  # a read-only home or a full disk only costs the next run some time
