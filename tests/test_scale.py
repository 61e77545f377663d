"""--jobs, --shard and merge give byte-identical output to a serial run."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import AS_OF, EXAMPLES, Result

Run = Callable[..., Result]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Forty descriptors shaped like the examples, in nested folders, plus one broken file."""
    root = tmp_path_factory.mktemp("corpus")
    sources = sorted(EXAMPLES.glob("*.yaml"))
    for index in range(40):
        source = sources[index % len(sources)]
        text = source.read_text(encoding="utf-8").replace("name: ", f"name: n{index}-", 1)
        target = root / f"team{index % 4}" / f"system-{index:02d}.yaml"
        target.parent.mkdir(exist_ok=True)
        target.write_text(text, encoding="utf-8")
    (root / "team0" / "broken.yaml").write_text("a: [1\n", encoding="utf-8")
    return root


@pytest.mark.parametrize("output_format", ["json", "text"])
def test_jobs_give_the_same_bytes_as_a_serial_run(run: Run, corpus: Path, output_format: str) -> None:
    serial = run("check", str(corpus), "--as-of", AS_OF, "--format", output_format, "--jobs", "1")
    parallel = run("check", str(corpus), "--as-of", AS_OF, "--format", output_format, "--jobs", "2")
    assert serial.code == parallel.code == 2  # the broken file is an error in both
    assert parallel.out == serial.out
    assert parallel.err == serial.err


@pytest.mark.parametrize("selection", [(), ("--select", "default-credentials,database-security")])
def test_spawned_workers_give_the_same_bytes_as_a_serial_run(
    run: Run, corpus: Path, monkeypatch: pytest.MonkeyPatch, selection: tuple[str, ...]
) -> None:
    """Workers on Windows and macOS are spawned: they inherit nothing and rebuild the catalog."""
    import multiprocessing

    from policylint.engine import parallel

    started: list[str | None] = []

    def get_context(method: str | None = None) -> multiprocessing.context.BaseContext:
        started.append(method)
        return real_get_context(method)

    real_get_context = multiprocessing.get_context
    monkeypatch.setattr(parallel, "START_METHOD", "spawn")
    monkeypatch.setattr(multiprocessing, "get_context", get_context)
    serial = run("check", str(corpus), "--as-of", AS_OF, "--format", "json", "--jobs", "1", *selection)
    spawned = run("check", str(corpus), "--as-of", AS_OF, "--format", "json", "--jobs", "2", *selection)
    assert started == ["spawn"]
    assert (spawned.code, spawned.out, spawned.err) == (serial.code, serial.out, serial.err)
    assert json.loads(serial.out)["systems"]


def test_shards_partition_the_files_and_merge_back(run: Run, corpus: Path, tmp_path: Path) -> None:
    serial = run("check", str(corpus), "--as-of", AS_OF, "--format", "json", "--jobs", "1").out
    parts = []
    for part in (1, 2, 3):
        target = tmp_path / f"shard-{part}.json"
        run("check", str(corpus), "--as-of", AS_OF, "--format", "json", "--shard", f"{part}/3", "-o", str(target))
        parts.append(target)
    files = [set(s["file"] for s in json.loads(p.read_text(encoding="utf-8"))["systems"]) for p in parts]
    assert all(files) and not (files[0] & files[1] or files[1] & files[2] or files[0] & files[2])
    merged = run("merge", *map(str, parts), "--format", "json")
    assert merged.code == 2
    assert merged.out == serial


def test_merge_renders_any_format(run: Run, corpus: Path, tmp_path: Path) -> None:
    target = tmp_path / "all.json"
    run("check", str(corpus), "--as-of", AS_OF, "--format", "json", "-o", str(target))
    text = run("check", str(corpus), "--as-of", AS_OF, "--format", "text").out
    assert run("merge", str(target), "--format", "text").out == text


def test_merge_refuses_results_of_different_dates(run: Run, corpus: Path, tmp_path: Path) -> None:
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    run("check", str(corpus), "--as-of", AS_OF, "--format", "json", "-o", str(first), "--shard", "1/2")
    run("check", str(corpus), "--as-of", "2026-01-01", "--format", "json", "-o", str(second), "--shard", "2/2")
    result = run("merge", str(first), str(second))
    assert result.code == 2
    assert "as-of date (2026-01-01) differs" in result.err


def test_merge_refuses_what_is_not_a_result(run: Run, tmp_path: Path) -> None:
    bogus = tmp_path / "x.json"
    bogus.write_text("[]", encoding="utf-8")
    result = run("merge", str(bogus))
    assert result.code == 2
    assert "not a policylint JSON result" in result.err


def test_merge_refuses_a_result_of_the_previous_contract(run: Run, corpus: Path, tmp_path: Path) -> None:
    target = tmp_path / "all.json"
    run("check", str(corpus), "--as-of", AS_OF, "--format", "json", "-o", str(target))
    data = json.loads(target.read_text(encoding="utf-8"))
    del data["format"], data["rules"]  # as policylint/v1 wrote it
    target.write_text(json.dumps(data), encoding="utf-8")
    result = run("merge", str(target))
    assert result.code == 2
    assert "not a policylint/v2 result" in result.err


