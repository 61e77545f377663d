"""The commands behind the command line. Each takes parsed arguments and returns an exit status."""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Generator, Iterable, Iterator
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, TextIO

from policylint import __version__
from policylint.catalog.policies import Catalog, load_catalog
from policylint.cli.collector import fewer_collections, made_without_collection
from policylint.cli.status import EXIT_CLEAN, EXIT_ERROR, EXIT_FINDINGS, UsageError
from policylint.load.sources import display_name
from policylint.model.config import Config, Settings, find_config, load_config, settings_data, settings_with
from policylint.model.results import FileError, FileReport, Finding, RunReport
from policylint.model.waiver import Waiver

if TYPE_CHECKING:
    from policylint.catalog.origins import Origin
    from policylint.cli.statistics import Statistics
    from policylint.engine.covered import Covered
    from policylint.report.stream import Reporter


class Session(NamedTuple):
    config: Config
    settings: Settings
    catalog: Catalog
    directories: tuple[Path, ...] = ()


def _session(args: argparse.Namespace) -> Session:
    """Configuration file, command line on top, and the catalog they select."""
    config = load_config(_config_path(args))
    given = {key: getattr(args, key, None) for key in ("fail_on", "lang", "select", "ignore")}
    settings = settings_with(config, given)
    directories = (*config.policy_directories(), *args.policies)
    with made_without_collection():
        catalog = load_catalog(list(directories), settings.parameters)
    unknown = sorted(catalog.expand([*settings.select, *settings.ignore]) - set(catalog.policies))
    if unknown:
        raise UsageError(unknown_policies(unknown, catalog))
    return Session(config, settings, catalog.select(settings.select, settings.ignore), directories)


def _config_path(args: argparse.Namespace) -> Path | None:
    """The configuration file given, or the one found walking up from the working directory,
    named relative to it: no output shows an absolute path of the machine."""
    if args.config:
        return Path(args.config)
    found = find_config(Path.cwd())
    return Path(os.path.relpath(found)) if found is not None else None


def unknown_policies(names: list[str], catalog: Catalog) -> str:
    """``unknown policy 'x'; did you mean 'y'?``, for each name, and where to find them all."""
    import difflib

    described = []
    for name in names:
        close = difflib.get_close_matches(name, list(catalog.policies), n=1, cutoff=0.6)
        described.append(f"'{name}'" + (f" (did you mean '{close[0]}'?)" if close else ""))
    return f"unknown policy {', '.join(described)}; see 'policylint rules'"


# --- check and baseline ---------------------------------------------------------------


def _new_run(args: argparse.Namespace, session: Session) -> RunReport:
    settings = session.settings
    scanned = sorted({display_name(path) for path in args.paths})
    run = RunReport(__version__, args.as_of or date.today(), settings.lang, settings.fail_on, scanned=scanned)
    run.no_waivers = getattr(args, "no_waivers", False)
    run.category = getattr(args, "category", "")
    return run


def _scan(
    args: argparse.Namespace, session: Session, run: RunReport, evidence: bool = False, line_hashes: bool = False
) -> Generator[FileReport, None, None]:
    """Each file's report as it is checked, in sorted order; files missing go to ``run``."""
    from policylint.engine.evaluate import Messages, Options, Plans
    from policylint.engine.parallel import CatalogSpec, check_files, shard
    from policylint.load.sources import discover

    settings = session.settings
    discovery = discover(args.paths, _suffixes(session.catalog), follow_symlinks=args.follow_symlinks)
    run.errors.extend(FileError(display_name(path), "no such file or directory") for path in discovery.missing)
    run.warnings.extend(f"{display_name(link)}: warning: {_OUTSIDE_LINK}" for link in discovery.outside)
    waivers = _config_waivers(session.config)
    run.declared_waivers |= {waiver.source for waiver in waivers}
    run.waivers.update((waiver.source, waiver) for waiver in waivers)
    options = Options(
        run.as_of,
        settings.max_file_size,
        waivers,
        source_lines=evidence,
        messages=Messages(),
        plans=Plans(),
        line_hashes=line_hashes,
        facts=evidence,
    )
    files = _included(discovery.files, session)
    if args.shard:
        files = shard(files, *args.shard)
    spec = CatalogSpec(session.directories, settings.parameters, tuple(settings.select), tuple(settings.ignore))
    checked = check_files(files, session.catalog, spec, options, args.jobs or os.cpu_count() or 1)
    with fewer_collections(), contextlib.closing(checked):
        yield from _in_place(checked, files, settings.max_file_size)


