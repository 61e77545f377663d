"""Configuration: ``.policylint.yaml`` or ``[tool.policylint]`` in ``pyproject.toml``.

Found by walking up from the working directory; ``--config FILE`` overrides. Validated on
load: a typo or a wrong type is an error with file:line. Values given on the command line
win over the file, which wins over the defaults; ``policylint config`` shows which is which.
"""

from __future__ import annotations

import difflib
import sys
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, model_validator
from pydantic.alias_generators import to_snake

from policylint.load import Document, LoadError, Position, escape_pointer_token, load_yaml

CONFIG_FILE = ".policylint.yaml"
PYPROJECT = "pyproject.toml"
Severity = Literal["critical", "high", "medium", "low", "info"]
Text = Annotated[str, Strict(), Field(min_length=1)]


def _kebab(name: str) -> str:
    return name.replace("_", "-")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", alias_generator=_kebab, frozen=True)


class WaiverEntry(_Strict):
    """An accepted risk: a policy, where it is waived, why, who owns it, and until when."""

    policy: Text
    system: Text | None = None
    path: Text | None = Field(default=None, description="A glob matched against the file path.")
    pointer: Text | None = Field(default=None, description="A JSON Pointer into the descriptor.")
    reason: Text
    owner: Text
    expires: date

    @model_validator(mode="after")
    def _scoped(self) -> WaiverEntry:
        if self.system is None and self.path is None:
            raise ValueError("a waiver names a system or a path")
        return self


class Settings(_Strict):
    fail_on: Severity = "low"
    lang: Literal["zh-TW", "en"] = "zh-TW"
    select: list[Text] = []
    ignore: list[Text] = []
    parameters: dict[str, dict[str, Any]] = {}
    policies: list[Text] = Field(default=[], description="Extra policy directories, relative to the file.")
    include: list[Text] = []
    exclude: list[Text] = []
    max_file_size: Annotated[int, Strict(), Field(gt=0)] = 10 * 1024 * 1024
    waivers: list[WaiverEntry] = []


DEFAULTS = Settings()


@dataclass(frozen=True)
class ConfigError(Exception):
    file: str
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = "".join(f":{part}" for part in (self.line, self.column) if part is not None)
        return f"{self.file}{where}: {self.message}"


@dataclass(frozen=True)
class Config:
    settings: Settings = DEFAULTS
    path: Path | None = None
    positions: dict[str, Position] = field(default_factory=dict)

    @property
    def base(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def where(self, key: str) -> str:
        """Where a top-level key was set: ``file:line``, or ``default``."""
        position = self.positions.get(f"/{key}")
        if self.path is None or (position is None and to_snake(key) not in self.settings.model_fields_set):
            return "default"
        return f"{self.path}:{position.line}" if position else str(self.path)

    def policy_directories(self) -> list[Path]:
        return [self.base / directory for directory in self.settings.policies]


def find_config(start: Path) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / CONFIG_FILE).is_file():
            return directory / CONFIG_FILE
        if (directory / PYPROJECT).is_file() and _has_tool_section(directory / PYPROJECT):
            return directory / PYPROJECT
    return None


def _has_tool_section(path: Path) -> bool:
    try:
        return "[tool.policylint" in path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False


def load_config(path: Path | None) -> Config:
    if path is None:
        return Config()
    if path.name == PYPROJECT:
        return _from_pyproject(path)
    document = _yaml_document(path)
    data = {} if document.data is None else document.data
    return Config(_validate(data, path, document), path, document.positions)


def _yaml_document(path: Path) -> Document:
    try:
        documents = list(load_yaml(path.read_text(encoding="utf-8")))
    except LoadError as error:
        raise ConfigError(str(path), error.message, error.line, error.column) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(str(path), f"cannot read: {error}") from None
    if len(documents) > 1:
        raise ConfigError(str(path), "the configuration is one YAML document")
    if documents and documents[0].duplicates:
        pointer, position = documents[0].duplicates[0]
        raise ConfigError(str(path), f"duplicate key '{pointer[1:]}'", position.line, position.column)
    return documents[0] if documents else Document(None, {})


def _from_pyproject(path: Path) -> Config:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib

    try:
        data = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("policylint", {})
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise ConfigError(str(path), f"cannot read [tool.policylint]: {error}") from None
    return Config(_validate(data, path, Document(data, {})), path, {})


def _validate(data: Any, path: Path, document: Document) -> Settings:
    if not isinstance(data, dict):
        raise ConfigError(str(path), "the configuration is a mapping of settings")
    try:
        return Settings.model_validate(data)
    except ValidationError as error:
        detail = error.errors(include_url=False)[0]
        location = tuple(detail["loc"])
        pointer = "".join(f"/{escape_pointer_token(part)}" for part in location)
        where = document.position(pointer) if document.positions else None
        message = _message(detail, location)
        raise ConfigError(str(path), message, *((where.line, where.column) if where else ())) from None


def _message(detail: Any, location: tuple[Any, ...]) -> str:
    key = ".".join(str(part) for part in location)
    if detail["type"] == "extra_forbidden" and len(location) == 1:
        allowed = [_kebab(name) for name in Settings.model_fields]
        hint = difflib.get_close_matches(str(location[0]), allowed, n=1)
        return f"unknown setting '{key}'" + (f"; did you mean '{hint[0]}'?" if hint else "")
    if detail["type"] == "extra_forbidden":
        return f"unknown key '{key}'"
    if detail["type"] == "missing":
        return f"'{key}' is required"
    return f"'{key}': {detail['msg']}"


def settings_with(config: Config, overrides: dict[str, Any]) -> Settings:
    """The file's settings with the command line's explicit values on top."""
    given = {to_snake(key): value for key, value in overrides.items() if value is not None}
    return config.settings.model_copy(update=given)
