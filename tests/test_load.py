from __future__ import annotations

import codecs
from pathlib import Path

import pytest

from policylint.load.documents import LoadError, Position, load_json, load_yaml
from policylint.load.sources import read_encoded


def test_positions_of_keys_and_items_are_one_based() -> None:
    (document,) = load_yaml("a:\n  b: 1\n  c:\n    - x\n    - y\n")
    assert document.positions["/a"] == Position(1, 1)
    assert document.positions["/a/b"] == Position(2, 3)
    assert document.positions["/a/c/1"] == Position(5, 7)


def test_positions_count_characters_when_libyaml_reads_the_files_bytes() -> None:
    text = "名稱: 臺中市政府\n說明: {機關: 社會局, 層級: [一, 二]}\n"
    for utf8 in (None, text.encode("utf-8")):
        (document,) = load_yaml(text, utf8)
        assert document.positions["/說明/層級"] == Position(2, 15)
        assert document.positions["/說明/層級/1"] == Position(2, 23)
    with pytest.raises(LoadError) as raised:
        list(load_yaml("名稱: [臺中, 市\n", "名稱: [臺中, 市\n".encode()))
    assert (raised.value.line, raised.value.column) == (2, 1)


def test_the_files_bytes_are_given_only_when_they_are_the_texts_encoding(tmp_path: Path) -> None:
    """Not when a byte-order mark was dropped, nor for UTF-16: libyaml would read other text."""
    files = {
        "plain.yaml": "a: 臺中\n".encode(),
        "marked.yaml": codecs.BOM_UTF8 + "a: 臺中\n".encode(),
        "wide.inf": codecs.BOM_UTF16_LE + "[System Access]\r\n".encode("utf-16-le"),
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    assert read_encoded(str(tmp_path / "plain.yaml"), 1024) == ("a: 臺中\n", "a: 臺中\n".encode())
    assert read_encoded(str(tmp_path / "marked.yaml"), 1024) == ("a: 臺中\n", None)
    assert read_encoded(str(tmp_path / "wide.inf"), 1024) == ("[System Access]\r\n", None)


def test_missing_pointer_falls_back_to_nearest_ancestor() -> None:
    (document,) = load_yaml("spec:\n  auditLogging:\n    enabled: true\n")
    assert document.position("/spec/auditLogging/retentionDays") == Position(2, 3)
    assert document.position("/nothing/here") == Position(1, 1)


def test_several_documents_in_one_stream() -> None:
    documents = list(load_yaml("a: 1\n---\nb: 2\n---\n"))
    assert [d.data for d in documents] == [{"a": 1}, {"b": 2}, None]
    assert documents[1].start == Position(3, 1)


def test_duplicate_keys_are_recorded_with_their_line() -> None:
    (document,) = load_yaml("a: 1\nb: 2\na: 3\n")
    assert document.duplicates == [("/a", Position(3, 1))]


def test_application_tags_load_as_plain_values() -> None:
    (document,) = load_yaml("a: !Ref Bucket\nb: !vault |\n  $ANSIBLE\nc: !reference [x, y]\n")
    assert document.data == {"a": "Bucket", "b": "$ANSIBLE\n", "c": ["x", "y"]}


def test_python_tags_never_run() -> None:
    text = "a: !!python/object/apply:os.system ['touch /tmp/policylint-pwned']\n"
    (document,) = load_yaml(text)
    assert document.data == {"a": ["touch /tmp/policylint-pwned"]}


def test_dates_load_as_dates_and_keys_keep_their_type() -> None:
    (document,) = load_yaml("last: 2026-01-02\n1: one\n")
    assert str(document.data["last"]) == "2026-01-02"
    assert document.data[1] == "one"


def test_alias_bomb_is_refused() -> None:
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for index, name in enumerate("bcdefghi"):
        previous = "abcdefghi"[index]
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    with pytest.raises(LoadError, match="alias bomb"):
        list(load_yaml("\n".join(lines) + "\n"))


def test_shared_aliases_within_bounds_load() -> None:
    (document,) = load_yaml("base: &b {x: 1}\nthis: *b\nmerged:\n  <<: *b\n  y: 2\n")
    assert document.data["merged"] == {"x": 1, "y": 2}


def test_syntax_error_has_line_and_column() -> None:
    with pytest.raises(LoadError) as raised:
        list(load_yaml("a: [1, 2\nb: 3\n"))
    assert raised.value.line is not None
    assert raised.value.message.startswith("invalid YAML")


def test_deep_nesting_is_refused_cleanly() -> None:
    with pytest.raises(LoadError, match="nesting"):
        list(load_yaml("[" * 5000 + "]" * 5000))


def test_json_with_tabs_falls_back_to_json_module() -> None:
    (document,) = load_json('{\n\t"a": 1\n}\n')
    assert document.data == {"a": 1}


def test_invalid_json_reports_line() -> None:
    with pytest.raises(LoadError) as raised:
        list(load_json('{\n\t"a": 1\n\t"b": 2\n}\n'))
    assert (raised.value.message, raised.value.line, raised.value.column) == (
        "invalid JSON: Expecting ',' delimiter",
        3,
        2,
    )


# Python 3.13 reports a trailing comma at the comma, 3.10 to 3.12 at the bracket after it, in
# other words: policylint says it the same way on each, at the comma.
@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ('{"a": 1,}', "trailing comma before '}'", 1, 8),
        ("[1, 2,]", "trailing comma before ']'", 1, 6),
        ('{\n\t"a": 1,\n}\n', "trailing comma before '}'", 2, 8),
        ('{"a": 1 ,  \n }', "trailing comma before '}'", 1, 9),
        ('{"a": [1,]}', "trailing comma before ']'", 1, 9),
        ("", "Expecting value", 1, 1),
        ("[,]", "Expecting value", 1, 2),
        ("{,}", "Expecting property name enclosed in double quotes", 1, 2),
        ("[1,,]", "Expecting value", 1, 4),
        ('{"a": 1,,"b": 2}', "Expecting property name enclosed in double quotes", 1, 9),
        ('{"a" }', "Expecting ':' delimiter", 1, 6),
    ],
)
def test_json_syntax_errors_read_the_same_on_every_python(text: str, message: str, line: int, column: int) -> None:
    with pytest.raises(LoadError) as raised:
        list(load_json(text))
    assert (raised.value.message, raised.value.line, raised.value.column) == (f"invalid JSON: {message}", line, column)
