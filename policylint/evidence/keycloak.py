"""Keycloak realm exports (``kc.sh export``, the admin console's partial export): one realm
object, or a list of them.

Keycloak's brute-force detection locks an account for ``waitIncrementSeconds`` after
``failureFactor`` failures (longer after later ones, up to ``maxFailureWaitSeconds``), so the
first lock lasts the smaller of the two. Settings an export leaves out take Keycloak's defaults,
located at the setting that switches the feature on.
"""

from __future__ import annotations

import re
from typing import Any

from policylint.evidence import Adapter, EvidenceError, Observation, Observed, ObservedSystem, Source
from policylint.load.documents import Document, LoadError, Position, escape_pointer_token, load_json

LOCKOUT = "/spec/loginProtection/lockout"
PASSWORDS = "/spec/passwordPolicy"
AUDIT = "/spec/auditLogging"
EVENTS = f"{AUDIT}/events"
MFA = "/spec/authentication/mfa/enabled"
CHANNEL = "/spec/dataFlows/-/channel"  # "-": the data flow the link names (or the realm's own)
_DEFAULTS = {"failureFactor": 30, "waitIncrementSeconds": 60, "maxFailureWaitSeconds": 900}
_REALM_KEYS = frozenset(
    {"bruteForceProtected", "passwordPolicy", "failureFactor", "eventsEnabled", "sslRequired", "authenticationFlows"}
)
_RULE = re.compile(r"^([A-Za-z][A-Za-z0-9_-]*)(?:\(([^()]*)\))?$")
_CLASSES = ("digits", "lowerCase", "upperCase", "specialChars")


class _Realm:
    """One realm of the export: its settings and where each stands."""

    def __init__(self, data: dict[str, Any], base: str, document: Document, display: str) -> None:
        self.data, self.base, self.document, self.display = data, base, document, display
        self.found: list[Observation] = []

    def where(self, key: str) -> Position:
        pointer = f"{self.base}/{escape_pointer_token(key)}" if key else self.base
        return self.document.positions.get(pointer) or self.document.position(pointer)

    def note(
        self,
        pointer: str,
        value: Any,
        key: str,
        setting: str | None = None,
        raw: Any = None,
        scope: tuple[str, ...] = (),
    ) -> None:
        line, column = self.where(key)
        self.found.append(Observation(pointer, value, self.display, line, column, setting or key, raw, scope))


def _recognises(source: Source) -> bool:
    data = _data(source)
    realms = data if isinstance(data, list) else [data]
    return bool(realms) and all(_is_realm(realm) for realm in realms)


def _is_realm(value: Any) -> bool:
    return isinstance(value, dict) and isinstance(value.get("realm"), str) and not _REALM_KEYS.isdisjoint(value)


def _data(source: Source) -> Any:
    if source.documents is not None:
        return source.documents[0].data if len(source.documents) == 1 else None
    try:
        return next(iter(load_json(source.text))).data
    except (LoadError, StopIteration):
        return None


def _observe(source: Source) -> Observed:
    try:
        document = source.documents[0] if source.documents else next(iter(load_json(source.text)))
    except LoadError as error:
        return Observed(
            errors=(EvidenceError(source.display, f"Keycloak realm export: {error.message}", error.line, error.column),)
        )
    data = document.data
    realms = list(enumerate(data)) if isinstance(data, list) else [(None, data)]
    wanted = source.selector.get("realm")
    systems, errors = [], []
    for index, realm in realms:
        if not _is_realm(realm) or (wanted is not None and realm["realm"] != wanted):
            continue
        try:
            systems.append(
                _observe_realm(_Realm(realm, "" if index is None else f"/{index}", document, source.display))
            )
        except EvidenceError as error:
            errors.append(error)
    if wanted is not None and not systems and not errors:
        errors.append(EvidenceError(source.display, f"no realm named {wanted!r} in this Keycloak export"))
    return Observed(tuple(systems), tuple(errors))


def _observe_realm(realm: _Realm) -> ObservedSystem:
    _lockout(realm)
    _password_policy(realm)
    _events(realm)
    _event_types(realm)
    _otp(realm)
    _ssl(realm)
    line = realm.where("").line
    return ObservedSystem(str(realm.data["realm"]), realm.display, line, tuple(realm.found))


