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

from collections.abc import Sequence
from functools import lru_cache

from policylint.catalog.conditions import display_pointer
from policylint.model.results import NOT_DECLARED, SEVERITY_RANK, Finding, Localized, Reference

NOT_DECLARED_POLICY = "not-declared"

_Key = tuple[str, str, str]  # system, pointer, waiver source ("" for none)


def one_finding_per_missing_fact(findings: Sequence[Finding]) -> tuple[Finding, ...]:
    """``findings`` with each missing fact's policy findings made one (in order of the first)."""
    kept: list[Finding | _Key] = []
    groups: dict[_Key, list[Finding]] = {}
    for finding in findings:
        # A catalog policy's own not-declared finding: detectors' and expired waivers' carry an identity.
        if finding.status != NOT_DECLARED or finding.identity is not None:
            kept.append(finding)
            continue
        key = (finding.system, finding.pointer, finding.waiver.source if finding.waiver else "")
        group = groups.get(key)
        if group is None:
            group = groups[key] = []
            kept.append(key)
        group.append(finding)
    if not groups:
        return tuple(findings)
    named = _identities(groups)
    return tuple(item if isinstance(item, Finding) else _merged(groups[item], named[item]) for item in kept)


def _identities(groups: dict[_Key, list[Finding]]) -> dict[_Key, tuple[str, ...]]:
    """The fingerprint parts of each group: the missing fact's, for the first group of each
    fact (the open one sorts first); the waiver's source added for the others."""
    identities: dict[_Key, tuple[str, ...]] = {}
    seen: set[tuple[str, str]] = set()
    for key in sorted(groups):
        system, pointer, source = key
        first = groups[key][0]
        identity = (NOT_DECLARED_POLICY, first.file, system, pointer)
        identities[key] = identity if (system, pointer) not in seen else (*identity, source)
        seen.add((system, pointer))
    return identities


def _merged(findings: list[Finding], identity: tuple[str, ...]) -> Finding:
    first = findings[0]
    if len(findings) == 1:  # most facts: one policy needs them
        policies: tuple[str, ...] = (first.policy,)
        parts: tuple[_Parts, ...] = ((first.severity, first.references, first.laws, first.remediation),)
    else:
        by_policy = {finding.policy: finding for finding in findings}
        policies = tuple(sorted(by_policy))
        parts = tuple(_policy_parts(by_policy[policy]) for policy in policies)
    severity, references, laws, remediation = _shared(parts, policies)
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
        missing_message(first.pointer, policies),
        identity,
        first.waiver,
        policies=policies,
    )


_Parts = tuple[str, tuple[Reference, ...], tuple[str, ...], Localized]  # severity, references, laws, fix


def _policy_parts(finding: Finding) -> _Parts:
    return finding.severity, finding.references, finding.laws, finding.remediation


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
