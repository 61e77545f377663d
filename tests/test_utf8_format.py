"""A template's text as a UTF-8 ``%`` format gives the bytes ``pretty`` gives the value."""

from __future__ import annotations

import pytest

from policylint.model.pretty import Template, hole, pretty, text, utf8_format


def test_a_filled_format_is_the_values_json_in_utf8() -> None:
    shape = {"policy": "100%-encrypted", "file": hole(0), "line": hole(1), "note": "未宣告 %s", "system": hole(2)}
    value = {"policy": "100%-encrypted", "file": "系統/a.yaml", "line": 7, "note": "未宣告 %s", "system": 'q"%d'}
    template = Template(shape)
    filled = utf8_format(template.texts(), "sds") % (
        text("系統/a.yaml").encode(),
        7,
        text('q"%d').encode(),
    )
    assert filled == pretty(value).encode()


def test_a_format_needs_one_conversion_between_each_two_texts() -> None:
    with pytest.raises(ValueError, match="3 texts need 2 conversions"):
        utf8_format(["a", "b", "c"], "s")
