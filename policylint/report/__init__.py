"""Reporters, one module per output format, chosen from a table by name.

A reporter reads a finished ``RunReport`` and the catalog and returns text. It never
evaluates anything.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from policylint.catalog.policies import Catalog
    from policylint.model.results import RunReport


class Reporter(Protocol):
    def __call__(self, run: RunReport, catalog: Catalog, *, color: bool = False) -> str: ...


REPORTERS: dict[str, str] = {
    "text": "policylint.report.text",
    "json": "policylint.report.json_report",
    "sarif": "policylint.report.sarif",
    "junit": "policylint.report.junit",
    "gitlab": "policylint.report.gitlab",
    "csv": "policylint.report.csv_report",
    "markdown": "policylint.report.markdown",
    "html": "policylint.report.html",
}


def reporter(name: str) -> Reporter:
    module = importlib.import_module(REPORTERS[name])
    render: Reporter = module.render
    return render
