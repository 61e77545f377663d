"""The command line. ``main`` parses arguments, runs one command and maps failures to exit codes.

Exit status: 0 clean, 1 findings at or above --fail-on, 2 any error (errors win over
findings), 130 on Ctrl-C (SIGINT), 143 on SIGTERM. One handler turns exceptions into those codes, so no traceback
reaches a user. Commands live in ``policylint.cli.commands`` and are imported only when run.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from policylint import __version__
from policylint.cli.collector import imported_without_collection
from policylint.cli.status import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_TERMINATED, Terminated, UsageError

SEVERITY_CHOICES = ("critical", "high", "medium", "low", "info")
if TYPE_CHECKING:
    from typing import TypeAlias

    Commands: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:  # from the start: a signal while arguments are read ends the run as one later would
        with _terminate_unwinds(), _closed_stdout_named():
            args = _parser(argv[0] if argv else None).parse_args(argv)
            commands = _commands()
            status: int = getattr(commands, args.command)(args)
            return status
    except KeyboardInterrupt:
        print("policylint: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Terminated:
        print("policylint: terminated", file=sys.stderr)
        return EXIT_TERMINATED
    except BrokenPipeError:
        sys.stderr.close()  # the reader went away (e.g. `| head`): nothing more to say
        return EXIT_ERROR
    except Exception as error:  # the one place that turns failures into an exit status
        return _report_failure(error)


def _raise_terminated(number: int, frame: object) -> None:
    raise Terminated


@contextlib.contextmanager
def _terminate_unwinds() -> Iterator[None]:
    """SIGTERM raises Terminated, so the run unwinds as on Ctrl-C (default: die on the spot,
    leaving temporary files and orphaned workers); the previous handler comes back after."""
    try:
        previous = signal.signal(signal.SIGTERM, _raise_terminated)
    except ValueError:  # not the main thread (an embedding application): its handlers stay
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


class _ClosedStream:
    """Standard output that was closed (``>&-``): writing to it is an error naming it."""

    def write(self, text: str) -> int:
        raise OSError(9, "standard output is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


@contextlib.contextmanager
def _closed_stdout_named() -> Iterator[None]:
    """Python sets ``sys.stdout`` to None when descriptor 1 is closed; writing a report to
    it must be one line and exit 2, not an AttributeError."""
    if sys.stdout is not None:
        yield
        return
    sys.stdout = _ClosedStream()  # type: ignore[assignment,unused-ignore]
    try:
        yield
    finally:
        sys.stdout = None  # type: ignore[assignment,unused-ignore]


def _commands() -> ModuleType:
    """``policylint.cli.commands``, imported once a process."""
    if "policylint.cli.commands" in sys.modules:  # a second run in one process: nothing to import
        return sys.modules["policylint.cli.commands"]
    with imported_without_collection():
        from policylint.cli import commands
    return commands


def _report_failure(error: Exception) -> int:
    from policylint.load.errors import LocatedError
    from policylint.load.masking import escape_and_mask

    if isinstance(error, LocatedError | UsageError | OSError):
        print(f"policylint: error: {escape_and_mask(str(error))}", file=sys.stderr)
        return EXIT_ERROR
    if os.environ.get("POLICYLINT_DEBUG"):
        raise error
    print(f"policylint: internal error: {type(error).__name__}: {escape_and_mask(str(error))}", file=sys.stderr)
    print("policylint: set POLICYLINT_DEBUG=1 for details and please report it", file=sys.stderr)
    return EXIT_ERROR


# --- arguments ------------------------------------------------------------------------


class _HelpFormatter(argparse.HelpFormatter):
    """Options shown as Python 3.13 shows them (``--output, -o FILE``), on every Python: up
    to 3.12, argparse repeats the value after each name (``--output FILE, -o FILE``)."""

    def __init__(
        self, prog: str, indent_increment: int = 2, max_help_position: int = 24, width: int | None = None
    ) -> None:
        # argparse makes a formatter for every option it adds (to check its value's name),
        # and each asks shutil for the terminal's width: importing shutil (bz2, lzma, zlib)
        # cost a pre-commit run 6.6 M instructions, for help it does not write.
        super().__init__(prog, indent_increment, max_help_position, _columns() - 2 if width is None else width)

    def _format_action_invocation(self, action: argparse.Action) -> str:
        if not action.option_strings or action.nargs == 0:
            return super()._format_action_invocation(action)
        value = self._format_args(action, self._get_default_metavar_for_optional(action))
        return f"{', '.join(action.option_strings)} {value}"


def _columns() -> int:
    """The terminal's width as shutil.get_terminal_size finds it: $COLUMNS, else the width
    of the terminal on standard output, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    if columns > 0:
        return columns
    stdout = sys.__stdout__
    try:
        return (0 if stdout is None else os.get_terminal_size(stdout.fileno()).columns) or 80
    except (AttributeError, ValueError, OSError):
        return 80


