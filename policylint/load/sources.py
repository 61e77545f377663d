"""Find the files to check and read them as text, refusing what is not safe to read.

Walking always ends and never skips a file in silence:

- a symbolic link to a directory met during a walk is not followed, so link loops cannot
  trap it (a directory named on the command line is walked even when it is a link);
- a link met during a walk whose name looks like a file to check is read when it leads to a
  regular file inside the scanned paths, and is an error naming the link otherwise (broken,
  a loop, a pipe). One that leads outside them (``app.env -> /proc/self/environ`` in a pull
  request) is skipped with a warning naming the link, unless links are to be followed; a
  path named on the command line is read as given;
- a directory that cannot be listed is an error naming it;
- named pipes, sockets and devices are never opened: they are errors naming them.

Git-ignored files are skipped inside a work tree.
"""

from __future__ import annotations

import codecs
import errno
import os
import stat
from collections.abc import Iterable, Iterator
from pathlib import Path, PurePath
from typing import NamedTuple

DESCRIPTOR_SUFFIXES = (".yaml", ".yml", ".json")
WIDE_TEXT_SUFFIXES = (".inf",)  # Windows security templates: UTF-16 as Windows writes them
SKIPPED_DIRECTORIES = {
    ".git",
    ".hg",
    ".svn",
    ".venv",
    "venv",
    "node_modules",
    "__pycache__",
    ".tox",
    ".mypy_cache",
}
_OTHER_FILE_KINDS = (
    (stat.S_ISFIFO, "a named pipe"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)
# Should a pipe take the file's place between the check and the open, O_NONBLOCK keeps the open
# from waiting for a writer; O_NOCTTY keeps a terminal from becoming ours.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0)
_WIDE_ENCODINGS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


class SourceError(Exception):
    # A plain class: a dataclass costs a pre-commit run 1.8 M instructions to define.
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def read_source(path: str, max_bytes: int) -> str:
    """The file's text (UTF-8, with or without a byte-order mark), or a SourceError."""
    return read_encoded(path, max_bytes)[0]


def read_encoded(path: str, max_bytes: int) -> tuple[str, bytes | None]:
    """As ``read_source``, with the text's UTF-8 encoding too when the file holds exactly that
    (no byte-order mark, not UTF-16). The YAML loader hands those bytes to libyaml and the
    identifier detector tests their shape: each would otherwise encode the text again (together
    0.9 % of a scan's instructions)."""
    info = _stat(path)
    _require_regular(path, info.st_mode)
    _require_size(info.st_size, max_bytes)
    data = _read(path, max_bytes)
    if path.lower().endswith(WIDE_TEXT_SUFFIXES):
        return decode_wide(data), None
    return decode(data), None if data.startswith(codecs.BOM_UTF8) else data


def _stat(path: str) -> os.stat_result:
    try:
        return os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise SourceError("broken symbolic link (its target does not exist)") from None
        raise SourceError("no such file or directory") from None
    except OSError as error:
        raise SourceError(_problem(error)) from None


def _problem(error: OSError) -> str:
    if error.errno == errno.ELOOP:
        return "symbolic link loop (too many levels of symbolic links)"
    return f"cannot read: {error.strerror or error}"


def _require_regular(path: str, mode: int) -> None:
    if stat.S_ISREG(mode):
        return
    if stat.S_ISDIR(mode):
        raise SourceError(_directory_problem(path))
    kind = next((name for is_kind, name in _OTHER_FILE_KINDS if is_kind(mode)), "not a file")
    raise SourceError(f"not a regular file ({kind}); not read")


def _directory_problem(path: str) -> str:
    """A directory reaches the reader only when the walk could not list it: say why."""
    try:
        with os.scandir(path):
            pass
    except OSError as error:
        return f"cannot list directory: {error.strerror or error}"
    return "is a directory, not a file"


def _require_size(size: int, max_bytes: int) -> None:
    if size > max_bytes:
        raise SourceError(f"file is {size} bytes, over the limit of {max_bytes} (setting max-file-size)")


def _read(path: str, max_bytes: int) -> bytes:
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        raise SourceError(_problem(error)) from None
    try:
        # What was checked before opening may have been swapped since: check what was opened.
        opened = os.fstat(descriptor)
        _require_regular(path, opened.st_mode)
        data = _read_up_to(descriptor, opened.st_size, max_bytes + 1)
    finally:
        os.close(descriptor)
    if len(data) > max_bytes:
        raise SourceError(f"file grew while being read, over the limit of {max_bytes} (setting max-file-size)")
    return data


def _read_up_to(descriptor: int, size: int, limit: int) -> bytes:
    """At most ``limit`` bytes: first the file's size and one byte more, then (if it grew)
    64 KiB at a time. A buffered read of ``limit`` bytes first allocated all of them, for
    every file."""
    chunks: list[bytes] = []
    left, request = limit, size + 1
    while left > 0:
        try:
            chunk = os.read(descriptor, min(left, request))
        except OSError as error:
            raise SourceError(_problem(error)) from None
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
        request = 1 << 16
    return b"".join(chunks)


def decode(data: bytes) -> str:
    for mark, encoding in _WIDE_ENCODINGS:
        if data.startswith(mark):
            raise SourceError(f"{encoding} text; save it as UTF-8")
    if b"\0" in data:
        raise SourceError("binary file (contains NUL bytes)")
    try:
        # As "utf-8-sig" decodes, whose codec is Python code: the mark dropped, then the rest in C
        # (an error's offset counts from after the mark, as that codec's does).
        return (data[3:] if data.startswith(codecs.BOM_UTF8) else data).decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise SourceError(f"not UTF-8 text (invalid byte at line {line}, byte offset {error.start})") from None


def decode_wide(data: bytes) -> str:
    """A file Windows may write as UTF-16 (a security template): UTF-16 with its byte-order
    mark, else as ``decode``."""
    for mark, endian in ((codecs.BOM_UTF16_LE, "le"), (codecs.BOM_UTF16_BE, "be")):
        if data.startswith(mark) and not data.startswith(codecs.BOM_UTF32_LE):
            return _utf16(data[len(mark) :], endian)
    return decode(data)


def _utf16(data: bytes, endian: str) -> str:
    try:
        return data.decode(f"utf-16-{endian}")
    except UnicodeDecodeError as error:
        text = data[: error.start].decode(f"utf-16-{endian}", "replace")
        line = text.count("\n") + 1
        problem = "truncated UTF-16 text (an odd number of bytes)" if len(data) % 2 else "invalid UTF-16 text"
        raise SourceError(f"{problem} at line {line}") from None


def inside(path: str, root: str) -> bool:
    """Whether ``path``, its links resolved, lies within the directory ``root``."""
    real, top = os.path.realpath(path), os.path.realpath(root)
    return real == top or real.startswith(top.rstrip(os.sep) + os.sep)


def display_name(path: str | PurePath, base: str | PurePath | None = None) -> str:
    """How every output names a file: the one place reports, baselines and waivers get it.

    Relative and with ``/`` on every platform, so that a baseline written on Windows matches on
    Linux: a relative path is kept as given, less its ``.`` parts; an absolute one becomes
    relative to ``base`` (the working directory by default), since no output shows a path of
    the machine; on another drive than ``base``, the path below its drive. Bytes of a file
    name that are not UTF-8 become ``\\xNN``, and a personal identifier in it is masked, here at
    the source, so that every finding, error and output carries the masked name. The file
    itself is still read through the original ``path``.
    """
    from policylint.load.identifiers import redact

    if type(path) is str and _as_given(path):  # nearly every name, as a walk yields it: no PurePath made
        return redact(readable_name(path))
    pure = path if isinstance(path, PurePath) else PurePath(path)
    if pure.anchor:
        start = type(pure)(os.getcwd() if base is None else base)
        pure = _relative_to(pure, start)
    return redact(readable_name("/".join(pure.parts) or "."))


def _as_given(path: str) -> bool:
    """Whether PurePath would give ``path`` back unchanged: a POSIX path, relative, with no
    empty or ``.`` part (a name starting with a dot may be one) and no ``\\`` (a Windows
    separator): what is not sure is left to PurePath."""
    return (
        _POSIX_PATHS
        and path[:1] not in ("", "/", ".")
        and "//" not in path
        and "/." not in path
        and "\\" not in path
        and path[-1] != "/"
    )


_POSIX_PATHS = os.name != "nt"  # PurePath is PurePosixPath


def _relative_to(path: PurePath, start: PurePath) -> PurePath:
    """``path`` from ``start``, walking up with ``..`` (PurePath.relative_to walks up from 3.12 only)."""
    flavour = type(path)
    shared = 0
    for ours, theirs in zip(path.parts, start.parts, strict=False):
        if flavour(ours) != flavour(theirs):  # PureWindowsPath compares without case, as Windows does
            break
        shared += 1
    if shared == 0:  # another drive: no relative way there
        return flavour(*path.parts[1:])
    return flavour(*[".."] * (len(start.parts) - shared), *path.parts[shared:])


def readable_name(path: str) -> str:
    """``path`` with the bytes that are not UTF-8 shown as ``\\xNN`` (the operating system hands
    them over as lone surrogates, which no UTF-8 report can hold); identifiers unmasked."""
    if path.isascii():  # nearly every name: nothing to encode
        return path
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return os.fsencode(path).decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:
            return path.encode("utf-8", "backslashreplace").decode("utf-8")
    return path


class Discovery(NamedTuple):
    files: list[str]
    missing: list[str]
    outside: list[str]  # links met in a walk that lead outside the scanned paths: not read


def discover(
    paths: Iterable[str], suffixes: tuple[str, ...] = DESCRIPTOR_SUFFIXES, *, follow_symlinks: bool = False
) -> Discovery:
    """Files named on the command line are kept as given; directories are walked."""
    paths = list(paths)
    files: list[str] = []
    missing: list[str] = []
    outside: list[str] | None = None if follow_symlinks else []
    roots = tuple(Path(os.path.realpath(path)) for path in paths)
    for path in paths:
        if os.path.isdir(path):
            files.extend(_not_ignored(sorted(_walk(path, suffixes, roots, outside)), path))
        elif os.path.lexists(path):
            files.append(path)
        else:
            missing.append(path)
    return Discovery(sorted(set(files)), missing, sorted(set(outside or ())))


def _walk(top: str, suffixes: tuple[str, ...], roots: tuple[Path, ...], outside: list[str] | None) -> Iterator[str]:
    """Matching files under ``top``, and the directories that cannot be listed; links that
    lead outside ``roots`` go to ``outside`` instead, unless it is None (links followed).

    Iterative (os.walk recurses once per level before Python 3.12, and a tree thousands of
    levels deep is easy to commit) and never follows a link to a directory.
    """
    pending = [top]
    while pending:
        directory = pending.pop()
        try:
            with os.scandir(directory) as listing:
                entries = list(listing)
        except OSError:
            yield directory  # read_source turns it into an error naming the directory
            continue
        subdirectories = []
        for entry in entries:
            if _is_directory(entry):
                if not entry.is_symlink() and entry.name not in SKIPPED_DIRECTORIES:
                    subdirectories.append(entry.path)
            elif entry.name.lower().endswith(suffixes):
                if outside is not None and entry.is_symlink() and not _leads_within(entry.path, roots):
                    outside.append(entry.path)
                else:
                    yield entry.path
        pending.extend(sorted(subdirectories, reverse=True))


def _leads_within(link: str, roots: tuple[Path, ...]) -> bool:
    """Whether ``link`` resolves to a path under one of ``roots`` (a broken or looping link
    that stays inside does: reading it gives the error that names it)."""
    target = Path(os.path.realpath(link))
    return any(target == root or target.is_relative_to(root) for root in roots)


def _is_directory(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_dir()
    except OSError:  # a link loop or an unreadable target: the reader reports it as a file
        return False


def _not_ignored(files: list[str], top: str) -> list[str]:
    """Drop the files git ignores, when ``top`` lies inside a work tree."""
    if not files or not _in_work_tree(top):
        return files
    import subprocess  # only a directory walk needs it: files named one by one (pre-commit) do not

    absolute = {os.path.abspath(f): f for f in files}
    try:
        result = subprocess.run(
            ["git", "check-ignore", "-z", "--stdin"],
            input=os.fsencode("\0".join(absolute)) + b"\0",
            capture_output=True,
            check=False,
            timeout=60,
            cwd=top,
        )
    except (OSError, subprocess.SubprocessError):
        return files
    if result.returncode not in (0, 1):
        return files
    ignored = {os.fsdecode(item) for item in result.stdout.split(b"\0")}
    return [relative for full, relative in absolute.items() if full not in ignored]


def _in_work_tree(path: str) -> bool:
    current = Path(path).resolve()
    return any((parent / ".git").exists() for parent in (current, *current.parents))
