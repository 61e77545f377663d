"""Errors in the files a user gives policylint: they name the file, and the line where known."""

from __future__ import annotations

from policylint.load.sources import display_name


class LocatedError(Exception):
    # A plain class: a dataclass costs a pre-commit run 1.8 M instructions to define.
    def __init__(self, file: str, message: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(file, message, line, column)
        self.file, self.message, self.line, self.column = file, message, line, column

    def __str__(self) -> str:
        where = "".join(f":{part}" for part in (self.line, self.column) if part is not None)
        return f"{display_name(self.file)}{where}: {self.message}"