@pytest.mark.parametrize("output", ["json", "sarif", "text"])
def test_merge_refuses_a_lone_surrogate_and_keeps_a_pair(run: Run, corpus: Path, tmp_path: Path, output: str) -> None:
    """JSON may escape half a surrogate pair; what it decodes to cannot be written as UTF-8."""
    target = tmp_path / "all.json"
    run("check", str(corpus), "--as-of", AS_OF, "--format", "json", "-o", str(target))
    data = json.loads(target.read_text(encoding="utf-8"))
    data["findings"][0]["fingerprint"] = "ab\ud800cd"
    target.write_text(json.dumps(data), encoding="utf-8")
    refused = run("merge", str(target), "--format", output)
    assert (refused.code, refused.out) == (2, "")
    (line,) = refused.err.splitlines()
    assert line.startswith("policylint: error: ") and not line.startswith("policylint: error: /")
    assert line.endswith("/all.json: not a policylint JSON result: it holds a lone surrogate escape (\\uD800-\\uDFFF)")
    data["findings"][0]["fingerprint"] = "ab\ud83d\ude00cd"  # a pair: one character, U+1F600
    target.write_text(json.dumps(data), encoding="utf-8")
    merged = run("merge", str(target), "--format", output)  # the corpus's broken file: status 2
    assert merged.out and "surrogate" not in merged.err


@pytest.mark.parametrize("shard", ["0/3", "4/3", "a/b", "3"])
def test_bad_shard_is_a_usage_error(run: Run, corpus: Path, shard: str) -> None:
    with pytest.raises(SystemExit) as raised:
        run("check", str(corpus), "--shard", shard)
    assert raised.value.code == 2


def test_the_benchmark_profile_times_functions_that_exist(monkeypatch: pytest.MonkeyPatch) -> None:
    """``benchmarks/run.py --profile`` wraps stage functions by name; a renamed function would
    silently drop its stage, and a generator timed as a plain call would show as free."""
    import importlib
    import importlib.util
    import inspect

    spec = importlib.util.spec_from_file_location("benchmark_run", Path(__file__).parents[1] / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    benchmark = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, benchmark)  # its dataclasses look their module up
    spec.loader.exec_module(benchmark)
    for modules, attribute, stage, generator in benchmark.PATCHES:
        found = [_attribute(importlib.import_module(m), attribute) for m in modules.split("|")]
        function = next((f for f in found if f is not None), None)
        assert function is not None, f"{stage}: no {attribute} in {modules}"
        if not generator:  # a generator's work happens after the call returns: timed as zero
            assert not inspect.isgeneratorfunction(function), f"{stage}: {attribute} is a generator"


def _attribute(owner: object, dotted: str) -> object:
    for name in dotted.split("."):
        owner = getattr(owner, name, None)
    return owner


def test_a_run_leaves_the_garbage_collector_as_it_found_it(run: Run, corpus: Path) -> None:
    """A scan collects less often while it checks files; a program that embeds policylint
    must get its own setting back."""
    import gc

    before = gc.get_threshold()
    run("check", str(corpus), "--as-of", AS_OF, "--jobs", "1")
    assert gc.get_threshold() == before


def test_finding_messages_are_joined_and_kept_bounded_never_long() -> None:
    """Messages recur across files, so they are kept: but a scan's memory must not grow
    with its size, nor hold a hostile file's long value."""
    from policylint.engine.evaluate import Messages
    from policylint.model.results import Localized

    messages = Messages(limit=1024)
    headline = Localized("標題", "Headline")
    assert messages.message(headline, Localized("細節", "detail")) == Localized("標題：細節", "Headline: detail")
    for number in range(3 * messages.limit):
        messages.message(Localized(f"標題{number % 50}", "h"), Localized(f"{number}", f"{number}"))
        assert sum(map(len, messages.by_headline.values())) <= messages.limit
    long_detail = Localized("長" * 100_000, "long " * 100_000)
    assert messages.message(headline, long_detail).en == f"Headline: {long_detail.en}"
    assert all(long_detail not in kept for kept in messages.by_headline.values())


def test_workers_run_at_most_a_few_parts_ahead_of_the_reporter() -> None:
    """However far the workers could run, the results waiting to be reported stay a few parts:
    memory does not grow with the repository."""
    from concurrent.futures import Future

    from policylint.engine import parallel
    from policylint.engine.evaluate import Options

    class Pool:
        def __init__(self) -> None:
            self.submitted, self.read = 0, 0

        def submit(self, _: object, part: list[str], options: Options) -> Future[list[str]]:
            self.submitted += 1
            assert self.submitted - self.read <= 3, "more parts in flight than allowed"
            future: Future[list[str]] = Future()
            future.set_result(part)  # a worker that is always done: the worst case
            return future

    files = [f"f{index:04}.yaml" for index in range(2000)]  # parts of MAX_FILES_PER_PART
    pool = Pool()
    reported = []
    for report in parallel._in_order(pool, parallel._parts(files, 2), Options(AS_OF), ahead=3):  # type: ignore[arg-type]
        reported.append(report)
        pool.read = len(reported) // parallel.MAX_FILES_PER_PART
    assert reported == files
    assert max(len(part) for part in parallel._parts([f"{i}" for i in range(10_000)], 2)) == parallel.MAX_FILES_PER_PART
