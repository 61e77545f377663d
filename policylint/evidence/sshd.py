"""OpenSSH server configuration as evidence: the settings TWGCB fixes for sshd.

The file is read as sshd reads it (``Include`` files in place, first value wins, ``Match``
blocks apart); a keyword set nowhere is OpenSSH's default, named in the finding. A drop-in
that an ``sshd_config`` of the same directory tree includes is judged through that file, at
its own lines, and not again on its own.
"""

from __future__ import annotations

import fnmatch
import os

from policylint.evidence import Adapter, Observation, Observed, ObservedSystem, Source
from policylint.evidence.hostfacts import HOST, evidence_errors, observation, os_observation, seconds
from policylint.load.hosts import HostFileError, HostSetting, host_name, sshd
from policylint.load.sources import SourceError, read_source

SSH = f"{HOST}/ssh"
_FACTS = {
    "LogLevel": ("logLevel", "word"),
    "MaxAuthTries": ("maxAuthTries", "number"),
    "PermitRootLogin": ("permitRootLogin", "word"),
    "PermitEmptyPasswords": ("permitEmptyPasswords", "word"),
    "PasswordAuthentication": ("passwordAuthentication", "word"),
    "ClientAliveInterval": ("clientAliveIntervalSeconds", "time"),
    "ClientAliveCountMax": ("clientAliveCountMax", "number"),
    "LoginGraceTime": ("loginGraceTimeSeconds", "time"),
    "Ciphers": ("ciphers", "list"),
    "MACs": ("macs", "list"),
}


def _recognises(source: Source) -> bool:
    return sshd.recognises(source.text) and not _included_by_main(source)


def _included_by_main(source: Source) -> bool:
    """A drop-in (``sshd_config.d/*.conf``) that the ``sshd_config`` beside its directory includes."""
    directory = os.path.dirname(os.path.abspath(source.path))
    main = os.path.join(os.path.dirname(directory), "sshd_config")
    if not directory.endswith("sshd_config.d") or not os.path.isfile(main):
        return False
    try:
        parsed = sshd.parse(main, main, read_source(main, 1 << 20), source.root, 1 << 20)
    except SourceError:
        return False
    return os.path.abspath(source.path) in {os.path.normpath(name) for name in parsed.files[1:]}


def _observe(source: Source) -> Observed:
    parsed = sshd.parse(source.display, source.path, source.text, source.root, max(len(source.text) * 4, 1 << 20))
    errors = list(parsed.errors)
    found = [os_observation(source, "linux")]
    for key, setting in parsed.settings.items():
        fact = _fact(key, setting, errors)
        if fact is not None:
            found.append(fact)
    system = ObservedSystem(host_name(source.display), source.display, 1, tuple(found))
    return Observed((system,), evidence_errors(errors))


def _fact(key: str, setting: HostSetting, errors: list[HostFileError]) -> Observation | None:
    name, kind = _FACTS[key]
    value: object = setting.value.split()[0] if setting.value else ""
    if kind == "word":
        value = str(value).lower() if key != "LogLevel" else str(value).upper()
    elif kind == "list":
        value = _algorithms(setting.value, sshd.DEFAULTS[key])
    else:
        value = seconds(str(value)) if kind == "time" else (int(str(value)) if str(value).isdigit() else None)
        if value is None:
            errors.append(
                HostFileError(setting.file, f"{key}: {setting.value!r} is not a number", setting.line, setting.column)
            )
            return None
    return observation(f"{SSH}/{name}", value, setting, setting.value if "," not in setting.value else None)


def _algorithms(value: str, default: str) -> list[str]:
    """The list sshd uses: ``+`` appends to its default, ``-`` removes, ``^`` puts first."""
    names, base = value.split(), default.split(",")
    listed = names[0].lstrip("+-^").split(",") if names else []
    if not names or names[0][0] not in "+-^":
        return listed
    if names[0][0] == "+":
        return base + [name for name in listed if name not in base]
    if names[0][0] == "^":
        return listed + [name for name in base if name not in listed]
    return [name for name in base if not any(fnmatch.fnmatchcase(name, pattern) for pattern in listed)]


SETTINGS: dict[str, tuple[str, ...]] = {f"{SSH}/{name}": (key,) for key, (name, _) in _FACTS.items()}

ADAPTER = Adapter("sshd", "OpenSSH sshd_config", ("sshd_config", ".conf"), _recognises, _observe, SETTINGS)