def _lockout(realm: _Realm) -> None:
    settings = realm.data
    if "bruteForceProtected" not in settings:
        return
    protected = settings["bruteForceProtected"] is True
    realm.note(f"{LOCKOUT}/enabled", protected, "bruteForceProtected")
    if not protected:
        return  # the other settings are inert
    factor = _setting(realm, "failureFactor")
    realm.note(f"{LOCKOUT}/threshold", factor[1], factor[0], factor[2])
    if settings.get("permanentLockout") is True:
        return  # locked until an administrator unlocks: no duration to compare
    first = min((_setting(realm, key) for key in ("waitIncrementSeconds", "maxFailureWaitSeconds")), key=_seconds)
    seconds = _seconds(first)
    realm.note(f"{LOCKOUT}/durationMinutes", seconds // 60, first[0], first[2], f"{seconds} s")


def _setting(realm: _Realm, key: str) -> tuple[str, Any, str]:
    """(where it stands, its value, how to name it): Keycloak's default when the export leaves it out."""
    if key in realm.data:
        return key, realm.data[key], key
    return "bruteForceProtected", _DEFAULTS[key], f"{key} (Keycloak default {_DEFAULTS[key]})"


def _seconds(setting: tuple[str, Any, str]) -> int:
    value = setting[1]
    return value if type(value) is int else 0


def _password_policy(realm: _Realm) -> None:
    text = realm.data.get("passwordPolicy")
    if not isinstance(text, str):
        return
    rules = _parse_policy(text, realm)
    for name, pointer in (
        ("length", "minLength"),
        ("passwordHistory", "history"),
        ("forceExpiredPasswordChange", "maxAgeDays"),
    ):
        if name in rules or name == "passwordHistory":
            realm.note(f"{PASSWORDS}/{pointer}", rules.get(name, 0), "passwordPolicy", f"passwordPolicy {name}")
    classes = sum(1 for name in _CLASSES if rules.get(name, 0) >= 1)
    realm.note(f"{PASSWORDS}/characterClasses", classes, "passwordPolicy", "passwordPolicy " + "/".join(_CLASSES))
    realm.note(
        f"{PASSWORDS}/blocklist", "passwordBlacklist" in rules, "passwordPolicy", "passwordPolicy passwordBlacklist"
    )


def _parse_policy(text: str, realm: _Realm) -> dict[str, int]:
    """``length(12) and digits(1) and notUsername(undefined)``: each rule's number (1 without one)."""
    rules: dict[str, int] = {}
    for part in filter(None, (piece.strip() for piece in text.split(" and "))):
        match = _RULE.match(part)
        if match is None:
            raise _error(
                realm, "passwordPolicy", f"cannot read the rule {part!r} (expected name(value) joined by 'and')"
            )
        name, argument = match.group(1), (match.group(2) or "").strip()
        rules[name] = _number(argument, name, realm) if name in _NUMERIC else 1
    return rules


_NUMERIC = frozenset({"length", "maxLength", "passwordHistory", "forceExpiredPasswordChange", *_CLASSES})


def _number(argument: str, name: str, realm: _Realm) -> int:
    if argument in ("", "undefined"):
        return 1
    if not argument.isdigit():
        raise _error(realm, "passwordPolicy", f"the rule {name}({argument}) needs a whole number")
    return int(argument)


def _error(realm: _Realm, key: str, message: str) -> EvidenceError:
    line, column = realm.where(key)
    return EvidenceError(realm.display, f"Keycloak realm {realm.data['realm']}: {key}: {message}", line, column)


def _events(realm: _Realm) -> None:
    if "eventsEnabled" not in realm.data:
        return
    enabled = realm.data["eventsEnabled"] is True
    realm.note(f"{AUDIT}/enabled", enabled, "eventsEnabled")
    expiration = realm.data.get("eventsExpiration")
    if enabled and type(expiration) is int and expiration > 0:  # absent or 0: kept until deleted
        realm.note(f"{AUDIT}/retentionDays", expiration // 86400, "eventsExpiration", raw=f"{expiration} s")


# Keycloak's event types for the audit events of the descriptor it decides. An empty or absent
# enabledEventTypes saves the types Keycloak saves by default, these among them.
_EVENT_TYPES = {
    "login": ("LOGIN",),
    "logout": ("LOGOUT",),
    "failedLogin": ("LOGIN_ERROR",),
    "passwordChange": ("UPDATE_PASSWORD", "UPDATE_CREDENTIAL", "RESET_PASSWORD"),
}
IDENTITY_EVENTS = (*_EVENT_TYPES, "admin")  # admin: the admin events of accounts, roles and settings


def _event_types(realm: _Realm) -> None:
    """Which logins, logouts, failures, password changes and administrator actions the realm
    saves: ``enabledEventTypes`` (with ``eventsEnabled``) and ``adminEventsEnabled``. Located
    at the setting that leaves out an event, the administrator events first."""
    settings = realm.data
    if not {"eventsEnabled", "enabledEventTypes", "adminEventsEnabled"} & settings.keys():
        return
    events_on = settings.get("eventsEnabled") is True
    listed = settings.get("enabledEventTypes")
    chosen = [str(name) for name in listed] if isinstance(listed, list) else []
    types = set(chosen) or {name for names in _EVENT_TYPES.values() for name in names}
    saved = [event for event, names in _EVENT_TYPES.items() if events_on and types.intersection(names)]
    admin = settings.get("adminEventsEnabled") is True
    blamed = "adminEventsEnabled" if not admin else "enabledEventTypes" if chosen and events_on else "eventsEnabled"
    # A setting the export leaves out (Keycloak's default) has no line: the nearest one it has.
    key = next(k for k in (blamed, "eventsEnabled", "enabledEventTypes", "adminEventsEnabled") if k in settings)
    users = (
        f"enabledEventTypes {', '.join(chosen) or '(Keycloak default types)'}" if events_on else "eventsEnabled false"
    )
    setting = f"{users}; adminEventsEnabled {'true' if admin else 'false'}"
    value = [*saved, "admin"] if admin else saved
    realm.note(EVENTS, value, key, setting, scope=IDENTITY_EVENTS)


def _otp(realm: _Realm) -> None:
    """Whether every user must pass a one-time password: OTP set up as a default required
    action, or a required OTP step on the browser flow's path (a conditional one is not)."""
    actions = realm.data.get("requiredActions")
    for index, action in enumerate(actions if isinstance(actions, list) else []):
        if _default_totp(action):
            realm.note(MFA, True, f"requiredActions/{index}", "requiredActions CONFIGURE_TOTP (default action)")
            return
    flows = realm.data.get("authenticationFlows")
    if not isinstance(flows, list):
        return
    by_alias = {flow.get("alias"): flow for flow in flows if isinstance(flow, dict)}
    browser = str(realm.data.get("browserFlow", "browser"))
    step = _required_otp(by_alias, browser, set())
    key = "browserFlow" if "browserFlow" in realm.data else "authenticationFlows"
    realm.note(
        MFA, step, key, f"browser flow {browser!r}: " + ("auth-otp-form REQUIRED" if step else "no required OTP step")
    )


def _default_totp(action: Any) -> bool:
    """OTP set up by every new user: the CONFIGURE_TOTP required action, on by default."""
    return (
        isinstance(action, dict)
        and action.get("alias") == "CONFIGURE_TOTP"
        and action.get("enabled") is True
        and action.get("defaultAction") is True
    )


def _required_otp(flows: dict[Any, Any], alias: str, seen: set[str]) -> bool:
    flow = flows.get(alias)
    if flow is None or alias in seen:
        return False
    seen.add(alias)
    for execution in flow.get("authenticationExecutions") or []:
        if not isinstance(execution, dict) or execution.get("requirement") not in ("REQUIRED", "ALTERNATIVE"):
            continue
        if execution.get("authenticator") == "auth-otp-form" and execution.get("requirement") == "REQUIRED":
            return True
        if execution.get("authenticatorFlow") and _required_otp(flows, str(execution.get("flowAlias")), seen):
            return True
    return False


def _ssl(realm: _Realm) -> None:
    """``sslRequired``: none lets every client log in over plain HTTP; external and all do not
    (external allows it only from private addresses)."""
    required = realm.data.get("sslRequired")
    if isinstance(required, str) and required in ("none", "external", "all"):
        realm.note(CHANNEL, "http" if required == "none" else "https", "sslRequired", raw=required)


SETTINGS: dict[str, tuple[str, ...]] = {
    f"{LOCKOUT}/enabled": ("bruteForceProtected",),
    f"{LOCKOUT}/threshold": ("failureFactor",),
    f"{LOCKOUT}/durationMinutes": ("waitIncrementSeconds", "maxFailureWaitSeconds", "permanentLockout"),
    f"{PASSWORDS}/minLength": ("passwordPolicy length(N)",),
    f"{PASSWORDS}/history": ("passwordPolicy passwordHistory(N)",),
    f"{PASSWORDS}/maxAgeDays": ("passwordPolicy forceExpiredPasswordChange(N)",),
    f"{PASSWORDS}/characterClasses": ("passwordPolicy digits/lowerCase/upperCase/specialChars",),
    f"{PASSWORDS}/blocklist": ("passwordPolicy passwordBlacklist",),
    f"{AUDIT}/enabled": ("eventsEnabled",),
    f"{AUDIT}/retentionDays": ("eventsExpiration",),
    EVENTS: (
        "enabledEventTypes LOGIN, LOGOUT, LOGIN_ERROR, UPDATE_PASSWORD (with eventsEnabled)",
        "adminEventsEnabled (admin)",
    ),
    MFA: ("requiredActions CONFIGURE_TOTP", "browser flow auth-otp-form REQUIRED"),
    "/spec/dataFlows/*/channel": ("sslRequired (none: http; external, all: https)",),
}

ADAPTER = Adapter("keycloak-realm", "Keycloak realm export", (".json",), _recognises, _observe, SETTINGS)
