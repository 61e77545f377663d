"""The policylint benchmark (issue 8): latency, scan cost, memory and detector throughput as ratios.

    .venv/bin/python benchmarks/run.py            # full run (10,000 descriptors), a few minutes
    .venv/bin/python benchmarks/run.py --quick    # 1,000 descriptors, under a minute
    .venv/bin/python benchmarks/run.py --profile  # where the time goes (-X importtime, cProfile)

Every figure is a ratio of two commands measured side by side in this one run, alternating,
each as a fresh subprocess, so the machine's speed cancels out. See docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import inspect
import json
import os
import platform
import shlex
import shutil
import statistics
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import CORPUS_ROOT, ONE_DESCRIPTOR, REPO, CorpusSpec, build_corpus, corpus_bytes, spec_for

TARGET_LATENCY = 1.0
TARGET_SCAN = 1.5
TARGET_MEMORY = 1.3
INSTALL_HINT = "pip install -e '.[bench]'  (the bench extra installs yamllint)"

# Runs argv with its output discarded; prints wall seconds, peak RSS of the child, status, stderr.
_WRAPPER = """\
import json, resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
wall = time.perf_counter() - start
lines = done.stderr.decode("utf-8", "replace").splitlines()
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps({"wall_s": wall, "rss_kib": rss, "returncode": done.returncode,
                  "stderr_lines": len(lines), "stderr_head": lines[:3]}))
"""

# The parse floor: read and parse every file policylint would look at, with libyaml, nothing else.
_FLOOR = """\
import os, sys, yaml
count = 0
for directory, subdirectories, names in os.walk(sys.argv[1]):
    subdirectories.sort()
    for name in sorted(names):
        if name.lower().endswith((".yaml", ".yml", ".json")):
            with open(os.path.join(directory, name), "rb") as handle:
                for _ in yaml.load_all(handle, Loader=yaml.CSafeLoader):
                    pass
            count += 1
print(count, file=sys.stderr)
"""

# policylint's own reader and loader on the same files, nothing else: the step above the parse floor.
_LOADER = """\
import os, sys
from policylint.load.documents import load_text
from policylint.load.sources import read_encoded
for directory, subdirectories, names in os.walk(sys.argv[1]):
    for name in names:
        if name.lower().endswith((".yaml", ".yml", ".json")):
            text, utf8 = read_encoded(os.path.join(directory, name), 10 * 1024 * 1024)
            for _ in load_text(text, is_json=name.lower().endswith(".json"), utf8=utf8):
                pass