def _in_place(reports: Iterable[FileReport], files: list[str], max_bytes: int) -> Iterator[FileReport]:
    """Every report where it comes; a configuration file checked alone that another scanned
    file links or includes, emptied (see _alone_or_covered)."""
    covered: Covered | None = None  # found when the first configuration file checked alone comes
    for report in reports:
        if report.evidence:
            from policylint.engine.covered import covered_files  # a scan of descriptors never needs it

            # one file alone: nothing else covers it, and pre-commit reads it once
            covered = covered or covered_files(files if len(files) > 1 else (), max_bytes)
            report = _alone_or_covered(report, covered)
        yield report


def _alone_or_covered(report: FileReport, covered: Covered) -> FileReport:
    """A configuration file checked through the descriptor that links it or the configuration
    that includes it reports nothing alone; a fragment read alone also loses the includes it
    resolves from the wrong directory, so its errors go too (its includer reports its own)."""
    file = os.path.normpath(report.file)
    # What the detectors find in the file's text (a national ID, a password) no descriptor or
    # includer reports for it: those findings stay. Policies' findings carry no identity.
    found_in_text = tuple(finding for finding in report.findings if finding.identity is not None)
    if file in covered.included:
        return report._replace(systems=(), findings=found_in_text, errors=())
    return report._replace(systems=(), findings=found_in_text) if file in covered.linked else report


_OUTSIDE_LINK = "symbolic link to a file outside the scanned paths; not read (--follow-symlinks reads it)"


def _suffixes(catalog: Catalog) -> tuple[str, ...]:
    """Descriptors and host files, or every configuration file when a detector reads file text."""
    from policylint.engine.detectors import CONFIG_SUFFIXES, STRUCTURED_SUFFIXES
    from policylint.load.hostnames import FILE_NAMES

    return (CONFIG_SUFFIXES if catalog.detector_policies else STRUCTURED_SUFFIXES) + FILE_NAMES


def _config_waivers(config: Config) -> tuple[Waiver, ...]:
    from policylint.load.sources import display_name

    waivers = []
    for index, entry in enumerate(config.settings.waivers):
        position = config.positions.get(f"/waivers/{index}")
        waivers.append(
            Waiver(
                policies=(entry.policy,),
                reason=entry.reason,
                expires=entry.expires,
                source=f"{display_name(str(config.path))}:{position.line if position else 1}",
                owner=entry.owner,
                system=entry.system,
                path=entry.path,
                pointer=entry.pointer,
            )
        )
    return tuple(waivers)


def _included(files: Iterable[str], session: Session) -> list[str]:
    from fnmatch import fnmatchcase

    include, exclude = session.settings.include, session.settings.exclude
    if not include and not exclude:
        return list(files)
    base = session.config.base

    def relative(path: str) -> str:
        return Path(os.path.relpath(os.path.abspath(path), base)).as_posix()

    return [
        path
        for path in files
        if (not include or any(fnmatchcase(relative(path), pattern) for pattern in include))
        and not any(fnmatchcase(relative(path), pattern) for pattern in exclude)
    ]


def check(args: argparse.Namespace) -> int:
    from policylint.report import SHOWS_EVIDENCE

    session = _session(args)
    entries = _baseline_entries(args)
    run = _new_run(args, session)
    formats = {args.format, *(name for name, _ in args.report)}
    scanned = _scan(args, session, run, not SHOWS_EVIDENCE.isdisjoint(formats), "sarif" in formats)
    # Closed here, whatever stops the report: the workers are stopped now, in this thread,
    # not whenever and wherever the garbage collector finds the scan.
    with contextlib.closing(scanned):
        reports: Iterable[FileReport] = scanned
        if entries is not None:
            from policylint.engine.baseline import mark_known

            reports = mark_known(scanned, run, display_name(args.baseline), entries)
        _report(args, run, session.catalog, reports)
    return exit_status(run, exit_zero=args.exit_zero)


