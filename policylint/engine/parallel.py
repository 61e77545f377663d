"""Check files in worker processes; results come back in the order of the files.

Output is byte-identical to a serial run because results are merged in file order and
every report is sorted anyway. Small runs (a pre-commit hook's few files) stay serial.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections import deque
from collections.abc import Generator, Iterator, Sequence
from itertools import islice
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from policylint.catalog.policies import Catalog, load_catalog
from policylint.engine.evaluate import Options, check_path
from policylint.model.results import FileReport

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor
    from threading import Thread

MIN_FILES_PER_WORKER = 16
MAX_FILES_PER_PART = 16
PARTS_AHEAD_PER_WORKER = 4
# How workers start, chosen here only. On Linux, fork: a worker inherits the loaded catalog
# instead of reading and compiling it again, and policylint starts no thread that a fork
# could copy in a locked state. Elsewhere, spawn: the only method on Windows, and macOS's
# system libraries are not safe to use after fork. Output does not depend on it (a test runs
# the workers spawned); neither does it follow Python's default, which on Linux turns from
# fork to forkserver in 3.14.
START_METHOD = "fork" if sys.platform.startswith("linux") else "spawn"
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
) -> Generator[FileReport, None, None]:
    workers = min(jobs, len(files) // MIN_FILES_PER_WORKER)
    if workers <= 1:
        yield from (check_path(path, catalog, options) for path in files)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    global _worker_catalog
    _worker_catalog = catalog  # inherited by forked workers, which then skip reloading it
    context = multiprocessing.get_context(START_METHOD)
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker, initargs=(spec, os.getpid()))
    finished = False
    try:
        yield from _in_order(pool, _parts(files, workers), options, workers * PARTS_AHEAD_PER_WORKER)
        finished = True
    finally:
        if finished:
            pool.shutdown()
        else:  # interrupted, terminated, failed, or the consumer stopped reading
            _stop_workers(pool)


_HELD_SIGNALS = ("SIGINT", "SIGTERM")


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM blocked while workers are started, so each worker is born with them
    held until its initializer has set its own handlers: Ctrl-C reaching a worker just forked
    raised KeyboardInterrupt in its initializer (a traceback on standard error, a broken pool).
    The parent gets what arrived meanwhile once they are released."""
    import signal

    if not hasattr(signal, "pthread_sigmask"):  # Windows: no signal masks, no Ctrl-C to the group
        yield
        return
    held = {getattr(signal, name) for name in _HELD_SIGNALS}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def _parts(files: Sequence[str], workers: int) -> list[Sequence[str]]:
    """The files in parts: enough of them to keep every worker busy to the end, and none so
    large that the results waiting for the reporter grow with the repository."""
    size = min(MAX_FILES_PER_PART, max(1, len(files) // (workers * 8)))
    return [files[start : start + size] for start in range(0, len(files), size)]


def _in_order(
    pool: ProcessPoolExecutor, parts: list[Sequence[str]], options: Options, ahead: int
) -> Iterator[FileReport]:
    """Each part's reports, in order, with at most ``ahead`` parts submitted and not yet read:
    workers that outrun the reporter kept every result of a big scan in memory (264 MB for
    10,000 descriptors). Submitted here, not by pool.map: its iterator cancels what is
    pending when it is closed, and Python 3.10 and 3.11 then print a traceback from the
    pool's thread when the workers are stopped (it fails to mark a cancelled future broken)."""
    pending: deque[Future[list[FileReport]]] = deque()
    following = iter(parts)
    while True:
        with _signals_held():  # the workers are started by the first submit
            wanted = ahead - len(pending)
            pending.extend(pool.submit(_check_in_worker, part, options) for part in islice(following, wanted))
        if not pending:
            return
        yield from pending.popleft().result()


def _stop_workers(pool: ProcessPoolExecutor) -> None:
    """Kill the workers, reap them, and let the pool's thread see them gone. Waiting for the
    workers instead (``shutdown(wait=True)``) hung the parent on a worker blocked writing its
    results to a pipe nobody read. The pool's thread is joined here, not at exit: Python
    3.11's exit hook wakes it through a pipe that the thread may be closing, a traceback.
    Unless it is that thread: a run interrupted while its reports were being read leaves this
    generator in a cycle with the traceback, and the collector may close it in any thread."""
    from threading import current_thread

    processes = list((pool._processes or {}).values())
    manager: Thread | None = getattr(pool, "_executor_manager_thread", None)  # typeshed mistypes it
    for process in processes:
        process.kill()
    for process in processes:
        process.join(timeout=5)
    _close_results_writer(pool)
    pool.shutdown(wait=False)
    if manager is not None and manager is not current_thread():
        manager.join(timeout=5)


def _close_results_writer(pool: ProcessPoolExecutor) -> None:
    """A worker killed while writing its results leaves half a message in the pipe, and the
    pool's thread waits for the rest (and the interpreter's exit for that thread) for ever:
    the parent still holds the pipe's write end. Closing it makes that read end at EOF."""
    results = getattr(pool, "_result_queue", None)
    writer = getattr(results, "_writer", None)
    if writer is not None:
        with contextlib.suppress(OSError):
            writer.close()


def _start_worker(spec: CatalogSpec, parent: int) -> None:
    """A worker leaves signals to its parent: Ctrl-C reaches the whole process group and the
    parent stops the workers; a handler inherited through fork must not raise in a worker
    (one traceback a worker); and a worker whose parent dies is killed with it."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C held since the fork is dropped
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT, signal.SIGTERM})
    _die_with_parent(parent)
    global _worker_catalog
    if _worker_catalog is None:
        _worker_catalog = spec.load()


_PR_SET_PDEATHSIG = 1  # prctl(2) on Linux


def _die_with_parent(parent: int) -> None:
    """On Linux, ask the kernel to kill this worker when its parent dies, however it dies
    (SIGKILL included); elsewhere the parent's own clean-up has to do."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # the parent died before the request was made
        os._exit(1)


def _check_in_worker(paths: Sequence[str], options: Options) -> list[FileReport]:
    assert _worker_catalog is not None
    return [check_path(path, _worker_catalog, options) for path in paths]


def shard(files: Sequence[str], part: int, parts: int) -> list[str]:
    """The ``part``-th (1-based) of ``parts`` deterministic slices of the sorted files."""
    return sorted(files)[part - 1 :: parts]