"""


@dataclass(frozen=True)
class Sample:
    wall_s: float
    rss_kib: int
    returncode: int
    stderr_lines: int
    stderr_head: list[str]


@dataclass
class Measure:
    name: str
    value: float | None
    unit: str
    target: str
    met: bool | None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    """How much to measure: ``--quick`` shrinks the big corpus and the repetitions."""

    big: CorpusSpec
    small: CorpusSpec
    latency_runs: int
    scan_runs: int


def plan_for(quick: bool, descriptors: int | None = None) -> Plan:
    if quick:
        return Plan(spec_for(descriptors or 1000), spec_for(100), latency_runs=10, scan_runs=2)
    return Plan(spec_for(descriptors or 10_000), spec_for(100), latency_runs=15, scan_runs=3)


FORMATS = ("text", "json", "sarif", "junit", "gitlab", "csv", "markdown", "html")


def formats_of(option: str) -> list[str]:
    chosen = list(FORMATS) if option == "all" else [name.strip() for name in option.split(",") if name.strip()]
    unknown = sorted(set(chosen) - set(FORMATS))
    if unknown or not chosen:
        raise SystemExit(
            f"benchmark: unknown format {', '.join(unknown) or '(none)'}; choose among {', '.join(FORMATS)}"
        )
    return chosen


# --- running commands -----------------------------------------------------------------

PYCACHE = CORPUS_ROOT / "pycache"


def child_env() -> dict[str, str]:
    """Bytecode cached, as after a pip install: a PYTHONDONTWRITEBYTECODE=1 shell would otherwise
    make every run recompile policylint's own modules (~120 ms here), which no user pays."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def run(argv: Sequence[str], *, capture: bool = False) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` inside the corpus root with the benchmark's environment; output discarded unless captured."""
    output = subprocess.PIPE if capture else subprocess.DEVNULL
    return subprocess.run(argv, stdout=output, stderr=output, text=True, check=False, cwd=CORPUS_ROOT, env=child_env())


def measure(argv: Sequence[str]) -> Sample:
    """Run ``argv`` in a fresh wrapper process so its peak RSS is its own (RUSAGE_CHILDREN)."""
    done = run([sys.executable, "-c", _WRAPPER, *argv], capture=True)
    if done.returncode != 0:
        raise SystemExit(f"benchmark: cannot run {shlex.join(argv)}: {done.stderr.strip()}")
    return Sample(**json.loads(done.stdout))


def alternate(commands: Sequence[Sequence[str]], runs: int) -> list[list[Sample]]:
    """Run each command ``runs`` times, interleaved (A B A B ...), so drift hits all alike."""
    samples: list[list[Sample]] = [[] for _ in commands]
    for _ in range(runs):
        for index, argv in enumerate(commands):
            samples[index].append(measure(argv))
    return samples


def best(samples: Sequence[Sample]) -> float:
    return min(sample.wall_s for sample in samples)


def timing(samples: Sequence[Sample]) -> dict[str, Any]:
    walls = [sample.wall_s for sample in samples]
    last = samples[-1]
    return {
        "best_s": round(min(walls), 4),
        "median_s": round(statistics.median(walls), 4),
        "runs": len(walls),
        "peak_rss_mib": round(max(s.rss_kib for s in samples) / 1024, 1),
        "exit_status": last.returncode,
        "stderr_lines": last.stderr_lines,
        "stderr_head": last.stderr_head,
    }


def policylint_command(option: str | None) -> list[str]:
    """The command as given, with relative paths made absolute (commands run inside the corpus root)."""
    if not option:
        return [sys.executable, "-m", "policylint"]
    return [
        os.path.abspath(token) if "/" in token and os.path.exists(token) else token for token in shlex.split(option)
    ]


def accepts_jobs(policylint: Sequence[str]) -> bool:
    done = run([*policylint, "check", "--help"], capture=True)
    return "--jobs" in done.stdout


def yamllint_command() -> list[str] | None:
    if importlib.util.find_spec("yamllint") is None:
        return None
    return [sys.executable, "-m", "yamllint"]


def ratio_measure(name: str, numerator: float, denominator: float, target: float, details: dict[str, Any]) -> Measure:
    value = numerator / denominator
    return Measure(name, round(value, 3), "ratio", f"<= {target}", value <= target, details)


# --- the measures ---------------------------------------------------------------------


def one_file_latency(policylint: list[str], one: Path, runs: int) -> Measure:
    name = "one-file latency: policylint check / yamllint"
    yamllint = yamllint_command()
    if yamllint is None:
        missing = {"error": f"yamllint missing: {INSTALL_HINT}"}
        return Measure(name, None, "ratio", f"<= {TARGET_LATENCY}", None, missing)
    ours, theirs = alternate([[*policylint, "check", str(one)], [*yamllint, str(one)]], runs)
    details = {"policylint": timing(ours), "yamllint": timing(theirs), "file": str(one.relative_to(REPO))}
    return ratio_measure(name, best(ours), best(theirs), TARGET_LATENCY, details)


def scanned_counts(policylint: list[str], corpus: Path) -> dict[str, Any]:
    """What policylint says it checked (JSON summary), to catch a corpus it silently skipped."""
    done = run([*policylint, "check", "--format", "json", str(corpus)], capture=True)
    try:
        summary = json.loads(done.stdout)["summary"]
    except (ValueError, KeyError, TypeError):
        return {"error": (done.stderr.strip().splitlines() or ["no JSON report"])[0]}
    return {key: summary.get(key) for key in ("files", "descriptors", "findings", "errors")}


def scan_argv(policylint: list[str], corpus: Path, jobs: bool, output: str = "text") -> list[str]:
    formats = ["--format", output] if output != "text" else []
    return [*policylint, "check", *(["--jobs", "1"] if jobs else []), *formats, str(corpus)]


def scan_cost(
    policylint: list[str], big: Path, small: Path, plan: Plan, output: str = "text"
) -> tuple[Measure, list[Sample], list[Sample]]:
    """policylint on the big corpus, writing ``output``, vs the libyaml parse floor; and the
    small corpus for memory."""
    jobs = accepts_jobs(policylint)
    floor = [sys.executable, "-c", _FLOOR, str(big)]
    ours, parse, small_runs = alternate(
        [scan_argv(policylint, big, jobs, output), floor, scan_argv(policylint, small, jobs, output)], plan.scan_runs
    )
    details: dict[str, Any] = {"policylint": timing(ours), "parse_floor": timing(parse), "jobs_1": jobs}
    details["corpus"] = _corpus_details(big, plan.big)
    seen = scanned_counts(policylint, small)
    details["policylint_saw_small_corpus"] = seen
    if seen.get("files") != plan.small.files:
        details["warning"] = (
            f"policylint checked {seen.get('files')} files of {plan.small.files}: is the corpus ignored?"
        )
    details["per_file_ms"] = round(best(ours) / plan.big.files * 1000, 3)
    details["floor_per_file_ms"] = round(best(parse) / plan.big.files * 1000, 3)
    if not jobs:
        details["note"] = "--jobs is not accepted by this policylint yet: measured without it (one process anyway)"
    name = f"scan cost, one core: check --jobs 1{_format_flag(output)} {plan.big.name} / parse floor"
    return ratio_measure(name, best(ours), best(parse), TARGET_SCAN, details), ours, small_runs


def _format_flag(output: str) -> str:
    return "" if output == "text" else f" --format {output}"


def _corpus_details(path: Path, spec: CorpusSpec) -> dict[str, Any]:
    size = corpus_bytes(path)
    return {
        "path": str(path.relative_to(REPO)),
        "descriptors": spec.descriptors,
        "ordinary_yaml": spec.ordinary,
        "bytes": size,
    }


def memory(big: list[Sample], small: list[Sample], plan: Plan, output: str = "text") -> Measure:
    big_rss = min(sample.rss_kib for sample in big)
    small_rss = min(sample.rss_kib for sample in small)
    details = {
        f"peak_rss_mib_{plan.big.descriptors}": round(big_rss / 1024, 1),
        f"peak_rss_mib_{plan.small.descriptors}": round(small_rss / 1024, 1),
        "small_exit_status": small[-1].returncode,
    }
    name = f"memory{_format_flag(output)}: peak RSS {plan.big.descriptors} / {plan.small.descriptors} descriptors"
    return ratio_measure(name, big_rss, small_rss, TARGET_MEMORY, details)


def memory_with_workers(policylint: list[str], big: Path, small: Path, plan: Plan) -> Measure:
    """Peak memory with the default number of workers: results that workers hand back faster
    than the reporter writes them must not pile up in the parent."""
    big_runs, small_runs = alternate([scan_argv(policylint, big, False), scan_argv(policylint, small, False)], 1)
    measure = memory(big_runs, small_runs, plan)
    return dataclasses.replace(measure, name=measure.name.replace("memory:", "memory, default --jobs:"))


def identifier_throughput(quick: bool) -> Measure:
    name = "identifier detector throughput"
    path = Path(__file__).resolve().parent / "bench_identifiers.py"
    if not path.exists():
        return Measure(name, None, "MB/s", "-", None, {"note": f"not available ({path.name} missing)"})
    try:
        function, target = _load_throughput(path)
        value = float(function(**({"quick": quick} if "quick" in inspect.signature(function).parameters else {})))
    except Exception as error:  # another engineer's module: report, never crash the run
        return Measure(name, None, "MB/s", "-", None, {"note": f"not available ({type(error).__name__}: {error})"})
    met = None if target is None else value >= target
    return Measure(name, round(value, 2), "MB/s", "-" if target is None else f">= {target}", met)


def _load_throughput(path: Path) -> tuple[Callable[..., float], float | None]:
    spec = importlib.util.spec_from_file_location("bench_identifiers", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.throughput_mb_s, getattr(module, "TARGET_MB_S", None)


# --- the machine and the report -------------------------------------------------------


def machine() -> dict[str, Any]:
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": _cpuinfo("model name"),
        "memory_gib": round(_meminfo_kib("MemTotal") / 1024 / 1024, 1),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "yaml_libyaml": _has_libyaml(),
    }


def _cpuinfo(key: str) -> str:
    try:
        lines = Path("/proc/cpuinfo").read_text().splitlines()
    except OSError:
        return platform.processor() or "unknown"
    return next((line.split(":", 1)[1].strip() for line in lines if line.startswith(key)), "unknown")


def _meminfo_kib(key: str) -> int:
    try:
        lines = Path("/proc/meminfo").read_text().splitlines()
    except OSError:
        return 0
    return next((int(line.split()[1]) for line in lines if line.startswith(key + ":")), 0)


def _has_libyaml() -> bool:
    import yaml

    return hasattr(yaml, "CSafeLoader")


def format_value(measure: Measure) -> str:
    if measure.value is None:
        return "not available"
    return f"{measure.value:.2f}" + (" MB/s" if measure.unit == "MB/s" else "x")


def print_table(measures: Sequence[Measure]) -> None:
    rows = [("measure", "value", "target", "met")]
    for m in measures:
        rows.append((m.name, format_value(m), m.target, {True: "yes", False: "no", None: "-"}[m.met]))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    for index, row in enumerate(rows):
        print("  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))


def print_details(measures: Sequence[Measure]) -> None:
    for m in measures:
        for key, value in m.details.items():
            shown = json.dumps(value, ensure_ascii=False) if isinstance(value, dict | list) else value
            print(f"  {m.name.split(':')[0]} | {key}: {shown}")


def write_json(path: Path, measures: Sequence[Measure], settings: dict[str, Any]) -> None:
    from datetime import datetime, timezone

    measured_at = datetime.now(timezone.utc).isoformat(timespec="seconds")
    data = {
        "measured_at": measured_at,
        "machine": machine(),
        "settings": settings,
        "measures": [asdict(m) for m in measures],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


# --- profiling (--profile) ------------------------------------------------------------

PROFILE_DIR = CORPUS_ROOT / "profile"
_CHECK_MODULES = (
    "import policylint.cli.main, policylint.cli.commands, policylint.engine.evaluate, "
    "policylint.engine.parallel, policylint.engine.detectors, policylint.model.validate, policylint.report.text"
)

# Runs a policylint command in-process with a wall-clock timer around each stage function (found
# by module attribute; a missing one is skipped), then writes {stage: [seconds, calls]} as JSON.
# One timer per call: a few per cent of overhead, unlike cProfile, which slows Python code 2-3x.
_TIMED = """\
import atexit, json, runpy, sys, time, importlib
out, command = sys.argv[1], sys.argv[2:]
totals = {}
def add(stage, seconds):
    entry = totals.setdefault(stage, [0.0, 0]); entry[0] += seconds; entry[1] += 1
