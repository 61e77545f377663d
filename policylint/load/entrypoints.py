"""Entry points of installed distributions (policy packs, evidence adapters), found cheaply.

``importlib.metadata`` costs 20 to 40 ms to import and to walk every distribution, a fifth of a
pre-commit run on one file, and nearly every installation has no pack or adapter at all. So
the ``entry_points.txt`` files on ``sys.path`` are read first, as plain text, and only when one
names the group is ``importlib.metadata`` asked. Nothing is cached between runs, so nothing a
cache directory holds can point a run at other policies or code.
"""

from __future__ import annotations

import io
import os
import sys
from collections.abc import Iterator
from typing import Any


def entry_points_of(group: str) -> list[Any]:
    """The entry points of ``group``, sorted by name; empty when no distribution declares it."""
    if not any(_declares(path, group) for path in _entry_point_files()):
        return []
    from importlib.metadata import entry_points

    return sorted(entry_points(group=group), key=lambda point: point.name)


def _entry_point_files() -> Iterator[str]:
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                yield os.path.join(entry or ".", name, "entry_points.txt")


def _declares(path: str, group: str) -> bool:
    try:
        with open(path, "rb") as file:
            data = file.read()
    except OSError:
        return False
    # Most distributions name no policylint group at all: their bytes are not decoded.
    header = f"[{group}]"
    if header.encode() not in data:
        return False
    lines = io.StringIO(data.decode("utf-8", "replace"), newline=None)  # lines as a text file reads them
    return any(line.strip() == header for line in lines)
