"""Which configuration files another scanned file checks: a configuration a scanned descriptor
links, or a fragment a scanned nginx configuration includes. Such a file reports nothing on its
own (the CLI empties its report), so its findings appear once, where its settings count.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import NamedTuple


class Covered(NamedTuple):
    """The files among those scanned that another of them checks (normalised, as reports name them)."""

    linked: frozenset[str]  # named by a scanned descriptor's spec.evidence
    included: frozenset[str]  # read through an include of a scanned configuration


def covered_files(paths: Iterable[str], max_bytes: int) -> Covered:
    """What another scanned file checks: a configuration a descriptor links, or a fragment a
    configuration includes. Asked only once a configuration file is checked on its own: a scan
    without one never reads a file twice."""
    from policylint.load.sources import SourceError, display_name, read_source

    linked: set[str] = set()
    included: set[str] = set()
    for path in paths:
        try:
            text = read_source(path, max_bytes)
        except SourceError:
            continue  # the check says so, in its place
        display = display_name(path)
        linked |= _links_of(display, text)
        included |= _includes_of(path, display, text)
    return Covered(*(frozenset(os.path.normpath(path) for path in found) for found in (linked, included)))


def _links_of(display: str, text: str) -> set[str]:
    """The files the valid descriptors of a file link, as check_linked finds them."""
    from policylint.engine.detectors import STRUCTURED_SUFFIXES
    from policylint.evidence.link import linked_path, links
    from policylint.load.documents import LoadError, load_text
    from policylint.model.validate import is_descriptor, validate_descriptor

    if "evidence" not in text or not display.lower().endswith(STRUCTURED_SUFFIXES):
        return set()
    found: set[str] = set()
    try:
        for document in load_text(text, is_json=display.lower().endswith(".json")):
            data = validate_descriptor(document)[0] if is_descriptor(document.data) else None
            found |= {linked_path(display, entry) for entry in links(data)} if data is not None else set()
    except LoadError:
        pass  # the check reports it; what loaded before it still counts
    return found


def _includes_of(path: str, display: str, text: str) -> frozenset[str]:
    """The files a configuration includes, by the adapter of its kind (nginx)."""
    from policylint.evidence import Source, adapters
    from policylint.evidence.link import repository_root

    source = Source(display, path, text, repository_root(path))
    for adapter in adapters():
        if adapter.includes and display.lower().endswith(adapter.suffixes) and adapter.recognises(source):
            return adapter.includes(source)
    return frozenset()
