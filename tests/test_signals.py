"""Signals and exit paths (issue 17): SIGTERM to the parent, SIGINT to the whole group.

A run over thousands of files ends within a couple of seconds with 143 or 130 and one line,
no traceback from any worker, no temporary file left behind and no worker outliving it.
"""

from __future__ import annotations

import contextlib
import os
import signal
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from policylint.cli.main import main
from policylint.engine import parallel
from tests.conftest import AS_OF, EXAMPLES

pytestmark = pytest.mark.skipif(not hasattr(os, "killpg") or sys.platform != "linux", reason="POSIX process groups")
FILES = 3000


@pytest.fixture(scope="module")
def many_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("many")
    text = (EXAMPLES / "20170101-job-portal.yaml").read_text(encoding="utf-8")
    for index in range(FILES):
        folder = root / f"d{index // 100:02d}"
        folder.mkdir(exist_ok=True)
        (folder / f"s{index:05d}.yaml").write_text(text.replace("job-matching-portal", f"s{index}"), encoding="utf-8")
    return root


def _group(pgid: int) -> list[int]:
    """The processes still in process group ``pgid`` (zombies left aside)."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


@contextlib.contextmanager
def _interruptible_children() -> Iterator[None]:
    """Children started with SIGINT at its default, as in a terminal's foreground job. A suite
    started in the background of a script (``pytest &``) has SIGINT ignored, and so, rightly,
    had the policylint it started: Ctrl-C did nothing and the scan ended with exit 1."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # exec resets it to SIG_DFL
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _wait_into_the_scan(child: subprocess.Popen[str], out: Path, jobs: int) -> None:
    """Until the run is checking files: the report's temporary file is open (the catalog is
    loaded and the files found) and, with workers, they are forked; then a little longer.
    Waiting for these, not a fixed time, puts the signal in the same phase on a busy machine."""
    deadline = time.monotonic() + 30
    members = 1 + jobs if jobs > 1 else 1
    while time.monotonic() < deadline and child.poll() is None:
        started = any(out.parent.glob(f".{out.name}.*.tmp"))
        if started and len(_group(child.pid)) >= members:
            break
        time.sleep(0.02)
    time.sleep(0.3)  # into the checking


def _run_and_signal(tree: Path, out: Path, jobs: str, which: signal.Signals) -> tuple[int, str, float]:
    command = [sys.executable, "-m", "policylint", "check", "--format", "json", "--as-of", AS_OF]
    command += ["--jobs", jobs, "-o", str(out), str(tree)]
    with _interruptible_children():
        child = subprocess.Popen(command, stderr=subprocess.PIPE, start_new_session=True, text=True)
    _wait_into_the_scan(child, out, int(jobs))
    assert child.poll() is None, "the scan ended before the signal; make it longer"
    sent = time.monotonic()
    if which == signal.SIGINT:
        os.killpg(child.pid, signal.SIGINT)  # Ctrl-C in a terminal: the whole group
    else:
        os.kill(child.pid, signal.SIGTERM)  # a CI runner's cancel: the parent only
    try:
        _, err = child.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.communicate()
        pytest.fail(f"still running 20 s after {which.name}")
    elapsed = time.monotonic() - sent
    time.sleep(0.3)
    survivors = _group(child.pid)
    if survivors:
        os.killpg(child.pid, signal.SIGKILL)
    assert survivors == [], "workers outlived the parent"
    return child.returncode, err, elapsed


@pytest.mark.parametrize("repeat", range(2))
@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize(
    ("which", "code", "line"),
    [(signal.SIGTERM, 143, "policylint: terminated\n"), (signal.SIGINT, 130, "policylint: interrupted\n")],
)
def test_a_signal_ends_a_large_scan_cleanly(
    many_files: Path, tmp_path: Path, jobs: str, which: signal.Signals, code: int, line: str, repeat: int
) -> None:
    out = tmp_path / "out.json"
    status, err, elapsed = _run_and_signal(many_files, out, jobs, which)
    assert (status, err) == (code, line)
    assert elapsed < 3
    assert list(tmp_path.glob("*.tmp")) == [] and list(tmp_path.glob(".*.tmp")) == []
    assert not out.exists()


