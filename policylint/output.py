"""Write report files atomically: an interrupted run leaves the old file or none, never half."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


def write_atomic(path: Path, text: str) -> None:
    with atomic_stream(path) as stream:
        stream.write(text)


@contextmanager
def atomic_stream(path: Path) -> Iterator[TextIO]:
    """A file written piece by piece that replaces ``path`` only once it is complete."""
    import tempfile  # not for a report on standard output (nearly every pre-commit run)

    directory = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())  # on disk before it replaces the old report
        os.chmod(temporary, _mode_for(path))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _mode_for(path: Path) -> int:
    """The mode of the report being replaced, else what the umask gives a new file.

    mkstemp creates its file readable by the owner only; a report must not change mode
    because it was written atomically.
    """
    try:
        return stat.S_IMODE(os.stat(path).st_mode)
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask
