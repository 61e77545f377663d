"""OpenSSH's ``sshd_config``, with its ``Include`` files and ``Match`` blocks.

For the keywords read here the first value sshd obtains wins, so a drop-in included at the top
of the file (``Include /etc/ssh/sshd_config.d/*.conf``) overrides what follows it. An absolute
``Include`` is looked up below the ``etc`` tree that holds the file (``hosts/web01/etc``), or,
with no such tree, ``/etc/ssh`` is taken to be the file's own directory; a relative one is
relative to ``/etc/ssh``. A ``Match`` block applies only to the connections it matches: its
lines do not set the global value. A keyword set nowhere takes OpenSSH's default.
"""

from __future__ import annotations

import glob
import os
import re
import shlex
from typing import NamedTuple

from policylint.load.hosts import (
    HostFileError,
    HostSetting,
    display_beside,
    in_tree,
    placeholder,
    placeholder_error,
    words,
)
from policylint.load.sources import SourceError, inside, read_source

KEYWORDS = words(
    """
    AcceptEnv AddressFamily AllowAgentForwarding AllowGroups AllowStreamLocalForwarding AllowTcpForwarding AllowUsers
    AuthenticationMethods AuthorizedKeysCommand AuthorizedKeysCommandUser AuthorizedKeysFile
    AuthorizedPrincipalsCommand AuthorizedPrincipalsCommandUser AuthorizedPrincipalsFile Banner CASignatureAlgorithms
    ChallengeResponseAuthentication ChannelTimeout ChrootDirectory Ciphers ClientAliveCountMax ClientAliveInterval
    Compression DenyGroups DenyUsers DisableForwarding DSAAuthentication ExposeAuthInfo FingerprintHash ForceCommand
    GatewayPorts GSSAPIAuthentication GSSAPICleanupCredentials GSSAPIEnablek5users GSSAPIKexAlgorithms
    GSSAPIKeyExchange GSSAPIStoreCredentialsOnRekey GSSAPIStrictAcceptorCheck HostbasedAcceptedAlgorithms
    HostbasedAcceptedKeyTypes HostbasedAuthentication HostbasedUsesNameFromPacketOnly HostCertificate HostKey
    HostKeyAgent HostKeyAlgorithms IgnoreRhosts IgnoreUserKnownHosts Include IPQoS KbdInteractiveAuthentication
    KerberosAuthentication KerberosGetAFSToken KerberosOrLocalPasswd KerberosTicketCleanup KerberosUseKuserok
    KexAlgorithms KeyRegenerationInterval ListenAddress LoginGraceTime LogLevel LogVerbose MACs Match MaxAuthTries
    MaxSessions MaxStartups ModuliFile PasswordAuthentication PermitEmptyPasswords PermitListen PermitOpen
    PermitRootLogin PermitTTY PermitTunnel PermitUserEnvironment PermitUserRC PerSourceMaxStartups
    PerSourceNetBlockSize PerSourcePenalties PerSourcePenaltyExemptList PidFile Port PrintLastLog PrintMotd Protocol
    PubkeyAcceptedAlgorithms PubkeyAcceptedKeyTypes PubkeyAuthOptions PubkeyAuthentication RDomain RekeyLimit
    RequiredRSASize RevokedKeys RhostsRSAAuthentication RSAAuthentication SecurityKeyProvider ServerKeyBits SetEnv
    ShowPatchLevel SshdAuthPath SshdSessionPath StreamLocalBindMask StreamLocalBindUnlink StrictModes Subsystem
    SyslogFacility TCPKeepAlive TrustedUserCAKeys UnusedConnectionTimeout UseDNS UseLogin UsePAM
    UsePrivilegeSeparation VersionAddendum X11DisplayOffset X11Forwarding X11UseLocalhost XAuthLocation
    """.lower()
)
DEFAULTS = {
    "LogLevel": "INFO",
    "MaxAuthTries": "6",
    "PermitRootLogin": "prohibit-password",
    "PermitEmptyPasswords": "no",
    "PasswordAuthentication": "yes",
    "ClientAliveInterval": "0",
    "ClientAliveCountMax": "3",
    "LoginGraceTime": "120",
    "Ciphers": "chacha20-poly1305@openssh.com,aes128-ctr,aes192-ctr,aes256-ctr,aes128-gcm@openssh.com,"
    "aes256-gcm@openssh.com",
    "MACs": "umac-64-etm@openssh.com,umac-128-etm@openssh.com,hmac-sha2-256-etm@openssh.com,"
    "hmac-sha2-512-etm@openssh.com,hmac-sha1-etm@openssh.com,umac-64@openssh.com,umac-128@openssh.com,"
    "hmac-sha2-256,hmac-sha2-512,hmac-sha1",
}
MAX_INCLUDE_DEPTH = 16  # sshd's own (READCONF_MAX_DEPTH)
DEFAULT_NOTES = {"PermitRootLogin": "OpenSSH 7.0 and later; yes before 7.0"}
_CANONICAL = {key.lower(): key for key in DEFAULTS}
_NGINX = re.compile(r"(;|[^{]\{)\s*$", re.M)
_LINE = re.compile(r"^(\s*)([A-Za-z][A-Za-z0-9]*)(?:\s*=\s*|\s+)(.*?)\s*$")


class SshdConfig(NamedTuple):
    settings: dict[str, HostSetting]  # the global value of each keyword read, or OpenSSH's default
    errors: tuple[HostFileError, ...]
    files: tuple[str, ...]  # every file read, as shown


