"""Reporters, one module per output format, chosen from a table by name.

Every reporter follows one protocol (:mod:`policylint.report.stream`): told of the run, of
each checked file as it is done, and of the end, it writes to its stream as it goes, keeping
counts, never findings. Reporters read results only: they evaluate nothing and open no
scanned file.
"""

from __future__ import annotations

import importlib
import io
from collections.abc import Iterable
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from policylint.catalog.policies import Catalog
    from policylint.model.results import FileReport, RunReport
    from policylint.report.stream import Reporter

REPORTERS: dict[str, str] = {
    "text": "policylint.report.text:TextReporter",
    "json": "policylint.report.json_report:JsonReporter",
    "sarif": "policylint.report.sarif:SarifReporter",
    "junit": "policylint.report.junit:JunitReporter",
    "gitlab": "policylint.report.gitlab:GitlabReporter",
    "csv": "policylint.report.csv_report:CsvReporter",
    "markdown": "policylint.report.markdown:MarkdownReporter",
    "html": "policylint.report.html:HtmlReporter",
}
# The formats that show the source lines around findings (the engine captures them).
SHOWS_EVIDENCE = frozenset({"markdown", "html"})


def open_reporter(name: str, out: TextIO, *, color: bool = False) -> Reporter:
    module, _, cls = REPORTERS[name].partition(":")
    reporter: Reporter = getattr(importlib.import_module(module), cls)(out, color=color)
    return reporter


def render(name: str, run: RunReport, catalog: Catalog, reports: Iterable[FileReport], *, color: bool = False) -> str:
    """The whole report of ``reports`` in one string (tests, and results read back)."""
    from policylint.report.stream import end, feed

    buffer = io.StringIO(newline="")
    reporter = open_reporter(name, buffer, color=color)
    feed([reporter], run, catalog, reports)
    end([reporter], run)
    return buffer.getvalue()
