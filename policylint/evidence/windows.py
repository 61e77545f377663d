"""Windows security templates (``GptTmpl.inf`` of a GPO backup, ``secedit /export``) as evidence.

``[System Access]`` decides the account policy of every machine the GPO applies to. A key the
template leaves out is not observed: the GPO does not set it. ``PasswordComplexity = 1`` is
Windows' rule of three of four character classes. ``LockoutBadCount = 0`` never locks;
``LockoutDuration = -1`` locks until an administrator unlocks, which no duration falls short
of. ``ClearTextPassword = 1`` stores passwords with reversible encryption; with 0, Windows keeps
its own hashes, which are not the system's choice and are not observed.
"""

from __future__ import annotations

from policylint.evidence import Adapter, Observation, Observed, ObservedSystem, Source
from policylint.evidence.hostfacts import (
    LOCKOUT,
    PASSWORDS,
    STORAGE,
    evidence_errors,
    observation,
    os_observation,
)
from policylint.load.hosts import HostSetting, host_name, secedit

NEVER_EXPIRES_DAYS = 99999  # what login.defs writes for the same


def _recognises(source: Source) -> bool:
    return secedit.recognises(source.text)


def _observe(source: Source) -> Observed:
    parsed = secedit.parse(source.display, source.text)
    found = [os_observation(source, "windows")]
    for key, setting in parsed.settings.items():
        found += _facts(key, setting, int(setting.value))
    system = ObservedSystem(host_name(source.display), source.display, 1, tuple(found))
    return Observed((system,), evidence_errors(parsed.errors))


def _facts(key: str, setting: HostSetting, number: int) -> list[Observation]:
    shown = f"{number}"
    if key == "MinimumPasswordLength":
        return [observation(f"{PASSWORDS}/minLength", number, setting, shown)]
    if key == "PasswordHistorySize":
        return [observation(f"{PASSWORDS}/history", number, setting, shown)]
    if key == "MinimumPasswordAge":
        return [observation(f"{PASSWORDS}/minAgeDays", number, setting, shown)]
    if key == "MaximumPasswordAge":
        days = NEVER_EXPIRES_DAYS if number in (0, -1) else number
        return [observation(f"{PASSWORDS}/maxAgeDays", days, setting, "0 (never expires)" if days != number else shown)]
    if key == "PasswordComplexity":
        return [observation(f"{PASSWORDS}/characterClasses", 3 if number == 1 else 1, setting, shown)]
    return _lockout_or_storage(key, setting, number)


def _lockout_or_storage(key: str, setting: HostSetting, number: int) -> list[Observation]:
    shown = f"{number}"
    if key == "LockoutBadCount":
        found = [observation(f"{LOCKOUT}/enabled", number > 0, setting, shown)]
        return found + ([observation(f"{LOCKOUT}/threshold", number, setting, shown)] if number > 0 else [])
    if key == "LockoutDuration" and number >= 0:
        return [observation(f"{LOCKOUT}/durationMinutes", number, setting, shown)]
    if key == "ClearTextPassword" and number == 1:
        return [observation(STORAGE, "reversible", setting, shown)]
    return []


SETTINGS: dict[str, tuple[str, ...]] = {
    f"{PASSWORDS}/minLength": ("MinimumPasswordLength",),
    f"{PASSWORDS}/history": ("PasswordHistorySize",),
    f"{PASSWORDS}/minAgeDays": ("MinimumPasswordAge",),
    f"{PASSWORDS}/maxAgeDays": ("MaximumPasswordAge",),
    f"{PASSWORDS}/characterClasses": ("PasswordComplexity",),
    f"{LOCKOUT}/enabled": ("LockoutBadCount",),
    f"{LOCKOUT}/threshold": ("LockoutBadCount",),
    f"{LOCKOUT}/durationMinutes": ("LockoutDuration",),
    STORAGE: ("ClearTextPassword",),
}

ADAPTER = Adapter(
    "windows-security-template",
    "Windows security template (GptTmpl.inf, secedit export)",
    (".inf",),
    _recognises,
    _observe,
    SETTINGS,
)
