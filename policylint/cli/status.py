"""Exit statuses and the usage error: what both the parser and the commands speak."""

from __future__ import annotations

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR, EXIT_INTERRUPTED, EXIT_TERMINATED = 0, 1, 2, 130, 143


class UsageError(Exception):
    """The command line asks for something that cannot be done."""


class Terminated(BaseException):
    """SIGTERM (a CI runner's cancel): like Ctrl-C, it unwinds the run so that every
    temporary file is removed and every worker stopped on the way out."""
