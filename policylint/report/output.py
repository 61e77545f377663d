"""Write report files atomically: an interrupted run leaves the old file or none, never half."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, TextIO


def write_atomic(path: Path, data: str | bytes) -> None:
    with _atomic_file(path, "wb" if isinstance(data, bytes) else "w") as stream:
        stream.write(data)


def atomic_stream(path: Path) -> AbstractContextManager[TextIO]:
    """A text file written piece by piece that replaces ``path`` only once it is complete."""
    return _atomic_file(path, "w")


@contextmanager
def _atomic_file(path: Path, mode: str) -> Iterator[Any]:
    import tempfile  # not for a report on standard output (nearly every pre-commit run)

    directory = path.parent if str(path.parent) else Path(".")
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    encoding, newline = (None, None) if "b" in mode else ("utf-8", "")
    try:
        with os.fdopen(handle, mode, encoding=encoding, newline=newline) as stream:
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
