"""Hostile input (issue 7): never crash, hang, execute or lose a finding.

Every input gets findings or a clear one-line error naming the file (line and column where
known), listed under ``errors`` in JSON, exit status 2, while every other file is still
checked and reported in full. The small hostile files are committed under tests/hostile/
with what each must give in tests/hostile/expected.yaml; the huge ones are made here.
"""

from __future__ import annotations

import importlib.util
import json
import multiprocessing
import os
import stat
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from policylint.cli.main import main
from policylint.load import documents as load
from policylint.load import events as load_events
from policylint.load import nodes as load_nodes
from policylint.load import sources
from policylint.report.output import write_atomic
from tests.conftest import AS_OF, DESCRIPTOR_HEAD, Result, shown

Run = Callable[..., Result]
Write = Callable[[str, str], Path]
HOSTILE = Path(__file__).resolve().parent / "hostile"
CHECK = ("check", "--format", "json", "--lang", "en", "--as-of", AS_OF)
DESCRIPTOR = DESCRIPTOR_HEAD.replace("spec:\n", "spec: {}\n")
NESTING = "nesting deeper than 200 levels"


@pytest.fixture(autouse=True)
def _isolated_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No configuration file of the working tree applies; paths in reports are absolute."""
    monkeypatch.chdir(tmp_path)


def _check(run: Run, *paths: Path | str, options: tuple[str, ...] = ()) -> tuple[Result, dict[str, Any]]:
    result = run(*CHECK, *options, *map(str, paths))
    assert "Traceback" not in result.err
    assert "internal error" not in result.err
    report: dict[str, Any] = json.loads(result.out)
    return result, report


def _error(path: Path | str, message: str, line: int | None = None, column: int | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"file": shown(path), "message": message}
    if line is not None:
        error["line"] = line
    if column is not None:
        error["column"] = column
    return error


def _fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def _main_in_child(argv: list[str], out: Path, err: Path) -> None:
    with out.open("w", encoding="utf-8") as stdout, err.open("w", encoding="utf-8") as stderr:
        sys.stdout, sys.stderr = stdout, stderr
        code = main(argv)
        stdout.flush()
        stderr.flush()
    os._exit(code)


def _run_isolated(tmp_path: Path, *argv: str, timeout: float = 60) -> Result:
    """``main(argv)`` in a forked child: a hang is killed and fails, a crash shows as a signal."""
    out, err = tmp_path / "child.out", tmp_path / "child.err"
    child = multiprocessing.get_context("fork").Process(target=_main_in_child, args=(list(argv), out, err))
    child.start()
    child.join(timeout)
    if child.is_alive():
        child.kill()
        child.join()
        pytest.fail(f"policylint {' '.join(argv)} still running after {timeout} s")
    assert child.exitcode is not None and child.exitcode >= 0, f"killed by signal {-(child.exitcode or 0)}"
    return Result(child.exitcode, out.read_text(encoding="utf-8"), err.read_text(encoding="utf-8"))


needs_fork = pytest.mark.skipif(not _fork_available(), reason="needs fork() to run the CLI in a child process")
needs_fifo = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
not_root = pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads everything")


# --- the committed corpus --------------------------------------------------------------


def _corpus() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = yaml.safe_load((HOSTILE / "expected.yaml").read_text(encoding="utf-8"))
    return cases


@pytest.mark.parametrize("case", _corpus(), ids=lambda case: str(case["file"]))
def test_corpus(run: Run, case: dict[str, Any]) -> None:
    path = HOSTILE / case["file"]
    result, report = _check(run, path)
    assert result.code == case["exit"], result.err
    expected = [_error(path, case["message"], case.get("line"), case.get("column"))] if "message" in case else []
    errors = report["errors"]
    if "message" in case and "column" not in case:
        errors = [{key: value for key, value in error.items() if key != "column"} for error in errors]
    assert errors == expected
    assert len(report["systems"]) == case.get("systems", 0)
    if case["exit"] == 1 or case.get("systems"):
        assert report["findings"], "a descriptor beside a problem must still be reported"


def test_corpus_table_covers_every_file_and_stays_small() -> None:
    files = {path.name for path in HOSTILE.iterdir() if path.suffix in (".yaml", ".json")} - {"expected.yaml"}
    assert {case["file"] for case in _corpus()} == files
    assert sum(path.stat().st_size for path in HOSTILE.iterdir() if path.is_file()) < 200_000


def test_corpus_files_are_what_the_generator_writes() -> None:
    spec = importlib.util.spec_from_file_location("hostile_generate", HOSTILE / "generate.py")
    assert spec is not None and spec.loader is not None
    generator = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generator)
    for name, content in generator.CORPUS.items():
        data = content if isinstance(content, bytes) else content.encode("utf-8")
        assert (HOSTILE / name).read_bytes() == data, f"{name} differs: run tests/hostile/generate.py"


# --- bad files made at test time ---------------------------------------------------------


@needs_fork
@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("flow.yaml", "[" * 100_000 + "]" * 100_000, 1),
        ("flow-mapping.yaml", "{a: " * 100_000 + "}" * 100_000, 1),
        ("block.yaml", "- " * 100_000 + "x\n", 1),
        ("flow.json", "[" * 100_000 + "]" * 100_000, None),
    ],
)
def test_100000_levels_of_nesting_end_in_a_clear_error(
    tmp_path: Path, write: Write, name: str, text: str, line: int | None
) -> None:
    path = write(name, text)
    result = _run_isolated(tmp_path, *CHECK, str(path))
    assert result.code == 2
    (error,) = json.loads(result.out)["errors"]
    assert (error["message"], error.get("line")) == (NESTING, line)
    assert result.err.startswith(shown(path)) and "Traceback" not in result.err


def test_nesting_is_bounded_without_libyaml_too(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(load, "_Loader", yaml.SafeLoader)
    monkeypatch.setattr(load_nodes, "COMPOSER", None)  # as without libyaml: no node builder
    for text in ("[" * 100_000 + "]" * 100_000, "- " * 100_000 + "x\n", "{a: " * 100_000 + "}" * 100_000):
        with pytest.raises(load.LoadError) as raised:
            list(load.load_yaml(text))
        assert raised.value.message == NESTING


def test_block_nesting_with_indentation_is_bounded(run: Run, write: Write) -> None:
    path = write("indented.yaml", "".join(" " * level + "k:\n" for level in range(1000)) + " " * 1000 + "k: v\n")
    result, report = _check(run, path)
    assert result.code == 2
    assert report["errors"] == [_error(path, NESTING, 201, 201)]


@pytest.mark.parametrize(
    "python_tag",
    [
        "!!python/object/apply:os.system ['touch {marker}']",
        "!!python/object/apply:subprocess.call [['touch', '{marker}']]",
        "!!python/object/apply:subprocess.Popen [['touch', '{marker}']]",
        '!!python/object/apply:builtins.exec [\'open("{marker}", "w").close()\']',
        '!!python/object/apply:builtins.eval [\'__import__("os").system("touch {marker}")\']',
    ],
)
def test_python_tags_never_run(run: Run, write: Write, tmp_path: Path, python_tag: str) -> None:
    marker = tmp_path / "pwned"
    tag = python_tag.format(marker=marker)
    payload = yaml.unsafe_load(f"a: {tag}\n")["a"]  # the payload is live: a full loader runs it
    if isinstance(payload, subprocess.Popen):
        payload.wait()
    assert marker.exists()
    marker.unlink()

    plain = write("plain.yaml", f"a: {tag}\nb:\n  - {tag}\n")
    descriptor = write("descriptor.yaml", DESCRIPTOR.replace("name: test-system", f"name: {tag}"))
    as_json = write("tagged.json", json.dumps({"a": tag}))
    result, report = _check(run, plain, descriptor, as_json)
    assert not marker.exists()
    assert result.code == 2  # the descriptor's name is a list, not a string: invalid, never run
    assert [error["file"] for error in report["errors"]] == [shown(descriptor)]


def test_application_tags_are_plain_values() -> None:
    text = (HOSTILE / "application-tags.yaml").read_text(encoding="utf-8")
    (document,) = load.load_yaml(text)
    assert document.data == {
        "password": "$ANSIBLE_VAULT;1.1;AES256\n6162636465\n",
        "bucket": "Bucket",
        "arn": "Bucket.Arn",
        "script": [".setup", "script"],
        "blob": "aGVsbG8=",
        "local": {"a": 1},
    }


def test_a_byte_order_mark_does_not_hide_the_descriptor() -> None:
    (document,) = load.load_yaml((HOSTILE / "byte-order-mark.yaml").read_bytes().decode("utf-8-sig"))
    assert "apiVersion" in document.data


def test_merged_keys_are_overridden_without_a_duplicate() -> None:
    (document,) = load.load_yaml((HOSTILE / "merge-keys.yaml").read_text(encoding="utf-8"))
    assert document.data["metadata"] == {"name": "hostile-system", "agency": "臺中市政府"}
    assert document.duplicates == []


def test_file_over_the_configured_size_limit(run: Run, write: Write) -> None:
    config = write("limit.yaml", "max-file-size: 64\n")
    big = write("big.yaml", DESCRIPTOR)
    small = write("small.yaml", "a: 1\n")
    result, report = _check(run, big, small, options=("--config", str(config)))
    assert result.code == 2
    size = len(DESCRIPTOR.encode("utf-8"))
    assert report["errors"] == [_error(big, f"file is {size} bytes, over the limit of 64 (setting max-file-size)")]
    assert report["summary"]["files"] == 2


def test_file_over_the_default_size_limit_is_not_read(run: Run, tmp_path: Path) -> None:
    path = tmp_path / "sparse.yaml"
    with path.open("wb") as handle:
        handle.truncate(10 * 1024 * 1024 + 1)  # sparse: costs no disk
    result, report = _check(run, path)
    assert result.code == 2
    message = "file is 10485761 bytes, over the limit of 10485760 (setting max-file-size)"
    assert report["errors"] == [_error(path, message)]


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_file_that_grows_past_the_limit_while_read(run: Run, write: Write) -> None:
    config = write("limit.yaml", "max-file-size: 64\n")
    result, report = _check(run, "/proc/self/status", options=("--config", str(config)))  # size 0, holds more
    assert result.code == 2
    message = "file grew while being read, over the limit of 64 (setting max-file-size)"
    assert report["errors"] == [_error("/proc/self/status", message)]


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux /proc")
def test_a_file_that_holds_more_than_its_size_says_is_read_whole() -> None:
    text = sources.read_source("/proc/self/status", 1024 * 1024)  # its size says 0 bytes
    assert text.startswith("Name:") and "\nPid:" in text and text.endswith("\n")


# The bounds below are on this process's CPU time, not the wall clock: they catch work that
# grows faster than the input (minutes where seconds are due), and other jobs sharing the
# machine (CI runs a suite on each Python at once) do not move them. Speed itself is measured
# with benchmarks/run.py.


def test_five_megabyte_line_is_checked_quickly(run: Run, write: Write) -> None:
    value = write("value.yaml", 'blob: "' + "x" * 5_000_000 + '"\n')
    comment = write("descriptor.yaml", DESCRIPTOR + "# " + "y" * 5_000_000 + "\n")
    started = time.process_time()
    result, report = _check(run, value, comment)
    assert time.process_time() - started < 10
    assert result.code == 1
    assert report["errors"] == []
    assert len(report["systems"]) == 1


def test_hundreds_of_thousands_of_keys_are_refused_quickly(run: Run, write: Write) -> None:
    path = write("keys.yaml", "".join(f"k{index}: {index}\n" for index in range(300_000)))
    started = time.process_time()
    result, report = _check(run, path)
    assert time.process_time() - started < 10
    assert result.code == 2
    assert report["errors"] == [_error(path, "file has more than 200000 nodes", 100_000, 9)]


def test_splitting_a_file_into_documents_does_not_lift_the_bounds(run: Run, write: Write) -> None:
    keys = "".join(f"k{index}: {index}\n" for index in range(60_000))  # 120,001 nodes a document
    split = write("split.yaml", f"{keys}---\n{keys}")
    empty = write("empty-documents.yaml", "---\n" * 100_000)
    started = time.process_time()
    result, report = _check(run, split, empty)
    assert time.process_time() - started < 10
    assert result.code == 2
    assert report["errors"] == [
        _error(empty, "file has more than 1000 documents", 1001, 1),
        _error(split, "file has more than 200000 nodes", 100_001, 1),
    ]


def test_a_system_repeated_a_thousand_times_is_checked_in_linear_time(run: Run, write: Write) -> None:
    path = write("repeated.yaml", "---\n".join([DESCRIPTOR] * 1000))
    started = time.process_time()
    result = run("check", "--format", "text", "--as-of", AS_OF, str(path))
    assert time.process_time() - started < 20  # minutes when findings were searched once a policy and system
    assert result.code == 1


def test_hundreds_of_thousands_of_keys_in_json_are_checked_quickly(run: Run, write: Write) -> None:
    path = write("keys.json", json.dumps({f"k{index}": index for index in range(300_000)}))
    started = time.process_time()
    result, report = _check(run, path)
    assert time.process_time() - started < 10
    assert (result.code, report["errors"]) == (0, [])


def test_a_broken_file_never_hides_a_good_descriptor(run: Run, write: Write) -> None:
    broken = write("broken.yaml", "apiVersion: policylint/v1\nspec: [unclosed\n")
    binary = write("binary.json", "\0")
    good = write("good.yaml", DESCRIPTOR)
    result, report = _check(run, broken, binary, good)
    assert result.code == 2
    assert report["errors"] == [
        _error(binary, "binary file (contains NUL bytes)"),
        _error(broken, "invalid YAML: did not find expected ',' or ']'", 3, 1),
    ]
    assert report["findings"] and {finding["file"] for finding in report["findings"]} == {shown(good)}
    assert [system["file"] for system in report["systems"]] == [shown(good)]

    text = run("check", "--lang", "en", "--as-of", AS_OF, str(broken), str(good))
    assert text.code == 2
    assert f"{shown(broken)}:3:1: error: invalid YAML: did not find expected ',' or ']'" in text.err
    assert f"{shown(good)}:" in text.out


# --- odd paths ---------------------------------------------------------------------------


def test_a_path_that_does_not_exist(run: Run, write: Write, tmp_path: Path) -> None:
    good = write("good.yaml", DESCRIPTOR)
    result, report = _check(run, tmp_path / "nope.yaml", good)
    assert result.code == 2
    assert report["errors"] == [_error(tmp_path / "nope.yaml", "no such file or directory")]
    assert report["findings"]


def test_a_directory_named_like_a_descriptor_is_walked(run: Run, write: Write, tmp_path: Path) -> None:
    write("x.yaml/inner.yaml", DESCRIPTOR)
    result, report = _check(run, tmp_path / "x.yaml")
    assert result.code == 1
    assert report["errors"] == []
    assert [system["file"] for system in report["systems"]] == [shown(tmp_path / "x.yaml" / "inner.yaml")]


@needs_fork
@needs_fifo
def test_named_pipes_are_never_opened(tmp_path: Path, write: Write) -> None:
    (tmp_path / "tree").mkdir()
    walked, named = tmp_path / "tree" / "walked.yaml", tmp_path / "named.yaml"
    os.mkfifo(walked)
    os.mkfifo(named)
    good = write("tree/good.yaml", DESCRIPTOR)
    result = _run_isolated(tmp_path, *CHECK, str(named), str(tmp_path / "tree"), timeout=30)
    assert result.code == 2
    report = json.loads(result.out)
    message = "not a regular file (a named pipe); not read"
    assert report["errors"] == [_error(named, message), _error(walked, message)]
    assert [system["file"] for system in report["systems"]] == [shown(good)]


@needs_fork
@needs_fifo
def test_a_pipe_put_in_place_of_a_checked_file_is_not_waited_on(
    tmp_path: Path, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race between looking at a file and opening it: what was opened is checked too."""
    pipe = tmp_path / "swapped.yaml"
    os.mkfifo(pipe)
    regular = write("regular.yaml", "a: 1\n")
    real_stat = sources._stat
    monkeypatch.setattr(sources, "_stat", lambda path: real_stat(str(regular) if path == str(pipe) else path))
    result = _run_isolated(tmp_path, *CHECK, str(pipe), timeout=30)
    assert result.code == 2
    assert json.loads(result.out)["errors"] == [_error(pipe, "not a regular file (a named pipe); not read")]


