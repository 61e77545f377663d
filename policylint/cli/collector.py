"""The one place that tunes Python's cyclic garbage collector, and why.

policylint makes many objects and nearly no cycles: the modules, classes and functions of
start-up, which live as long as the process, and each file's nodes, values, outcomes and
findings, which die with the file. The collector's defaults spend time on both for nothing.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator


@contextlib.contextmanager
def imported_without_collection() -> Iterator[None]:
    """Start-up makes some 10^5 objects that live as long as the process. Python 3.11's
    collector traversed them again and again while they were made, freeing nothing: ~14 ms
    of a ~120 ms pre-commit run. Once imported they are frozen out of later collections
    (``gc.freeze``), which a long scan's collections then skip too."""
    with made_without_collection():
        try:
            yield
        finally:
            gc.freeze()


@contextlib.contextmanager
def made_without_collection() -> Iterator[None]:
    """No collection while objects that outlive the block are made: the catalog of a run,
    tens of thousands of containers, made in a few milliseconds (the collector traversed
    them some ten times while they were made, freeing nothing: 4 M instructions of a
    pre-commit run)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Checking a file makes and drops thousands of containers, nearly none of them in
    cycles. At Python's default of one young collection every 700 allocations, a scan spent
    ~2 % of its work collecting, and promoted each file's short-lived objects to older
    generations before they died."""
    threshold = gc.get_threshold()
    gc.set_threshold(10_000, *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
