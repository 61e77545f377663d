"""Findings from evidence: observed facts located at their settings, declarations that the
configuration contradicts, and configuration files checked on their own.

evaluate.py calls in here only for a descriptor that names evidence, or a file that is not
a descriptor: a scan without evidence files does no more work than before.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any, NamedTuple

from policylint.catalog.conditions import Outcome, display_pointer
from policylint.catalog.policies import Catalog, Policy
from policylint.engine.twgcb import cite
from policylint.evidence import Observation, ObservedSystem
from policylint.evidence.describe import reads
from policylint.evidence.link import Mismatch
from policylint.load.documents import Document, Position
from policylint.load.errors import LocatedError
from policylint.load.masking import escape_and_mask, redact
from policylint.model.results import (
    AGREE,
    DECLARED_ONLY,
    DISAGREE,
    FAILED,
    NOT_APPLICABLE,
    OBSERVED_ONLY,
    PASSED,
    SEVERITY_RANK,
    Fact,
    FileError,
    Finding,
    Localized,
)

MISMATCH = "declaration-mismatch"
_MISMATCH_FIX = Localized(
    "讓描述檔的宣告與實際設定一致：修正設定檔，或改正描述檔的宣告。",
    "Make the declaration and the configuration agree: fix the configuration, or correct the declaration.",
)


def at_settings(findings: Iterable[Finding], observed: dict[str, Observation]) -> list[Finding]:
    """Each finding about an observed fact, moved to the setting that gave the fact."""
    moved = []
    for finding in findings:
        observation = observed.get(finding.pointer)
        if observation is not None:
            finding = dataclasses.replace(
                finding, file=observation.file, line=observation.line, column=observation.column
            )
            finding = dataclasses.replace(finding, message=_with_setting(finding.message, observation))
        moved.append(finding)
    return moved


def _with_setting(message: Localized, observation: Observation) -> Localized:
    setting = _setting_text(observation)
    return Localized(f"{message.zh}（設定 {setting}）", f"{message.en} (setting {setting})")


def _setting_text(observation: Observation) -> str:
    """The setting as the file has it; an identifier in a configuration value is masked."""
    text = observation.setting if observation.raw is None else f"{observation.setting} = {observation.raw}"
    return redact(text)


def mismatch_findings(
    display: str, document: Document, system: str, mismatches: Iterable[Mismatch], catalog: Catalog
) -> list[Finding]:
    found = []
    for mismatch in mismatches:
        readers = [policy for policy in catalog.policies.values() if reads(policy, mismatch.pointer)]
        line, column = document.positions.get(mismatch.pointer) or document.position(mismatch.pointer)
        found.append(
            Finding(
                MISMATCH,
                max((policy.severity for policy in readers), key=SEVERITY_RANK.__getitem__, default="medium"),
                tuple(sorted({reference for policy in readers for reference in policy.references})),
                tuple(sorted({law for policy in readers for law in policy.laws})),
                _MISMATCH_FIX,
                FAILED,
                display,
                line,
                column,
                mismatch.pointer,
                system,
                _mismatch_message(mismatch),
                related=((mismatch.observation.file, mismatch.observation.line, mismatch.observation.column),),
            )
        )
    return found


def _mismatch_message(mismatch: Mismatch) -> Localized:
    seen = mismatch.observation
    declared, value, setting = _shown(mismatch.declared), _shown(seen.value), _setting_text(seen)
    place, fact = f"{seen.file}:{seen.line}", display_pointer(mismatch.pointer)
    return Localized(
        f"描述檔宣告 {fact} 為 {declared}，但 {place} 的設定 {setting} 實際為 {value}",
        f"{fact} is declared {declared}, but the setting {setting} at {place} makes it {value}",
    )


def _shown(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def standalone_data(system: ObservedSystem) -> dict[str, Any]:
    """A descriptor that declares nothing, for a configuration file no descriptor names."""
    return {"apiVersion": "policylint/v1", "kind": "InformationSystem", "metadata": {"name": system.name}, "spec": {}}


def policies_reading(catalog: Catalog, observed: dict[str, Observation]) -> list[Policy]:
    return [policy for policy in catalog.policies.values() if any(reads(policy, pointer) for pointer in observed)]


def _unanswered(policy: Policy, observed: dict[str, Observation]) -> str:
    """The status of a policy on a file that sets none of the facts it found wanting: passed
    where the file sets another fact the policy reads, else not applicable (the product a host
    file names says which policies apply, and is no fact they judge)."""
    from policylint.evidence.describe import reads
    from policylint.evidence.hostfacts import OS

    judged = any(reads(policy, pointer) for pointer in observed if pointer != OS)
    return PASSED if judged else NOT_APPLICABLE


def only_observed(findings: Iterable[Finding], observed: dict[str, Observation]) -> list[Finding]:
    """A file checked on its own answers only for what it sets."""
    return [finding for finding in findings if finding.pointer in observed]


# --- the two ways evidence enters a check -----------------------------------------------

Evaluate = Callable[[Policy, dict[str, Any]], tuple[str, Outcome]]
MakeFindings = Callable[[str, str, Document, Policy, Outcome], list[Finding]]


class Linked(NamedTuple):
    data: dict[str, Any]
    observed: dict[str, Observation]
    findings: list[Finding]
    errors: list[FileError]
    facts: tuple[Fact, ...] = ()


def check_linked(
    display: str, document: Document, data: dict[str, Any], system: str, catalog: Catalog, max_bytes: int
) -> Linked:
    """The descriptor with what its linked files observe merged in, and the mismatches."""
    from policylint.evidence.link import links, merge, read_linked

    entries = links(data)
    read = read_linked(display, data, max_bytes)
    merged = merge(data, [observation for found in read.systems for observation in found.observations])
    mismatches = mismatch_findings(display, document, system, merged.mismatches, catalog)
    errors = [_file_error(error) for error in read.errors]
    pointers = evidenced_pointers(tuple(str(entry.get("kind")) for entry in entries), _linked_flows(data, entries))
    facts = facts_of(document, data, merged.observed, pointers)
    return Linked(merged.data, merged.observed, mismatches, errors, facts)


def _file_error(error: LocatedError) -> FileError:
    return FileError(error.file, error.message, error.line, error.column)


class StandaloneSystem(NamedTuple):
    name: str
    line: int
    statuses: dict[str, str]
    findings: list[Finding]
    facts: tuple[Fact, ...] = ()


def check_evidence_file(
    display: str, text: str, documents: list[Document] | None, catalog: Catalog, evaluate: Evaluate, make: MakeFindings
) -> tuple[list[StandaloneSystem], list[FileError]]:
    """A configuration file no descriptor names, checked on its own: findings only for what it sets."""
    from policylint.evidence import Source, observe
    from policylint.evidence.link import repository_root

    observed = observe(Source(display, display, text, repository_root(display), documents))
    systems = [_standalone(system, catalog, evaluate, make) for system in observed.systems]
    return systems, [_file_error(error) for error in observed.errors]


def _assumed(observation: Observation) -> list[Any]:
    """Beside the items of a list fact a file checked on its own decides, every other item the
    descriptor could declare: the file is judged only for what it decides."""
    return [item for item in _choices(observation.pointer) if item not in observation.scope]


@cache  # the schema is read once a process, and only for such a file
def _choices(pointer: str) -> tuple[Any, ...]:
    """The items a list fact of the descriptor schema may hold."""
    from policylint.model.checker import DESCRIPTOR_SCHEMA, read_schema, resolve_ref

    root = read_schema(DESCRIPTOR_SCHEMA)
    node = root
    for token in [*pointer.split("/")[1:], "items"]:
        node = resolve_ref(node, root)
        node = next((option for option in node.get("anyOf", [node]) if option.get("type") != "null"), node)
        node = resolve_ref(node, root)
        node = node["items"] if token == "items" else node["properties"][token]
    return tuple(resolve_ref(node, root).get("enum", ()))


def _standalone(system: ObservedSystem, catalog: Catalog, evaluate: Evaluate, make: MakeFindings) -> StandaloneSystem:
    from policylint.evidence.link import FLOW, in_flow, merge

    data = standalone_data(system)
    if any(FLOW in observation.pointer for observation in system.observations):
        data["spec"]["dataFlows"] = [{"name": system.name}]  # the server's own traffic
    merged = merge(data, list(in_flow(system, 0).observations), _assumed)
    where = Document({}, {"": Position(system.line, 1)})
    statuses, findings = {}, []
    for policy in policies_reading(catalog, merged.observed):
        statuses[policy.id], outcome = evaluate(policy, merged.data)
        found = only_observed(make(system.file, system.name, where, policy, outcome), merged.observed)
        if outcome.violations and not found:  # what failed, the file does not set
            statuses[policy.id] = _unanswered(policy, merged.observed)
        findings += at_settings(found, merged.observed)
    facts = facts_of(where, {}, merged.observed, ())
    return StandaloneSystem(system.name, system.line, statuses, cite(findings, catalog, merged.data), facts)


# --- the facts an audit report shows: declared, observed, or both -------------------------


def facts_of(
    document: Document, declared: dict[str, Any], observed: dict[str, Observation], pointers: Iterable[str]
) -> tuple[Fact, ...]:
    """Every fact at ``pointers`` that ``declared`` (the descriptor as written) declares, and
    every fact observed, with where each stands and whether the two agree."""
    facts = []
    for pointer in sorted({*pointers, *observed}):
        value = _declared_value(declared, pointer)
        seen = observed.get(pointer)
        if value is None and seen is None:
            continue
        facts.append(_fact(document, pointer, value, seen))
    return tuple(facts)


def _fact(document: Document, pointer: str, value: Any, seen: Observation | None) -> Fact:
    declared_line = (document.positions.get(pointer) or document.position(pointer)).line if value is not None else 0
    shown = escape_and_mask(_shown(value)) if value is not None else ""
    if seen is None:
        return Fact(pointer, DECLARED_ONLY, shown, declared_line)
    status = OBSERVED_ONLY if value is None else AGREE if value == seen.value else DISAGREE
    setting = escape_and_mask(_setting_text(seen))
    observed = escape_and_mask(_shown(seen.value))
    return Fact(pointer, status, shown, declared_line, observed, seen.file, seen.line, setting)


def _declared_value(data: dict[str, Any], pointer: str) -> Any:
    node: Any = data
    for token in pointer.split("/")[1:]:
        if type(node) is dict:
            node = node.get(token)
        elif type(node) is list and token.isdigit() and int(token) < len(node):
            node = node[int(token)]
        else:
            return None
    return node


def evidenced_pointers(kinds: tuple[str, ...], flows: tuple[int, ...]) -> tuple[str, ...]:
    """The facts the adapters of ``kinds`` can observe; a data flow's, for each of ``flows``."""
    pointers = []
    for pointer in _pointers_of(tuple(sorted(set(kinds)))):
        if "/*/" in pointer:
            pointers += [pointer.replace("/*/", f"/{index}/", 1) for index in flows]
        else:
            pointers.append(pointer)
    return tuple(pointers)


