"""nginx configurations, parsed with crossplane (nginx's own parser in Python), includes
followed within the repository.

A login is rate-limited per client when a location that serves logins (its path names login,
signin, auth, token or session) applies, by ``limit_req`` (its own or the one it inherits), a
``limit_req_zone`` keyed by the client address; the fact is that zone's rate. The weakest such
location decides. ``ssl_protocols`` gives the oldest protocol a server accepts.
"""

from __future__ import annotations

import glob
import os
import re
from typing import Any, NamedTuple

from policylint.evidence import Adapter, EvidenceError, Observation, Observed, ObservedSystem, Source, inside

PER_IP = "/spec/loginProtection/rateLimit/perIpPerMinute"
ENCRYPTION = "/spec/dataFlows/-/encryption"  # "-": the data flow the link names (or the server's own)
ACCESS_LOG = "/spec/auditLogging/webAccessLog"
# Locations that serve no personal data: static files, health and status checks.
_NO_PERSONAL_DATA = re.compile(
    r"\b(css|js|mjs|png|jpe?g|gif|svg|ico|webp|avif|woff2?|ttf|eot|otf)\b"
    r"|^/(favicon\.ico|robots\.txt|healthz?|ping|status|nginx_status|stub_status|metrics|static|assets|\.well-known)\b",
    re.IGNORECASE,
)
_LOGIN_PATH = re.compile(r"log-?in|sign-?in|auth|token|session", re.IGNORECASE)
_CLIENT_KEYS = frozenset({"$binary_remote_addr", "$remote_addr"})
_RATE = re.compile(r"^rate=(\d+)r/([sm])$")
_ZONE = re.compile(r"^zone=([^:]+)")
_PROTOCOLS = {
    "SSLv2": "none",
    "SSLv3": "none",
    "TLSv1": "tls1.0",
    "TLSv1.1": "tls1.1",
    "TLSv1.2": "tls1.2",
    "TLSv1.3": "tls1.3",
}
_BLOCK = re.compile(r"^\s*(http|server|location|events|upstream)\b[^;{#]*\{", re.MULTILINE)
_GLOB = re.compile(r"[*?\[]")


class _Directive(NamedTuple):
    name: str
    args: list[str]
    file: str
    line: int
    block: list[_Directive] | None


class _Zone(NamedTuple):
    per_minute: int
    directive: _Directive


def _recognises(source: Source) -> bool:
    return _BLOCK.search(source.text) is not None


class _Reader:
    """Reads a configuration and the files it includes, each once on any one path."""

    def __init__(self, source: Source) -> None:
        self.source = source
        self.base = os.path.dirname(os.path.abspath(source.path))  # nginx's prefix: includes are relative to it

    def display(self, path: str) -> str:
        relative = os.path.relpath(os.path.abspath(path), self.base)
        return os.path.normpath(os.path.join(os.path.dirname(self.source.display), relative))

    def read(self, path: str, stack: tuple[str, ...]) -> list[_Directive]:
        import crossplane

        # Contexts are not checked: an included file holds a part of a block (a snippet of locations).
        payload = crossplane.parse(path, single=True, catch_errors=True, comments=False, check_ctx=False)
        shown = self.display(path)
        for error in payload["errors"]:
            message = re.sub(r" in \S+:\d+$", "", str(error.get("error", "syntax error")))
            message = message.replace(path, shown)  # no absolute path of the machine in an output
            raise EvidenceError(shown, f"nginx: {message}", error.get("line"))
        return self.directives(payload["config"][0]["parsed"], shown, (*stack, os.path.realpath(path)))

    def directives(self, parsed: list[dict[str, Any]], shown: str, stack: tuple[str, ...]) -> list[_Directive]:
        found: list[_Directive] = []
        for item in parsed:
            if item["directive"] == "include":
                found += self.include(item, shown, stack)
                continue
            block = self.directives(item["block"], shown, stack) if "block" in item else None
            found.append(_Directive(item["directive"], list(item["args"]), shown, item["line"], block))
        return found

    def include(self, item: dict[str, Any], shown: str, stack: tuple[str, ...]) -> list[_Directive]:
        pattern = str(item["args"][0]) if item["args"] else ""
        target = os.path.join(self.base, pattern)
        if not inside(target, self.source.root):
            raise EvidenceError(shown, f"nginx: include {pattern} leaves the repository", item["line"])
        paths = sorted(glob.glob(target)) if _GLOB.search(pattern) else [target]
        found: list[_Directive] = []
        for path in paths:
            if os.path.realpath(path) in stack:
                raise EvidenceError(shown, f"nginx: include {pattern} includes itself (an include loop)", item["line"])
            if not os.path.isfile(path):
                raise EvidenceError(shown, f"nginx: include {pattern}: no such file", item["line"])
            found += self.read(path, stack)
        return found


def _observe(source: Source) -> Observed:
    try:
        directives = _Reader(source).read(source.path, ())
    except EvidenceError as error:
        return Observed(errors=(error,))
    except OSError as error:
        return Observed(errors=(EvidenceError(source.display, f"nginx: cannot read: {error.strerror}"),))
    zones = {zone: found for zone, found in _zones(directives)}
    servers = [(server, http) for http, server in _servers(directives)]
    logged = [_access_log(server.block or [], http) for server, http in servers]
    unlogged = any(observation.value is False for observation in logged)
    systems = [
        _server_system(server, http, zones, [] if unlogged and log.value else [log])
        for (server, http), log in zip(servers, logged, strict=True)
    ]
    return Observed(tuple(system for system in systems if system.observations))


