"""Linux PAM stacks (``/etc/pam.d/system-auth``, ``common-auth``, ...) and the conf files of
the modules that decide passwords and lockout.

A stack line is ``type control module arguments``; the control and any argument may be
bracketed (``[success=1 default=ignore]``, ``[badwords=a b]``), a line may go on after a
backslash. A module reads its settings from its own arguments first, then from its conf file
(``faillock.conf``, ``pwquality.conf``, ``pwhistory.conf`` in ``etc/security``, or the file its
``conf=`` argument names), and otherwise uses its documented default: ``settings`` says which.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Iterator
from typing import NamedTuple

from policylint.load.hostnames import PAM_STACKS
from policylint.load.hosts import (
    UNRENDERED,
    HostFileError,
    HostSetting,
    blanked,
    display_beside,
    etc_root,
    placeholder,
    placeholder_error,
    words,
)
from policylint.load.sources import SourceError, inside, read_source

TYPES = frozenset({"auth", "account", "password", "session"})
STACK_NAMES = PAM_STACKS
KNOWN_MODULES = words(
    "access cap cracklib debug deny echo env exec faildelay faillock filter fprintd ftp gnome_keyring group "
    "issue keyinit krb5 kwallet5 lastlog ldap limits listfile localuser loginuid mail mkhomedir motd namespace "
    "nologin oath oddjob_mkhomedir passwdqc permit pwhistory pwquality rhosts rootok securetty selinux sepermit "
    "setquota shells sss succeed_if systemd systemd_home tally tally2 time timestamp tty_audit u2f umask unix "
    "userdb usertype warn wheel xauth google_authenticator ecryptfs gdm motd"
)
# The modules whose settings we read: their keywords, their conf file, their defaults.
MODULES: dict[str, tuple[frozenset[str], str | None, dict[str, str]]] = {
    "pam_faillock": (
        words(
            "deny unlock_time fail_interval even_deny_root root_unlock_time audit silent no_log_info "
            "local_users_only nodelay admin_group dir conf preauth authfail authsucc"
        ),
        "faillock.conf",
        {"deny": "3", "unlock_time": "600", "fail_interval": "900"},
    ),
    "pam_tally2": (
        words(
            "deny unlock_time onerr file audit silent no_log_info even_deny_root root_unlock_time magic_root "
            "lock_time serialize no_lock_time no_reset quiet debug"
        ),
        None,
        {},
    ),
    "pam_pwquality": (
        words(
            "minlen minclass dcredit ucredit lcredit ocredit difok maxrepeat maxsequence maxclassrepeat gecoscheck "
            "dictcheck usercheck usersubstr enforcing badwords dictpath retry enforce_for_root local_users_only "
            "use_authtok authtok_type debug reject_username try_first_pass use_first_pass"
        ),
        "pwquality.conf",
        {"minlen": "8", "minclass": "0", "dcredit": "0", "ucredit": "0", "lcredit": "0", "ocredit": "0"},
    ),
    "pam_pwhistory": (
        words("remember retry enforce_for_root use_authtok authtok_type debug file conf"),
        "pwhistory.conf",
        {"remember": "10"},
    ),
    "pam_unix": (
        words(
            "remember sha512 sha256 md5 blowfish bigcrypt yescrypt gost_yescrypt rounds nullok nullresetok "
            "try_first_pass use_first_pass use_authtok not_set_pass authtok_type shadow nis obscure minlen audit "
            "debug nodelay broken_shadow quiet no_pass_expiry likeauth"
        ),
        None,
        {},
    ),
}
HASHES = ("sha512", "sha256", "md5", "blowfish", "bigcrypt", "yescrypt", "gost_yescrypt")


class Argument(NamedTuple):
    key: str
    value: str | None  # None: a flag (``even_deny_root``)
    column: int


class StackLine(NamedTuple):
    type: str
    control: str
    module: str  # ``pam_faillock``, without directory or ``.so``
    arguments: tuple[Argument, ...]
    file: str
    line: int
    column: int


class Stack(NamedTuple):
    lines: tuple[StackLine, ...]
    errors: tuple[HostFileError, ...]


_TOKEN = re.compile(r"\[(?:\\.|[^\]\\])*\]|\S+")


def recognises(text: str) -> bool:
    """A PAM stack: lines of a PAM type, a control and a ``pam_*.so`` module."""
    for line in text.splitlines()[:200]:
        fields = line.split("#", 1)[0].split()
        if len(fields) >= 3 and fields[0].lstrip("-") in TYPES and ".so" in line:
            return True
    return False


def parse(display: str, text: str) -> Stack:
    lines: list[StackLine] = []
    errors: list[HostFileError] = []
    for number, content in _logical_lines(text):
        found = placeholder(content)
        if found:
            errors.append(placeholder_error(display, number, found))
            content = blanked(content)  # the line as far as it is known: a module's arguments may be
        entry = _entry(display, number, content, errors)
        if entry is not None:
            lines.append(entry)
    return Stack(tuple(lines), tuple(errors))


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Each line with a number, a line ending in a backslash joined to the next; comments cut."""
    pending, start = "", 0
    for number, line in enumerate(text.splitlines(), 1):
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        yield start, _uncommented(pending + line)
        pending = ""
    if pending:
        yield start, _uncommented(pending)


def _uncommented(line: str) -> str:
    return line.split("#", 1)[0]


