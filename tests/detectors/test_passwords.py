"""Guessable passwords: one group of cases per reason, their order, strong passwords, key names."""

from __future__ import annotations

import random
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from policylint.engine.detectors.passwords import WeakPassword, common_passwords, weakness
from policylint.load.masking import PASSWORD_KEY_PATTERN, is_password_key

NAMES = ("mofa", "BOCA", "外交部", "permit-system")


def reason(password: str, account: str | None = None) -> str | None:
    found = weakness(password, account=account, names=NAMES)
    return None if found is None else found.reason


# --- one group per reason ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "account"),
    [("admin", "admin"), ("Admin", "ADMIN"), ("admin2017", "admin"), ("svc2024", "svc"), ("mission@123", "mission")],
)
def test_equals_account(password: str, account: str) -> None:
    assert reason(password, account) == "equals-account"


def test_equals_account_needs_an_account() -> None:
    assert reason("zookeeper-2017", None) is None
    assert reason("zookeeper-2017", "") is None
    assert reason("zookeeper-2017", "keeper") is None  # the account must start the password


@pytest.mark.parametrize(
    "password",
    ["20170101", "2017-01-01", "2017/01/01", "2017.01.01", "01012017", "31122017", "12312017", "19000101", "20990228"],
)
def test_gregorian_dates(password: str) -> None:
    assert reason(password) == "date"


@pytest.mark.parametrize("password", ["20170231", "20171301", "18991231", "21000101", "2017-0101", "13132017"])
def test_impossible_gregorian_dates_are_not_dates(password: str) -> None:
    assert reason(password) != "date"


@pytest.mark.parametrize("password", ["0650101", "650101", "1130315", "113/03/15", "65-01-01", "1500101", "1090229"])
def test_roc_dates(password: str) -> None:
    assert reason(password) == "roc-date"


@pytest.mark.parametrize("password", ["1510101", "0000101", "1130230", "1100229", "651301"])
def test_impossible_roc_dates_are_not_dates(password: str) -> None:
    # 151 is past the year range, 0 is no year, Feb 30 never is, ROC 110 (2021) is no leap year.
    assert reason(password) not in ("date", "roc-date")


@pytest.mark.parametrize(
    "password",
    [
        "0912345678",
        "0912-345-678",
        "0912-345678",
        "+886912345678",
        "+886-912-345-678",
        "0223456789",
        "02-2345-6789",
        "(02)2345-6789",
        "04-2234-5678",
        "0422345678",
        "049-2345678",
        "+886-2-2345-6789",
    ],
)
def test_phone_numbers(password: str) -> None:
    assert reason(password) == "phone"


@pytest.mark.parametrize("password", ["0112345678", "09123456789", "1912345678", "+1-912-345-6789"])
def test_other_numbers_are_not_phone_numbers(password: str) -> None:
    assert reason(password) != "phone"


@pytest.mark.parametrize("password", ["A123456789", "a123456789", "F131104093", "A800000014", "AC01234567"])
def test_national_ids_and_resident_numbers(password: str) -> None:
    assert reason(password) == "national-id"


def test_an_id_with_a_failing_checksum_is_not_an_id() -> None:
    assert reason("A123456788") != "national-id"


@pytest.mark.parametrize("password", ["mofa2017", "MOFA2017", "boca@123", "2017Boca!", "外交部2017", "permit-system#1"])
def test_name_plus_digits(password: str) -> None:
    assert reason(password) == "name-plus-digits"


def test_a_name_inside_other_letters_is_not_name_plus_digits() -> None:
    assert reason("mofacts2017xyz") is None
    without_names = weakness("mofa2017")
    assert without_names is None or without_names.reason != "name-plus-digits"


@pytest.mark.parametrize(
    "password",
    [
        "qwerty",
        "qwertyuiop",
        "poiuytrewq",
        "asdfghjkl",
        "1qaz2wsx",
        "zaq12wsx",
        "1qaz@WSX",
        "1qazxsw2",
        "qazwsx",
        "qweasdzxc",
        "zxcvbnm,./",
        "qwerty2017!",
        "Asdf1234!@#$",
        "1234567890",
        "!@#$%^&*()",
    ],
)
def test_keyboard_walks(password: str) -> None:
    assert reason(password) == "keyboard-walk"


@pytest.mark.parametrize("password", ["qwe", "qwex", "qwerty-plus-words", "2017qwerty", "qwaszx12"])
def test_not_keyboard_walks(password: str) -> None:
    assert reason(password) != "keyboard-walk"


@pytest.mark.parametrize(
    "password",
    [
        "password",
        "Password1",
        "iloveyou",
        "p@ssw0rd",
        "P@ssw0rd",
        "taiwan123",
        "admin123",
        "monkey",
        "5201314",
        "abc123",
    ],
)
def test_common_passwords(password: str) -> None:
    assert reason(password) == "common"


@pytest.mark.parametrize("password", ["", "Xq7!", "aB3$eF", "t0Ps3c", "aB3$eF9"])
def test_too_short(password: str) -> None:
    assert reason(password) == "too-short"


