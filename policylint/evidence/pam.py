"""Linux PAM stacks as evidence: lockout (``pam_faillock``, ``pam_tally2``), password quality
(``pam_pwquality``), history (``pam_pwhistory``, ``pam_unix remember=``) and the password hash
(``pam_unix``).

A module's value comes from its argument on the stack line, else its conf file in
``etc/security``, else its documented default, named as such. Where several stacks of one host
load a module (``system-auth`` and ``password-auth``), what they share (its conf file, its
defaults) is observed once, through the first of ``system-auth``, ``password-auth``,
``common-auth``, ``common-password`` that loads it; each stack's own arguments are observed at
its own lines.
"""

from __future__ import annotations

import os

from policylint.evidence import Adapter, Observation, Observed, ObservedSystem, Source
from policylint.evidence.hostfacts import (
    HOST,
    LOCKOUT,
    PASSWORDS,
    STORAGE,
    evidence_errors,
    observation,
    os_observation,
)
from policylint.load.hosts import (
    HostFileError,
    HostSetting,
    PlaceholderError,
    display_beside,
    etc_root,
    host_name,
    logindefs,
    pam,
    rendered_name,
)
from policylint.load.sources import SourceError, read_source

HASH_NAMES = {"sha512": "sha512", "sha256": "sha256", "md5": "md5", "blowfish": "bcrypt", "yescrypt": "yescrypt"}
_CLASSES = ("dcredit", "ucredit", "lcredit", "ocredit")


class _Host:
    def __init__(self, source: Source, stack: pam.Stack) -> None:
        self.source, self.stack = source, stack
        self.found: list[Observation] = []
        self.errors: list[HostFileError] = list(stack.errors)

    def resolve(self, module: str) -> dict[str, HostSetting] | None:
        max_bytes = max(len(self.source.text) * 4, 1 << 20)
        resolved = pam.resolve(self.stack, module, self.source.path, self.source.display, max_bytes)
        if resolved is None:
            return None
        own = self.source.display
        if _primary(self.source.path, module):
            self.errors += resolved.errors
            return resolved.settings
        return {
            key: setting for key, setting in resolved.settings.items() if setting.file == own and not setting.default
        }


def consumed(path: str, module: str) -> bool:
    """Whether a stack of the host ``path`` belongs to loads ``module`` (and so reads its conf file)."""
    directory = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(path))), "pam.d")
    return any(_loads(os.path.join(directory, name), module) for name in pam.STACK_NAMES)


def _primary(path: str, module: str) -> bool:
    """Whether this stack speaks for what the host's stacks loading ``module`` share."""
    directory = os.path.dirname(os.path.abspath(path))
    for name in pam.STACK_NAMES:
        candidate = os.path.join(directory, name)
        if os.path.isfile(candidate) and _loads(candidate, module):
            return os.path.samefile(candidate, path)
    return True


def _loads(path: str, module: str) -> bool:
    if not os.path.isfile(path):
        return False
    try:
        return module in read_source(path, 1 << 20)
    except SourceError:
        return False


def _recognises(source: Source) -> bool:
    return pam.recognises(source.text)


def _observe(source: Source) -> Observed:
    host = _Host(source, pam.parse(source.display, source.text))
    host.found.append(os_observation(source, "linux"))
    _lockout(host)
    _quality(host)
    _history(host)
    _storage(host)
    system = ObservedSystem(host_name(source.display), source.display, 1, tuple(host.found))
    return Observed((system,), evidence_errors(host.errors))


def _lockout(host: _Host) -> None:
    faillock, tally2 = host.resolve("pam_faillock"), host.resolve("pam_tally2")
    settings = faillock if faillock is not None else tally2
    if settings is None:
        _without_lockout(host)
        return
    if "deny" not in settings and tally2 is not None and faillock is None:
        line = next(line for line in host.stack.lines if line.module == "pam_tally2")
        never = HostSetting("deny", "0", line.file, line.line, line.column, "pam_tally2 without deny never locks")
        settings = settings | {"deny": never}
    _lockout_settings(host, settings)


def _lockout_settings(host: _Host, settings: dict[str, HostSetting]) -> None:
    deny = settings.get("deny")
    if deny is not None:
        _deny(host, deny)
    _unlock(host, settings.get("unlock_time"))
    interval = settings.get("fail_interval")
    if interval is not None and interval.value.isdigit():
        host.found.append(
            observation(f"{HOST}/lockout/failIntervalSeconds", int(interval.value), interval, interval.value)
        )


def _without_lockout(host: _Host) -> None:
    unix = next((line for line in host.stack.lines if line.type == "auth" and line.module == "pam_unix"), None)
    if unix is not None and _primary(host.source.path, "pam_unix"):
        setting = HostSetting("auth", "pam_unix", unix.file, unix.line, unix.column, "no pam_faillock or pam_tally2")
        host.found.append(observation(f"{LOCKOUT}/enabled", False, setting))


def _deny(host: _Host, deny: HostSetting) -> None:
    if not deny.value.isdigit():
        host.errors.append(HostFileError(deny.file, f"deny: {deny.value!r} is not a number", deny.line, deny.column))
        return
    count = int(deny.value)
    shown = f"{count}"
    host.found.append(observation(f"{LOCKOUT}/enabled", count > 0, deny, shown))
    if count > 0:
        host.found.append(observation(f"{LOCKOUT}/threshold", count, deny, shown))