def test_symbolic_link_loops_and_dangling_links(run: Run, write: Write, tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "loop-a.yaml").symlink_to("loop-b.yaml")
    (tree / "loop-b.yaml").symlink_to("loop-a.yaml")
    (tree / "dangling.yaml").symlink_to("nowhere.yaml")
    (tree / "link-to-file.yaml").symlink_to(write("outside/real.yaml", DESCRIPTOR))
    loop = "symbolic link loop (too many levels of symbolic links)"
    broken = "broken symbolic link (its target does not exist)"

    result, report = _check(run, tree / "loop-a.yaml", tree / "dangling.yaml")
    assert result.code == 2
    assert report["errors"] == [_error(tree / "dangling.yaml", broken), _error(tree / "loop-a.yaml", loop)]

    # During a walk, a link that leads nowhere is an error naming the link; one to a file
    # outside the scanned paths is skipped with a warning naming the link, not its target.
    result, report = _check(run, tree)
    assert result.code == 2
    assert report["errors"] == [
        _error(tree / "dangling.yaml", broken),
        _error(tree / "loop-a.yaml", loop),
        _error(tree / "loop-b.yaml", loop),
    ]
    assert report["systems"] == []
    outside = (
        f"{shown(tree / 'link-to-file.yaml')}: warning: symbolic link to a file outside the scanned paths; not read"
    )
    assert report["warnings"] == [outside + " (--follow-symlinks reads it)"]
    assert "real.yaml" not in result.out + result.err

    # Followed on request, or when the target lies inside the scanned paths, or named itself.
    for paths, options in [
        ((tree,), ("--follow-symlinks",)),
        ((tree, tmp_path / "outside"), ()),
        ((tree / "link-to-file.yaml",), ()),
    ]:
        result, report = _check(run, *paths, options=options)
        assert report["warnings"] == []
        assert shown(tree / "link-to-file.yaml") in [system["file"] for system in report["systems"]]


