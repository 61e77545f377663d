"""Evidence: what a system's own configuration files say about the facts of its descriptor.

An adapter reads one kind of configuration file (a Keycloak realm export, an nginx
configuration, an ingress-nginx Ingress) and turns it into observations: descriptor pointers
(``/spec/loginProtection/lockout/threshold``) with the value the file gives them, the file,
line and column of the setting, and the setting's name. Adapters know nothing of policies;
the engine evaluates observations with the same policies as declarations.

Adapters are registered in ``ADAPTERS`` by kind, like the reporters; an agency adds one by
an entry point in the group ``policylint.evidence`` whose name is the kind and whose value
is a module that defines ``ADAPTER``.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, NamedTuple

from policylint.load.errors import LocatedError
from policylint.load.sources import inside as inside  # one containment check, for evidence and host files

if TYPE_CHECKING:
    from policylint.load.documents import Document

ENTRY_POINT_GROUP = "policylint.evidence"

ADAPTERS: dict[str, str] = {
    "keycloak-realm": "policylint.evidence.keycloak",
    "nginx": "policylint.evidence.nginx",
    "ingress-nginx": "policylint.evidence.ingress",
    "windows-security-template": "policylint.evidence.windows",
    "linux-pam": "policylint.evidence.pam",
    "pam-conf": "policylint.evidence.pamconf",
    "login-defs": "policylint.evidence.logindefs",
    "sshd": "policylint.evidence.sshd",
}


class Observation(NamedTuple):
    """One fact as a configuration file sets it."""

    pointer: str
    value: Any
    file: str
    line: int
    column: int
    setting: str  # the product's own name for it: ``failureFactor``, ``limit_req_zone``
    raw: Any = None  # the setting's own value where the fact converts it (seconds to minutes)
    # For a list fact the file decides only in part (which of the audit events a Keycloak realm
    # records): the items it decides; ``value`` lists those of them it sets, the others stay
    # as declared.
    scope: tuple[str, ...] = ()


class ObservedSystem(NamedTuple):
    """The facts one system of a file sets: a realm, an nginx configuration, an Ingress."""

    name: str
    file: str
    line: int
    observations: tuple[Observation, ...]


class EvidenceError(LocatedError):
    """A configuration file that cannot be read as its kind: names the file, and the line where known."""


class Observed(NamedTuple):
    systems: tuple[ObservedSystem, ...] = ()
    errors: tuple[EvidenceError, ...] = ()


@dataclass(frozen=True)
class Source:
    """A configuration file to observe: ``display`` as reports show it, ``path`` to read it
    (and the files it includes) from, below ``root`` (the repository)."""

    display: str
    path: str
    text: str
    root: str
    documents: list[Document] | None = None  # already loaded by the caller
    selector: dict[str, str] = field(default_factory=dict)  # e.g. {"realm": "staff"}


@dataclass(frozen=True)
class Adapter:
    kind: str
    product: str
    suffixes: tuple[str, ...]
    recognises: Callable[[Source], bool]
    observe: Callable[[Source], Observed]
    # pointer -> the product's settings that evidence it (explain, docs, rules --coverage)
    settings: dict[str, tuple[str, ...]]
    requires: str | None = None  # the library the adapter needs, by its import name
    available: bool = True  # False: its library is missing, and it only says so
    # The files a configuration includes, as reports name them: checked through it, not alone.
    includes: Callable[[Source], frozenset[str]] | None = None


def _switched_off(adapter: Adapter, library: str) -> Adapter:
    message = f"{adapter.kind} evidence is switched off: the Python library {library!r} is not installed"

    def observe(source: Source) -> Observed:
        return Observed(errors=(EvidenceError(source.display, message),))

    return Adapter(adapter.kind, adapter.product, adapter.suffixes, _never, observe, adapter.settings, available=False)


def _never(source: Source) -> bool:
    return False


def _nothing(source: Source) -> Observed:
    return Observed()


def kinds() -> dict[str, str]:
    """Every adapter's module by kind: the built-in ones, then those of entry points."""
    return {**ADAPTERS, **_entry_points()}


@cache  # installed distributions do not change during a run
def _entry_points() -> dict[str, str]:
    from policylint.load.entrypoints import entry_points_of

    return {point.name: point.value for point in entry_points_of(ENTRY_POINT_GROUP)}


@cache  # one lookup a kind and process: every file that is no descriptor asks
def adapter(kind: str) -> Adapter:
    """The adapter of ``kind``; KeyError when none is registered."""
    name = kinds()[kind]
    try:
        module = importlib.import_module(name)
    except ImportError as error:  # an agency's adapter, or its library, is not installed
        return _switched_off(Adapter(kind, kind, (), _never, _nothing, {}), error.name or name)
    found: Adapter = module.ADAPTER
    if found.requires and importlib.util.find_spec(found.requires) is None:
        return _switched_off(found, found.requires)
    return found


def adapters() -> Iterator[Adapter]:
    for kind in sorted(kinds()):
        yield adapter(kind)


def recognise(source: Source) -> Adapter | None:
    """The adapter whose kind ``source`` holds, judged by its content."""
    from policylint.load.hosts import rendered_name

    lowered = rendered_name(source.display.lower())
    for candidate in adapters():
        if lowered.endswith(candidate.suffixes) and candidate.recognises(source):
            return candidate
    return None


def observe(source: Source, kind: str | None = None) -> Observed:
    """What ``source`` sets, read as ``kind`` (or as the kind its content shows)."""
    if kind is None:
        found = recognise(source)
        return found.observe(source) if found else Observed()
    try:
        chosen = adapter(kind)
    except KeyError:
        known = ", ".join(sorted(kinds()))
        return Observed(errors=(EvidenceError(source.display, f"unknown evidence kind {kind!r} (known: {known})"),))
    if chosen.available and not chosen.recognises(source):
        unreadable = chosen.observe(source).errors  # where it does not parse, say where
        problem = f"not a {chosen.product} file (evidence kind {kind!r})"
        return Observed(errors=unreadable or (EvidenceError(source.display, problem),))
    return chosen.observe(source)
