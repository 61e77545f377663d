"""The one reporter protocol: a reporter is told of the run, then of each checked file as it
is done, then of the run's end, and writes to its stream as it goes.

Files come in sorted order, each with its findings sorted, so a streamed report has the
bytes of a sorted run. A reporter keeps counts (per policy, case, law, reminder), never
findings; what a format must print before the findings but knows only at the end is written
after them to a spool (an unnamed temporary file) and copied into place at the end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Protocol, TextIO

if TYPE_CHECKING:
    from policylint.catalog.policies import Catalog
    from policylint.model.results import FileReport, RunReport

_CHUNK = 1 << 16  # read back in pieces of about 64 KiB: what is held while copying


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
    """Text written now and copied out later, held on disk (not in memory) in between. The
    file has no name (removed as soon as it is made), so an interrupted run leaves none."""

    def __init__(self) -> None:
        self._file: TextIO | None = None
        self.empty = True

    def write(self, text: str) -> None:
        if not text:
            return
        if self._file is None:
            import tempfile  # not for a text report (nearly every pre-commit run)

            # surrogatepass: a file name that is not UTF-8 comes back exactly as it went in
            self._file = tempfile.TemporaryFile(  # noqa: SIM115 (closed by chunks, once copied)
                "w+", encoding="utf-8", errors="surrogatepass", newline=""
            )
        self._file.write(text)
        self.empty = False

    def chunks(self) -> Iterator[str]:
        """The text written, in pieces of whole lines, once; then the spool is closed."""
        if self._file is None:
            return
        with self._file as spooled:
            spooled.seek(0)
            while chunk := spooled.read(_CHUNK):
                yield chunk + spooled.readline()  # to the end of its last line
        self._file = None

    def copy_to(self, out: TextIO, change: Callable[[str], str] | None = None) -> None:
        for chunk in self.chunks():
            out.write(chunk if change is None else change(chunk))