def _unlock(host: _Host, unlock: HostSetting | None) -> None:
    if unlock is None or unlock.value in ("0", "never"):
        return  # locked until an administrator unlocks: no duration falls short
    if not unlock.value.isdigit():
        message = f"unlock_time: {unlock.value!r} is not a number of seconds"
        host.errors.append(HostFileError(unlock.file, message, unlock.line, unlock.column))
        return
    seconds = int(unlock.value)
    host.found.append(observation(f"{LOCKOUT}/durationMinutes", seconds // 60, unlock, f"{seconds} s"))


def _quality(host: _Host) -> None:
    settings = host.resolve("pam_pwquality")
    if settings is not None:
        _quality_settings(host, settings)


def _quality_settings(host: _Host, settings: dict[str, HostSetting]) -> None:
    minlen = settings.get("minlen")
    if minlen is not None and minlen.value.isdigit():
        host.found.append(observation(f"{PASSWORDS}/minLength", int(minlen.value), minlen, minlen.value))
    classes = _classes(settings)
    if classes is not None:
        host.found.append(observation(f"{PASSWORDS}/characterClasses", classes[0], classes[1], classes[1].value))


def _classes(settings: dict[str, HostSetting]) -> tuple[int, HostSetting] | None:
    """The classes a password needs: ``minclass``, or as many as negative credits demand."""
    minclass = settings.get("minclass")
    required = [settings[key] for key in _CLASSES if key in settings and settings[key].value.startswith("-")]
    count = int(minclass.value) if minclass is not None and minclass.value.isdigit() else 0
    if len(required) > count and (minclass is None or minclass.default):
        return min(len(required), 4), required[0]._replace(value=f"{len(required)} negative credits")
    if minclass is None:
        return None
    return max(1, min(count, 4)), minclass


def _history(host: _Host) -> None:
    settings = host.resolve("pam_pwhistory")
    remember = settings.get("remember") if settings is not None else None
    _remember(host, remember if remember is not None else _unix_remember(host))


def _remember(host: _Host, remember: HostSetting | None) -> None:
    if remember is not None and remember.value.isdigit():
        host.found.append(observation(f"{PASSWORDS}/history", int(remember.value), remember, remember.value))


def _unix_remember(host: _Host) -> HostSetting | None:
    unix = next((line for line in host.stack.lines if line.type == "password" and line.module == "pam_unix"), None)
    if unix is None:
        return None
    argument = next((a for a in unix.arguments if a.key == "remember" and a.value), None)
    if argument is not None:
        return HostSetting("remember", str(argument.value), unix.file, unix.line, argument.column)
    if not _primary(host.source.path, "pam_unix"):
        return None
    return HostSetting("remember", "0", unix.file, unix.line, unix.column, "pam_unix default: no history")


def _storage(host: _Host) -> None:
    unix = next((line for line in host.stack.lines if line.type == "password" and line.module == "pam_unix"), None)
    if unix is None:
        return
    flag = next((a for a in unix.arguments if a.key in pam.HASHES and a.value is None), None)
    if flag is not None:
        setting = HostSetting(flag.key, flag.key, unix.file, unix.line, flag.column)
    elif _primary(host.source.path, "pam_unix"):
        setting = _encrypt_method(host) or HostSetting(
            "pam_unix", "des", unix.file, unix.line, unix.column, "no hash named, no ENCRYPT_METHOD: DES crypt"
        )
    else:
        return
    algorithm = HASH_NAMES.get(setting.value.lower(), setting.value.lower())
    host.found.append(observation(STORAGE, algorithm, setting, None if flag is not None else setting.value))


def _encrypt_method(host: _Host) -> HostSetting | None:
    root = etc_root(host.source.path)
    path = os.path.join(root, "login.defs") if root else ""
    if not path or not os.path.isfile(path):
        return None
    try:
        text = read_source(path, 1 << 20)
    except SourceError:
        return None
    parsed = logindefs.parse(display_beside(host.source.display, host.source.path, path), text)
    method = parsed.settings.get("ENCRYPT_METHOD")
    return method._replace(default="pam_unix names no hash: login.defs ENCRYPT_METHOD") if method else None


# --- a module's conf file that no stack of its host reads: what it sets, on its own ------

CONF_MODULES = {"faillock.conf": "pam_faillock", "pwquality.conf": "pam_pwquality", "pwhistory.conf": "pam_pwhistory"}


def _conf_module(source: Source) -> str:
    shown = rendered_name(source.display)
    return CONF_MODULES[next(name for name in CONF_MODULES if shown.endswith(name))]


def conf_recognised(source: Source) -> bool:
    module = _conf_module(source)
    settings, errors = pam.parse_conf(source.display, source.text, pam.MODULES[module][0])
    templated = [error for error in errors if isinstance(error, PlaceholderError)]
    known = bool(settings) or bool(templated)  # a template's placeholders are still its settings
    return known and len(templated) == len(errors) and not consumed(source.path, module)


def observe_conf(source: Source) -> Observed:
    """A conf file checked on its own: only the settings it sets (whether a stack loads the
    module, and so its defaults, is not known)."""
    module = _conf_module(source)
    settings, errors = pam.parse_conf(source.display, source.text, pam.MODULES[module][0])
    host = _Host(source, pam.Stack((), tuple(errors)))
    host.found.append(os_observation(source, "linux"))
    if module == "pam_faillock":
        _lockout_settings(host, settings)
    elif module == "pam_pwquality":
        _quality_settings(host, settings)
    else:
        _remember(host, settings.get("remember"))
    system = ObservedSystem(host_name(source.display), source.display, 1, tuple(host.found))
    return Observed((system,), evidence_errors(host.errors))


SETTINGS: dict[str, tuple[str, ...]] = {
    f"{LOCKOUT}/enabled": ("pam_faillock deny", "pam_tally2 deny", "faillock.conf deny"),
    f"{LOCKOUT}/threshold": ("pam_faillock deny", "pam_tally2 deny", "faillock.conf deny"),
    f"{LOCKOUT}/durationMinutes": ("pam_faillock unlock_time", "pam_tally2 unlock_time", "faillock.conf unlock_time"),
    f"{PASSWORDS}/minLength": ("pam_pwquality minlen", "pwquality.conf minlen"),
    f"{PASSWORDS}/characterClasses": ("pam_pwquality minclass / negative credits", "pwquality.conf minclass"),
    f"{PASSWORDS}/history": ("pam_pwhistory remember", "pwhistory.conf remember", "pam_unix remember"),
    STORAGE: ("pam_unix sha512/yescrypt/md5/...", "login.defs ENCRYPT_METHOD"),
    f"{HOST}/lockout/failIntervalSeconds": ("pam_faillock fail_interval", "faillock.conf fail_interval"),
}

ADAPTER = Adapter("linux-pam", "Linux PAM stack", pam.STACK_NAMES, _recognises, _observe, SETTINGS)
