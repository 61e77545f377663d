"""Errors in the files a user gives policylint: they name the file, and the line where known."""

from __future__ import annotations

from dataclasses import dataclass

from policylint.load.sources import display_name


@dataclass(frozen=True)
class LocatedError(Exception):
    file: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = "".join(f":{part}" for part in (self.line, self.column) if part is not None)
        return f"{display_name(self.file)}{where}: {self.message}"