@cache  # one answer a set of kinds: every linked descriptor of a run asks
def _pointers_of(kinds: tuple[str, ...]) -> tuple[str, ...]:
    from policylint.evidence import adapter
    from policylint.evidence.hostfacts import HOST_KINDS, OS

    found: set[str] = set()
    for kind in kinds:
        try:
            found.update(adapter(kind).settings)
        except KeyError:  # an unknown kind: an error of its own
            continue
    if not HOST_KINDS.isdisjoint(kinds):
        found.add(OS)  # the product, which decides the TWGCB document
    return tuple(sorted(found))


def host_facts(document: Document, data: dict[str, Any]) -> tuple[Fact, ...]:
    """A host's declared facts, where no file of it is linked: all declared only."""
    from policylint.evidence.hostfacts import HOST_KINDS

    return facts_of(document, data, {}, evidenced_pointers(tuple(HOST_KINDS), ()))


def _linked_flows(data: dict[str, Any], entries: list[dict[str, Any]]) -> tuple[int, ...]:
    """The indexes of the data flows the evidence entries name."""
    flows = [flow.get("name") for flow in data["spec"].get("dataFlows") or [] if type(flow) is dict]
    named = {entry.get("dataFlow") for entry in entries}
    return tuple(index for index, name in enumerate(flows) if name is not None and name in named)