def test_a_link_to_the_runners_secrets_is_not_read_during_a_walk(run: Run, write: Write, tmp_path: Path) -> None:
    secret = write("runner/environ", "DB_PASSWORD=Password1\nOWNER=A123456789\n")
    (tmp_path / "repo").mkdir()
    (tmp_path / "repo" / "app.env").symlink_to(secret)
    result = run("check", "--format", "json", "--lang", "en", "--as-of", AS_OF, str(tmp_path / "repo"))
    assert result.code == 0, result.err
    assert json.loads(result.out)["findings"] == []
    assert "app.env: warning: symbolic link to a file outside the scanned paths" in result.out


def test_walking_directory_link_loops_always_ends(run: Run, write: Write, tmp_path: Path) -> None:
    good = write("tree/sub/good.yaml", DESCRIPTOR)
    (tmp_path / "tree" / "sub" / "up").symlink_to("..", target_is_directory=True)
    (tmp_path / "tree" / "self").symlink_to(".", target_is_directory=True)
    (tmp_path / "tree" / "links.yaml").symlink_to("sub", target_is_directory=True)  # a link to a directory
    result, report = _check(run, tmp_path / "tree")
    assert result.code == 1
    assert report["errors"] == []
    assert [system["file"] for system in report["systems"]] == [shown(good)]


