"""A template's texts, joined in UTF-8 with its values' JSON texts, give the bytes ``pretty``
gives the value: how the JSON and SARIF reporters write a finding without building it."""

from __future__ import annotations

import pytest

from policylint.model.pretty import Template, hole, pretty, text


@pytest.mark.parametrize("newline", ["\n", "\n      "])
def test_texts_joined_with_the_values_are_the_values_json_in_utf8(newline: str) -> None:
    shape = {"policy": "100%-encrypted", "file": hole(0), "line": hole(1), "note": "未宣告 %s", "system": hole(2)}
    value = {"policy": "100%-encrypted", "file": "系統/a.yaml", "line": 7, "note": "未宣告 %s", "system": 'q"%d'}
    texts = [piece.encode() for piece in Template(shape, newline).texts()]
    values = [text("系統/a.yaml").encode(), b"7", text('q"%d').encode(), b""]
    assert len(texts) == len(values)
    joined = b"".join(piece for pair in zip(texts, values, strict=True) for piece in pair)
    assert joined == pretty(value, newline).encode()
