"""``/etc/login.defs`` as evidence: password ages, the minimum length where no PAM module
checks it, the failure delay, and the hash ``pam_unix`` falls back to.

shadow's defaults apply where a key is absent: passwords never expire without
``PASS_MAX_DAYS`` and may be changed at once without ``PASS_MIN_DAYS``.
"""

from __future__ import annotations

from policylint.evidence import Adapter, Observation, Observed, ObservedSystem, Source
from policylint.evidence.hostfacts import HOST, PASSWORDS, STORAGE, evidence_errors, observation, os_observation
from policylint.evidence.pam import HASH_NAMES
from policylint.evidence.windows import NEVER_EXPIRES_DAYS
from policylint.load.hosts import HostSetting, host_name, logindefs

_FACTS = {
    "PASS_MAX_DAYS": f"{PASSWORDS}/maxAgeDays",
    "PASS_MIN_DAYS": f"{PASSWORDS}/minAgeDays",
    "PASS_MIN_LEN": f"{PASSWORDS}/minLength",
    "FAIL_DELAY": f"{HOST}/failDelaySeconds",
}
_DEFAULTS = {"PASS_MAX_DAYS": ("-1", "shadow default -1: never expires"), "PASS_MIN_DAYS": ("0", "shadow default 0")}


def _recognises(source: Source) -> bool:
    return logindefs.recognises(source.text)


def _observe(source: Source) -> Observed:
    parsed = logindefs.parse(source.display, source.text)
    settings = dict(parsed.settings)
    for key, (value, note) in _DEFAULTS.items():
        if key not in parsed.unrendered:  # a template's placeholder: not known, and no default
            settings.setdefault(key, HostSetting(key, value, source.display, 1, 1, note))
    found = [os_observation(source, "linux")]
    found += [_fact(key, setting) for key, setting in settings.items() if key in _FACTS]
    method = settings.get("ENCRYPT_METHOD")
    if method is not None:
        found.append(
            observation(STORAGE, HASH_NAMES.get(method.value.lower(), method.value.lower()), method, method.value)
        )
    system = ObservedSystem(host_name(source.display), source.display, 1, tuple(found))
    return Observed((system,), evidence_errors(parsed.errors))


def _fact(key: str, setting: HostSetting) -> Observation:
    number = int(setting.value)
    if key == "PASS_MAX_DAYS" and number < 0:
        return observation(_FACTS[key], NEVER_EXPIRES_DAYS, setting, f"{number} (never expires)")
    return observation(_FACTS[key], max(number, 0), setting, setting.value)


SETTINGS: dict[str, tuple[str, ...]] = {
    f"{PASSWORDS}/maxAgeDays": ("PASS_MAX_DAYS",),
    f"{PASSWORDS}/minAgeDays": ("PASS_MIN_DAYS",),
    f"{PASSWORDS}/minLength": ("PASS_MIN_LEN",),
    f"{HOST}/failDelaySeconds": ("FAIL_DELAY",),
    STORAGE: ("ENCRYPT_METHOD",),
}

ADAPTER = Adapter("login-defs", "shadow login.defs", ("login.defs",), _recognises, _observe, SETTINGS)
