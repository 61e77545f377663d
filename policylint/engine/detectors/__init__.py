"""File detectors: the Python checks for what policy data cannot express.

They read the text of every configuration file (not only descriptors) and report hits with
a location and a masked detail. A detected value never leaves this module whole. A hit
carries a keyed hash of it only when the organisation configures its own key
(POLICYLINT_FINGERPRINT_KEY): a hash under a key anyone can read gives the value back to
whoever tries the few candidates that fit its mask. Without a key, a finding is identified
by what is not secret: where it sits.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from policylint.load.documents import Document, Position, escape_pointer_token
from policylint.load.hostnames import FILE_NAMES as HOST_FILE_NAMES
from policylint.model.results import Localized

# Suffixes of the text configuration files that detectors read; dot-files such as `.env` too.
CONFIG_SUFFIXES = (".yaml", ".yml", ".json", ".env", ".properties", ".ini", ".cfg", ".conf", ".toml", ".csv")
STRUCTURED_SUFFIXES = (".yaml", ".yml", ".json")
FINGERPRINT_KEY_VARIABLE = "POLICYLINT_FINGERPRINT_KEY"
FILE_NAME_ANCHOR = "(file name)"
_ACCOUNT_KEYS = ("account", "username", "user", "login", "userid", "user_name", "帳號")
_REFERENCE = re.compile(r"^(\$\{.*\}|\$[A-Z_][A-Z0-9_]*|\{\{.*\}\}|<[^>]*>|\*+|\$ANSIBLE_VAULT.*|ENC\[.*\])$", re.S)
_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?(?P<key>[^\s=:#;\[]+)\s*[=:]\s*(?P<value>.*?)\s*$")


class Hit(NamedTuple):
    position: Position
    pointer: str
    detail: Localized
    digest: str  # the keyed hash of the value; "" without the organisation's key
    anchor: str = ""  # where it sits when no pointer says it: a key of a line, the file name


class ScanInput(NamedTuple):
    display: str
    text: str
    documents: tuple[Document, ...]
    names: tuple[str, ...]
    path: str = ""  # the file's name unmasked (``display`` is masked), for the file-name check
    utf8: bytes | None = None  # ``text`` encoded, when the file held exactly that


Detector = Callable[[ScanInput], Iterator[Hit]]


def is_config_file(name: str) -> bool:
    lowered = name.lower()
    return lowered.endswith(CONFIG_SUFFIXES) or lowered.rsplit("/", 1)[-1] == ".env"


def keyed_digest(value: str) -> str:
    """An HMAC of ``value`` under the organisation's key, or "" when none is configured."""
    key = os.environ.get(FINGERPRINT_KEY_VARIABLE)
    if not key:
        return ""
    return _hmac(key, value.encode("utf-8"))[:32]


_KEY_CHECK = b"policylint fingerprint key check"


def fingerprint_key_kind() -> str:
    """Which key detector fingerprints are made under, for a baseline to record: "unkeyed", or
    "keyed:" and an HMAC of a constant under the key. That tells one key from another and gives
    back nothing but what a key that can be guessed gives anyway (a digest of a known value)."""
    key = os.environ.get(FINGERPRINT_KEY_VARIABLE)
    if not key:
        return "unkeyed"
    return "keyed:" + _hmac(key, _KEY_CHECK)[:16]


def _hmac(key: str, message: bytes) -> str:
    # Imported here: hashlib's import sets OpenSSL up (11 M instructions, a fiftieth of a
    # pre-commit run), and only a run with a key configured digests anything.
    import hashlib
    import hmac

    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


# --- national ID and resident certificate numbers -------------------------------------

_KINDS = {
    "national-id": Localized("身分證字號", "national ID number"),
    "resident-id-old": Localized("居留證號（舊式）", "resident certificate number (old format)"),
    "resident-id-new": Localized("居留證號（新式）", "resident certificate number (2021 format)"),
}


def national_ids(scan: ScanInput) -> Iterator[Hit]:
    from policylint.load.identifiers import find_identifiers, line_col, mask

    for match in find_identifiers(scan.text, scan.utf8):
        line, column = line_col(scan.text, match.start)
        kind = _KINDS.get(match.kind, _KINDS["national-id"])
        detail = Localized(f"{kind.zh} {mask(match.value)}", f"{kind.en} {mask(match.value)}")
        yield Hit(Position(line, column), "", detail, keyed_digest(match.value))
    yield from _identifiers_in_name(scan.path)


