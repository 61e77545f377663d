"""What the audit reports show of evidence: each system's facts, declared, observed or both
(issue 16), and the TWGCB items of every host (items × hosts).

Both are read from the per-system results (the engine captured the facts, masked). The fact
rows of a file are written as it goes by (a spool holds them); the TWGCB table keeps one
compact row per host (a tuple of statuses, one for each item of its document), written at the
end: its size is the number of hosts, never the number of findings.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import NamedTuple

from policylint.catalog.policies import PRODUCT_NAMES, Catalog, TwgcbItem
from policylint.engine.twgcb import ASSUMED
from policylint.load.masking import redact
from policylint.model.results import (
    AGREE,
    DECLARED_ONLY,
    DISAGREE,
    FAILED,
    OBSERVED_ONLY,
    PASSED,
    WAIVED,
    Fact,
    Localized,
    SystemResult,
)

ERROR = "error"
FACT_STATUSES = (DISAGREE, DECLARED_ONLY, OBSERVED_ONLY, AGREE)
NOT_EVIDENCED = "not_evidenced"
HOST = "/spec/host/"
OS = "/spec/host/os"
LABELS: dict[str, Localized] = {
    "facts": Localized("證據：宣告與實際設定", "Evidence: declared and observed facts"),
    "facts_note": Localized(
        "具證據（連結的設定檔、單獨檢查的設定檔）之系統與主機，其證據可觀察之事實：描述檔宣告之值、設定檔實際之值，及兩者是否一致。",
        "For every system with evidence (a linked or a lone configuration file) and every host: each fact "
        "evidence can observe, as the descriptor declares it and as the configuration sets it.",
    ),
    "fact": Localized("事實", "Fact"),
    "declared_column": Localized("宣告", "Declared"),
    "observed_column": Localized("實際設定", "Observed"),
    DECLARED_ONLY: Localized("僅宣告", "declared only"),
    OBSERVED_ONLY: Localized("僅實際設定", "observed only"),
    AGREE: Localized("兩者一致", "both, agreeing"),
    DISAGREE: Localized("兩者不一致", "both, disagreeing"),
    "twgcb": Localized("政府組態基準（項目 × 主機）", "TWGCB baseline (items × hosts)"),
    "twgcb_note": Localized(
        "每台主機（同一 etc 目錄之檔案，或描述檔）依其產品之 TWGCB 文件逐項判定；同一主機多個檔案取最差狀態。",
        "Each host (the files of one etc tree, or a descriptor) against the items of its product's TWGCB "
        "document; where several files of a host judge an item, the worst status shows.",
    ),
    "host": Localized("主機", "Host"),
    "document": Localized("文件依據", "Document from"),
    "assumed": Localized("推定（檔案未顯示產品）", "assumed (the files do not show the product)"),
    "unknown_product": Localized("產品不明、未套用 TWGCB 文件之主機", "Hosts whose product is not known (no document)"),
    "items": Localized("項目", "Items"),
    PASSED: Localized("符合", "met"),
    FAILED: Localized("未符合", "failed"),
    WAIVED: Localized("已豁免", "waived"),
    ERROR: Localized("無法評估", "error"),
    NOT_EVIDENCED: Localized("無證據", "not evidenced"),
}
SYMBOLS = {PASSED: "✓", FAILED: "✗", WAIVED: "W", ERROR: "!", NOT_EVIDENCED: "?"}
_WORST_FIRST = (ERROR, FAILED, WAIVED, PASSED)  # what an item of a host shows, of its files' statuses


def label(key: str, lang: str) -> str:
    text = LABELS.get(key)
    return text(lang) if text is not None else key


# --- facts, declared and observed -------------------------------------------------------


def fact_headers(lang: str) -> tuple[str, ...]:
    keys = ("system", "fact", "declared_column", "observed_column", "status")
    names = {"system": Localized("系統", "System"), "status": Localized("狀態", "Status")}
    return tuple(names[key](lang) if key in names else label(key, lang) for key in keys)


def fact_cells(result: SystemResult, fact: Fact, lang: str) -> tuple[str, ...]:
    """A row of the fact table: texts already masked by the engine (file names as shown)."""
    declared = f"{fact.declared} ({result.file}:{fact.declared_line})" if fact.status != OBSERVED_ONLY else "-"
    observed = "-"
    if fact.status != DECLARED_ONLY:
        observed = f"{fact.observed} ({fact.setting}; {fact.observed_file}:{fact.observed_line})"
    return (redact(result.system), fact.pointer, declared, observed, label(fact.status, lang))


def fact_summary(counts: Counter[str], lang: str) -> str:
    """``3 both, agreeing, 1 both, disagreeing, ...``: every status, in a fixed order."""
    return ", ".join(f"{label(status, lang)} {counts[status]}" for status in FACT_STATUSES)


# --- TWGCB items × hosts ------------------------------------------------------------------


class Column(NamedTuple):
    item: TwgcbItem
    policies: tuple[str, ...]  # the pack's policies citing the item


class HostRow(NamedTuple):
    host: str
    basis: str  # where the product is known from, or that it was assumed (a label key)
    statuses: tuple[str | None, ...]  # one for each column of the host's document


class Document(NamedTuple):
    product: str
    title: str  # ``TWGCB-01-012 v1.2 (RHEL 9)``
    columns: tuple[Column, ...]
    rows: tuple[HostRow, ...]


class HostTally:
    """One compact row per host and product, combined over the host's files as they go by."""

    def __init__(self, catalog: Catalog) -> None:
        self.columns = _columns(catalog)
        self.rows: dict[tuple[str, str], HostRow] = {}
        self.unknown: set[str] = set()

    def add(self, result: SystemResult, statuses: dict[str, str]) -> None:
        """A system with a fact of ``/spec/host`` is a host (its product is one of them);
        ``statuses`` are its policies' as the report shows them (waived, or not under --no-waivers)."""
        if not self.columns or not any(fact.pointer.startswith(HOST) for fact in result.facts):
            return
        product, basis = _product(result)
        columns = self.columns.get(product or "")
        if columns is None:
            self.unknown.add(result.system)
            return
        row = tuple(_item_status(statuses, column) for column in columns)
        key = (result.system, product or "")
        known = self.rows.get(key)
        combined = row if known is None else tuple(map(_worse, known.statuses, row))
        self.rows[key] = HostRow(result.system, known.basis if known else basis, combined)

    def documents(self) -> tuple[Document, ...]:
        found = sorted({product for _, product in self.rows}, key=lambda p: self.columns[p][0].item.item)
        return tuple(self._document(product) for product in found)

    def _document(self, product: str) -> Document:
        columns = self.columns[product]
        first = columns[0].item
        title = f"{first.item[:12]} v{first.version} ({PRODUCT_NAMES[product]})"
        rows = tuple(row for (_, p), row in sorted(self.rows.items()) if p == product)
        return Document(product, title, columns, rows)