active = set()
def timed(stage, function):
    def wrapper(*args, **kwargs):
        if stage in active:  # nested in a function of the same stage: counted there already
            return function(*args, **kwargs)
        active.add(stage)
        start = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            add(stage, time.perf_counter() - start)
            active.discard(stage)
    return wrapper
def timed_generator(stage, function):
    def wrapper(*args, **kwargs):
        start = time.perf_counter()
        iterator = iter(function(*args, **kwargs))  # a list, or a generator that works lazily
        spent = time.perf_counter() - start
        try:
            while True:
                start = time.perf_counter()
                try:
                    item = next(iterator)
                finally:
                    spent += time.perf_counter() - start
                yield item
        except StopIteration:
            return
        finally:
            add(stage, spent)
    return wrapper
def patch(module_name, attribute, stage, generator):
    owner = importlib.import_module(module_name)
    *path, name = attribute.split(".")
    for part in path:
        owner = getattr(owner, part)
    setattr(owner, name, (timed_generator if generator else timed)(stage, getattr(owner, name)))
for module_names, attribute, stage, generator in json.loads(PATCHES):
    errors = []
    for module_name in module_names.split("|"):
        try:
            patch(module_name, attribute, stage, generator)
            break
        except Exception as error:
            errors.append(f"{module_name}.{attribute}: {error}")
    else:
        totals.setdefault("unpatched", []).extend(errors)