class _SummaryOnly:
    """A text report without its finding lines (--quiet, --statistics): the summary stays."""

    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter

    def begin(self, run: RunReport, catalog: Catalog) -> None:
        self.reporter.begin(run, catalog)

    def file(self, report: FileReport) -> None:
        return None

    def end(self, run: RunReport) -> None:
        self.reporter.end(run)


def _counted(reports: Iterable[FileReport], statistics: Statistics) -> Iterator[FileReport]:
    for report in reports:
        statistics.add(report.findings)
        yield report


def _baseline_entries(args: argparse.Namespace) -> list[dict[str, str]] | None:
    if not args.baseline:
        return None
    from policylint.engine.baseline import read_baseline

    return read_baseline(args.baseline)


def _statistics(args: argparse.Namespace) -> Statistics | None:
    if not getattr(args, "statistics", False):
        return None
    from policylint.cli.statistics import Statistics

    return Statistics()


def _findings_shown(args: argparse.Namespace) -> bool:
    """A text report's finding lines: not under --quiet or --statistics (summary and errors stay)."""
    return args.format != "text" or not (getattr(args, "quiet", False) or getattr(args, "statistics", False))


def _write_statistics(
    args: argparse.Namespace, statistics: Statistics | None, out: TextIO, run: RunReport, catalog: Catalog
) -> None:
    """In a text report in place of the findings; beside any other format, on standard error."""
    if statistics is not None:
        table = statistics.render(catalog, run.lang)
        (out if args.format == "text" else sys.stderr).write(table)


def _report(args: argparse.Namespace, run: RunReport, catalog: Catalog, reports: Iterable[FileReport]) -> None:
    """The main report and every ``--report FORMAT:PATH``, all written file by file from one
    pass over ``reports``; errors and warnings go to standard error."""
    from policylint.report import open_reporter
    from policylint.report.output import atomic_stream
    from policylint.report.stream import end, feed

    color = args.format == "text" and _wants_color(args, sys.stdout)
    statistics = _statistics(args)
    if statistics is not None:
        reports = _counted(reports, statistics)
    with contextlib.ExitStack() as stack:
        out = sys.stdout if args.output is None else stack.enter_context(atomic_stream(Path(args.output)))
        main = open_reporter(args.format, out, color=color)
        reporters = [main if _findings_shown(args) else _SummaryOnly(main)]
        reporters += [open_reporter(name, stack.enter_context(atomic_stream(Path(path)))) for name, path in args.report]
        feed(reporters, run, catalog, reports)
        for line in [*map(str, run.errors), *run.warnings]:
            print(line, file=sys.stderr)
        _write_statistics(args, statistics, out, run, catalog)
        end(reporters, run)
        out.flush()


def exit_status(run: RunReport, *, exit_zero: bool = False) -> int:
    """Errors win over findings; the format never changes the status."""
    if run.errors:
        return EXIT_ERROR
    return EXIT_FINDINGS if run.fails() and not exit_zero else EXIT_CLEAN


def merge(args: argparse.Namespace) -> int:
    from policylint.engine.merge import merge_results

    session = _session(args)
    run, reports = merge_results(args.results, session.settings.lang, session.settings.fail_on)
    run.category = args.category
    _report(args, run, session.catalog, reports)
    return exit_status(run, exit_zero=args.exit_zero)


def baseline(args: argparse.Namespace) -> int:
    from policylint.engine.baseline import baseline_json

    session = _session(args)
    run = _new_run(args, session)
    findings: list[Finding] = []
    for report in _scan(args, session, run):
        run.add(report)
        findings.extend(report.findings)
    run.finish()
    for line in map(str, run.errors):
        print(line, file=sys.stderr)
    if run.errors:
        return EXIT_ERROR
    write_output(baseline_json(run.tool_version, findings), args.output)
    print(f"policylint: recorded {len(findings)} findings in {args.output}", file=sys.stderr)
    return EXIT_CLEAN


def _wants_color(args: argparse.Namespace, stream: TextIO) -> bool:
    """``--color always|never`` as asked; ``auto``: never with NO_COLOR, always with
    FORCE_COLOR (both when set and not empty; FORCE_COLOR=0 does not force), else on a
    terminal that is not dumb, and never into a file."""
    choice = getattr(args, "color", "auto")
    if choice != "auto":
        return bool(choice == "always")
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR", "0") not in ("", "0"):
        return True
    return args.output is None and stream.isatty() and os.environ.get("TERM") != "dumb"