class _RawDescriptionHelpFormatter(_HelpFormatter, argparse.RawDescriptionHelpFormatter):
    """The same, with the description and epilog kept as written (examples)."""


class _Parser(argparse.ArgumentParser):
    """Subcommands' parsers are of the parser's own class, so they share the formatter."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)


def _parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only ``command``'s arguments when it names one (building all ten
    subcommands took ~5 ms of every pre-commit run), every command's otherwise."""
    parser: argparse.ArgumentParser = _Parser(
        prog="policylint",
        description="Check system descriptors against the 2017 Taichung City data-leak prevention guideline.",
    )
    parser.add_argument("--version", action="version", version=f"policylint {__version__}")
    commands = parser.add_subparsers(title="commands", metavar="COMMAND", required=True)
    for name, add in _COMMANDS.items():
        if command not in _COMMANDS or name == command:
            add(commands)
    return parser


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date in the form YYYY-MM-DD: {text!r}") from None


def _policy_list(text: str) -> list[str]:
    return [item.strip() for item in text.split(",") if item.strip()]


def _report_target(text: str) -> tuple[str, str]:
    from policylint.report import REPORTERS

    name, separator, path = text.partition(":")
    if not separator or not path or name not in REPORTERS:
        raise argparse.ArgumentTypeError(f"expected FORMAT:PATH with FORMAT one of {', '.join(REPORTERS)}")
    return name, path


def _add_catalog_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--lang", choices=("zh-TW", "en"), default=None, help="language of messages (default: zh-TW)")
    parser.add_argument(
        "--policies", action="append", default=[], type=Path, metavar="DIR", help="extra policy directory (repeatable)"
    )
    parser.add_argument("--config", metavar="FILE", help="configuration file (default: found by walking up)")
    parser.add_argument(
        "--select", type=_policy_list, action="extend", default=None, metavar="POLICY[,POLICY]", help="only these"
    )
    parser.add_argument(
        "--ignore", type=_policy_list, action="extend", default=None, metavar="POLICY[,POLICY]", help="skip these"
    )


def _shard(text: str) -> tuple[int, int]:
    part, _, parts = text.partition("/")
    if not (part.isdigit() and parts.isdigit() and 1 <= int(part) <= int(parts)):
        raise argparse.ArgumentTypeError(f"expected K/N with 1 <= K <= N, got {text!r}")
    return int(part), int(parts)