atexit.register(lambda: open(out, "w").write(json.dumps(totals)))
python_args = command[1:] if command[0].rsplit("/", 1)[-1].startswith("python") else command
if python_args[0] == "-m":
    sys.argv = [python_args[1], *python_args[2:]]
    runpy.run_module(python_args[1], run_name="__main__", alter_sys=True)
else:
    sys.argv = python_args
    runpy.run_path(python_args[0], run_name="__main__")
"""

# Every reporter's class (policylint.report.REPORTERS): each file's part and the end are timed.
_REPORTERS = [
    ("policylint.report.text", "TextReporter"),
    ("policylint.report.json_report", "JsonReporter"),
    ("policylint.report.sarif", "SarifReporter"),
    ("policylint.report.junit", "JunitReporter"),
    ("policylint.report.gitlab", "GitlabReporter"),
    ("policylint.report.csv_report", "CsvReporter"),
    ("policylint.report.audit", "AuditReporter"),  # markdown and html
]

# (module, attribute, stage, is a generator); "a|b": the first module that has the attribute
# (code moves while it is optimised). A function called inside another of its own stage is not
# counted twice. Per-file stages are disjoint; "per file, total"
# wraps them all. Lazy imports count in the stage that triggers them (see -X importtime).
PATCHES: list[tuple[str, str, str, bool]] = [
    ("policylint.cli.main", "main", "main", False),
    ("policylint.cli.commands", "find_config", "configuration", False),
    ("policylint.cli.commands", "load_config", "configuration", False),
    ("policylint.cli.commands", "load_catalog", "catalog: load, validate, compile", False),
    ("policylint.load.sources", "discover", "discover: walk + git check-ignore", False),
    ("policylint.engine.parallel", "check_path", "per file, total", False),
    ("policylint.engine.evaluate", "check_path", "per file, total", False),
    ("policylint.engine.evaluate", "read_encoded", "read: stat, open, decode", False),
    ("policylint.engine.evaluate", "load_text", "parse: libyaml events + values, positions", True),
    ("policylint.model.validate", "is_descriptor", "is_descriptor", False),
    ("policylint.model.validate", "validate_descriptor", "validate: the compiled descriptor schema", False),
    # The conditions run in closures a plan holds (engine/evaluate.py _judge): timed with the
    # findings made from their violations, in the function that runs both.
    ("policylint.engine.evaluate", "_check_policies", "policies: conditions + findings", False),
    ("policylint.engine.evaluate", "_findings", "policies: conditions + findings", False),
    ("policylint.engine.evaluate", "_detect", "detectors: identifiers, passwords", False),
    ("policylint.engine.evaluate", "_waive", "waivers: inline + apply", False),
    ("policylint.model.results", "RunReport.add", "run bookkeeping: RunReport.add/finish", False),
    ("policylint.model.results", "RunReport.finish", "run bookkeeping: RunReport.add/finish", False),
    ("policylint.report.stream", "end", "report: render + write", False),
    ("policylint.cli.commands", "write_output", "report: render + write", False),
    *[
        (module, f"{cls}.{method}", "report: render + write", False)
        for module, cls in _REPORTERS
        for method in ("file", "end")
    ],
]
_PER_FILE = list(dict.fromkeys(stage for _, _, stage, _ in PATCHES[7:15]))  # read ... waivers, in "per file, total"
_TOP_LEVEL = ["configuration", PATCHES[3][2], PATCHES[4][2], "per file, total", PATCHES[15][2], PATCHES[17][2]]


def timed_stages(policylint: list[str], target: Path, jobs: bool, runs: int = 1) -> tuple[dict[str, Any], float]:
    """Stage totals of the fastest of ``runs`` in-process runs of ``check [--jobs 1] target``, and its wall."""
    import time

    output = PROFILE_DIR / "stages.json"
    script = _TIMED.replace("PATCHES", repr(json.dumps(PATCHES)))
    argv = [python_with(policylint)[0], "-c", script, str(output), *scan_argv(policylint, target, jobs)]
    fastest: tuple[dict[str, Any], float] = ({}, float("inf"))
    for _ in range(runs):
        start = time.perf_counter()
        run(argv)
        wall = time.perf_counter() - start
        if wall < fastest[1]:
            fastest = json.loads(output.read_text(encoding="utf-8")), wall
    return fastest


# Cumulative import sets, each timed in a fresh interpreter: what each step adds to start-up.
# The last two are off a warm `check`'s path (other commands, or a cold policylint cache).
IMPORT_STEPS: list[tuple[str, str]] = [
    ("interpreter (python -c pass)", "pass"),
    ("+ PyYAML with libyaml", "import yaml, yaml.cyaml"),
    ("+ policylint modules of a check", _CHECK_MODULES),
    (
        "+ pydantic + policylint.model.descriptor (not on a check's path)",
        "import pydantic, policylint.model.descriptor",
    ),
    ("+ jsonschema (only for policy directories of your own)", "import jsonschema"),
]


def import_ladder(policylint: list[str], runs: int = 7) -> list[str]:
    """Best wall time of each cumulative import set, and what each step adds."""
    python = python_with(policylint)[0]
    codes = [code for _, code in IMPORT_STEPS]
    argvs = [[python, "-c", "; ".join(codes[: index + 1])] for index in range(len(codes))]
    results = alternate(argvs, runs)
    walls = [best(samples) * 1000 for samples in results]
    lines = [f"{'import step (cumulative, fresh interpreter, best of ' + str(runs) + ')':62} {'total':>8} {'adds':>8}"]
    for index, (label, _) in enumerate(IMPORT_STEPS):
        added = walls[index] - (walls[index - 1] if index else 0.0)
        failed = "" if results[index][-1].returncode == 0 else f"  (failed: {results[index][-1].stderr_head[-1:]})"
        lines.append(f"{label:62} {walls[index]:6.1f}ms {added:6.1f}ms{failed}")
    return lines


def stage_rows(totals: dict[str, Any], wall: float) -> list[tuple[str, float | None]]:
    """(stage, seconds) in pipeline order, with the remainders made explicit."""

    def seconds(stage: str) -> float | None:
        return totals[stage][0] if stage in totals else None

    main = seconds("main") or 0.0
    per_file = seconds("per file, total") or 0.0
    known = sum(seconds(stage) or 0.0 for stage in _PER_FILE)
    top = sum(seconds(stage) or 0.0 for stage in _TOP_LEVEL)
    rows: list[tuple[str, float | None]] = [("start-up: interpreter + imports before main", wall - main)]
    rows += [(stage, seconds(stage)) for stage in _TOP_LEVEL[:3]]
    rows += [(f"  {stage}", seconds(stage)) for stage in _PER_FILE]
    rows += [("  other per-file work (check_text glue, FileReport)", per_file - known)]
    rows += [(stage, seconds(stage)) for stage in _TOP_LEVEL[4:]]
    rows += [("other work in main (arguments, session, exit status)", main - top)]
    return rows


def stage_table(totals: dict[str, Any], wall: float, files: int) -> list[str]:
    lines = [f"{'stage':55} {'s':>8} {'share':>6} {'ms/file':>8}"]
    for stage, value in stage_rows(totals, wall):
        if value is None:
            lines.append(f"{stage:55} {'-':>8}")
        else:
            lines.append(f"{stage:55} {value:8.3f} {value / wall:6.1%} {value / files * 1000:8.3f}")
    lines.append(f"{'total wall time':55} {wall:8.3f} {1:6.1%} {wall / files * 1000:8.3f}")
    lines += [f"(not timed: {item})" for item in totals.get("unpatched", [])]
    return lines


def python_with(policylint: Sequence[str], *options: str) -> list[str]:
    """The policylint command with interpreter ``options``; a console script runs under this Python."""
    if Path(policylint[0]).name.startswith("python"):
        return [policylint[0], *options, *policylint[1:]]
    return [sys.executable, *options, shutil.which(policylint[0]) or policylint[0], *policylint[1:]]


def import_times(policylint: Sequence[str], one: Path) -> list[tuple[int, int, int, str]]:
    """(self us, cumulative us, depth, module) of every import of a one-file check."""
    argv = [*python_with(policylint, "-X", "importtime"), "check", str(one)]
    done = run(argv, capture=True)
    (PROFILE_DIR / "imports.txt").write_text(done.stderr, encoding="utf-8")
    rows = []
    for line in done.stderr.splitlines():
        parts = line.removeprefix("import time:").split("|")
        if len(parts) != 3 or not parts[0].strip().isdigit():
            continue
        name = parts[2].rstrip()
        depth = (len(name) - len(name.lstrip()) - 1) // 2
        rows.append((int(parts[0]), int(parts[1]), depth, name.strip()))
    return rows


def import_summary(rows: list[tuple[int, int, int, str]]) -> list[str]:
    by_package: dict[str, int] = {}
    for own, _, _, name in rows:
        by_package[name.split(".")[0]] = by_package.get(name.split(".")[0], 0) + own
    total = sum(own for own, *_ in rows)
    lines = [f"imports (-X importtime, which inflates them): {total / 1000:.1f} ms in {len(rows)} modules"]
    lines.append("by top-level package (self time):")
    heaviest = sorted(by_package.items(), key=lambda item: -item[1])[:12]
    lines += [f"  {own / 1000:7.1f} ms  {package}" for package, own in heaviest]
    lines.append("policylint modules (self time / cumulative, with what they pull in):")
    ours = sorted((row for row in rows if row[3].startswith("policylint")), key=lambda row: -row[0])
    lines += [f"  {own / 1000:7.1f} / {cumulative / 1000:7.1f} ms  {name}" for own, cumulative, _, name in ours[:15]]
    return lines


def cprofile(policylint: Sequence[str], target: Path, name: str, jobs: bool) -> Any:
    """Profile ``check [--jobs 1] target`` with cProfile; return the pstats.Stats."""
    import pstats

    output = PROFILE_DIR / f"{name}.prof"
    argv = scan_argv(python_with(policylint, "-m", "cProfile", "-o", str(output)), target, jobs)
    run(argv)
    return pstats.Stats(str(output))


def top_functions(stats: Any, count: int, column: int, only: str = "") -> list[str]:
    """The ``count`` heaviest functions by own (column 2) or cumulative (column 3) time."""
    rows = [item for item in stats.stats.items() if only in item[0][0]]
    rows = sorted(rows, key=lambda item: -item[1][column])[:count]
    lines = [f"{'own s':>8} {'cum s':>8} {'calls':>10}  function"]
    for (path, line, function), (_, calls, own, cumulative, _) in rows:
        where = function if path == "~" else f"{_short(path)}:{line}({function})"
        lines.append(f"{own:8.3f} {cumulative:8.3f} {calls:10d}  {where}")
    return lines


def _short(path: str) -> str:
    if "/policylint/" in path:
        return "policylint/" + path.rsplit("/policylint/", 1)[1]
    return path.split("site-packages/", 1)[-1]


def startup_walls(policylint: list[str], one: Path, runs: int = 10) -> list[str]:
    """Best wall times of a bare interpreter, ``--version`` and a one-file check."""
    bare, version, check = alternate(
        [[sys.executable, "-c", "pass"], [*policylint, "--version"], [*policylint, "check", str(one)]], runs
    )
    return [
        f"python -c pass:            {best(bare) * 1000:7.1f} ms (best of {runs})",
        f"policylint --version:      {best(version) * 1000:7.1f} ms",
        f"policylint check one.yaml: {best(check) * 1000:7.1f} ms",
    ]


def ladder(policylint: list[str], big: Path, jobs: bool) -> list[str]:
    """Best of two: libyaml only, policylint's read_source + load_text only, and the full check."""
    steps = [
        ("parse floor (libyaml, CSafeLoader)", [sys.executable, "-c", _FLOOR, str(big)]),
        ("policylint read_source + load_text", [python_with(policylint)[0], "-c", _LOADER, str(big)]),
        ("policylint check" + (" --jobs 1" if jobs else ""), scan_argv(policylint, big, jobs)),
    ]
    results = alternate([argv for _, argv in steps], 2)
    floor = best(results[0])
    return [
        f"{label:40} {best(samples):7.2f} s  {best(samples) / floor:5.2f}x floor"
        + ("" if samples[-1].returncode in (0, 1) else f"  (exit {samples[-1].returncode}: {samples[-1].stderr_head})")
        for (label, _), samples in zip(steps, results, strict=True)
    ]


