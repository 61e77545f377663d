"""The one reporter protocol: a reporter is told of the run, then of each checked file as it
is done, then of the run's end, and writes to its stream as it goes.

Files come in sorted order, each with its findings sorted, so a streamed report has the
bytes of a sorted run. A reporter keeps counts (per policy, case, law, reminder), never
findings; what a format must print before the findings but knows only at the end is written
after them to a spool (in memory while small, else an unnamed temporary file) and copied
into place at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, BinaryIO, Protocol, TextIO

if TYPE_CHECKING:
    from policylint.catalog.policies import Catalog
    from policylint.model.results import FileReport, RunReport

_CHUNK = 1 << 16  # read back in pieces of about 64 KiB: what is held while copying
_HELD = 1 << 18  # a spool's bytes held in memory at most: an audit report has four spools, and
# 1 MiB each took markdown to 1.29x the memory of a small run (the limit is 1.3x)


class Reporter(Protocol):
    def begin(self, run: RunReport, catalog: Catalog) -> None: ...

    def file(self, report: FileReport) -> None: ...

    def end(self, run: RunReport) -> None: ...


def feed(reporters: Sequence[Reporter], run: RunReport, catalog: Catalog, reports: Iterable[FileReport]) -> None:
    """Hand one scan (or merged results) to every reporter, file by file."""
    for reporter in reporters:
        reporter.begin(run, catalog)
    try:
        for unsorted in reports:
            report = unsorted.sorted()
            run.add(report)
            for reporter in reporters:
                reporter.file(report)
    finally:  # a signal or an error: the scan's workers end now, not when the traceback goes
        close = getattr(reports, "close", None)
        if close is not None:
            close()
    run.finish()


def end(reporters: Sequence[Reporter], run: RunReport) -> None:
    for reporter in reporters:
        reporter.end(run)


class Spool:
    """Text written now and copied out later: held in memory up to ``_HELD`` bytes, beyond
    that on disk. The file has no name (removed as soon as it is made), so an interrupted run
    leaves none. It holds UTF-8, copied as it is under an output that writes UTF-8 (no
    decoding, no encoding again: a SARIF report is ten times what the scan read)."""

    def __init__(self) -> None:
        self._file: BinaryIO | None = None
        self._held: list[bytes] = []  # not yet on disk: few large writes, and none for a small run
        self._size = 0  # the bytes held
        self.empty = True
        self._surrogates = False  # a lone one (a file name that is not UTF-8): see copy_to

    def write(self, text: str) -> None:
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # kept exactly (surrogatepass), written out by the output's rules
            data, self._surrogates = text.encode("utf-8", "surrogatepass"), True
        self.write_utf8(data)

    def write_utf8(self, *pieces: bytes) -> None:
        """Text already in UTF-8 (strict: no lone surrogate), for a writer that made bytes: its
        pieces are held as they are, joined once when they go to disk (a SARIF report's
        results, each a kilobyte, were joined once more for every file)."""
        size = sum(map(len, pieces))
        if not size:
            return
        self._held += pieces
        self._size += size
        self.empty = False
        if self._size >= _HELD:
            self._spill()

    def _spill(self) -> None:
        """What is held, written to the file (made now if need be) in one piece."""
        if self._file is None:
            import tempfile  # not for a text report (nearly every pre-commit run), nor a small one

            self._file = tempfile.TemporaryFile()  # noqa: SIM115 (closed by blocks, once copied)
        self._file.write(b"".join(self._held))
        self._held.clear()
        self._size = 0

    def blocks(self, whole_lines: bool = True) -> Iterator[bytes]:
        """The UTF-8 written, in pieces (of whole lines, unless told otherwise), once; then
        the spool is emptied."""
        if self._file is None:
            if self._held:
                yield b"".join(self._held)
                self._held.clear()
            return
        self._spill()
        with self._file as spooled:
            spooled.seek(0)
            while block := spooled.read(_CHUNK):
                # to the end of its last line: a copy of the block, made only for a change to it
                yield block + spooled.readline() if whole_lines else block
        self._file = None

    def chunks(self) -> Iterator[str]:
        """The text written, in pieces of whole lines, once; then the spool is closed."""
        for block in self.blocks():
            yield block.decode("utf-8", "surrogatepass")

    def copy_to(self, out: TextIO, change: Callable[[str], str] | None = None) -> None:
        buffer = utf8_bytes_under(out) if change is None and not self._surrogates else None
        if buffer is not None:
            for block in self.blocks(whole_lines=False):
                buffer.write(block)
            return
        for chunk in self.chunks():
            out.write(chunk if change is None else change(chunk))


def utf8_bytes_under(out: TextIO) -> BinaryIO | None:
    """The byte stream under ``out``, flushed, when writing UTF-8 to it gives the very bytes
    ``out`` would write (a UTF-8 stream, and lines that end as written); else None."""
    import codecs
    import os

    buffer = getattr(out, "buffer", None)
    if buffer is None or os.linesep != "\n" or codecs.lookup(out.encoding or "ascii").name != "utf-8":
        return None
    out.flush()  # what ``out`` holds goes first; what it is given later follows the bytes
    return buffer  # type: ignore[no-any-return]
