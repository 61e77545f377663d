"""``check --statistics``: how many findings each policy and each status has, like ruff's.

Counted file by file as the scan goes (a streaming run keeps no findings), then printed as
two tables. A ``not-declared`` finding counts under every policy that needs its missing
fact, so that the rows say which policies a system leaves undecided; the status table
counts each finding once, and its total is the number of findings.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from policylint.catalog.policies import Catalog
from policylint.model.results import Finding, Localized

_HEADINGS = {
    "policy": Localized("各政策的發現數（未宣告的事實計入需要它的每一項政策）", "findings by policy"),
    "status": Localized("各狀態的發現數", "findings by status"),
}
BASELINED = "baselined"


@dataclass
class Statistics:
    by_policy: Counter[str] = field(default_factory=Counter)
    by_status: Counter[str] = field(default_factory=Counter)

    def add(self, findings: Iterable[Finding]) -> None:
        for finding in findings:
            self.by_policy.update(finding.policy_ids)
            self.by_status[BASELINED if finding.baselined else finding.shown_status] += 1

    def render(self, catalog: Catalog, lang: str) -> str:
        """Both tables, most frequent first; empty when there is nothing to count."""
        if not self.by_status:
            return ""
        width = len(str(max([*self.by_policy.values(), *self.by_status.values()])))
        names = max(map(len, self.by_policy))
        lines = [f"{_HEADINGS['policy'](lang)}:"]
        for policy, count in _most_first(self.by_policy):
            known = catalog.policies.get(policy)
            about = f"  {known.severity:<8}  {known.title(lang)}" if known else ""
            lines.append(f"  {count:>{width}}  {policy:<{names}}{about}".rstrip())
        lines.append(f"{_HEADINGS['status'](lang)}:")
        lines.extend(f"  {count:>{width}}  {status}" for status, count in _most_first(self.by_status))
        return "\n".join(lines) + "\n"


def _most_first(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))