def profile_all(policylint: list[str], one: Path, big: Path, files: int) -> int:
    """Start-up and the big scan: walls, imports, timed stages, cProfile; text under .corpus/profile."""
    PROFILE_DIR.mkdir(parents=True, exist_ok=True)
    jobs = accepts_jobs(policylint)
    report = ["## start-up", *startup_walls(policylint, one), ""]
    report += [*import_ladder(policylint), ""]
    report += import_summary(import_times(policylint, one))
    report += ["", "## one file, timed stages (fastest of 5)", *stage_table(*timed_stages(policylint, one, jobs, 5), 1)]
    report += ["", "policylint functions by cumulative time (cProfile, one file):"]
    report += top_functions(cprofile(policylint, one, "one", jobs), 15, 3, "/policylint/")
    report += ["", f"## {big.name}: parse floor -> policylint's loader -> full check", *ladder(policylint, big, jobs)]
    flag = "--jobs 1" if jobs else "(no --jobs option)"
    report += ["", f"## scan {flag} of {big.name} ({files} files), timed stages"]
    report += stage_table(*timed_stages(policylint, big, jobs), files)
    report += ["", "top functions by own time (cProfile, which inflates Python code 2-3x, scan):"]
    report += top_functions(cprofile(policylint, big, "scan", jobs), 25, 2)
    text = "\n".join(report) + "\n"
    (PROFILE_DIR / "summary.txt").write_text(text, encoding="utf-8")
    print(text + f"\nwritten: {PROFILE_DIR.relative_to(REPO)}/ (imports.txt, one.prof, scan.prof, summary.txt)")
    return 0