def recognises(text: str) -> bool:
    """sshd_config: two of sshd's keywords at least, commented or not, and none of nginx's
    statements (``;`` at the end) or blocks (``{`` at the end)."""
    if _NGINX.search(text):
        return False
    words = {found.group(2).lower() for found in map(_LINE.match, text.replace("#", "").splitlines()) if found}
    return len(words & KEYWORDS) >= 2


class _Reading:
    def __init__(self, root: str, max_bytes: int) -> None:
        self.root, self.max_bytes = root, max_bytes
        self.settings: dict[str, HostSetting] = {}
        self.errors: list[HostFileError] = []
        self.files: list[str] = []
        self.stack: list[str] = []  # the files being read, for include loops
        self.in_match = False
        self.unrendered: set[str] = set()  # keywords a placeholder sets first: not known, no default


def parse(display: str, path: str, text: str, root: str, max_bytes: int) -> SshdConfig:
    """The configuration as sshd reads it from ``path`` (shown as ``display``) below ``root``."""
    reading = _Reading(root, max_bytes)
    _read_text(reading, display, path, text)
    main = reading.files[0]
    for key, value in DEFAULTS.items():
        if key in reading.unrendered:
            continue
        shown = "its built-in list" if "," in value else value
        note = f"OpenSSH default {shown}" + (f" ({DEFAULT_NOTES[key]})" if key in DEFAULT_NOTES else "")
        reading.settings.setdefault(key, HostSetting(key, value, main, 1, 1, note))
    return SshdConfig(reading.settings, tuple(reading.errors), tuple(reading.files))


def _read_text(reading: _Reading, display: str, path: str, text: str) -> None:
    reading.files.append(display)
    reading.stack.append(os.path.realpath(path))
    for number, line in enumerate(text.splitlines(), 1):
        _line(reading, display, path, number, line)
    reading.stack.pop()


def _settled(reading: _Reading, name: str) -> bool:
    """Whether sshd already has the keyword's value (the first one obtained wins)."""
    return name in reading.settings or name in reading.unrendered


def _unrendered(reading: _Reading, line: str) -> None:
    entry = _LINE.match(line)
    name = _CANONICAL.get(entry.group(2).lower()) if entry else None
    if name is not None and not reading.in_match and not _settled(reading, name):
        reading.unrendered.add(name)


def _line(reading: _Reading, display: str, path: str, number: int, line: str) -> None:
    if not line.strip() or line.lstrip().startswith("#"):
        return
    found = placeholder(line)
    if found:
        reading.errors.append(placeholder_error(display, number, found))
        _unrendered(reading, line)
        return
    entry = _LINE.match(line)
    if entry is None or entry.group(2).lower() not in KEYWORDS:
        word = line.split()[0]
        reading.errors.append(
            HostFileError(display, f"unknown sshd keyword {word!r}", number, len(line) - len(line.lstrip()) + 1)
        )
        return
    keyword, value, column = entry.group(2).lower(), entry.group(3), len(entry.group(1)) + 1
    if keyword == "match":
        reading.in_match = value.strip().lower() != "all"
    elif keyword == "include":
        _include(reading, display, path, number, value)
    elif keyword in _CANONICAL and not reading.in_match and not _settled(reading, _CANONICAL[keyword]):
        name = _CANONICAL[keyword]
        reading.settings[name] = HostSetting(name, value.split("#", 1)[0].strip(), display, number, column)


def _include(reading: _Reading, display: str, path: str, number: int, value: str) -> None:
    try:
        patterns = shlex.split(value, comments=True)
    except ValueError as error:
        reading.errors.append(HostFileError(display, f"Include: {error}", number, 1))
        return
    for pattern in patterns:
        located = _locate(pattern, path)
        if located is None:
            message = f"Include {pattern!r} is not below /etc: it leaves the repository"
            reading.errors.append(HostFileError(display, message, number, 1))
            continue
        for included in sorted(glob.glob(located)):
            _include_one(reading, display, path, number, included)


def _locate(pattern: str, path: str) -> str | None:
    absolute = pattern if pattern.startswith("/") else "/etc/ssh/" + pattern
    found = in_tree(absolute, path)
    if found is not None:
        return found
    if absolute.startswith("/etc/ssh/"):  # no etc tree: the file's directory stands for /etc/ssh
        return os.path.join(os.path.dirname(os.path.abspath(path)), absolute[len("/etc/ssh/") :])
    return None


def _include_one(reading: _Reading, display: str, path: str, number: int, included: str) -> None:
    shown = display_beside(display, path, included)
    if not inside(included, reading.root):
        reading.errors.append(HostFileError(display, f"Include of {shown} leaves the repository", number, 1))
    elif os.path.realpath(included) in reading.stack:
        message = f"Include loop: {shown} is already being read"
        reading.errors.append(HostFileError(display, message, number, 1))
    elif len(reading.stack) >= MAX_INCLUDE_DEPTH:
        message = f"Include of {shown} nests deeper than sshd's limit of {MAX_INCLUDE_DEPTH}"
        reading.errors.append(HostFileError(display, message, number, 1))
    else:
        try:
            text = read_source(included, reading.max_bytes)
        except SourceError as error:
            reading.errors.append(HostFileError(shown, error.message))
            return
        in_match = reading.in_match
        _read_text(reading, shown, included, text)
        reading.in_match = in_match  # a Match in an included file ends with it