def _jobs(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a positive number of jobs, got {text!r}")
    return int(text)


def _add_scan_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("paths", nargs="+", metavar="PATH", help="files or directories (walked recursively)")
    parser.add_argument("--jobs", "-j", type=_jobs, default=None, metavar="N", help="worker processes (default: CPUs)")
    parser.add_argument("--shard", type=_shard, default=None, metavar="K/N", help="check only the K-th of N parts")
    parser.add_argument(
        "--follow-symlinks",
        action="store_true",
        help="read links met in a walk that lead outside the scanned paths (default: skip them with a warning)",
    )
    parser.add_argument(
        "--as-of", type=_iso_date, default=None, metavar="YYYY-MM-DD", help="the 'today' of recency checks"
    )
    _add_catalog_options(parser)


def _add_output_options(parser: argparse.ArgumentParser) -> None:
    from policylint.report import REPORTERS

    parser.add_argument("--format", choices=tuple(REPORTERS), default="text", help="output format (default: text)")
    parser.add_argument("--output", "-o", metavar="FILE", help="write the report to FILE, not standard output")
    parser.add_argument(
        "--report", type=_report_target, action="append", default=[], metavar="FORMAT:PATH", help="also write FORMAT"
    )
    parser.add_argument("--fail-on", choices=SEVERITY_CHOICES, default=None, help="lowest failing severity (low)")
    parser.add_argument("--exit-zero", action="store_true", help="exit 0 despite findings (errors still exit 2)")
    parser.add_argument(
        "--statistics", action="store_true", help="count findings by policy and by status (text: instead of them)"
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="text: only the summary line and errors")
    parser.add_argument(
        "--category",
        default="",
        metavar="NAME",
        help="name this run's results (SARIF automationDetails.id), so shards and matrix jobs keep theirs apart",
    )
    parser.add_argument(
        "--color",
        choices=("auto", "always", "never"),
        default="auto",
        help="colour the text report (auto: on a terminal; NO_COLOR turns it off, FORCE_COLOR on)",
    )


CHECK_EPILOG = """\
exit status:
  0    no finding at or above --fail-on (or --exit-zero)
  1    findings at or above --fail-on, not waived and not in the --baseline
  2    an error: a file that cannot be read, parsed or validated, a policy that
       cannot be evaluated, a bad option (errors win over findings)
  130  interrupted

examples:
  policylint check examples/ --lang en
  policylint check . --format sarif --output policylint.sarif --category backend
"""


def _add_check(commands: Commands) -> None:
    check = commands.add_parser(
        "check",
        help="check descriptors",
        description="Check files and directories.",
        epilog=CHECK_EPILOG,
        formatter_class=_RawDescriptionHelpFormatter,
    )
    _add_scan_options(check)
    _add_output_options(check)
    check.add_argument("--baseline", metavar="FILE", help="fail only on findings not recorded in FILE")
    check.add_argument("--no-waivers", action="store_true", help="auditor's mode: waivers do not change the status")
    check.set_defaults(command="check")


def _add_merge(commands: Commands) -> None:
    merge = commands.add_parser(
        "merge", help="combine sharded results", description="Combine JSON results of --shard runs into one report."
    )
    merge.add_argument("results", nargs="+", metavar="RESULT.json")
    _add_output_options(merge)
    _add_catalog_options(merge)
    merge.set_defaults(command="merge")


def _add_baseline(commands: Commands) -> None:
    baseline = commands.add_parser(
        "baseline", help="record current findings", description="Record the current findings by fingerprint."
    )
    _add_scan_options(baseline)
    baseline.add_argument("--output", "-o", metavar="FILE", required=True, help="the baseline file to write")
    baseline.set_defaults(command="baseline")


def _add_rules(commands: Commands) -> None:
    rules = commands.add_parser("rules", help="list the policies", description="List the policies of the catalog.")
    rules.add_argument("--format", choices=("text", "json"), default="text")
    rules.add_argument("--coverage", action="store_true", help="every reminder of the guideline with its policies")
    _add_catalog_options(rules)
    rules.set_defaults(command="rules")


def _add_explain(commands: Commands) -> None:
    explain = commands.add_parser("explain", help="explain a policy", description="Case, reminder, laws and fix.")
    explain.add_argument("policy", metavar="POLICY")
    _add_catalog_options(explain)
    explain.set_defaults(command="explain")


def _add_verify(commands: Commands) -> None:
    verify = commands.add_parser(
        "verify",
        help="run policy examples",
        description="Run each policy's pass/, fail/ and not-applicable/ example descriptors under DIR.",
    )
    verify.add_argument("directory", nargs="?", default="tests/policies", metavar="DIR")
    verify.add_argument("--as-of", type=_iso_date, default=None, metavar="YYYY-MM-DD")
    _add_catalog_options(verify)
    verify.set_defaults(command="verify")


def _add_schema(commands: Commands) -> None:
    schema = commands.add_parser("schema", help="print the descriptor JSON Schema", description="Draft 2020-12.")
    schema.set_defaults(command="schema")


def _add_docs(commands: Commands) -> None:
    docs = commands.add_parser(
        "docs", help="print a generated document", description="docs/rules.md or docs/descriptor.md"
    )
    docs.add_argument("document", choices=("rules", "descriptor"))
    _add_catalog_options(docs)
    docs.set_defaults(command="docs")


def _add_init(commands: Commands) -> None:
    init = commands.add_parser("init", help="write a descriptor template", description="Every section, commented.")
    init.add_argument("path", nargs="?", metavar="PATH", help="file to create (default: standard output)")
    init.add_argument("--force", action="store_true", help="overwrite PATH if it exists")
    init.set_defaults(command="init")


def _add_config(commands: Commands) -> None:
    config = commands.add_parser(
        "config", help="show the effective configuration", description="Each setting and where it came from."
    )
    config.add_argument("--config", metavar="FILE", help="configuration file (default: found by walking up)")
    config.set_defaults(command="config")


_COMMANDS: dict[str, Callable[[Commands], None]] = {
    "check": _add_check,
    "baseline": _add_baseline,
    "rules": _add_rules,
    "explain": _add_explain,
    "verify": _add_verify,
    "schema": _add_schema,
    "docs": _add_docs,
    "init": _add_init,
    "config": _add_config,
    "merge": _add_merge,
}