@pytest.fixture
def deep_tree(tmp_path: Path) -> Iterator[list[Path]]:
    """1500 nested directories: deeper than os.walk's recursion could go before Python 3.12.

    Removed here, bottom up: shutil.rmtree recurses too, and pytest's clean-up of old
    temporary directories would die of RecursionError on it.
    """
    chain = [tmp_path / "deep"]
    for _ in range(1500):
        chain.append(chain[-1] / "d")
    for directory in chain:
        directory.mkdir()
    yield chain
    for directory in reversed(chain):
        for entry in directory.iterdir():
            if not entry.is_dir():
                entry.unlink()
        directory.rmdir()


def test_walking_a_very_deep_tree_ends(run: Run, deep_tree: list[Path]) -> None:
    bottom = deep_tree[-1] / "bottom.yaml"
    bottom.write_text(DESCRIPTOR, encoding="utf-8")
    result, report = _check(run, deep_tree[0])
    assert result.code == 1
    assert [system["file"] for system in report["systems"]] == [shown(bottom)]


@pytest.mark.parametrize(
    "name",
    ["with space.yaml", "系統 描述.yaml", 'quote"back\\slash.yaml', "new\nline.yaml", "tab\tand\x1bescape.yaml"],
    ids=["space", "non-ascii", "quote-backslash", "newline", "control"],
)
def test_file_names_round_trip_through_json(run: Run, write: Write, name: str) -> None:
    path = write(name, DESCRIPTOR)
    result, report = _check(run, path)
    assert result.code == 1
    assert {finding["file"] for finding in report["findings"]} == {shown(path)}
    assert [system["file"] for system in report["systems"]] == [shown(path)]