def _entry(display: str, number: int, content: str, errors: list[HostFileError]) -> StackLine | None:
    tokens = [(found.group(0), found.start() + 1) for found in _TOKEN.finditer(content)]
    if not tokens or tokens[0][0].startswith("@include") or any(UNRENDERED in token for token, _ in tokens[:3]):
        return None  # an include, or a template's line whose type, control or module is not known
    tokens = [(token, at) for token, at in tokens if token.strip(UNRENDERED)]  # a whole argument unknown: gone
    kind = tokens[0][0].lstrip("-").lower()
    if kind not in TYPES or len(tokens) < 3:
        errors.append(HostFileError(display, f"not a PAM stack line: {content.strip()[:60]!r}", number, 1))
        return None
    (control, _), (module_path, column) = tokens[1], tokens[2]
    module = os.path.basename(module_path).removesuffix(".so")
    arguments = tuple(_argument(token, at) for token, at in tokens[3:])
    _check_module(display, number, column, module, arguments, errors)
    return StackLine(kind, control, module, arguments, display, number, column)


def _argument(token: str, column: int) -> Argument:
    body = token[1:-1].replace("\\]", "]") if token.startswith("[") else token
    key, equals, value = body.partition("=")
    return Argument(key, value if equals else None, column)


def _check_module(
    display: str, number: int, column: int, module: str, arguments: tuple[Argument, ...], errors: list[HostFileError]
) -> None:
    """A misspelt module we read, or an argument it does not know, changes what the host runs:
    an error. Other modules (an agency's own) are left alone."""
    if module not in MODULES:
        near = difflib.get_close_matches(module, MODULES, n=1, cutoff=0.85)
        if near and module.removeprefix("pam_") not in KNOWN_MODULES:
            message = f"unknown PAM module {module!r} (did you mean {near[0]}?): the stack does not load it"
            errors.append(HostFileError(display, message, number, column))
        return
    for argument in arguments:
        if argument.key not in MODULES[module][0] and UNRENDERED not in argument.key:
            message = f"unknown {module} argument {argument.key!r}: the module ignores it"
            errors.append(HostFileError(display, message, number, argument.column))


# --- conf files --------------------------------------------------------------------------


def parse_conf(display: str, text: str, keywords: frozenset[str]) -> tuple[dict[str, HostSetting], list[HostFileError]]:
    """A module conf file: ``key = value`` or a bare flag per line; the last value wins, as the
    modules read them."""
    settings: dict[str, HostSetting] = {}
    errors: list[HostFileError] = []
    for number, line in enumerate(text.splitlines(), 1):
        content = line.split("#", 1)[0]
        if not content.strip():
            continue
        found = placeholder(content)
        if found:
            errors.append(placeholder_error(display, number, found))
            continue
        key, _, value = (part.strip() for part in content.partition("="))
        column = len(content) - len(content.lstrip()) + 1
        if key not in keywords:
            errors.append(HostFileError(display, f"unknown keyword {key!r}: the module ignores it", number, column))
            continue
        settings[key] = HostSetting(key, value or "1", display, number, column)
    return settings, errors


class Resolved(NamedTuple):
    """A module's effective settings on a stack: argument, else conf file, else default."""

    module: StackLine
    settings: dict[str, HostSetting]
    errors: tuple[HostFileError, ...]


def resolve(stack: Stack, module: str, path: str, display: str, max_bytes: int) -> Resolved | None:
    """The settings ``module`` runs with on this stack, or None when the stack does not load it."""
    uses = [line for line in stack.lines if line.module == module]
    if not uses:
        return None
    keywords, conf_name, defaults = MODULES[module]
    settings: dict[str, HostSetting] = {}
    errors: list[HostFileError] = []
    conf = _conf_path(uses, conf_name, path)
    if conf is not None:
        settings, errors = _read_conf(conf, path, display, keywords, max_bytes)
    unknown: set[str] = set()  # set by a template's placeholder: no value, and no default
    for line in reversed(uses):  # the first line that sets an argument wins
        for argument in line.arguments:
            if UNRENDERED in f"{argument.key}={argument.value}":
                unknown.add(argument.key)
                continue
            unknown.discard(argument.key)
            settings[argument.key] = HostSetting(
                argument.key, argument.value or "1", line.file, line.line, argument.column
            )
    first = uses[0]
    for key, value in defaults.items():
        default = f"{module} default {value}"
        settings.setdefault(key, HostSetting(key, value, first.file, first.line, first.column, default))
    return Resolved(first, {key: setting for key, setting in settings.items() if key not in unknown}, tuple(errors))


def _conf_path(uses: list[StackLine], conf_name: str | None, path: str) -> str | None:
    named = next((a.value for line in uses for a in line.arguments if a.key == "conf" and a.value), None)
    root = etc_root(path)
    if named is not None and named.startswith("/etc/") and root is not None:
        return os.path.join(root, named[len("/etc/") :])
    if conf_name is None or root is None:
        return None
    return os.path.join(root, "security", conf_name)


def _read_conf(
    conf: str, path: str, display: str, keywords: frozenset[str], max_bytes: int
) -> tuple[dict[str, HostSetting], list[HostFileError]]:
    shown = display_beside(display, path, conf)
    root = etc_root(path)
    if root is None or not inside(conf, root):
        return {}, [HostFileError(display, f"{shown} leaves the host's etc tree")]
    if not os.path.exists(conf):
        return {}, []  # no conf file: the module's defaults
    try:
        text = read_source(conf, max_bytes)
    except SourceError as error:
        return {}, [HostFileError(shown, error.message)]
    return parse_conf(shown, text, keywords)
