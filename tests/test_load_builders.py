"""The node builder (load_nodes) gives exactly what the event builder (load_events) gives.

``load_yaml`` builds documents from libyaml's node tree when it can and hands the rest of a
file to the event builder: the documents (values, positions, duplicate keys, indices) and
the errors (message, line, column) must be the same as the event builder's alone, for the
committed files, for fuzzed text and for generated YAML full of scalars that YAML 1.1
resolves, tags, merges, anchors and duplicate keys. And the node builder must really build
descriptors by itself, or it is no faster.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from policylint.load import documents as load
from policylint.load import nodes as load_nodes
from policylint.load.documents import MAX_DEPTH, Document, LoadError, load_yaml
from tests.fuzz import properties

ROOT = Path(__file__).resolve().parent.parent
COMMITTED = sorted(
    path
    for folder in ("tests/hostile", "tests/policies", "examples", "policies")
    for path in (ROOT / folder).rglob("*")
    if path.suffix in (".yaml", ".yml", ".json")
)
QUICK = settings(deadline=None, suppress_health_check=list(HealthCheck), print_blob=True, max_examples=600)

# Scalars YAML 1.1 resolves to other types than text, or that look like syntax.
PLAIN = (
    "a", "b", "name", "x/y", "a~b", "~", "null", "Null", "NULL", "", "yes", "No", "on", "OFF", "true", "False",
    "y", "n", "0", "-0", "+1", "012", "0o17", "0x1F", "0b101", "1_000", "1:20", "190:20:30", "1.5", "1e3",
    "1.0e+3", "6.8523015e+5", ".inf", "-.INF", ".nan", ".NaN", "2024-01-02", "2024-02-30",
    "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", "2002-12-14", "<<", "=", "臺中市", "9" * 30, "1e400",
)  # fmt: skip
QUOTED = ("'yes'", '"1"', '"a\\tb"', "'~'", '"\\u00e9"', '""', "''", '"<<"', '"x\\\\/y"')
TAGGED = (
    "!!str 1", "!!int 7", "!!int x", "!!bool maybe", "!!bool yes", "!!float 1", "!!float ''", "!!null ''",
    "!!timestamp 2024-01-01", "!!binary aGk=", "!Ref Bucket", "!vault |\n  secret\n", "! 12", "!!merge <<",
    "!!python/object/apply:os.system ['true']", "!!set {a, b}", "!!omap [a: 1]", "!!str [1]",
)  # fmt: skip
KEYS = ("a", "b", "name", "1", "yes", "~", "<<", '"a"', "'b'", "x/y", "a~b", "[1, 2]", "{a: 1}", "? c")
scalars = st.sampled_from(PLAIN) | st.sampled_from(QUOTED) | st.sampled_from(TAGGED)
Tree = Any  # a scalar's text, or ("seq" | "map", flow?, items or (key, value) pairs)
trees: st.SearchStrategy[Tree] = st.recursive(
    scalars,
    lambda children: (
        st.tuples(st.just("seq"), st.booleans(), st.lists(children, max_size=4))
        | st.tuples(st.just("map"), st.booleans(), st.lists(st.tuples(st.sampled_from(KEYS), children), max_size=4))
    ),
    max_leaves=30,
)


def flow(tree: Tree) -> str:
    if isinstance(tree, str):
        return tree if "\n" not in tree else '"multi"'
    kind, _, items = tree
    if kind == "map":
        return "{" + ", ".join(f"{key}: {flow(value)}" for key, value in items) + "}"
    return "[" + ", ".join(flow(item) for item in items) + "]"


def block(tree: Tree, indent: int) -> str:
    """``tree`` as the lines of a block collection (or a flow one, when it says so)."""
    space = " " * indent
    if isinstance(tree, str) or tree[1] or not tree[2]:
        return f"{space}{flow(tree)}\n"
    lines = []
    for item in tree[2]:
        head, value = (f"{item[0]}:", item[1]) if tree[0] == "map" else ("-", item)
        if isinstance(value, str) or value[1] or not value[2]:
            text = value if isinstance(value, str) else flow(value)
            lines.append(f"{space}{head} {text}".rstrip(" ") + "\n")
        else:
            lines.append(f"{space}{head}\n" + block(value, indent + 2))
    return "".join(lines)


@st.composite
def yaml_streams(draw: st.DrawFn) -> str:
    """One to three documents, with now and then an anchor, an alias or a merge."""
    documents = []
    for _ in range(draw(st.integers(1, 3))):
        text = block(draw(trees), 0)
        for extra in draw(st.lists(st.sampled_from(("anchor", "alias", "merge", "comment")), max_size=2)):
            if extra == "anchor":
                text = text.replace(": ", ": &x ", 1)
            elif extra == "alias":
                text = text.replace(": ", ": &x ", 1) + "alias: *x\n" if ": " in text else text
            elif extra == "merge":
                text = "<<: {a: merged, z: 1}\n" + text if text.startswith(tuple("abny~<'\"x")) else text
            else:
                text = "# a comment with *stars* and &ampersands\n" + text
        documents.append(text)
    return "---\n".join(documents)


STAR_PIECES = (
    "*a", "*a", "&a ", "a", "1", " ", "\t", "\n", "\r\n", "\x85", "\u2028", "\ufeff", "'", '"', "[", "]", "{",
    "}", ",", ":", ": ", "?", "? ", "-", "- ", "!", "!!str ", "|", ">", "#", "%", "@", "---\n", "...\n", "\\",
)  # fmt: skip
ALIAS_PLACES = (
    "[&a x,{}*a]", "{{b: &a x,{}*a}}", "{{&a b: x,{}*a: 1}}", '{{"b": &a x, "c"{}*a}}', "b: &a x\nc:{}*a\n",
    "- &a x\n-{}*a\n", "&a b: x\n?{}*a\n: 1\n", "b: &a [x]\nc: [y{}*a]\n", "b: &a x\nc: {{d{}*a}}\n",
    "&a x\n--- {}*a\n",
)  # fmt: skip
star_texts = st.lists(st.sampled_from(STAR_PIECES), max_size=24).map("".join)


def alias_events(text: str) -> list[yaml.AliasEvent]:
    """The aliases of ``text``, if libyaml parses it whole (else the composer refuses it)."""
    try:
        return [event for event in yaml.parse(text, Loader=yaml.CSafeLoader) if isinstance(event, yaml.AliasEvent)]
    except yaml.YAMLError:
        return []


@contextlib.contextmanager
def events_only() -> Iterator[None]:
    composer = load_nodes.COMPOSER
    load_nodes.COMPOSER = None
    try:
        yield
    finally:
        load_nodes.COMPOSER = composer


def outcome(text: str, utf8: bytes | None = None) -> tuple[str, tuple[str, int | None, int | None] | None]:
    """What ``load_yaml`` gives: its documents, shown (repr tells 1 from True and 1.0), and its error."""
    documents: list[Document] = []
    try:
        documents.extend(load_yaml(text, utf8))
    except LoadError as error:
        return repr(documents), (error.message, error.line, error.column)
    return repr(documents), None


def assert_same(text: str) -> None:
    with_nodes = outcome(text)
    with events_only():
        assert outcome(text) == with_nodes
    with contextlib.suppress(UnicodeEncodeError):  # a lone surrogate: no file's bytes decode to it
        assert outcome(text, text.encode("utf-8")) == with_nodes, "libyaml reading the file's bytes"


def built_by_nodes(text: str) -> bool:
    try:
        load_nodes.documents(text)
    except (load_nodes.Declined, yaml.YAMLError):
        return False
    return True


@pytest.mark.parametrize("path", COMMITTED, ids=lambda path: str(path.relative_to(ROOT)))
def test_committed_files_load_the_same(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", errors="replace").removeprefix("\ufeff")
    assert_same(text)


def test_descriptors_are_built_by_the_node_builder() -> None:
    assert load_nodes.COMPOSER is not None, "libyaml does not bound nesting: every file goes to the event builder"
    examples = sorted((ROOT / "examples").glob("*.yaml"))
    assert examples and all(built_by_nodes(path.read_text(encoding="utf-8")) for path in examples)


@QUICK
@given(yaml_streams())
def test_generated_yaml_loads_the_same(text: str) -> None:
    assert_same(text)


@QUICK
@given(properties.yaml_texts)
def test_fuzzed_text_loads_the_same(text: str) -> None:
    assert_same(text)


def assert_no_alias_missed(text: str) -> None:
    if load._NOT_PRINTABLE.search(text) is None and alias_events(text):
        assert load_nodes._MAY_BE_ALIAS.search(text), f"the node builder would lose an alias's position: {text!r}"


def test_the_cheap_test_for_aliases_misses_none_after_any_character() -> None:
    for place in ALIAS_PLACES:
        for before in ("", *STAR_PIECES, *(chr(code) for code in range(0x20, 0x7F))):
            assert_no_alias_missed(place.format(before))


@QUICK
@given(star_texts | properties.yaml_texts | yaml_streams())
def test_the_cheap_test_for_aliases_misses_none(text: str) -> None:
    assert_no_alias_missed(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: 1\nb: 2\na: 3\n",  # a duplicate key
        "{1: a, true: b, 1.0: c, '1': d}\n",  # keys equal in Python, not in YAML
        "a: {b: 1}\na: {b: 2, c: [x]}\n",  # a duplicate's positions
        "a: [.nan, .NaN]\nb: {.nan: 1, .nan: 2}\n",  # one NaN object: a duplicate
        "base: {x: 1}\nm:\n  <<: [{x: 2, y: 2}, {z: 3}, 7]\n  x: 9\n  x: 10\n",  # merge, override, duplicate
        "m:\n  a: 1\n  <<: {a: 2, b: 2}\n  b: 3\n",
        "? [a, b]\n: 1\n? {c: d}\n: 2\n[e]: 3\n",  # keys that are collections
        "? - a\n  - b\n: 1\n",
        "a: !!int 12\nb: !!int twelve\nc: !!float 3\nd: !!timestamp 2024-01-01\ne: ! 12\nf: !Ref x\n",
        "a: 2001-12-14t21:59:43.10-05:00\nb: 2002-12-14\nc: 2024-02-30\n",
        "- " * MAX_DEPTH + "x\n",  # as deep as allowed
        "- " * (MAX_DEPTH + 1) + "x\n",
        "- " * MAX_DEPTH + "[]\n",
        "a: &x 1\nb: &x 2\n",  # a duplicate anchor, and no alias
        "a: &x [1]\n---\nb: &x [2]\n",  # an anchor again in another document
        "a: *x\n",
        "a: &x [1, *x]\n",
        "a: [1, 2\n",
        "---\na: 1\n---\nb: [\n",  # an error after a good document
        "".join(f"k{index}: {index}\n" for index in range(100_001)),  # too many nodes
        "a: 1\n" + "---\n" * 1001,  # too many documents
        "%YAML 1.1\n%TAG !e! tag:example.com,2000:\n---\na: !e!thing 1\n",
        "a: 1\n---\nb: \x1b[0m\n",  # a character YAML does not allow, after a good document
        'a: 1\n---\nb: "\ud800"\n',
        "a: 'it''s'\nb: \"\\x41\\u00e9\\U0001F600\"\nc: |\n  lit\nd: >\n  folded\n  text\n",
        "名稱: 臺中市政府\n說明: {機關: 社會局, 層級: [一, 二]}\n\U0001f600: [😀, x]\n",  # columns in characters
        "名稱: 臺中市政府\n鍵: [一, 二\n",  # an error after text that is not ASCII
        "\ufeffa: 1\nb: [\u00e9, x\n",  # a byte-order mark the text kept
    ],
)
def test_edge_cases_load_the_same(text: str) -> None:
    assert_same(text)


def test_libyaml_refuses_the_characters_the_event_builder_refuses() -> None:
    """The node builder leaves the check of characters to libyaml, which does it as it reads."""
    composer = load_nodes.COMPOSER
    assert composer is not None
    ranges = [(0, 0x3000), (0xD7F0, 0xD800), (0xE000, 0xE010), (0xFFF0, 0x10010), (0x10FFF0, 0x110000)]
    for code in (code for start, end in ranges for code in range(start, end)):
        with_character = f'a: "x{chr(code)}y"\n'
        try:
            composer(with_character).raw_parse()
            refused = False
        except yaml.reader.ReaderError:
            refused = True
        except yaml.YAMLError:
            refused = False
        assert refused == (load._NOT_PRINTABLE.search(chr(code)) is not None), hex(code)


def test_a_caller_deep_in_its_stack_still_gets_its_documents() -> None:
    """The walk recurses (up to four frames a level), the event builder does not."""
    text = "? " * (MAX_DEPTH - 1) + "x\n"  # keys inside keys, as deep as allowed

    def from_deep_in_the_stack(frames: int) -> tuple[str, tuple[str, int | None, int | None] | None]:
        return from_deep_in_the_stack(frames - 1) if frames else outcome(text)

    expected = outcome(text)
    assert built_by_nodes(text)
    assert from_deep_in_the_stack(sys.getrecursionlimit() - 250) == expected


def test_what_the_node_builder_declines() -> None:
    assert not built_by_nodes("a: &x 1\nb: *x\n")  # an alias's own position is only in the events
    assert not built_by_nodes("- " * (MAX_DEPTH + 1) + "x\n")
    assert not built_by_nodes("a: [1\n")
    assert not built_by_nodes("a: " + "x" * load_nodes.MAX_COMPOSED_TEXT + "\n")
    assert not built_by_nodes("a: 1  # *x would be an alias\n")  # to the cheap test, a ``*`` may start one
    assert built_by_nodes("url: https://*.gov.tw\nglob: a*b\ncron: 0/5*\nhosts: ['*.gov.tw', \"*\"]\n")
    assert built_by_nodes("a: &x 1\n")


def test_a_file_declined_after_some_documents_is_read_whole_by_the_event_builder(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    documents: list[Document] = []
    with pytest.raises(LoadError) as raised:
        documents.extend(load_yaml("a: 1\n---\nb: 2\n---\nc: [\n"))
    assert [(document.index, document.data) for document in documents] == [(0, {"a": 1}), (1, {"b": 2})]
    assert (raised.value.message, raised.value.line) == ("invalid YAML: did not find expected node content", 6)
    monkeypatch.setattr(load, "_Loader", None)  # the event builder cannot start: all comes from the nodes
    assert [document.data for document in load_yaml("a: 1\n---\nd: 3\n")] == [{"a": 1}, {"d": 3}]