def _identifiers_in_name(path: str) -> Iterator[Hit]:
    """A file name is published in logs, artefacts and pull requests: an ID in it is a leak."""
    from policylint.load.identifiers import find_identifiers, mask

    for match in find_identifiers(path):
        kind = _KINDS.get(match.kind, _KINDS["national-id"])
        shown = mask(match.value)
        detail = Localized(f"檔案名稱含{kind.zh} {shown}", f"{kind.en} {shown} in the file name")
        yield Hit(Position(1, 1), "", detail, keyed_digest(match.value), FILE_NAME_ANCHOR)


# --- weak and rule-derived passwords --------------------------------------------------


def weak_passwords(scan: ScanInput) -> Iterator[Hit]:
    lowered = scan.display.lower()
    if lowered.endswith(HOST_FILE_NAMES):
        return  # account policy (ClearTextPassword = 0, PASS_MIN_LEN 5), never a password
    if lowered.endswith(STRUCTURED_SUFFIXES):
        for document in scan.documents:
            if document.keys is None or _may_name_a_password(document.keys):
                yield from _structured_passwords(document, document.data, "", scan.names)
    else:
        yield from _line_passwords(scan)


def _may_name_a_password(keys: frozenset[str]) -> bool:
    """Whether one of a document's keys names a password. Most documents hold none, and
    walking one costs more than this: keys known not to name one are subtracted in C (most
    documents hold only known keys: tested first, without making the difference)."""
    if _NOT_PASSWORD_KEYS.issuperset(keys):
        return False
    for key in keys - _NOT_PASSWORD_KEYS:
        if _is_password_key(key):
            return True
        if len(_NOT_PASSWORD_KEYS) > 4096:
            _NOT_PASSWORD_KEYS.clear()
        _NOT_PASSWORD_KEYS.add(key)
    return False


_NOT_PASSWORD_KEYS: set[str] = set()


def _structured_passwords(document: Document, root: Any, pointer: str, names: tuple[str, ...]) -> Iterator[Hit]:
    """Password-like keys anywhere in a document; a pointer is built only for a hit."""
    stack: list[tuple[Any, tuple[Any, ...]]] = [(root, ())] if type(root) in _CONTAINERS else []
    while stack:
        value, path = stack.pop()
        if type(value) is list:
            stack.extend((item, (*path, index)) for index, item in enumerate(value) if type(item) in _CONTAINERS)
            continue
        for key, item in value.items():
            kind = type(item)
            if kind is dict or kind is list:
                stack.append((item, (*path, key)))
            elif (kind is str or kind is int) and type(key) is str and _is_password_key(key):
                child = pointer + "".join(f"/{escape_pointer_token(part)}" for part in (*path, key))
                hit = _judge(str(item), _account(value), names, document.position(child), child)
                if hit is not None:
                    yield hit


# The loader makes plain dicts and lists, and only a string key can name a password (no
# number or date prints as one): exact type tests keep this walk over every key cheap.
_CONTAINERS = (dict, list)


def _account(mapping: dict[Any, Any]) -> str | None:
    return next((str(mapping[k]) for k in _ACCOUNT_KEYS if isinstance(mapping.get(k), str)), None)


def _line_passwords(scan: ScanInput) -> Iterator[Hit]:
    for number, line in enumerate(scan.text.splitlines(), start=1):
        match = _ASSIGNMENT.match(line)
        if match is None or line.lstrip().startswith(("#", ";", "//")):
            continue
        if _is_password_key(match.group("key")):
            value = match.group("value").strip().strip("'\"")
            hit = _judge(value, None, scan.names, Position(number, match.start("key") + 1), "")
            if hit is not None:
                yield hit._replace(anchor=match.group("key"))


def _is_password_key(key: str) -> bool:
    """Keys repeat across thousands of files: each is judged once (a dict, not lru_cache,
    for it is asked for every key of every file)."""
    known = _PASSWORD_KEYS.get(key)
    if known is None:
        from policylint.load.masking import is_password_key

        if len(_PASSWORD_KEYS) > 4096:
            _PASSWORD_KEYS.clear()
        known = _PASSWORD_KEYS[key] = is_password_key(key)
    return known


_PASSWORD_KEYS: dict[str, bool] = {}


def _judge(value: str, account: str | None, names: tuple[str, ...], where: Position, pointer: str) -> Hit | None:
    from policylint.engine.detectors.passwords import weakness

    if not value or _REFERENCE.match(value):
        return None  # a reference to a secret, not a secret
    weak = weakness(value, account=account, names=names)
    if weak is None:
        return None
    return Hit(where, pointer, Localized(weak.detail_zh, weak.detail_en), keyed_digest(value))


DETECTORS: dict[str, Detector] = {
    "national-ids": national_ids,
    "weak-passwords": weak_passwords,
}