# --- main -----------------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="1,000 descriptors instead of 10,000; fewer runs")
    parser.add_argument("--policylint", metavar="CMD", help="the policylint command (default: python -m policylint)")
    parser.add_argument("--json", type=Path, default=REPO / "benchmarks" / "results.json", metavar="PATH")
    parser.add_argument("--profile", action="store_true", help="profile start-up and the big scan instead")
    parser.add_argument(
        "--formats",
        default="text,json,sarif",
        metavar="LIST",
        help=f"the output formats whose scan cost and memory are measured (any of {','.join(FORMATS)}; 'all')",
    )
    parser.add_argument("--descriptors", type=int, metavar="N", help="the big corpus's size (10,000; 1,000 --quick)")
    return parser.parse_args(argv)


def warm_up(policylint: list[str], one: Path, small: Path) -> None:
    """One unmeasured run of each program, so bytecode and the file cache are warm for all alike.

    Stops the benchmark when policylint cannot check one descriptor: its timings would be
    those of an error message (e.g. while the catalog is incomplete; see --policylint)."""
    yamllint = yamllint_command()
    done = run([*policylint, "check", str(one)], capture=True)
    if done.returncode not in (0, 1):
        raise SystemExit(
            f"benchmark: '{shlex.join(policylint)} check {one.name}' exits {done.returncode}, not 0 or 1:\n"
            f"{done.stderr.strip()}\nfix it or point --policylint at a working command"
        )
    run([*policylint, "check", str(small)])
    run([sys.executable, "-c", _FLOOR, str(small)])
    run([python_with(policylint)[0], "-c", _LOADER, str(small)])
    if yamllint is not None:
        run([*yamllint, str(one)])