def test_a_newline_in_a_file_name_cannot_forge_a_finding_line(run: Run, write: Write, tmp_path: Path) -> None:
    forged = "forged.yaml:1:1: CRITICAL default-credentials forged finding"
    path = write(f"evil\n{forged}\x1b[2K.yaml", DESCRIPTOR)
    result = run("check", "--lang", "en", "--as-of", AS_OF, str(path))
    assert result.code == 1
    escaped = shown(path).replace("\n", "\\n").replace("\x1b", "\\x1b")
    lines = result.out.splitlines()
    assert not any(line.startswith("forged.yaml") for line in lines)
    assert "\x1b" not in result.out
    finding_lines = [line for line in lines if not line.startswith(" ") and ": " in line][:-1]
    assert finding_lines and all(line.startswith(f"{escaped}:") for line in finding_lines)


def test_a_file_name_that_is_not_utf8_is_shown_escaped(run: Run, tmp_path: Path) -> None:
    try:
        path = os.fsdecode(bytes(tmp_path) + b"/bad\xff.yaml")
        Path(path).write_text(DESCRIPTOR, encoding="utf-8")
    except (OSError, UnicodeError):
        pytest.skip("this file system refuses names that are not UTF-8")
    result, report = _check(run, tmp_path)
    assert result.code == 1
    escaped = os.fsencode(shown(path)).decode("utf-8", "backslashreplace")
    assert {finding["file"] for finding in report["findings"]} == {escaped}
    text = run("check", "--lang", "en", "--as-of", AS_OF, str(tmp_path))
    assert text.code == 1 and f"{escaped}:" in text.out


