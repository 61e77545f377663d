"""The conf files of PAM's lockout, quality and history modules (``faillock.conf``,
``pwquality.conf``, ``pwhistory.conf``) where no PAM stack of their host loads the module: checked
on their own, for what they set. Where a stack loads it, the file is read through that stack."""

from __future__ import annotations

from policylint.evidence import Adapter
from policylint.evidence.pam import CONF_MODULES, conf_recognised, observe_conf

SETTINGS: dict[str, tuple[str, ...]] = {
    "/spec/loginProtection/lockout/enabled": ("faillock.conf deny",),
    "/spec/loginProtection/lockout/threshold": ("faillock.conf deny",),
    "/spec/loginProtection/lockout/durationMinutes": ("faillock.conf unlock_time",),
    "/spec/passwordPolicy/minLength": ("pwquality.conf minlen",),
    "/spec/passwordPolicy/characterClasses": ("pwquality.conf minclass / negative credits",),
    "/spec/passwordPolicy/history": ("pwhistory.conf remember",),
}

ADAPTER = Adapter("pam-conf", "PAM module conf file", tuple(CONF_MODULES), conf_recognised, observe_conf, SETTINGS)