def _included(source: Source) -> frozenset[str]:
    """The files the configuration includes, as reports name them; none when it cannot be read
    (then each is checked on its own, and nothing is lost)."""
    try:
        directives = _Reader(source).read(source.path, ())
    except (EvidenceError, OSError):
        return frozenset()
    return frozenset(directive.file for directive in _all(directives)) - {os.path.normpath(source.display)}


def _zones(directives: list[_Directive]) -> list[tuple[str, _Zone]]:
    found = []
    for directive in _all(directives):
        if directive.name != "limit_req_zone" or not directive.args or directive.args[0] not in _CLIENT_KEYS:
            continue
        names = [m.group(1) for m in map(_ZONE.match, directive.args) if m]
        rates = [m for m in map(_RATE.match, directive.args) if m]
        if names and rates:
            number, unit = int(rates[0].group(1)), rates[0].group(2)
            found.append((names[0], _Zone(number * 60 if unit == "s" else number, directive)))
    return found


def _all(directives: list[_Directive]) -> list[_Directive]:
    found = []
    for directive in directives:
        found.append(directive)
        if directive.block:
            found += _all(directive.block)
    return found


def _servers(
    directives: list[_Directive], http: list[_Directive] | None = None
) -> list[tuple[list[_Directive], _Directive]]:
    found = []
    for directive in directives:
        if directive.name == "http" and directive.block is not None:
            found += _servers(directive.block, directive.block)
        elif directive.name == "server" and directive.block is not None:
            found.append((http or [], directive))
    return found


def _server_system(
    server: _Directive, http: list[_Directive], zones: dict[str, _Zone], logged: list[Observation]
) -> ObservedSystem:
    block = server.block or []
    names = next((d.args for d in block if d.name == "server_name" and d.args), ["_"])
    found = [*_rate_limit(block, http, zones), *_protocols(block, http), *logged]
    return ObservedSystem(names[0], server.file, server.line, tuple(found))


def _rate_limit(server: list[_Directive], http: list[_Directive], zones: dict[str, _Zone]) -> list[Observation]:
    inherited = _limits(server) or _limits(http)
    applied = []
    for location in (d for d in _all(server) if d.name == "location" and d.args):
        if _LOGIN_PATH.search(location.args[-1]):
            limits = _limits(location.block or []) or inherited
            applied += [(zones[name], location) for name in limits if name in zones]
    if not applied:
        return []
    zone, location = max(applied, key=lambda pair: pair[0].per_minute)  # the weakest login location decides
    where = zone.directive
    applied_at = f"limit_req at location {location.args[-1]}, {location.file}:{location.line}"
    setting = f"limit_req_zone {' '.join(where.args)} ({applied_at})"
    return [Observation(PER_IP, zone.per_minute, where.file, where.line, 1, setting)]


def _limits(block: list[_Directive]) -> list[str]:
    return [m.group(1) for d in block if d.name == "limit_req" for m in map(_ZONE.match, d.args) if m]


def _protocols(server: list[_Directive], http: list[_Directive]) -> list[Observation]:
    directive = next((d for d in server if d.name == "ssl_protocols"), None) or next(
        (d for d in http if d.name == "ssl_protocols"), None
    )
    if directive is None:
        return []
    known = [_PROTOCOLS[arg] for arg in directive.args if arg in _PROTOCOLS]
    if not known:
        return []
    oldest = min(known, key=list(_PROTOCOLS.values()).index)
    setting = f"ssl_protocols {' '.join(directive.args)}"
    return [Observation(ENCRYPTION, oldest, directive.file, directive.line, 1, setting)]


def _access_log(server: list[_Directive], http: list[_Directive]) -> Observation:
    """Whether the server logs the requests for its pages and APIs: not where ``access_log off``
    stands at the server (its own, or the http block's it inherits) or in a location that
    serves more than static files and health checks. The first such directive decides; the
    server's ``access_log`` (or nginx's default log) shows it logs."""
    own = [d for d in server if d.name == "access_log"]
    level = own or [d for d in http if d.name == "access_log"]
    off = [d for d in level if d.args == ["off"]]
    for location in (d for d in _all(server) if d.name == "location" and d.args):
        if not _NO_PERSONAL_DATA.search(location.args[-1]):
            off += [d for d in location.block or [] if d.name == "access_log" and d.args == ["off"]]
    if off:
        where = off[0]
        return Observation(ACCESS_LOG, False, where.file, where.line, 1, f"access_log off ({_place(where, server)})")
    if level:
        return Observation(ACCESS_LOG, True, level[0].file, level[0].line, 1, f"access_log {' '.join(level[0].args)}")
    start = next(iter(server), None)
    file, line = (start.file, start.line) if start else ("", 1)
    return Observation(ACCESS_LOG, True, file, line, 1, "access_log (nginx's default, logs/access.log)")


def _place(directive: _Directive, server: list[_Directive]) -> str:
    for location in (d for d in _all(server) if d.name == "location" and d.args):
        if directive in (location.block or []):
            return f"location {' '.join(location.args)}"
    return "server" if directive in server else "http"


SETTINGS: dict[str, tuple[str, ...]] = {
    PER_IP: ("limit_req_zone $binary_remote_addr rate=N (applied by limit_req in a login location)",),
    "/spec/dataFlows/*/encryption": ("ssl_protocols (the oldest protocol accepted)",),
    ACCESS_LOG: ("access_log off at a server, or at a location that serves more than static files or health checks",),
}

ADAPTER = Adapter(
    "nginx",
    "nginx configuration",
    (".conf",),
    _recognises,
    _observe,
    SETTINGS,
    requires="crossplane",
    includes=_included,
)
