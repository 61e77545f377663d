"""Windows security templates: ``GptTmpl.inf`` of a Group Policy backup, or a ``secedit /export``.

An INI file: ``[System Access]`` holds the account policy as ``Key = value``. Sections come
in any order; a key the template leaves out is one the policy does not set (a GPO that sets
only the lockout says nothing of passwords). Windows writes these files as UTF-16LE with a
byte-order mark and CRLF; hand-written ones are often ASCII with LF.
"""

from __future__ import annotations

import re

from policylint.load.hosts import HostFileError, HostSetting, Parsed, placeholder, placeholder_error

SYSTEM_ACCESS = "system access"
KEYS = (
    "MinimumPasswordAge",
    "MaximumPasswordAge",
    "MinimumPasswordLength",
    "PasswordComplexity",
    "PasswordHistorySize",
    "LockoutBadCount",
    "ResetLockoutCount",
    "LockoutDuration",
    "ClearTextPassword",
)
_SECTION = re.compile(r"^\s*\[([^\]]+)\]\s*$")
_ENTRY = re.compile(r"^(\s*)([^=;\s][^=]*?)\s*=\s*(.*?)\s*$")
_KNOWN_SECTIONS = frozenset(
    {"unicode", "version", SYSTEM_ACCESS, "event audit", "privilege rights", "registry values", "kerberos policy"}
)


def recognises(text: str) -> bool:
    """A security template: an INI file with a section only these templates have."""
    head = text[:4096]
    sections = {found.group(1).strip().lower() for found in map(_SECTION.match, head.splitlines()) if found}
    return SYSTEM_ACCESS in sections or ("version" in sections and "$chicago$" in head.lower() and len(sections) > 1)


def parse(display: str, text: str) -> Parsed:
    """The ``[System Access]`` keys the template sets, at their lines."""
    settings: dict[str, HostSetting] = {}
    errors: list[HostFileError] = []
    section = ""
    for number, line in enumerate(text.splitlines(), 1):
        found = placeholder(line)
        if found:
            errors.append(placeholder_error(display, number, found))
            continue
        header = _SECTION.match(line)
        if header:
            section = header.group(1).strip().lower()
        elif section == SYSTEM_ACCESS:
            _entry(display, number, line, settings, errors)
    return Parsed(settings, tuple(errors), "windows")


def _entry(display: str, number: int, line: str, settings: dict[str, HostSetting], errors: list[HostFileError]) -> None:
    entry = _ENTRY.match(line)
    if not entry or line.lstrip().startswith(";"):
        return
    key = next((known for known in KEYS if known.lower() == entry.group(2).lower()), None)
    if key is None or key in settings:
        return  # another account setting, or a repeated key (Windows reads the first)
    value = entry.group(3)
    if not re.fullmatch(r"-?\d+", value):
        errors.append(HostFileError(display, f"{key}: {value!r} is not a number", number, len(entry.group(1)) + 1))
        return
    settings[key] = HostSetting(key, value, display, number, len(entry.group(1)) + 1)
