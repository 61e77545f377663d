"""The TWGCB pack's findings: each names its baseline item, and none repeats a guideline finding.

A policy of the pack (one whose data lists ``twgcb`` items) judges hosts only: a descriptor
that declares nothing under ``spec.host`` and links no host file is not a host, and the pack
does not apply to it. Its finding names the item of the document for the host's product
(``/spec/host/os``); where the files show only the platform, the report says which document
it assumed. Where a guideline policy and the pack find the same fact at the same place, the
pack's finding stands alone, with the guideline policy's references and laws: one fact, one
finding.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from typing import Any

from policylint.catalog.policies import PRODUCT_NAMES, Catalog, Policy, TwgcbItem
from policylint.model.results import Finding, Localized

ASSUMED = {"windows": "windows-11", "linux": "rhel-9"}  # the document assumed for a platform


def judges(policy: Policy, declared: frozenset[str] | None) -> bool:
    """Whether ``policy`` applies to a descriptor declaring the sections ``declared``."""
    return not policy.twgcb or declared is None or "host" in declared


def host_os(data: dict[str, Any]) -> str | None:
    spec = data.get("spec")
    host = spec.get("host") if type(spec) is dict else None
    found = host.get("os") if type(host) is dict else None
    return found if isinstance(found, str) else None


def items_for(policy: Policy, product: str | None) -> tuple[tuple[TwgcbItem, ...], str | None]:
    """The items of ``policy`` for ``product``, and the product assumed when the files show none."""
    assumed = ASSUMED.get(product or "")
    chosen = [item for item in policy.twgcb if item.product == (assumed or product)]
    return (tuple(chosen), assumed) if chosen else (policy.twgcb, None)


def citation(items: tuple[TwgcbItem, ...], assumed: str | None) -> Localized:
    named = ", ".join(item.item for item in items)
    if assumed is None:
        detail = "; ".join(f"{PRODUCT_NAMES[i.product]} v{i.version}: {i.setting} {i.value}" for i in items)
        return Localized(f"［{named}（{detail}）］", f" [{named} ({detail})]")
    item = items[0]
    document = f"{item.item[:12]} v{item.version} ({PRODUCT_NAMES[item.product]})"
    return Localized(
        f"［{named}：檔案未顯示產品，依 {document} 判斷］",
        f" [{named}: the files do not show the product; {document} assumed]",
    )


def cite(findings: Iterable[Finding], catalog: Catalog, data: dict[str, Any]) -> list[Finding]:
    """Each finding of the pack naming its item; a guideline policy's finding on a fact the
    pack found at the same place folded into the pack's finding, with its references and laws."""
    product = host_os(data)
    kept: list[Finding] = []
    pack: dict[tuple[str, int, str], int] = {}
    for finding in findings:
        policy = catalog.policies.get(finding.policy)
        if policy is not None and policy.twgcb:
            pack.setdefault(_place(finding), len(kept))
            kept.append(_with(finding, citation(*items_for(policy, product))))
    for finding in findings:
        if finding.policy in catalog.policies and catalog.policies[finding.policy].twgcb:
            continue
        index = pack.get(_place(finding))
        if index is None:
            kept.append(finding)
        else:
            kept[index] = _folded(kept[index], finding)
    return sorted(kept, key=lambda finding: (finding.file, finding.line, finding.column, finding.policy))


def _folded(finding: Finding, guideline: Finding) -> Finding:
    also = Localized(f"（亦違反 {guideline.policy}）", f" (also {guideline.policy})")
    return dataclasses.replace(
        _with(finding, also),
        references=tuple(sorted({*finding.references, *guideline.references})),
        laws=tuple(sorted({*finding.laws, *guideline.laws})),
    )


def _place(finding: Finding) -> tuple[str, int, str]:
    return finding.file, finding.line, finding.pointer


def _with(finding: Finding, text: Localized) -> Finding:
    message = Localized(finding.message.zh + text.zh, finding.message.en + text.en)
    return dataclasses.replace(finding, message=message)
