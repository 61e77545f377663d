"""The one operator table that policy conditions use for their leaves.

Each operator is a test of a declared value against an expected value, with the phrase
that explains a failure in both languages. A value of the wrong type is a policy error
(``OperatorError``), never a pass.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, NamedTuple

from policylint.load.masking import quoted


class OperatorError(Exception):
    """A declared value cannot be compared the way the policy asks."""


class Operator(NamedTuple):
    """``en`` and ``zh`` phrase the expectation; ``{}`` marks where the expected value goes."""

    test: Callable[[Any, Any, date], bool]
    en: str
    zh: str
    takes_value: bool = True


def _number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise OperatorError(f"expected a number, got {quoted(value)}")
    return value


def _items(value: Any) -> list[Any]:
    if not isinstance(value, list):
        raise OperatorError(f"expected a list, got {quoted(value)}")
    return value


def _found(actual: Any, expected: Any) -> list[bool]:
    """Whether each expected item is in ``actual``: by list membership, not sets, because an
    item may be a list or a mapping."""
    wanted = _items(expected)
    items = _items(actual)
    return [item in items for item in wanted]


def _within_days(actual: Any, days: Any, as_of: date) -> bool:
    if not isinstance(actual, date):
        raise OperatorError(f"expected a date, got {quoted(actual)}")
    return as_of - timedelta(days=int(_number(days))) <= actual


def _matches(actual: Any, pattern: Any, _: date) -> bool:
    return isinstance(actual, str) and re.search(str(pattern), actual) is not None


OPERATORS: dict[str, Operator] = {
    "declared": Operator(lambda a, e, d: True, "declared", "已宣告", takes_value=False),
    "equals": Operator(lambda a, e, d: a == e, "", "為"),
    "not_equals": Operator(lambda a, e, d: a != e, "not", "不為"),
    "in": Operator(lambda a, e, d: a in _items(e), "one of", "為下列之一"),
    "not_in": Operator(lambda a, e, d: a not in _items(e), "none of", "不為下列任一"),
    "lt": Operator(lambda a, e, d: _number(a) < _number(e), "less than", "小於"),
    "le": Operator(lambda a, e, d: _number(a) <= _number(e), "at most", "不大於"),
    "gt": Operator(lambda a, e, d: _number(a) > _number(e), "more than", "大於"),
    "ge": Operator(lambda a, e, d: _number(a) >= _number(e), "at least", "不小於"),
    "contains_all": Operator(lambda a, e, d: all(_found(a, e)), "to include all of", "包含全部"),
    "contains_any": Operator(lambda a, e, d: any(_found(a, e)), "to include one of", "包含其一"),
    "excludes": Operator(lambda a, e, d: not any(_found(a, e)), "to include none of", "不包含"),
    "non_empty": Operator(lambda a, e, d: len(_items(a)) > 0, "non-empty", "非空", takes_value=False),
    "matches": Operator(_matches, "to match", "符合"),
    "within_days": Operator(_within_days, "no older than {} days before the as-of date", "距檢查基準日不超過 {} 天"),
}