def test_ctrl_c_reaching_a_worker_as_it_starts_is_left_to_the_parent(
    many_files: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]
) -> None:
    """Ctrl-C reaches the whole group, workers just forked included. One interrupted before
    its initializer ignored SIGINT printed a traceback and broke the pool; workers are now
    started with SIGINT held, and drop it. Here every worker is interrupted as it starts."""
    start_worker = parallel._start_worker

    def interrupted_as_it_starts(*args: object) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        start_worker(*args)  # type: ignore[arg-type]

    files = sorted(map(str, (many_files / "d00").iterdir()))[: 2 * parallel.MIN_FILES_PER_WORKER]
    command = ["check", "--as-of", AS_OF, "--format", "json", *files]
    serial = main([*command, "--jobs", "1"]), *capfd.readouterr()
    monkeypatch.setattr(parallel, "_start_worker", interrupted_as_it_starts)
    interrupted = main([*command, "--jobs", "2"]), *capfd.readouterr()
    assert interrupted == serial
    assert serial[0] == 1 and serial[2] == ""


def test_ctrl_c_while_the_arguments_are_read_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before any command runs (a slow start on a busy machine), Ctrl-C is handled as later."""

    def interrupted(argv: object) -> object:
        raise KeyboardInterrupt

    monkeypatch.setattr("policylint.cli.main._parser", interrupted)
    assert main(["check", str(EXAMPLES)]) == 130
    assert capsys.readouterr().err == "policylint: interrupted\n"


def test_closed_standard_output_is_one_line_and_exit_2() -> None:
    command = [sys.executable, "-m", "policylint", "check", "--as-of", AS_OF, str(EXAMPLES)]
    result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, check=False)
    assert result.returncode == 1  # a sanity check: the examples fail
    closed = subprocess.run(
        ["sh", "-c", '"$@" >&-', "sh", *command], stderr=subprocess.PIPE, text=True, check=False, timeout=60
    )
    assert (closed.returncode, closed.stderr) == (2, "policylint: error: [Errno 9] standard output is closed\n")


# --- output targets -------------------------------------------------------------------


def _check_to(target: str, *options: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "policylint", "check", "--as-of", AS_OF, *options, str(EXAMPLES)]
    return subprocess.run([*command, "-o", target], capture_output=True, text=True, check=False, timeout=60)


def test_a_named_pipe_target_is_written_to_never_replaced(tmp_path: Path) -> None:
    fifo, copy = tmp_path / "report.fifo", tmp_path / "received.json"
    os.mkfifo(fifo)
    with copy.open("w") as received:
        reader = subprocess.Popen(["cat", str(fifo)], stdout=received)
        result = _check_to(str(fifo), "--format", "json")
        reader.wait(timeout=60)
    assert result.returncode == 1, result.stderr
    assert copy.read_text(encoding="utf-8").startswith("{\n")
    assert copy.read_text(encoding="utf-8").endswith("}\n")
    assert fifo.is_fifo()
    assert sorted(path.name for path in tmp_path.iterdir()) == ["received.json", "report.fifo"]


@pytest.mark.parametrize("option", ["-o", "--report"])
def test_a_device_target_is_written_to_never_replaced(tmp_path: Path, option: str) -> None:
    """A node like /dev/null, made here: a regression replaces this one, not the machine's."""
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except (PermissionError, AttributeError):
        pytest.skip("cannot make a device node here")
    before = os.stat(device)
    target = str(device) if option == "-o" else f"sarif:{device}"
    command = [sys.executable, "-m", "policylint", "check", "--as-of", AS_OF, option, target, str(EXAMPLES)]
    result = subprocess.run(command, capture_output=True, text=True, check=False, timeout=60)
    assert result.returncode == 1, result.stderr
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode) and (after.st_rdev, after.st_ino) == (before.st_rdev, before.st_ino)
    assert [path.name for path in tmp_path.iterdir()] == ["null"]


def test_an_error_names_the_target_given_not_the_temporary_file(tmp_path: Path) -> None:
    result = _check_to(str(tmp_path / "missing" / "r.json"))
    assert result.returncode == 2
    assert result.stderr == f"policylint: error: [Errno 2] No such file or directory: '{tmp_path}/missing/r.json'\n"
