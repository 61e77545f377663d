"""What the host adapters share: the facts host settings evidence, the product a host runs,
and the turning of parsed settings into observations.

The product decides which TWGCB document's items apply: ``/spec/host/os`` is the product the
files show (``/etc/os-release`` in the same ``etc`` tree), else the one the evidence entry
names (``os: rhel9``), else only the platform (``linux``, ``windows``), for which the items
common to the platform's documents apply.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable

from policylint.evidence import EvidenceError, Observation, Source
from policylint.load.hosts import HostFileError, HostSetting, display_beside, etc_root
from policylint.load.sources import SourceError, read_source

PASSWORDS = "/spec/passwordPolicy"
LOCKOUT = "/spec/loginProtection/lockout"
STORAGE = "/spec/authentication/passwordStorage/algorithm"
HOST = "/spec/host"
OS = f"{HOST}/os"
PRODUCTS = {
    "windows11": "windows-11",
    "win11": "windows-11",
    "rhel8": "rhel-8",
    "rhel9": "rhel-9",
    "ubuntu2204": "ubuntu-22.04",
}
_MAX_OS_RELEASE = 65536
# The evidence kinds of a host's own files.
HOST_KINDS = frozenset({"windows-security-template", "linux-pam", "pam-conf", "login-defs", "sshd"})


def observation(pointer: str, value: object, setting: HostSetting, raw: object = None) -> Observation:
    """``setting`` as the fact at ``pointer``; a default says so in the setting's name."""
    if setting.default is None:
        return Observation(pointer, value, setting.file, setting.line, setting.column, setting.name, raw)
    name = f"{setting.name} ({setting.default})"  # its value is in the default's name
    return Observation(pointer, value, setting.file, setting.line, setting.column, name)


def evidence_errors(errors: Iterable[HostFileError]) -> tuple[EvidenceError, ...]:
    return tuple(EvidenceError(error.file, error.message, error.line, error.column) for error in errors)


def product(source: Source, platform: str) -> tuple[str, HostSetting]:
    """The product of the host ``source`` belongs to, and where that is known from."""
    named = source.selector.get("os")
    if named is not None:
        return _normalised(named), HostSetting("os", named, source.display, 1, 1, "the evidence entry")
    shown = _os_release(source)
    if shown is not None:
        return shown
    return platform, HostSetting("os", platform, source.display, 1, 1, "product not shown")


def _normalised(name: str) -> str:
    key = re.sub(r"[^a-z0-9]", "", name.lower())
    return PRODUCTS.get(key, name.lower())


def _os_release(source: Source) -> tuple[str, HostSetting] | None:
    root = etc_root(source.path)
    path = os.path.join(root, "os-release") if root else ""
    if not root or not os.path.isfile(path):
        return None
    try:
        text = read_source(path, _MAX_OS_RELEASE)
    except SourceError:
        return None
    fields = dict(_os_field(line) for line in text.splitlines() if "=" in line)
    ident, version = fields.get("ID", ""), fields.get("VERSION_ID", "")
    found = _normalised(ident + (version if ident == "ubuntu" else version.split(".")[0]))
    if found not in PRODUCTS.values():
        return None
    line = next((n for n, text in enumerate(text.splitlines(), 1) if text.startswith("ID=")), 1)
    return found, HostSetting("os-release", found, display_beside(source.display, source.path, path), line, 1)


def _os_field(line: str) -> tuple[str, str]:
    key, _, value = line.partition("=")
    return key.strip(), value.strip().strip('"')


def os_observation(source: Source, platform: str) -> Observation:
    found, setting = product(source, platform)
    return observation(OS, found, setting)


def seconds(value: str) -> int | None:
    """An OpenSSH time (``90``, ``2m``, ``1h30m``) in seconds; None when it is not one."""
    units = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    parts = re.findall(r"(\d+)([smhdw]?)", value.lower())
    if not parts or "".join(n + u for n, u in parts) != value.lower():
        return None
    return sum(int(number) * units[unit] for number, unit in parts)
