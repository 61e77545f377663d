"""One finding per missing fact, however many policies need it.

Policies report what they cannot decide as a ``not_declared`` finding each: an undeclared
``onlineService`` made one finding for every policy that reads it, all at the same line.
After waivers are applied (to each policy's finding, so that a waiver names the policies it
accepts, as everywhere else), the findings of one system at one JSON pointer become one
``not-declared`` finding: placed where the fact belongs (the mapping that should hold it; for
a missing section, ``spec``), naming the policies that need it in its message and in
``policies``, as severe as the most severe of them, citing all their references and laws.

Each policy keeps its own ``not_declared`` status in the per-system results, so the audit
matrix and the exit status count it as before. Policies with different waivers (or none)
stay in separate findings: a waived finding carries one waiver, and covers exactly the
policies that waiver names. The first of them (the open one, when there is one) has the
fingerprint of the missing fact itself, so that waiving it keeps its identity.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import lru_cache
from operator import attrgetter
from typing import Any

from policylint.catalog.conditions import display_pointer
from policylint.model.results import NOT_DECLARED, SEVERITY_RANK, Finding, Localized, Reference

NOT_DECLARED_POLICY = "not-declared"

_Key = tuple[str, str, str]  # system, pointer, waiver source ("" for none)


def one_finding_per_missing_fact(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """``findings`` with each missing fact's policy findings made one (in order of the first)."""
    kept: list[Finding] = []
    # Each group's first finding stands in ``kept`` until the merged one replaces it: the
    # merged findings are then put in place, with no type test of every finding kept.
    groups: dict[_Key, tuple[int, list[Finding]]] = {}
    waived = False
    for finding in findings:  # tens a file: locals, one lookup a finding
        # A catalog policy's own not-declared finding: detectors' and expired waivers' carry an identity.
        if finding.status != NOT_DECLARED or finding.identity is not None:
            kept.append(finding)
            continue
        waiver = finding.waiver
        key = (finding.system, finding.pointer, "" if waiver is None else waiver.source)
        group = groups.get(key)
        if group is None:
            groups[key] = (len(kept), [finding])
            kept.append(finding)
            waived = waived or waiver is not None
        else:
            group[1].append(finding)
    if not groups:
        return tuple(findings)
    if waived:
        named = _identities({key: members for key, (_, members) in groups.items()})
        for key, (index, members) in groups.items():
            kept[index] = _merged(members, named[key])
    else:  # each group is its fact's only one: its identity is the fact's
        for index, members in groups.values():
            kept[index] = _merged(members, None)
    return tuple(kept)


def _identities(groups: dict[_Key, list[Finding]]) -> dict[_Key, tuple[str, ...]]:
    """The fingerprint parts of each group: the missing fact's, for the first group of each
    fact (the open one sorts first); the waiver's source added for the others."""
    identities: dict[_Key, tuple[str, ...]] = {}
    seen: set[tuple[str, str]] = set()
    for key in sorted(groups):
        system, pointer, source = key
        identity = _fact_identity(groups[key][0])
        identities[key] = identity if (system, pointer) not in seen else (*identity, source)
        seen.add((system, pointer))
    return identities


def _fact_identity(first: Finding) -> tuple[str, ...]:
    return (NOT_DECLARED_POLICY, first.file, first.system, first.pointer)


def _merged(findings: list[Finding], identity: tuple[str, ...] | None) -> Finding:
    """The one finding of a group; ``identity`` None: no waiver split the file's facts, so
    each group is its fact's only one and has the fact's identity (no sort to find it)."""
    first = findings[0]
    if len(findings) == 1:  # most facts: one policy needs them
        shared = _one_policy(
            first.pointer, first.policy, first.severity, first.references, first.laws, first.remediation
        )
    else:  # each finding's policy and parts read in C; sorted by policy once a group of policies
        shared = _arrived(first.pointer, tuple(map(_POLICY_AND_PARTS, findings)))
    severity, references, laws, remediation, message, policies = shared
    # Positional, the defaults (baselined, related) too: tens of these a file.
    return Finding(
        NOT_DECLARED_POLICY,
        severity,
        references,
        laws,
        remediation,
        NOT_DECLARED,
        first.file,
        first.line,
        first.column,
        first.pointer,
        first.system,
        message,
        identity or (NOT_DECLARED_POLICY, first.file, first.system, first.pointer),  # _fact_identity's, inline
        first.waiver,
        False,
        (),
        policies,
    )


