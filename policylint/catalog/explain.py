"""Listing and explaining policies, from the catalog and the guideline data behind it."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from policylint.catalog.origins import Origin
from policylint.catalog.policies import Catalog, Policy
from policylint.model.results import Localized, references_text

_LABELS = {
    "severity": Localized("嚴重度", "Severity"),
    "case": Localized("案例", "Case"),
    "reminder": Localized("叮嚀事項", "Reminder"),
    "laws": Localized("對應規範", "Laws"),
    "why": Localized("理由", "Why it matters"),
    "fix": Localized("修正方式", "How to fix"),
    "parameters": Localized("參數", "Parameters"),
    "example": Localized("通過的描述檔片段", "A descriptor snippet that passes"),
}


def rules_text(catalog: Catalog, lang: str, origins: Mapping[str, Origin]) -> str:
    width = max((len(pid) for pid in catalog.policies), default=0)
    shown = {pid: origin.text() for pid, origin in origins.items()}
    origin_width = max(map(len, shown.values()), default=0)
    lines = [
        f"{p.id:<{width}}  {p.severity:<8}  {references_text(p.references):<22}  {shown[p.id]:<{origin_width}}  "
        f"{p.title(lang)}"
        for p in catalog.policies.values()
    ]
    return "\n".join(lines) + "\n"


def rules_json(catalog: Catalog, lang: str, origins: Mapping[str, Origin]) -> str:
    rules = [
        {
            "id": p.id,
            "severity": p.severity,
            "title": p.title.as_dict(),
            "references": [{"case": r.case, "reminder": r.reminder} for r in p.references],
            "laws": list(p.laws),
            "parameters": p.parameters,
            "parameterSources": {name: source.as_dict() for name, source in p.parameter_sources.items()},
            "origin": origins[p.id].as_dict(),
        }
        for p in catalog.policies.values()
    ]
    return json.dumps(rules, ensure_ascii=False, indent=2) + "\n"


def explain_text(catalog: Catalog, policy: Policy, lang: str, evidence: Sequence[str] = ()) -> str:
    """``evidence``: the configuration settings that evidence the policy's facts."""
    label = {key: text(lang) for key, text in _LABELS.items()}
    out = [f"{policy.id}: {policy.title(lang)}", f"{label['severity']}: {policy.severity}", ""]
    for reference in policy.references:
        out.extend(_reference_lines(catalog, reference.case, reference.reminder, lang, label))
    out.append(f"{label['laws']}:")
    out.extend(f"  - {_law_name(catalog, law, lang)}" for law in policy.laws)
    if policy.rationale is not None:
        out += ["", f"{label['why']}:", f"  {policy.rationale(lang)}"]
    out += ["", f"{label['fix']}:", f"  {policy.remediation(lang)}"]
    if policy.parameters:
        out += ["", f"{label['parameters']}:"]
        out.extend(_parameter_line(policy, name, lang) for name in policy.parameters)
    if policy.twgcb:
        out += ["", f"{_TWGCB(lang)}:", *(f"  - {item}" for item in policy.twgcb)]
    if policy.example:
        out += ["", f"{label['example']}:"]
        out.extend(f"  {line}" for line in policy.example.rstrip().splitlines())
    if evidence:
        out += ["", f"{_EVIDENCE(lang)}:", *(f"  - {line}" for line in evidence)]
    return "\n".join(out) + "\n"


def reference_text(catalog: Catalog, text: str, lang: str) -> str | None:
    """``20170101-1``, the reference every finding prints: the reminder and its policies;
    ``20170101``: the case and each of its reminders with theirs. None if there is no such."""
    case_id, _, number = text.partition("-")
    case = catalog.case(case_id)
    if case is None or (number and not number.isdigit()):
        return None
    chosen = [r for r in case.reminders if not number or r.number == int(number)]
    if not chosen:
        return None
    label = {key: value(lang) for key, value in _LABELS.items()}
    out = [f"{label['case']} {case.id}: {case.title(lang)}", f"  {case.summary(lang)}"]
    out.append(f"{label['laws']}: {', '.join(_law_name(catalog, law, lang) for law in case.laws)}")
    for reminder in chosen:
        out += ["", f"{label['reminder']} {case.id}-{reminder.number}: {reminder.text(lang)}"]
        out.extend(_policy_line(catalog, policy, lang) for policy in reminder.policies)
    return "\n".join(out) + "\n"


def _policy_line(catalog: Catalog, policy_id: str, lang: str) -> str:
    policy = catalog.policies.get(policy_id)
    if policy is None:  # left out by --select / --ignore
        return f"  - {policy_id}"
    return f"  - {policy.id} ({policy.severity}): {policy.title(lang)}"


_TWGCB = Localized("政府組態基準（TWGCB）項目", "TWGCB items (Taiwan's government configuration baseline)")
_EVIDENCE = Localized("佐證設定檔（實際設定這些事實的產品設定）", "Evidence (product settings that set these facts)")


def _parameter_line(policy: Policy, name: str, lang: str) -> str:
    line = f"  {name} = {json.dumps(policy.parameters[name], ensure_ascii=False)}"
    source = policy.parameter_sources.get(name)
    return f"{line}  ({source(lang)})" if source is not None else line


def _reference_lines(catalog: Catalog, case_id: str, number: int, lang: str, label: dict[str, str]) -> list[str]:
    from policylint.model.results import Reference

    case = catalog.case(case_id)
    reminder = catalog.reminder(Reference(case_id, number))
    if case is None or reminder is None:
        return [f"{label['case']} {case_id}, {label['reminder']} {number}", ""]
    return [
        f"{label['case']} {case.id}: {case.title(lang)}",
        f"  {case.summary(lang)}",
        f"{label['reminder']} {number}: {reminder.text(lang)}",
        "",
    ]


def _law_name(catalog: Catalog, law: str, lang: str) -> str:
    name = catalog.law_names.get(law)
    return f"{law} {name(lang)}" if name else law
