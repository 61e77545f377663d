"""GitHub's primaryLocationLineHash: the values upload-sarif computes, so that an upload
through the API (which computes none) matches the alerts of one through upload-sarif."""

from __future__ import annotations

import json
import sys
from array import array
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policylint.engine.linehash import line_hashes
from policylint.load.masking import redact_source_line, redact_source_text
from tests.conftest import AS_OF, DESCRIPTOR_HEAD, Result

# Inputs and hashes as github/codeql-action's own tests of its fingerprinting give them.
GITHUB_CASES = [
    ("", ["c129715d7a2bc9a3:1"]),
    (" a\nb\n  \t\tc\n d", ["271789c17abda88f:1", "54703d4cd895b18:1", "180aee12dab6264:1", "a23a3dc5e078b07b:1"]),
    (
        " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
        [
            "e9496ae3ebfced30:1",
            "fb7c023a8b9ccb3f:1",
            "ce8ba1a563dcdaca:1",
            "e20e36e16fcb0cc8:1",
            "b3edc88f2938467e:1",
            "c8e28b0b4002a3a0:1",
            "c129715d7a2bc9a3:1",
        ],
    ),
    (
        "Lorem ipsum dolor sit amet.\n" * 10,
        [
            *(f"a7f2ff13bc495cf2:{n}" for n in range(1, 7)),
            *("a7f2ff1481e87703:1", "a9cf91f7bbf1862b:1", "55ec222b86bcae53:1"),
            *("cc97dc7b1d7d8f7b:1", "c129715d7a2bc9a3:1"),
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), GITHUB_CASES)
def test_line_hashes_are_those_upload_sarif_computes(text: str, expected: list[str]) -> None:
    assert line_hashes(text, range(1, len(expected) + 5)) == tuple(enumerate(expected, 1))


def test_only_the_asked_lines_are_given() -> None:
    assert line_hashes("Lorem ipsum dolor sit amet.\n" * 10, [2, 7]) == (
        (2, "a7f2ff13bc495cf2:2"),
        (7, "a7f2ff1481e87703:1"),
    )


def test_a_line_holding_an_identifier_is_hashed_masked() -> None:
    """A public hash of the raw line would confirm a guessed national ID."""
    raw = line_hashes("owner: A123456789\n", [1])
    assert raw == line_hashes("owner: A1******89\n", [1])


def test_a_password_value_is_hashed_hidden() -> None:
    assert line_hashes("password: hunter2\n", [1]) == line_hashes("password: ********\n", [1])
    assert line_hashes("passwordPolicy: strict\n", [1]) != line_hashes("passwordPolicy: ********\n", [1])


def _hash_by_definition(text: str, line: int) -> str:
    """The test oracle: a hundred units from the line's first, summed as upload-sarif does."""
    units = [*text.replace(" ", "").encode("utf-16-le")[::2], 0xFFFF]  # ASCII text only
    start = [index + 1 for index, unit in enumerate(units) if unit == 10][line - 2] if line > 1 else 0
    window = units[start : start + 100] + [0] * 100
    return format(sum(unit * 37 ** (99 - place) for place, unit in enumerate(window[:100])) % 2**64, "x")


def test_lines_far_into_a_long_file_are_hashed_as_near_its_start() -> None:
    text = "".join(f"key{number}: {'v' * (number % 150)}\n" for number in range(400))  # lines of 0 to 160 units
    for line, value in line_hashes(text, range(1, 402)):
        assert value == f"{_hash_by_definition(text, line)}:1"


def _upload_sarif_hashes(text: str) -> dict[int, str]:
    """The reference: github/codeql-action's ``hash`` (src/fingerprints.ts) as written there,
    a rolling hash fed one UTF-16 unit at a time, run on the text masked as a whole."""
    units = array(
        "H", redact_source_text(text.replace("\r\n", "\n").replace("\r", "\n")).encode("utf-16-le", "surrogatepass")
    )
    if sys.byteorder == "big":
        units.byteswap()
    window, starts, hashes, counts = [0] * 100, [-1] * 100, {}, {}
    state = {"hash": 0, "index": 0, "line": 0, "line_start": True}
    first_mod = 37**100 % 2**64

    def output() -> None:
        value = format(state["hash"], "x")
        counts[value] = counts.get(value, 0) + 1
        hashes[starts[state["index"]]] = f"{value}:{counts[value]}"
        starts[state["index"]] = -1

    def update(unit: int) -> None:
        begin, window[state["index"]] = window[state["index"]], unit
        state["hash"] = (37 * state["hash"] + unit - first_mod * begin) % 2**64
        state["index"] = (state["index"] + 1) % 100

    for unit in [*units, 0xFFFF]:
        if unit in (32, 9):
            continue
        if starts[state["index"]] != -1:
            output()
        if state["line_start"]:
            state["line_start"], state["line"] = False, state["line"] + 1
            starts[state["index"]] = state["line"]
        state["line_start"] = unit == 10
        update(unit)
    for _ in range(100):
        if starts[state["index"]] != -1:
            output()
        update(0)
    return hashes


@given(
    st.lists(
        st.sampled_from(["x" * 97, "BZ", "C5", "\n", "\r\n", "\r", " ", "\t", "密碼: 1", "😀", "A123456789", "k: v"]),
        max_size=40,
    ).map("".join)
)
def test_every_line_is_hashed_as_upload_sarif_hashes_it(text: str) -> None:
    expected = _upload_sarif_hashes(text)
    assert line_hashes(text, range(len(expected) + 2)) == tuple(sorted(expected.items()))


def test_equal_hashes_of_different_windows_count_as_occurrences() -> None:
    """GitHub counts equal hash values: 'B' * 37 + 'Z' == 'C' * 37 + '5' at a window's end."""
    text = "x" * 97 + "BZ\n" + "x" * 97 + "C5\n"
    first, second, _ = (value for _, value in line_hashes(text, [1, 2, 3]))
    assert second == first.replace(":1", ":2")
    assert line_hashes(text, [1, 2, 3]) == tuple(sorted(_upload_sarif_hashes(text).items()))


@given(
    st.lists(st.sampled_from(["password: x", "pwd=1", "密碼：2", "A123456789", "key: v", "\n", " ", "\r"])).map("".join)
)
def test_a_text_is_masked_as_its_lines_one_by_one(text: str) -> None:
    assert redact_source_text(text) == "\n".join(map(redact_source_line, text.split("\n")))


def test_sarif_results_carry_the_line_hash(
    run: Callable[..., Result], write: Callable[[str, str], Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = DESCRIPTOR_HEAD + "  auditLogging:\n    enabled: false\n"
    path = write("svc.yaml", text)
    monkeypatch.chdir(path.parent)
    log = json.loads(run("check", "svc.yaml", "--as-of", AS_OF, "--format", "sarif").out)
    results = log["runs"][0]["results"]
    assert results
    for result in results:
        line = result["locations"][0]["physicalLocation"]["region"]["startLine"]
        assert result["partialFingerprints"]["primaryLocationLineHash"] == dict(line_hashes(text, [line]))[line]
        assert set(result["partialFingerprints"]) == {"policylint/v1", "primaryLocationLineHash"}


REFERENCE_CASES = {
    "collisions of different windows": "x" * 97 + "BZ\n" + "x" * 97 + "C5\n" + "x" * 97 + "BZ",
    "collision in the middle of a file": "a: 1\n" + "y" * 98 + "BZ\n" + "y" * 98 + "C5\nb: 2\n",
    "CRLF and lone CR": "a: 1\r\nb: 2\rc: 3\r\n\r\nd: 4\r",
    "non-BMP characters": "emoji: 😀😀\n名稱: 系統😀\n" + "😀" * 60 + "\n" + "k: v\n" * 3,
    "lines longer than those kept": "long: " + "v" * 1500 + "\nshort: 1\n" + "w" * 1200,
    "lines longer than a window": "a" * 99 + "\n" + "b" * 100 + "\n" + "c" * 101 + "\n" + "d" * 250 + "\n",
    "windows spanning many short lines": "\n" * 150 + "a\n" * 120 + "\n\n",
    "a window ending exactly at a line's start": "x" * 99 + "\nnext: 1\n" + "y" * 49 + "\n" + "z" * 49 + "\n",
    "masked lines": "owner: A123456789\npassword: hunter2\nname: x\n" * 3,
    "no newline at the end": "a: 1\nb: 2\nc: 3",
    "a newline at the end": "a: 1\nb: 2\nc: 3\n",
    "only newlines": "\n\n\n",
    "spaces and tabs only": " \t \n\t\t\n   ",
}


@pytest.mark.parametrize("text", REFERENCE_CASES.values(), ids=REFERENCE_CASES.keys())
def test_every_line_is_hashed_as_the_reference_hashes_it(text: str) -> None:
    expected = _upload_sarif_hashes(text)
    assert line_hashes(text, range(len(expected) + 2)) == tuple(sorted(expected.items()))


@pytest.mark.parametrize("text", REFERENCE_CASES.values(), ids=REFERENCE_CASES.keys())
def test_the_hash_of_a_line_does_not_depend_on_which_lines_are_asked(text: str) -> None:
    """Lines after the last one asked for are read only as far as its window reaches."""
    expected = _upload_sarif_hashes(text)
    for line in range(1, len(expected) + 1):
        assert line_hashes(text, [line]) == ((line, expected[line]),)


@given(
    st.lists(
        st.sampled_from(
            ["x" * 97, "BZ", "C5", "\n", "\r\n", "\r", "\n" * 30, "a: 1\n", "y" * 120, "😀", "\t", "密碼: 1"]
        ),
        max_size=60,
    ).map("".join),
    st.integers(min_value=1, max_value=80),
)
def test_the_lines_up_to_any_last_one_are_hashed_as_upload_sarif_hashes_them(text: str, last: int) -> None:
    expected = _upload_sarif_hashes(text)
    assert line_hashes(text, [last]) == tuple((line, value) for line, value in expected.items() if line == last)


@pytest.mark.parametrize(
    "text",
    ["PassWord: x", "DB_PWD=2", "client_Secret: y", "adminPass: z", "密碼: 1", "paſſword: ſ", "名稱: a\npwd: 3"],
)
def test_a_password_word_in_any_case_or_script_hides_its_value(text: str) -> None:
    """ASCII text is looked through lowered, other text by the case-insensitive regex."""
    assert redact_source_text(text) == "\n".join(map(redact_source_line, text.split("\n")))
    assert "********" in redact_source_text(text)
