"""Configuration: ``.policylint.yaml`` or ``[tool.policylint]`` in ``pyproject.toml``.

Found by walking up from the working directory; ``--config FILE`` overrides. Validated on
load: a typo or a wrong type is an error with file:line. Values given on the command line
win over the file, which wins over the defaults; ``policylint config`` shows which is which.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

from policylint.load.documents import Document, Position, escape_pointer_token, load_yaml_file
from policylint.load.errors import LocatedError
from policylint.model.checker import CONFIG_SCHEMA, Check, Invalid, Problem, compile_check, read_schema

CONFIG_FILE = ".policylint.yaml"
PYPROJECT = "pyproject.toml"
Severity = Literal["critical", "high", "medium", "low", "info"]


def _kebab(name: str) -> str:
    return name.replace("_", "-")


# Plain dataclasses, so that no run imports pydantic; a file is validated against their JSON
# Schema, made by pydantic (strict: "10" is not a number) and shipped in policylint/schemas.
_VALIDATION = {"extra": "forbid", "strict": True, "alias_generator": _kebab, "frozen": True}


@dataclass(frozen=True)
class WaiverEntry:
    """An accepted risk: a policy, where it is waived, why, who owns it, and until when."""

    __pydantic_config__ = _VALIDATION

    policy: str
    reason: str
    owner: str
    expires: date
    system: str | None = None
    path: str | None = None  # a glob matched against the file path
    pointer: str | None = None  # a JSON Pointer into the descriptor

    def __post_init__(self) -> None:
        _not_blank(policy=self.policy, reason=self.reason, owner=self.owner)
        if self.system is None and self.path is None:
            raise ValueError("a waiver names a system or a path")


@dataclass(frozen=True)
class Settings:
    __pydantic_config__ = _VALIDATION

    fail_on: Severity = "low"
    lang: Literal["zh-TW", "en"] = "zh-TW"
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    parameters: dict[str, dict[str, Any]] = field(default_factory=dict)
    policies: tuple[str, ...] = ()  # extra policy directories, relative to the file
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_file_size: int = 10 * 1024 * 1024
    waivers: tuple[WaiverEntry, ...] = ()

    def __post_init__(self) -> None:
        if self.max_file_size <= 0:
            raise ValueError("max-file-size must be a positive number of bytes")


def _not_blank(**values: str) -> None:
    for name, value in values.items():
        if not value.strip():
            raise ValueError(f"'{name}' must not be empty")


DEFAULTS = Settings()


class ConfigError(LocatedError):
    """A configuration file that cannot be used."""


@dataclass(frozen=True)
class Config:
    settings: Settings = DEFAULTS
    path: Path | None = None
    positions: dict[str, Position] = field(default_factory=dict)
    given: frozenset[str] = frozenset()  # the keys the file sets

    @property
    def base(self) -> Path:
        return self.path.parent if self.path else Path.cwd()

    def where(self, key: str) -> str:
        """Where a top-level key was set: ``file:line``, or ``default``."""
        position = self.positions.get(f"/{key}")
        if self.path is None or (position is None and key not in self.given):
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
    return Config(_validate(data, path, document), path, document.positions, _keys(data))


def _yaml_document(path: Path) -> Document:
    documents = load_yaml_file(path, ConfigError)
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
    return Config(_validate(data, path, Document(data, {})), path, {}, _keys(data))


def _keys(data: Any) -> frozenset[str]:
    return frozenset(str(key) for key in data) if isinstance(data, dict) else frozenset()


def _validate(data: Any, path: Path, document: Document) -> Settings:
    if not isinstance(data, dict):
        raise ConfigError(str(path), "the configuration is a mapping of settings")
    try:
        return checked_settings(data)
    except Invalid as error:
        raise _config_error(error.problems[0], path, document) from None
    except ValueError as error:  # a __post_init__ check
        raise ConfigError(str(path), str(error)) from None


def checked_settings(data: dict[str, Any]) -> Settings:
    """The settings a file's mapping declares; ``Invalid`` or ``ValueError`` when it is wrong."""
    plain = json.loads(json.dumps(data, default=str))  # YAML's and TOML's dates as JSON spells them
    return _settings_from(_settings_check()(plain))


@cache
def _settings_check() -> Check:
    schema = read_schema(CONFIG_SCHEMA)
    return compile_check(schema, schema)


def _settings_from(values: dict[str, Any]) -> Settings:
    fields = {key.replace("-", "_"): value for key, value in values.items()}
    if "waivers" in fields:
        fields["waivers"] = [WaiverEntry(**waiver) for waiver in fields["waivers"]]
    arguments: dict[str, Any] = {
        key: tuple(value) if isinstance(value, list) else value for key, value in fields.items()
    }
    return Settings(**arguments)


def _config_error(problem: Problem, path: Path, document: Document) -> ConfigError:
    pointer = "".join(f"/{escape_pointer_token(part)}" for part in problem.location)
    where = document.position(pointer) if document.positions else None
    return ConfigError(str(path), _message(problem), *((where.line, where.column) if where else ()))


def _message(problem: Problem) -> str:
    location = problem.location
    if problem.kind == "unknown" and len(location) == 1:
        import difflib

        allowed = [_kebab(name) for name in Settings.__dataclass_fields__]
        hint = difflib.get_close_matches(str(location[0]), allowed, n=1)
        return f"unknown setting '{location[0]}'" + (f"; did you mean '{hint[0]}'?" if hint else "")
    key = ".".join(str(part) for part in location)
    if problem.kind == "unknown":
        return f"unknown key '{key}'"
    if problem.kind == "missing":
        return f"'{key}' is required"
    return f"'{key}': {problem.message}"


def settings_with(config: Config, overrides: dict[str, Any]) -> Settings:
    """The file's settings with the command line's explicit values on top."""
    given = {key: value for key, value in overrides.items() if value is not None}
    return replace(config.settings, **given)


def settings_data(settings: Settings) -> dict[str, Any]:
    """The settings as the file spells them (kebab-case keys, JSON values)."""
    from pydantic import TypeAdapter

    data: dict[str, Any] = TypeAdapter(Settings).dump_python(settings, mode="json", by_alias=True)
    return data