def write_output(text: str, path: str | None) -> None:
    """Standard output, or a file replaced atomically so no half-written report remains."""
    if path is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from policylint.report.output import write_atomic

    write_atomic(Path(path), text)


# --- the catalog ----------------------------------------------------------------------


def rules(args: argparse.Namespace) -> int:
    from policylint.catalog import docs, explain

    session = _session(args)
    lang = session.settings.lang
    if args.coverage:
        from policylint.evidence.describe import evidence_by_policy

        evidence = evidence_by_policy(session.catalog)
        as_json = args.format == "json"
        text = (
            docs.coverage_json(session.catalog, evidence)
            if as_json
            else docs.coverage_text(session.catalog, lang, evidence)
        )
        write_output(text, None)
        return EXIT_CLEAN
    render = explain.rules_json if args.format == "json" else explain.rules_text
    write_output(render(session.catalog, lang, _origins(session.catalog)), None)
    return EXIT_CLEAN


def _origins(catalog: Catalog) -> dict[str, Origin]:
    from policylint.catalog.origins import policy_origins
    from policylint.catalog.policies import plugin_packs

    return policy_origins(catalog, plugin_packs())


def explain(args: argparse.Namespace) -> int:
    from policylint.catalog import explain as explaining

    session = _session(args)
    catalog, lang = session.catalog, session.settings.lang
    policy = catalog.policies.get(args.policy)
    if policy is not None:
        from policylint.evidence.describe import evidence_lines

        write_output(explaining.explain_text(catalog, policy, lang, evidence_lines(policy)), None)
        return EXIT_CLEAN
    reference = explaining.reference_text(catalog, args.policy, lang)
    if reference is None:
        if args.policy[:1].isdigit():
            raise UsageError(f"no case or reminder '{args.policy}' in the guideline; see 'policylint rules --coverage'")
        raise UsageError(unknown_policies([args.policy], catalog))
    write_output(reference, None)
    return EXIT_CLEAN


def verify(args: argparse.Namespace) -> int:
    from policylint.engine.verify import render_results, verify_directory

    session = _session(args)
    results = verify_directory(Path(args.directory), session.catalog, args.as_of or date.today())
    write_output(render_results(results), None)
    return EXIT_CLEAN if results and all(result.ok for result in results) else EXIT_FINDINGS


def schema(args: argparse.Namespace) -> int:
    from policylint.model.checker import DESCRIPTOR_SCHEMA

    write_output(DESCRIPTOR_SCHEMA.read_text(encoding="utf-8"), None)
    return EXIT_CLEAN


def docs(args: argparse.Namespace) -> int:
    from policylint.catalog import docs as documents

    if args.document == "rules":
        from policylint.evidence.describe import evidence_by_policy

        catalog = _session(args).catalog
        write_output(documents.rules_markdown(catalog, evidence_by_policy(catalog)), None)
    else:
        from policylint.evidence.describe import evidence_by_key

        write_output(documents.descriptor_markdown(evidence_by_key()), None)
    return EXIT_CLEAN


def init(args: argparse.Namespace) -> int:
    from policylint.catalog.docs import init_template

    if args.path and os.path.lexists(args.path) and not args.force:
        raise UsageError(f"{args.path} exists; use --force to overwrite it")
    write_output(init_template(), args.path)
    return EXIT_CLEAN


def config(args: argparse.Namespace) -> int:
    import json

    loaded = load_config(_config_path(args))
    lines = [f"# configuration file: {loaded.path or 'none found'}"]
    values = settings_data(loaded.settings)
    for key, value in values.items():
        lines.append(f"{key}: {json.dumps(value, ensure_ascii=False)}  # {loaded.where(key)}")
    lines += _POLICY_TRUST
    catalog = load_catalog(loaded.policy_directories())
    lines += [f"#   {pid}: {origin.text()}" for pid, origin in _origins(catalog).items()]
    write_output("\n".join(lines) + "\n", None)
    return EXIT_CLEAN


_POLICY_TRUST = [
    "# Policies are data, never code: every file is validated against the policy schema. Policy",
    "# directories may lie outside the repository (policies: [../../org-pack], absolute paths,",
    "# installed packs): whoever can write them decides what is checked. Each loaded policy and",
    "# where it came from:",
]
