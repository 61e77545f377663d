"""``/etc/login.defs``: shadow's ``KEY value`` settings, one a line, ``#`` comments.

``PASS_MAX_DAYS`` and ``PASS_MIN_DAYS`` apply to accounts created after they are set;
``PASS_MIN_LEN`` is read only where no PAM module checks length; ``ENCRYPT_METHOD`` is the hash
``pam_unix`` falls back to when its line names none.
"""

from __future__ import annotations

import re

from policylint.load.hosts import HostFileError, HostSetting, Parsed, placeholder, placeholder_error

KEYS = (
    "PASS_MAX_DAYS",
    "PASS_MIN_DAYS",
    "PASS_MIN_LEN",
    "PASS_WARN_AGE",
    "ENCRYPT_METHOD",
    "FAIL_DELAY",
    "LOGIN_RETRIES",
)
NUMBERS = frozenset(KEYS) - {"ENCRYPT_METHOD"}
_LINE = re.compile(r"^(\s*)([A-Z][A-Z0-9_]*)\s+(\S.*?)\s*$")
_MARKERS = ("PASS_MAX_DAYS", "UID_MIN", "ENCRYPT_METHOD", "MAIL_DIR", "UMASK", "USERGROUPS_ENAB")


def recognises(text: str) -> bool:
    """login.defs: upper-case keys of shadow's own, with their values."""
    keys = {found.group(2) for found in map(_LINE.match, text.splitlines()) if found}
    return len(keys & set(_MARKERS)) >= 2


def parse(display: str, text: str) -> Parsed:
    settings: dict[str, HostSetting] = {}
    errors: list[HostFileError] = []
    unrendered: set[str] = set()
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("#") or not line.strip():
            continue
        entry = _LINE.match(line)
        if entry is None or entry.group(2) not in KEYS or entry.group(2) in settings or entry.group(2) in unrendered:
            entry = None  # another setting; a key given twice: shadow reads the first
        found = placeholder(line)
        if found:
            errors.append(placeholder_error(display, number, found))
            unrendered.update([entry.group(2)] if entry else [])
            continue
        if entry is None:
            continue
        key, value, column = entry.group(2), entry.group(3), len(entry.group(1)) + 1
        if key in NUMBERS and not re.fullmatch(r"-?\d+", value):
            errors.append(HostFileError(display, f"{key}: {value!r} is not a number", number, column))
            continue
        settings[key] = HostSetting(key, value, display, number, column)
    return Parsed(settings, tuple(errors), unrendered=frozenset(unrendered))
