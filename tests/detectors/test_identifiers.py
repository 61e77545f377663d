"""National ID and resident certificate numbers: checksums, whole tokens, masking, positions."""

from __future__ import annotations

import string

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from policylint.load.identifiers import (
    _CANDIDATE,
    IdentifierMatch,
    _may_hold_candidate,
    find_identifiers,
    is_valid_identifier,
    line_col,
    mask,
    redact,
)

# --- an independent reference implementation, written from the published rule -----------

# Letters in the order of their codes 10, 11, ..., 35.
CODE_ORDER = "ABCDEFGHJKLMNPQRSTUVXYWZIO"
WEIGHTS = (1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1)


def reference_kind(token: str) -> str | None:
    """The kind of a valid identifier, computed the slow and obvious way."""
    if len(token) != 10 or token[0] not in string.ascii_uppercase or not token[2:].isascii():
        return None
    if not token[2:].isdigit():
        return None
    code = CODE_ORDER.index(token[0]) + 10
    if token[1] in "12":
        kind, second = "national-id", int(token[1])
    elif token[1] in "89":
        kind, second = "resident-id-new", int(token[1])
    elif token[1] in "ABCD":
        kind, second = "resident-id-old", (CODE_ORDER.index(token[1]) + 10) % 10
    else:
        return None
    numbers = [code // 10, code % 10, second] + [int(c) for c in token[2:]]
    return kind if sum(w * n for w, n in zip(WEIGHTS, numbers, strict=True)) % 10 == 0 else None


@st.composite
def valid_identifiers(draw: st.DrawFn, seconds: str = "1289ABCD") -> str:
    letter = draw(st.sampled_from(string.ascii_uppercase))
    second = draw(st.sampled_from(seconds))
    body = draw(st.text(string.digits, min_size=7, max_size=7))
    # The check digit has weight 1, so exactly one of the ten completes a valid number.
    return next(c for c in (letter + second + body + d for d in string.digits) if reference_kind(c))


def found(text: str) -> list[IdentifierMatch]:
    return list(find_identifiers(text))


# --- known numbers -----------------------------------------------------------------------

HAND_CHECKED = [
    # A=10: 1*1 + 0*9 = 1; 1*8+2*7+3*6+4*5+5*4+6*3+7*2+8*1 = 120; check 9: 1+120+9 = 130.
    ("A123456789", "national-id"),
    # F=15: 1 + 5*9 = 46; 1*8+3*7+1*6+1*5+0*4+4*3+0*2+9*1 = 61; check 3: 46+61+3 = 110.
    ("F131104093", "national-id"),
    # A=10: 1; 8*8 = 64; 0,0,0,0,0,0,1 * 7..1 = 1; check 4: 1+64+1+4 = 70.
    ("A800000014", "resident-id-new"),
    # A=10: 1; second letter C=12 -> 2, 2*8 = 16; 0,1,2,3,4,5,6 * 7..1 = 56; check 7: 1+16+56+7 = 80.
    ("AC01234567", "resident-id-old"),
    # A=10: 1; second letter A=10 -> 0; all zeros; check 9: 1+0+0+9 = 10.
    ("AA00000009", "resident-id-old"),
]
# Published examples of open-source validators (enylin/taiwan-id-validator, guanting112/taiwan-id-validator).
PUBLISHED = [
    ("Y144766850", "national-id"),
    ("E204432327", "national-id"),
    ("I215752650", "national-id"),
    ("O104381760", "national-id"),
    ("W102012661", "national-id"),
    ("A824285055", "resident-id-new"),
    ("G951582036", "resident-id-new"),
    ("R884356462", "resident-id-new"),
    ("J839129044", "resident-id-new"),
]
INVALID = [
    "A123456788",  # checksum
    "A800000015",  # checksum
    "AC01234565",  # checksum
    "A824285054",  # checksum
    "a123456789",  # lower-case letter: not accepted (see the module docstring)
    # The weighted sums of these three are multiples of 10, but their second characters were
    # never issued: 6 and 3 are neither gender digits nor resident markers, and the old
    # format used A-D only. A=10: 1; 6*8 = 48; check 1: 50. 3*8 = 24; check 5: 30.
    # E=14 -> 4, 4*8 = 32; check 7: 40.
    "A600000001",
    "A300000005",
    "AE00000007",
    "A12345678",  # too short
    "A1234567890",  # too long
    "1123456789",  # no letter
    "A12345678９",  # a full-width digit
    "",
]


@pytest.mark.parametrize(("token", "kind"), HAND_CHECKED + PUBLISHED)
def test_valid_numbers_are_recognised(token: str, kind: str) -> None:
    assert reference_kind(token) == kind  # the reference agrees with the published examples
    assert is_valid_identifier(token) == kind
    assert found(f"id: {token}") == [IdentifierMatch(kind, 4, 14, token)]


@pytest.mark.parametrize("token", INVALID)
def test_invalid_numbers_are_rejected(token: str) -> None:
    assert is_valid_identifier(token) is None
    assert found(f"id: {token}\n") == []


@given(st.text(string.ascii_uppercase + string.ascii_lowercase + string.digits, min_size=10, max_size=10))
def test_validity_agrees_with_the_reference(token: str) -> None:
    assert is_valid_identifier(token) == reference_kind(token)


@given(
    st.sampled_from(string.ascii_uppercase),
    st.sampled_from("034567"),
    st.text(string.digits, min_size=8, max_size=8),
)
def test_unissued_second_digits_never_match(letter: str, second: str, digits: str) -> None:
    assert found(f"id: {letter}{second}{digits}") == []
    assert is_valid_identifier(letter + second + digits) is None


@given(st.sampled_from(string.ascii_uppercase), st.text(string.digits, min_size=9, max_size=9))
def test_failing_checksums_never_match(letter: str, digits: str) -> None:
    token = letter + digits
    assume(reference_kind(token) is None)
    assert found(token) == []
    assert found(f"id: {token}\n") == []


CONTEXTS = [
    "{key}: {value}",
    '"{value}"',
    "# {value}",
    "{KEY}={value}",
    '{{"{key}": "{value}", "n": 1}}',
    "  - {value}\n",
    "{key} = '{value}'  ; comment",
    "<td>{value}</td>",
    "身分證字號{value}，",  # Chinese text needs no space around the number
    "{value}",
]
keys = st.from_regex(r"[a-z][a-z_]{0,11}", fullmatch=True)


@given(valid_identifiers(), st.sampled_from(CONTEXTS), keys)
def test_valid_numbers_match_in_context_at_the_right_offset(value: str, context: str, key: str) -> None:
    text = context.format(key=key, KEY=key.upper(), value=value)
    start = context.format(key=key, KEY=key.upper(), value="\0").index("\0")
    assert found(text) == [IdentifierMatch(str(reference_kind(value)), start, start + 10, value)]
    assert text[start : start + 10] == value


word_characters = st.text(string.ascii_letters + string.digits + "_", max_size=6)


@given(valid_identifiers(), word_characters, word_characters)
def test_valid_numbers_inside_longer_runs_never_match(value: str, before: str, after: str) -> None:
    assume(before or after)
    assert found(f"key: {before}{value}{after} end") == []


@pytest.mark.parametrize(
    "text",
    ["xA123456789", "A1234567890", "A123456789x", "_A123456789", "A123456789_", "0A123456789", "AA123456789"],
)
def test_touching_word_characters_prevent_a_match(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(
    "text",
    ["phone: 0912345678", "date: 20170101", "n: 1234567890", "tel: +886912345678", "id: 4A123456789"],
)
def test_phone_numbers_dates_and_plain_numbers_never_match(text: str) -> None:
    assert found(text) == []


@given(st.text(string.digits, min_size=10, max_size=10))
def test_ten_digit_numbers_never_match(digits: str) -> None:
    assert found(f"n: {digits}") == []


# Pieces that look like a candidate in part, or to a careless test of shape: capitals,
# digits, full-width and accented capitals, CJK, a lone surrogate, word characters.
_PIECES = st.sampled_from([*"AZCDxa_1289040 -:\n\r", "Ａ", "１", "É", "身分證", "\ud800", "A12345678", "AC0123456"])


@given(st.lists(st.one_of(_PIECES, valid_identifiers()), max_size=30).map("".join))
def test_the_shape_test_passes_every_text_the_regex_finds_a_candidate_in(text: str) -> None:
    """Texts are skipped by the shape of their bytes before the regex runs: never one
    that holds a candidate, valid or not."""
    if _CANDIDATE.search(text):
        assert _may_hold_candidate(text)
    if "\ud800" not in text:  # a file's bytes, which the scan gives instead of encoding its text again
        assert _may_hold_candidate(text, text.encode("utf-8")) == _may_hold_candidate(text)
    assert found(text) == [m for m in found(f"{text}{' ' * 70_000}") if m.end <= len(text)]


def test_matches_come_in_order_with_their_kinds() -> None:
    text = "a: A123456789\r\nb: [AC01234567, A800000014]\nc: F131104093"
    assert [(m.kind, m.value, text[m.start : m.end]) for m in found(text)] == [
        ("national-id", "A123456789", "A123456789"),
        ("resident-id-old", "AC01234567", "AC01234567"),
        ("resident-id-new", "A800000014", "A800000014"),
        ("national-id", "F131104093", "F131104093"),
    ]
    starts = [m.start for m in found(text)]
    assert starts == sorted(starts)


# --- masking -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "masked"),
    [("A123456789", "A1******89"), ("AC01234567", "AC******67"), ("abcde", "ab*de"), ("abcd", "****"), ("", "")],
)
def test_mask_keeps_two_characters_at_each_end(value: str, masked: str) -> None:
    assert mask(value) == masked


@given(st.text(min_size=1).filter(lambda value: "*" not in value))
def test_mask_never_returns_the_whole_value(value: str) -> None:
    masked = mask(value)
    assert len(masked) == len(value)
    assert value not in masked


@given(st.lists(st.tuples(st.sampled_from(CONTEXTS), keys, valid_identifiers()), min_size=1, max_size=5))
def test_redact_leaves_no_identifier_whole(parts: list[tuple[str, str, str]]) -> None:
    text = "\n".join(context.format(key=key, KEY=key.upper(), value=value) for context, key, value in parts)
    redacted = redact(text)
    assert len(redacted) == len(text)
    for _, _, value in parts:
        assert value not in redacted
        assert mask(value) in redacted
    assert found(redacted) == []


def test_redact_leaves_other_text_alone() -> None:
    text = "id: A123456788  # checksum fails\nphone: 0912345678\n名稱: 測試"
    assert redact(text) == text
    assert redact("x: A123456789, y: 1") == "x: A1******89, y: 1"


# --- positions -----------------------------------------------------------------------------


def test_line_col_counts_lines_and_characters() -> None:
    text = "first\nsecond line\n\nfourth"
    assert line_col(text, 0) == (1, 1)
    assert line_col(text, 5) == (1, 6)  # the newline itself ends line 1
    assert line_col(text, 6) == (2, 1)
    assert line_col(text, 13) == (2, 8)
    assert line_col(text, 18) == (3, 1)
    assert line_col(text, 19) == (4, 1)
    assert line_col(text, len(text)) == (4, 7)


def test_line_col_counts_crlf_as_one_line_ending() -> None:
    text = "a: 1\r\nid: A123456789\r\n"
    (match,) = found(text)
    assert line_col(text, match.start) == (2, 5)
    assert line_col(text, 4) == (1, 5)  # the \r
    assert line_col(text, 5) == (1, 6)  # the \n of the same pair
    assert line_col(text, len(text)) == (3, 1)


def test_line_col_counts_a_lone_carriage_return_as_a_line_ending() -> None:
    assert line_col("a\rbc", 3) == (2, 2)
    assert line_col("a\r\rb", 3) == (3, 1)


def test_line_col_counts_characters_not_bytes() -> None:
    text = "名稱: 測試系統\r\n承辦人身分證: A123456789"
    (match,) = found(text)
    assert line_col(text, match.start) == (2, 9)
    assert text.splitlines()[1][9 - 1 :].startswith("A123456789")


def test_line_col_rejects_offsets_outside_the_text() -> None:
    with pytest.raises(ValueError):
        line_col("abc", 4)
    with pytest.raises(ValueError):
        line_col("abc", -1)


@given(st.text(alphabet=st.characters(blacklist_characters="\r")), st.data())
def test_line_col_agrees_with_splitting_on_newlines(text: str, data: st.DataObject) -> None:
    offset = data.draw(st.integers(0, len(text)))
    before = text[:offset].split("\n")
    assert line_col(text, offset) == (len(before), len(before[-1]) + 1)
    crlf = text.replace("\n", "\r\n")
    assert line_col(crlf, offset + text[:offset].count("\n")) == line_col(text, offset)