_Parts = tuple[str, tuple[Reference, ...], tuple[str, ...], Localized]  # severity, references, laws, fix
# What a merged finding takes from its policies: their _Parts shared, its message and the policies.
_Shared = tuple[str, tuple[Reference, ...], tuple[str, ...], Localized, Localized, tuple[str, ...]]


# A finding's policy, then its _Parts.
_POLICY_AND_PARTS: Callable[[Finding], tuple[Any, ...]] = attrgetter(
    "policy", "severity", "references", "laws", "remediation"
)


@lru_cache(maxsize=1024)  # findings arrive in catalog order: a few orders of the same groups recur
def _arrived(pointer: str, arrived: tuple[tuple[Any, ...], ...]) -> _Shared:
    """_several of a group's findings as they arrived: each policy once, the policies sorted."""
    by_policy: dict[str, Any] = {policy_and_parts[0]: policy_and_parts[1:] for policy_and_parts in arrived}
    policies = tuple(sorted(by_policy))
    return _several(pointer, tuple(by_policy[policy] for policy in policies), policies)


@lru_cache(maxsize=1024)  # the same facts go missing, for the same policy, in every file: one lookup
def _one_policy(
    pointer: str,
    policy: str,
    severity: str,
    references: tuple[Reference, ...],
    laws: tuple[str, ...],
    remediation: Localized,
) -> _Shared:
    return _several(pointer, ((severity, references, laws, remediation),), (policy,))


@lru_cache(maxsize=1024)
def _several(pointer: str, parts: tuple[_Parts, ...], policies: tuple[str, ...]) -> _Shared:
    return (*_shared(parts, policies), missing_message(pointer, policies), policies)


@lru_cache(maxsize=1024)  # the same policies need the same missing facts in every file
def _shared(parts: tuple[_Parts, ...], policies: tuple[str, ...]) -> _Parts:
    """What the merged finding takes from its policies' findings: the highest severity, every
    reference and law, and each policy's remediation."""
    return (
        max((severity for severity, _, _, _ in parts), key=SEVERITY_RANK.__getitem__),
        tuple(sorted({reference for _, references, _, _ in parts for reference in references})),
        tuple(dict.fromkeys(law for _, _, laws, _ in parts for law in laws)),
        _remediation(tuple(remediation for _, _, _, remediation in parts), policies),
    )


@lru_cache(maxsize=1024)  # the same facts go missing, for the same policies, in every file
def missing_message(pointer: str, policies: tuple[str, ...]) -> Localized:
    path = display_pointer(pointer)
    names = ", ".join(policies)
    return Localized(f"未宣告 {path}；需要此項的政策：{names}", f"{path} is not declared; needed by {names}")


@lru_cache(maxsize=1024)
def _remediation(remediations: tuple[Localized, ...], policies: tuple[str, ...]) -> Localized:
    """One policy's own remediation; for several, each one after the policy it belongs to."""
    if len(remediations) == 1:
        return remediations[0]
    pairs = list(zip(policies, remediations, strict=True))
    # Each but the last loses its full stop: "…true; web-access-logging: …", not "…true.; …".
    return Localized(
        "；".join(f"{policy}：{remediation.zh.rstrip('。')}" for policy, remediation in pairs[:-1])
        + f"；{pairs[-1][0]}：{pairs[-1][1].zh}",
        "; ".join(f"{policy}: {remediation.en.rstrip('.')}" for policy, remediation in pairs[:-1])
        + f"; {pairs[-1][0]}: {pairs[-1][1].en}",
    )
