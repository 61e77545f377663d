"""Write report files atomically: an interrupted run leaves the old file or none, never half.

Only a regular file (or a new one) is replaced: a named pipe, a device (``/dev/null``,
``/dev/stdout``) or any other file that is not regular is opened and written to, never
replaced; replacing ``/dev/null`` as root would turn it into a file holding the report.
An error names the path the user gave, never the temporary file.
"""

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
    encoding, newline = (None, None) if "b" in mode else ("utf-8", "")
    if _is_special(path):
        with _naming(path):
            stream = open(path, mode, encoding=encoding, newline=newline)  # noqa: SIM115 (closed below)
        with stream:
            yield stream
        return
    import tempfile  # not for a report on standard output (nearly every pre-commit run)

    directory = path.parent if str(path.parent) else Path(".")
    with _naming(path):
        handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, mode, encoding=encoding, newline=newline) as stream:
            yield stream
            stream.flush()
            with _naming(path):
                os.fsync(stream.fileno())  # on disk before it replaces the old report
        with _naming(path):
            os.chmod(temporary, _mode_for(path))
            os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _is_special(path: Path) -> bool:
    """Whether ``path`` exists and is not a regular file (followed through links)."""
    try:
        return not stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False  # absent (or unreachable): the atomic path creates it or names the error


@contextmanager
def _naming(path: Path) -> Iterator[None]:
    """An OSError about a temporary file or a stream becomes one about ``path``."""
    try:
        yield
    except OSError as error:
        if error.filename == str(path):
            raise
        raise OSError(error.errno, error.strerror or str(error), str(path)) from None


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
