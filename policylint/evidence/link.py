"""Linking a descriptor to its evidence, and merging what the evidence observes into it.

A descriptor names its configuration files in ``spec.evidence``, relative to itself. Each
observed fact takes the place of what the descriptor declares (the file is what runs); where
the two differ, the difference is kept as a mismatch, for a finding of its own.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, NamedTuple

from policylint.evidence import EvidenceError, Observation, Observed, ObservedSystem, Source, inside, observe
from policylint.load.sources import SourceError, display_name, read_source

_ABSENT = object()


class Mismatch(NamedTuple):
    pointer: str
    declared: Any
    observation: Observation


class Merged(NamedTuple):
    data: dict[str, Any]
    observed: dict[str, Observation]  # by pointer: the facts the evidence set
    mismatches: tuple[Mismatch, ...]


def links(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The evidence entries of a valid descriptor."""
    spec = data.get("spec")
    entries = spec.get("evidence") if type(spec) is dict else None
    return entries if isinstance(entries, list) else []


def read_linked(descriptor: str, data: dict[str, Any], max_bytes: int) -> Observed:
    """Every linked file's observations; a file missing, unreadable or of another kind is an error naming it."""
    systems: list[ObservedSystem] = []
    errors: list[EvidenceError] = []
    flows = [flow.get("name") for flow in data["spec"].get("dataFlows") or []]
    for entry in links(data):
        observed = _read_one(descriptor, entry, max_bytes)
        systems.extend(in_flow(system, _flow_index(flows, entry.get("dataFlow"))) for system in observed.systems)
        errors.extend(observed.errors)
    return Observed(tuple(systems), tuple(errors))


def _flow_index(flows: list[Any], name: Any) -> int | None:
    return flows.index(name) if name is not None and name in flows else None


def in_flow(system: ObservedSystem, index: int | None) -> ObservedSystem:
    """A data flow's facts (``/spec/dataFlows/-/...``) as facts of the flow at ``index``;
    dropped when the link names no flow of the descriptor."""
    kept = []
    for observation in system.observations:
        if FLOW in observation.pointer:
            if index is None:
                continue
            observation = observation._replace(pointer=observation.pointer.replace(FLOW, f"/dataFlows/{index}/", 1))
        kept.append(observation)
    return system._replace(observations=tuple(kept))


FLOW = "/dataFlows/-/"


def linked_path(descriptor: str, entry: dict[str, Any]) -> str:
    """The file an entry names, relative to the descriptor ``descriptor``."""
    return os.path.normpath(os.path.join(os.path.dirname(descriptor), str(entry["path"])))


def _read_one(descriptor: str, entry: dict[str, Any], max_bytes: int) -> Observed:
    relative = str(entry["path"])
    path = linked_path(descriptor, entry)
    display = display_name(path)
    if os.path.isabs(relative):
        return _failed(descriptor, f"evidence path {relative!r} must be relative to the descriptor")
    root = repository_root(descriptor)
    if not inside(path, root):
        return _failed(descriptor, f"evidence path {relative!r} leaves the repository")
    try:
        text = read_source(path, max_bytes)
    except SourceError as error:
        return _failed(display, f"evidence file named by {display_name(descriptor)}: {error.message}")
    selector = {key: str(entry[key]) for key in ("realm", "os") if entry.get(key) is not None}
    return observe(Source(display, path, text, root, selector=selector), str(entry["kind"]))


def repository_root(path: str) -> str:
    """The work tree a file belongs to: the nearest directory above it that holds ``.git``;
    else the current directory when the file is below it; else the file's own directory."""
    directory = os.path.dirname(os.path.abspath(path))
    candidate = directory
    while True:
        if os.path.exists(os.path.join(candidate, ".git")):
            return candidate
        parent = os.path.dirname(candidate)
        if parent == candidate:
            break
        candidate = parent
    return os.getcwd() if inside(directory, os.getcwd()) else directory


def _failed(file: str, message: str) -> Observed:
    return Observed(errors=(EvidenceError(file, message),))


Assume = Callable[[Observation], list[Any]]


def merge(data: dict[str, Any], observations: list[Observation], assume: Assume | None = None) -> Merged:
    """``data`` with every observed fact set (the first observation of a pointer wins), and
    the declared facts the evidence contradicts. ``assume`` gives, for a list fact a file
    decides in part, the items to take as set when nothing is declared (see _merge_part)."""
    merged = dict(data)
    observed: dict[str, Observation] = {}
    mismatches = []
    for observation in observations:
        if observation.pointer in observed or not observation.pointer.startswith("/spec/"):
            continue
        if observation.scope:
            answers, mismatch = _merge_part(merged, observation, assume)
            if answers:
                observed[observation.pointer] = observation
            if mismatch is not None:
                mismatches.append(mismatch)
            continue
        declared = _set(merged, observation.pointer.split("/")[1:], observation.value)
        if declared is None:
            continue  # a pointer through a list: not merged
        observed[observation.pointer] = observation
        if declared[0] is not _ABSENT and declared[0] != observation.value:
            mismatches.append(Mismatch(observation.pointer, declared[0], observation))
    return Merged(merged, observed, tuple(mismatches))


def _merge_part(
    merged: dict[str, Any], observation: Observation, assume: Assume | None
) -> tuple[bool, Mismatch | None]:
    """A list fact the file decides in part: the declared items outside ``scope`` are kept,
    those inside it are what the file sets. Returns whether the file answers for the fact (it
    took away a declared item, or nothing was declared), and the mismatch when it took one
    away. Undeclared with nothing to ``assume``, the fact stays undeclared."""
    tokens = observation.pointer.split("/")[1:]
    declared = _get(merged, tokens)
    base = declared if declared is not None else assume(observation) if assume is not None else None
    if type(base) is not list:
        return False, None
    kept = [item for item in base if item not in observation.scope or item in observation.value]
    if _set(merged, tokens, [*observation.value, *(item for item in kept if item not in observation.value)]) is None:
        return False, None
    if declared is None:
        return True, None
    if len(kept) == len(base):
        return False, None  # it only adds: what fails, the declaration says
    claimed = [item for item in base if item in observation.scope]
    return True, Mismatch(observation.pointer, claimed, observation)


def _get(root: dict[str, Any], tokens: list[str]) -> Any:
    node: Any = root
    for token in tokens:
        node = _child(node, token)
    return node


def _set(root: dict[str, Any], tokens: list[str], value: Any) -> tuple[Any] | None:
    """Set ``value`` at ``tokens``, copying each mapping on the way (the document's own stay
    as they were); the value that stood there before, or None when a list is in the way."""
    node: Any = root
    for token in tokens[:-1]:
        child = _child(node, token)
        if child is None and type(node) is dict:
            child = {}
        elif type(child) not in (dict, list):
            return None
        child = dict(child) if type(child) is dict else list(child)
        node[int(token) if type(node) is list else token] = child
        node = child
    if type(node) is not dict:
        return None
    before = node.get(tokens[-1])
    before = _ABSENT if before is None else before
    node[tokens[-1]] = value
    return (before,)


def _child(node: Any, token: str) -> Any:
    if type(node) is dict:
        return node.get(token)
    if type(node) is list and token.isdigit() and int(token) < len(node):
        return node[int(token)]
    return None
