"""Check files in worker processes; results come back in the order of the files.

Output is byte-identical to a serial run because results are merged in file order and
every report is sorted anyway. Small runs (a pre-commit hook's few files) stay serial.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any, NamedTuple

from policylint.catalog.policies import Catalog, load_catalog
from policylint.engine.evaluate import Options, check_path
from policylint.model.results import FileReport

MIN_FILES_PER_WORKER = 16
_worker_catalog: Catalog | None = None


class CatalogSpec(NamedTuple):
    """How to rebuild the run's catalog in a worker that did not inherit it."""

    directories: tuple[Path, ...]
    overrides: dict[str, dict[str, Any]]
    select: tuple[str, ...]
    ignore: tuple[str, ...]

    def load(self) -> Catalog:
        return load_catalog(list(self.directories), self.overrides).select(self.select, self.ignore)


def check_files(
    files: Sequence[str], catalog: Catalog, spec: CatalogSpec, options: Options, jobs: int
) -> Iterator[FileReport]:
    workers = min(jobs, len(files) // MIN_FILES_PER_WORKER)
    if workers <= 1:
        yield from (check_path(path, catalog, options) for path in files)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _worker_catalog
    _worker_catalog = catalog  # inherited by forked workers, which then skip reloading it
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    chunk = max(1, len(files) // (workers * 8))
    with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(spec,)) as pool:
        yield from pool.map(partial(_check_in_worker, options=options), files, chunksize=chunk)


def _start_worker(spec: CatalogSpec) -> None:
    global _worker_catalog
    if _worker_catalog is None:
        _worker_catalog = spec.load()


def _check_in_worker(path: str, options: Options) -> FileReport:
    assert _worker_catalog is not None
    return check_path(path, _worker_catalog, options)


def shard(files: Sequence[str], part: int, parts: int) -> list[str]:
    """The ``part``-th (1-based) of ``parts`` deterministic slices of the sorted files."""
    return sorted(files)[part - 1 :: parts]
