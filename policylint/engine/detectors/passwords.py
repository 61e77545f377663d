"""Guessable passwords: the account name, dates (also in the ROC calendar), phone numbers,
national IDs, an agency's or system's name plus digits, keyboard walks, common passwords.

Case 20170101 began with default passwords equal to citizens' national ID numbers, case
20170102 with mailbox passwords derived from a rule: these are the rules attackers try
first. No detail message ever contains the password, nor any part of it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from datetime import date
from functools import cache
from pathlib import Path
from typing import NamedTuple

from policylint.load.identifiers import is_valid_identifier


class WeakPassword(NamedTuple):
    # equals-account, date, roc-date, phone, national-id, name-plus-digits, keyboard-walk, common or too-short
    reason: str
    detail_en: str
    detail_zh: str


def weakness(password: str, *, account: str | None = None, names: Sequence[str] = ()) -> WeakPassword | None:
    """The first reason ``password`` can be guessed, in the order of the module's checks, or None."""
    checks: tuple[Callable[[], WeakPassword | None], ...] = (
        lambda: _equals_account(password, account),
        lambda: _date(password),
        lambda: _phone(password),
        lambda: _national_id(password),
        lambda: _name_plus_digits(password, names),
        lambda: _keyboard_walk(password),
        lambda: _common(password),
        lambda: _too_short(password),
    )
    for check in checks:
        found = check()
        if found is not None:
            return found
    return None


# --- the account and names ---------------------------------------------------------------

# Digits and symbols around a word, as in admin2017, mofa@123, 2017!boca.
_FILLER = r"[\W\d_]*"


def _equals_account(password: str, account: str | None) -> WeakPassword | None:
    if not account or not account.strip():
        return None
    if re.fullmatch(re.escape(account.strip()) + _FILLER, password, re.IGNORECASE) is None:
        return None
    return WeakPassword(
        "equals-account",
        "The password is the account name, or the account name followed by digits or symbols.",
        "密碼與帳號相同，或為帳號加上數字或符號。",
    )


def _name_plus_digits(password: str, names: Sequence[str]) -> WeakPassword | None:
    for name in names:
        name = name.strip()
        if name and re.fullmatch(_FILLER + re.escape(name) + _FILLER, password, re.IGNORECASE):
            return WeakPassword(
                "name-plus-digits",
                "The password is the agency's or system's name with only digits or symbols added.",
                "密碼為機關或系統名稱僅加上數字或符號。",
            )
    return None


# --- dates -------------------------------------------------------------------------------

_YEAR_FIRST = re.compile(r"(?P<year>\d{4})(?P<sep>[-/.]?)(?P<month>\d{2})(?P=sep)(?P<day>\d{2})")
_YEAR_LAST = re.compile(r"(?P<first>\d{2})(?P<second>\d{2})(?P<year>\d{4})")
_ROC = re.compile(r"(?P<year>\d{2,3})(?P<sep>[-/.]?)(?P<month>\d{2})(?P=sep)(?P<day>\d{2})")
_ROC_EPOCH = 1911  # ROC year 1 is 1912


def _date(password: str) -> WeakPassword | None:
    if _is_gregorian_date(password):
        return WeakPassword("date", "The password is a date.", "密碼為日期。")
    if _is_roc_date(password):
        return WeakPassword("roc-date", "The password is a date in the ROC (民國) calendar.", "密碼為民國日期。")
    return None


def _is_gregorian_date(text: str) -> bool:
    match = _YEAR_FIRST.fullmatch(text)
    if match and _is_day(int(match["year"]), int(match["month"]), int(match["day"])):
        return True
    if match := _YEAR_LAST.fullmatch(text):
        year, first, second = int(match["year"]), int(match["first"]), int(match["second"])
        return _is_day(year, second, first) or _is_day(year, first, second)  # DDMMYYYY or MMDDYYYY
    return False


def _is_gregorian_year(year: int) -> bool:
    return 1900 <= year <= 2099


def _is_day(year: int, month: int, day: int) -> bool:
    if not _is_gregorian_year(year):
        return False
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _is_roc_date(text: str) -> bool:
    match = _ROC.fullmatch(text)
    if match is None or not 1 <= int(match["year"]) <= 150:
        return False
    try:
        date(int(match["year"]) + _ROC_EPOCH, int(match["month"]), int(match["day"]))
    except ValueError:
        return False
    return True


# --- phone numbers and identifiers ---------------------------------------------------------