def test_eight_characters_are_long_enough() -> None:
    assert reason("aB3$eF9x") is None


# --- the order of reasons ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "account", "expected"),
    [
        ("admin123", "admin", "equals-account"),  # before common
        ("admin123", None, "common"),
        ("qwerty", None, "keyboard-walk"),  # before common and too-short
        ("170101", None, "roc-date"),  # before too-short
        ("0987654321", None, "phone"),  # before keyboard-walk
        ("a123456789", None, "national-id"),  # before common
        ("mofa", None, "name-plus-digits"),  # before too-short
    ],
)
def test_the_first_reason_wins(password: str, account: str | None, expected: str) -> None:
    assert reason(password, account) == expected


# --- strong passwords and messages ---------------------------------------------------------


@pytest.mark.parametrize(
    "password", ["Xq7#vR2m!pL9wZ", "correct horse battery staple", "k8J#2mVq$9wLp4Rz", "綠島小夜曲-Tq8#x"]
)
def test_strong_passwords_pass(password: str) -> None:
    assert weakness(password, account="admin", names=NAMES) is None


def test_random_passwords_pass() -> None:
    rng = random.Random(20170102)
    alphabet = string.ascii_letters + string.digits + "!#$%&*+-.:=?@^_~"
    for _ in range(500):
        password = "".join(rng.choice(alphabet) for _ in range(rng.randint(12, 24)))
        assert weakness(password, account="admin", names=NAMES) is None, password


@given(st.text(min_size=8, max_size=40))
def test_weakness_is_total_and_reasons_are_known(password: str) -> None:
    found = weakness(password, account="admin", names=NAMES)
    assert found is None or found.reason in {
        "equals-account",
        "date",
        "roc-date",
        "phone",
        "national-id",
        "name-plus-digits",
        "keyboard-walk",
        "common",
        "too-short",
    }


def test_details_never_depend_on_the_password() -> None:
    # Two different passwords with the same reason get the very same messages, so no message
    # can carry a password or a part of it.
    pairs = [
        (("admin", "admin"), ("operator42", "operator")),
        (("20170101", None), ("1999-12-31", None)),
        (("0650101", None), ("1130315", None)),
        (("0912345678", None), ("02-2345-6789", None)),
        (("A123456789", None), ("F131104093", None)),
        (("mofa2017", None), ("外交部2017", None)),
        (("qwerty", None), ("1qaz2wsx", None)),
        (("iloveyou", None), ("p@ssw0rd", None)),
        (("Xq7!", None), ("aB3$eF", None)),
    ]
    for (first, first_account), (second, second_account) in pairs:
        one = weakness(first, account=first_account, names=NAMES)
        other = weakness(second, account=second_account, names=NAMES)
        assert isinstance(one, WeakPassword)
        assert one == other
        assert one.detail_en and one.detail_zh
        assert first not in one.detail_en + one.detail_zh


def test_the_common_list_is_packaged_lower_case() -> None:
    listed = common_passwords()
    assert 200 <= len(listed) <= 600
    assert all(entry == entry.lower() and entry == entry.strip() for entry in listed)
    for required in ("123456", "1qaz2wsx", "qwerty", "password", "taiwan123", "admin123", "p@ssw0rd", "a123456789"):
        assert required in listed


# --- key names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "Password",
        "PASSWORD",
        "passwd",
        "pwd",
        "pass",
        "secret",
        "passphrase",
        "密碼",
        "db_password",
        "DB_PASSWORD",
        "adminPassword",
        "mail.password",
        "spring.datasource.password",
        "x-secret",
        "client_secret",
        "secret_key",
        "DB_PASS",
        "adminPass",
        "smtp-passwd",
        "user_pwd",
        "new_password",
        "password2",
        "password_confirm",
        "預設密碼",
        "管理者密碼",
        "  password  ",
    ],
)
def test_password_keys(key: str) -> None:
    assert is_password_key(key)
    stripped = key.strip()
    assert PASSWORD_KEY_PATTERN.search(stripped)
    assert PASSWORD_KEY_PATTERN.match(stripped)
    assert PASSWORD_KEY_PATTERN.fullmatch(stripped)


@pytest.mark.parametrize(
    "key",
    [
        "password_policy",
        "passwordPolicy",
        "passwordLength",
        "PASSWORD_MIN_LENGTH",
        "password_min_length",
        "passwordSource",
        "password_file",
        "passwordRef",
        "password_hash",
        "password_expiry_days",
        "passwordless",
        "secretName",
        "secret_name",
        "secretKeyRef",
        "passwordSecretRef",
        "bypass",
        "BYPASS",
        "compass",
        "passport",
        "passenger",
        "username",
        "account",
        "密碼原則",
        "密碼長度",
        "",
    ],
)
def test_keys_that_are_not_passwords(key: str) -> None:
    assert not is_password_key(key)
    assert PASSWORD_KEY_PATTERN.search(key) is None