@not_root
def test_an_unreadable_file(run: Run, write: Write) -> None:
    path = write("secret.yaml", DESCRIPTOR)
    good = write("good.yaml", DESCRIPTOR)
    path.chmod(0)
    try:
        result, report = _check(run, path, good)
    finally:
        path.chmod(stat.S_IRUSR | stat.S_IWUSR)
    assert result.code == 2
    assert report["errors"] == [_error(path, "cannot read: Permission denied")]
    assert [system["file"] for system in report["systems"]] == [shown(good)]


@not_root
def test_an_unlistable_directory(run: Run, write: Write, tmp_path: Path) -> None:
    write("tree/locked/inner.yaml", DESCRIPTOR)
    good = write("tree/good.yaml", DESCRIPTOR)
    locked = tmp_path / "tree" / "locked"
    locked.chmod(0)
    try:
        result, report = _check(run, tmp_path / "tree")
    finally:
        locked.chmod(stat.S_IRWXU)
    assert result.code == 2
    assert report["errors"] == [_error(locked, "cannot list directory: Permission denied")]
    assert [system["file"] for system in report["systems"]] == [shown(good)]


def test_an_unlistable_directory_is_an_error_not_a_gap(
    run: Run, write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same as above, for root too: listing fails as it would without permission."""
    write("tree/locked/inner.yaml", DESCRIPTOR)
    good = write("tree/good.yaml", DESCRIPTOR)
    locked = tmp_path / "tree" / "locked"
    real_scandir = os.scandir

    def scandir(path: Any = ".") -> Any:
        if str(path) == str(locked):
            raise PermissionError(13, "Permission denied", str(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", scandir)
    result, report = _check(run, tmp_path / "tree")
    assert result.code == 2
    assert report["errors"] == [_error(locked, "cannot list directory: Permission denied")]
    assert [system["file"] for system in report["systems"]] == [shown(good)]


# --- output safety -----------------------------------------------------------------------


def test_values_and_keys_with_control_characters_stay_valid_json(run: Run, write: Write) -> None:
    path = write("keys.yaml", DESCRIPTOR.replace("spec: {}", 'spec:\n  "bad\\nkey\\u2028\\"": "\\0\\e"'))
    result, report = _check(run, path)
    assert result.code == 2
    (error,) = report["errors"]
    assert error["message"].startswith("unknown key 'spec.bad\nkey\u2028\"'")


def _temporary_files(directory: Path) -> list[str]:
    return sorted(path.name for path in directory.iterdir() if path.name.endswith(".tmp"))


def test_a_failing_reporter_leaves_the_previous_report(
    run: Run, write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = write("report.json", "previous\n")
    good = write("good.yaml", DESCRIPTOR)

    def failing(*args: Any, **kwargs: Any) -> str:
        raise RuntimeError("reporter failed")

    monkeypatch.setattr("policylint.report.json_report.JsonReporter.end", failing)  # after findings are written
    result = run(*CHECK, "--output", str(report), str(good))
    assert result.code == 2
    assert "Traceback" not in result.err
    assert report.read_text(encoding="utf-8") == "previous\n"
    assert _temporary_files(tmp_path) == []


def test_a_failing_replace_leaves_the_previous_report(
    run: Run, write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = write("report.json", "previous\n")
    good = write("good.yaml", DESCRIPTOR)

    def failing(source: Any, target: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing)
    result = run(*CHECK, "--output", str(report), str(good))
    assert result.code == 2
    assert result.err.endswith(f"policylint: error: [Errno 28] No space left on device: '{report}'\n")
    assert report.read_text(encoding="utf-8") == "previous\n"
    assert _temporary_files(tmp_path) == []


def test_write_atomic_keeps_the_old_file_when_the_text_cannot_be_written(tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    report.write_text("previous\n", encoding="utf-8")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(report, "a lone surrogate \ud800 cannot be UTF-8\n")
    assert report.read_text(encoding="utf-8") == "previous\n"
    assert _temporary_files(tmp_path) == []


def test_write_atomic_keeps_the_mode_of_the_report_it_replaces(tmp_path: Path) -> None:
    report = tmp_path / "report.txt"
    report.write_text("previous\n", encoding="utf-8")
    report.chmod(0o640)
    write_atomic(report, "new\n")
    assert (report.read_text(encoding="utf-8"), stat.S_IMODE(report.stat().st_mode)) == ("new\n", 0o640)

    fresh = tmp_path / "fresh.txt"
    umask = os.umask(0o022)
    try:
        write_atomic(fresh, "new\n")
    finally:
        os.umask(umask)
    assert stat.S_IMODE(fresh.stat().st_mode) == 0o644


def _interrupt(*args: Any, **kwargs: Any) -> None:
    raise KeyboardInterrupt


@pytest.mark.parametrize("builder", ["nodes", "events"])
def test_ctrl_c_while_loading_exits_130_without_a_traceback(
    run: Run, write: Write, monkeypatch: pytest.MonkeyPatch, builder: str
) -> None:
    good = write("good.yaml", DESCRIPTOR)
    if builder == "nodes":  # Ctrl-C in a call back from libyaml's composer
        monkeypatch.setattr(load_nodes._Composer, "resolve", _interrupt)
    else:
        monkeypatch.setattr(load_nodes, "COMPOSER", None)
        monkeypatch.setattr(load_events._Builder, "scalar", _interrupt)
    result = run(*CHECK, str(good))
    assert (result.code, result.err) == (130, "policylint: interrupted\n")
    # the JSON report streams to standard output: a run cut short never claims a summary
    assert '"summary"' not in result.out


def test_ctrl_c_while_writing_the_report_leaves_the_previous_one(
    run: Run, write: Write, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    report = write("report.json", "previous\n")
    good = write("good.yaml", DESCRIPTOR)
    monkeypatch.setattr(os, "fsync", _interrupt)
    result = run(*CHECK, "--output", str(report), str(good))
    assert (result.code, result.err) == (130, "policylint: interrupted\n")
    assert report.read_text(encoding="utf-8") == "previous\n"
    assert _temporary_files(tmp_path) == []


# --- determinism -------------------------------------------------------------------------


def _mixed_inputs(write: Write, tmp_path: Path) -> list[str]:
    write("tree/b.yaml", DESCRIPTOR.replace("test-system", "system-b"))
    write("tree/a.json", json.dumps(yaml.safe_load(DESCRIPTOR.replace("test-system", "system-a"))))
    write("tree/broken.yaml", "a: [1\n")
    write("tree/sub/binary.yaml", "\0")
    write("two.yaml", DESCRIPTOR + "---\n" + DESCRIPTOR.replace("test-system", "second"))
    write("plain.yaml", "a: 1\n")
    return [str(tmp_path / "tree"), str(tmp_path / "two.yaml"), str(tmp_path / "plain.yaml"), str(tmp_path / "nope")]


def _orderings(paths: list[str]) -> Iterator[list[str]]:
    yield paths
    yield list(reversed(paths))
    yield paths[1:] + paths[:1]


@pytest.mark.parametrize("output", ["json", "text"])
def test_output_is_byte_identical_across_runs_and_path_orders(
    run: Run, write: Write, tmp_path: Path, output: str
) -> None:
    paths = _mixed_inputs(write, tmp_path)
    outputs = set()
    for ordering in [*_orderings(paths), paths]:
        result = run("check", "--format", output, "--lang", "en", "--as-of", AS_OF, *ordering)
        assert result.code == 2
        outputs.add((result.out, result.err))
    assert len(outputs) == 1


def test_error_lines_cannot_be_forged_by_keys_or_values(run: Run, write: Write) -> None:
    """A key or value quoted in an error stays on its line, and a huge value is cut short."""
    text = (
        "apiVersion: policylint/v1\nkind: InformationSystem\nmetadata: {name: x, agency: y}\n"
        'spec:\n  "x\\nfake.yaml:1:1: error: forged": 1\n  classification: "' + "A" * 5000 + '"\n'
    )
    path = write("forge.yaml", text)
    result = run("check", str(path))
    assert result.code == 2
    assert all(line.startswith(shown(path)) for line in result.err.splitlines())
    assert "\\nfake.yaml:1:1: error: forged" in result.err
    assert max(len(line) for line in result.err.splitlines()) < 400