def _columns(catalog: Catalog) -> dict[str, tuple[Column, ...]]:
    """The items of each product's document, by item id, with the policies citing them."""
    by_item: dict[str, tuple[TwgcbItem, list[str]]] = {}
    for policy in catalog.policies.values():
        for item in policy.twgcb:
            by_item.setdefault(item.item, (item, []))[1].append(policy.id)
    columns: dict[str, list[Column]] = {}
    for item_id in sorted(by_item):
        item, policies = by_item[item_id]
        columns.setdefault(item.product, []).append(Column(item, tuple(sorted(policies))))
    return {product: tuple(found) for product, found in columns.items()}


def _product(result: SystemResult) -> tuple[str | None, str]:
    """The product of a host's document, and where it is known from (a place, or ``assumed``)."""
    fact = next((fact for fact in result.facts if fact.pointer == OS), None)
    if fact is None:
        return None, ""
    observed = fact.status != DECLARED_ONLY
    text = fact.observed if observed else fact.declared
    try:
        named = json.loads(text)
    except ValueError:
        return None, ""
    if not isinstance(named, str):
        return None, ""
    if named in ASSUMED:
        return ASSUMED[named], "assumed"
    place = f"{fact.observed_file}:{fact.observed_line}" if observed else f"{result.file}:{fact.declared_line}"
    return named, place


def _item_status(statuses: dict[str, str], column: Column) -> str | None:
    return _worst(statuses.get(policy) for policy in column.policies)


def _worst(statuses: Iterator[str | None] | tuple[str | None, ...]) -> str | None:
    present = set(statuses)
    return next((status for status in _WORST_FIRST if status in present), None)


def _worse(one: str | None, other: str | None) -> str | None:
    return _worst((one, other))


def host_cells(row: HostRow, lang: str) -> tuple[str, ...]:
    basis = label("assumed", lang) if row.basis == "assumed" else row.basis
    return (redact(row.host), basis, *(SYMBOLS[status or NOT_EVIDENCED] for status in row.statuses))


def host_headers(document: Document, lang: str) -> tuple[str, ...]:
    return (label("host", lang), label("document", lang), *(column.item.item for column in document.columns))


def item_notes(document: Document) -> list[str]:
    """Each item's setting and value, as the pack cites them."""
    return [f"{c.item.item}: {c.item.setting} {c.item.value} ({', '.join(c.policies)})" for c in document.columns]


def host_legend(lang: str) -> list[tuple[str, str]]:
    return [(SYMBOLS[key], label(key, lang)) for key in (PASSED, FAILED, WAIVED, NOT_EVIDENCED, ERROR)]