def busy_warning() -> float:
    """The 1-minute load average before measuring, with a warning when other work competes for the cores."""
    load = round(os.getloadavg()[0], 2)
    if load > 0.5:
        print(f"warning: load average {load}: other processes are running; timings will be noisy")
    print(flush=True)
    return load


def prepare(plan: Plan) -> tuple[Path, Path, Path]:
    """Build (or reuse) the corpora; pin an empty configuration so no repository setting applies."""
    one = build_corpus(spec_for(1)) / ONE_DESCRIPTOR
    small, big = build_corpus(plan.small), build_corpus(plan.big)
    (CORPUS_ROOT / ".policylint.yaml").write_text("{}\n", encoding="utf-8")
    return one, small, big


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    plan, formats = plan_for(args.quick, args.descriptors), formats_of(args.formats)
    policylint = policylint_command(args.policylint)
    one, small, big = prepare(plan)
    warm_up(policylint, one, small)
    if args.profile:
        return profile_all(policylint, one, big, plan.big.files)
    print(f"policylint: {shlex.join(policylint)}\ncorpora: {CORPUS_ROOT.relative_to(REPO)}", flush=True)
    load_before = busy_warning()
    latency = one_file_latency(policylint, one, plan.latency_runs)
    measures = [latency]
    for output in formats:
        scan, big_runs, small_runs = scan_cost(policylint, big, small, plan, output)
        measures += [scan, memory(big_runs, small_runs, plan, output)]
    measures.append(memory_with_workers(policylint, big, small, plan))
    measures.append(identifier_throughput(args.quick))
    print_table(measures)
    print("\ndetails:")
    print_details(measures)
    settings = {"quick": args.quick, "policylint": policylint, "formats": formats, **asdict(plan)}
    settings["load_average_before"] = load_before
    write_json(args.json, measures, settings)
    print(f"\nwritten: {args.json}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
