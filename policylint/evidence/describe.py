"""Which settings of which product evidence the facts a policy reads: for ``explain``,
docs/rules.md and ``rules --coverage``, and for the engine to know which policies read a fact."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from policylint.catalog.conditions import All, AnyOf, Each, If, Leaf, Not
from policylint.catalog.policies import Catalog, Policy
from policylint.evidence import adapters


def fact_patterns(policy: Policy) -> frozenset[str]:
    """The pointers of the facts a policy reads; ``*`` stands for any item of a list it reads each of."""
    return frozenset("/" + "/".join(map(str, tokens)) for tokens in _paths((), policy.applies, policy.check))


def _paths(prefix: tuple[Any, ...], *conditions: Any) -> Iterator[tuple[Any, ...]]:
    for condition in conditions:
        if isinstance(condition, Leaf):
            yield (*prefix, *condition.tokens) if condition.relative else condition.tokens
        elif isinstance(condition, Each):
            base = (*prefix, *condition.tokens) if condition.relative else condition.tokens
            yield from _paths((*base, "*"), condition.condition)
        elif isinstance(condition, All | AnyOf):
            yield from _paths(prefix, *condition.children)
        elif isinstance(condition, Not):
            yield from _paths(prefix, condition.child)
        elif isinstance(condition, If):
            yield from _paths(prefix, condition.condition, condition.then)


def matches(pattern: str, pointer: str) -> bool:
    """``/spec/dataFlows/*/channel`` matches ``/spec/dataFlows/0/channel`` (and itself)."""
    left, right = pattern.split("/"), pointer.split("/")
    return len(left) == len(right) and all(a == b or "*" in (a, b) for a, b in zip(left, right, strict=True))


def reads(policy: Policy, pointer: str) -> bool:
    return any(matches(pattern, pointer) for pattern in fact_patterns(policy))


def evidence_lines(policy: Policy) -> list[str]:
    """``/spec/...: Keycloak realm export failureFactor`` for every fact of ``policy`` a product sets."""
    lines = []
    patterns = fact_patterns(policy)
    for adapter in adapters():
        for pointer, settings in sorted(adapter.settings.items()):
            if any(matches(pattern, pointer) for pattern in patterns):
                lines.append(f"{pointer}: {adapter.product} ({adapter.kind}): {', '.join(settings)}")
    return lines


def evidence_by_policy(catalog: Catalog) -> dict[str, list[str]]:
    return {policy.id: evidence_lines(policy) for policy in catalog.policies.values()}


def evidence_by_key() -> dict[str, list[str]]:
    """``spec.auditLogging.events``: ["Keycloak realm export: enabledEventTypes ..."], for the descriptor's docs."""
    found: dict[str, list[str]] = {}
    for adapter in adapters():
        for pointer, settings in sorted(adapter.settings.items()):
            key = ".".join(token for token in pointer.split("/")[1:] if token not in ("*", "-"))
            found.setdefault(key, []).append(f"{adapter.product}: {', '.join(f'`{s}`' for s in settings)}")
    return found