# After separators are dropped and +886 is turned back into the trunk 0: a mobile number
# 09xxxxxxxx, or a landline of area code 02-08 and a 7- or 8-digit subscriber number.
_PHONE = re.compile(r"09\d{8}|0[2-8]\d{7,8}")
_PHONE_SEPARATORS = re.compile(r"[-\s()]")
_COUNTRY_CODE = re.compile(r"\A(?:\+|00)886")


def _phone(password: str) -> WeakPassword | None:
    digits = _COUNTRY_CODE.sub("0", _PHONE_SEPARATORS.sub("", password), count=1)
    if _PHONE.fullmatch(digits) is None:
        return None
    return WeakPassword("phone", "The password is a Taiwanese phone number.", "密碼為電話號碼。")


def _national_id(password: str) -> WeakPassword | None:
    # Upper-cased: a citizen's ID typed in lower case is still the ID (the 20170101 default).
    if is_valid_identifier(password.upper()) is None:
        return None
    return WeakPassword(
        "national-id",
        "The password is a national ID or resident certificate number.",
        "密碼為身分證字號或居留證號。",
    )


# --- keyboard walks ----------------------------------------------------------------------

_ROWS = ("`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./")
_COLUMNS = ("1qaz", "2wsx", "3edc", "4rfv", "5tgb", "6yhn", "7ujm", "8ik,", "9ol.", "0p;/")
_LONGEST_RUN = max(map(len, _ROWS))
# Shifted keys count as their unshifted key: 1qaz@WSX is the walk 1qaz2wsx.
_UNSHIFT = str.maketrans('~!@#$%^&*()_+{}|:"<>?', "`1234567890-=[]\\;',./")
_TRAILING_DIGITS_AND_SYMBOLS = re.compile(r"[\W\d_]+\Z")


@cache
def _straight_runs() -> frozenset[str]:
    """Every run of 3 or more adjacent keys along a row or a column, in either direction."""
    lines = _ROWS + _COLUMNS
    runs = {line[start:end] for line in lines for start in range(len(line)) for end in range(start + 3, len(line) + 1)}
    return frozenset(runs | {run[::-1] for run in runs})


def _keyboard_walk(password: str) -> WeakPassword | None:
    keys = password.lower().translate(_UNSHIFT)
    body = keys[: len(keys) - _trailing_length(password)]
    if not (_is_walk(keys) or _is_walk(body)):
        return None
    return WeakPassword(
        "keyboard-walk",
        "The password is a walk along adjacent keys of the keyboard, in a row or a column.",
        "密碼為鍵盤上相鄰按鍵的連續排列（橫排或直排）。",
    )


def _trailing_length(password: str) -> int:
    match = _TRAILING_DIGITS_AND_SYMBOLS.search(password)
    return 0 if match is None else len(match.group())


def _is_walk(keys: str) -> bool:
    """Is ``keys`` (4 or more) made of straight runs, such as qwerty, zaq1 + 2wsx, qwe + asd + zxc?

    A lone run needs 4 keys; joined runs may have 3 each, few enough that a random password
    is seldom one by chance.
    """
    if len(keys) < 4:
        return False
    runs = _straight_runs()
    # reachable[i]: keys[:i] splits into runs.
    reachable = [True] + [False] * len(keys)
    for end in range(3, len(keys) + 1):
        starts = range(max(0, end - _LONGEST_RUN), end - 2)
        reachable[end] = any(reachable[start] and keys[start:end] in runs for start in starts)
    return reachable[-1]


# --- the common-password list and length ------------------------------------------------

MIN_LENGTH = 8


@cache
def common_passwords() -> frozenset[str]:
    """The packaged list, lower-case; read once, on first use."""
    # a plain path: importlib.resources would import importlib.metadata, 20 ms of a pre-commit run
    text = (Path(__file__).parents[2] / "data" / "common-passwords.txt").read_text(encoding="utf-8")
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip() and not line.startswith("#"))


def _common(password: str) -> WeakPassword | None:
    if password.lower() not in common_passwords():
        return None
    return WeakPassword("common", "The password is on the list of common passwords.", "密碼為常見密碼。")


def _too_short(password: str) -> WeakPassword | None:
    if len(password) >= MIN_LENGTH:
        return None
    return WeakPassword(
        "too-short",
        f"The password is shorter than {MIN_LENGTH} characters.",
        f"密碼長度少於 {MIN_LENGTH} 個字元。",
    )
