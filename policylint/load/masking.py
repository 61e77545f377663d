"""The one place where text bound for any output is stripped of what it must not show:
personal identifiers (masked) and, in quoted source lines, the values of password keys."""

from __future__ import annotations

import re
from functools import cache

from policylint.load.identifiers import mask, redact

__all__ = [
    "PASSWORD_KEY_PATTERN",
    "SECRET_MASK",
    "escape_and_mask",
    "is_password_key",
    "mask",
    "quoted",
    "redact",
    "redact_source_line",
    "redact_source_text",
]

# A key holds a password when its last word is a password word, optionally followed by a
# word that still names the value itself (password2, password_confirm, secret_key). Any
# other trailing word makes the key a property of passwords instead: passwordLength,
# password_policy, passwordSource, password_min_length, secretName, secretKeyRef.
# "pass" alone needs a word boundary before it, so that bypass and compass stay out; a
# camel-case boundary (adminPass) is recognised case-sensitively. The pattern spans the
# whole key, so search, match and fullmatch all agree.
PASSWORD_KEY_PATTERN: re.Pattern[str] = re.compile(
    r"""
    \A.*?
    (?:
        (?:password|passwd|passphrase|pwd|secret)
      | (?:\A|(?<=[^a-z0-9])|(?-i:(?<=[a-z0-9])(?=Pass)))pass
      | 密碼
    )
    (?:[-_.\s]?(?:\d+|value|text|plain|plaintext|confirm|confirmation|again|repeat|verify|key))?
    \Z
    """,
    re.IGNORECASE | re.VERBOSE | re.DOTALL,
)


def is_password_key(key: str) -> bool:
    """Does a key of this name hold a password (not a password's policy, length or source)?"""
    return PASSWORD_KEY_PATTERN.fullmatch(key.strip()) is not None


SECRET_MASK = "********"
# key: value, key = value, KEY=VALUE, "key": "value" (also inside JSON or flow mappings)
_PAIR = re.compile(
    r"""(?P<key>"[^"\n]*"|'[^'\n]*'|[^\s=:#;"'\[\]{},]+)(?P<separator>\s*[=:]\s*)"""
    r"""(?P<value>"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s,}\]#]+)"""
)


# What the name of every password key holds, matched as PASSWORD_KEY_PATTERN matches it: a
# line without one has no value to hide.
_PASSWORD_WORD = re.compile("pass|pwd|secret|密碼", re.IGNORECASE)


def _names_password_ascii(lowered: str) -> bool:
    """Would _PASSWORD_WORD find a word in this ASCII text, lowered? (Its case-insensitive
    scan tests every character in turn; an ASCII letter matches a pattern letter only as
    itself or its ASCII capital.)"""
    return "pass" in lowered or "pwd" in lowered or "secret" in lowered


def redact_source_line(line: str) -> str:
    """A quoted source line: identifiers masked, and every password-like key's value hidden."""
    return redact(_PAIR.sub(_hide, line))


def redact_source_text(text: str) -> str:
    """Every line of ``text`` (split at ``\\n``) as ``redact_source_line`` gives it: values hidden
    in the few lines that name a password, then identifiers masked in the whole, as none spans
    a line (a file's lines one by one took longer than checking the file)."""
    if text.isascii() and not _names_password_ascii(text.lower()):  # nearly every line: no regex scan
        return redact(text)
    pieces: list[str] = []
    done = 0
    for word in _PASSWORD_WORD.finditer(text):
        if word.start() >= done:  # a line not yet seen
            start = text.rfind("\n", 0, word.start()) + 1
            end = text.find("\n", word.end()) % (len(text) + 1)  # -1: the text's end
            pieces += (text[done:start], _PAIR.sub(_hide, text[start:end]))
            done = end
    return redact("".join(pieces) + text[done:] if pieces else text)


def _hide(match: re.Match[str]) -> str:
    if not is_password_key(match.group("key").strip("\"'")):
        return match.group(0)
    return match.group("key") + match.group("separator") + SECRET_MASK


# Control and bidirectional-override characters: a newline could forge an output line, an
# escape sequence or an override could rewrite what a terminal shows. str.isprintable()
# rejects every one of them, so a printable text (nearly every one) is not searched, and the
# pattern is compiled only when a text is not (2.5 M instructions of a pre-commit run).
@cache
def _unsafe() -> re.Pattern[str]:
    return re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def escape_and_mask(text: str) -> str:
    """``text`` on one line, identifiers masked, then control characters escaped as in
    Python (``\\n``, ``\\x1b``). Masking comes first: escaping ``\\nA123456789`` first would
    put a letter before the ID, and an ID that touches a letter is not a whole token."""
    masked = redact(text)
    if masked.isprintable():
        return masked
    return _unsafe().sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), masked)


# A masked identifier as ``mask`` writes one: what a masked file name holds.
_MASKED = re.compile(r"[A-Z][1289A-D]\*{6}[0-9]{2}")
_MASKED_NAME_NOTES = {
    "zh-TW": "檔案名稱含個人識別碼，已遮罩，故回報於其所在資料夾",
    "en": "the file name holds a personal identifier and is shown masked, so this is reported at its folder",
}


def masked_name_note(lang: str) -> str:
    """Why a finding on a masked file name is reported at a folder."""
    return _MASKED_NAME_NOTES.get(lang, _MASKED_NAME_NOTES["en"])


def folder_of_masked(path: str) -> str | None:
    """The nearest folder of ``path`` whose name is shown whole, when a part of ``path`` is a
    masked identifier (a masked path locates no file); None when ``path`` is whole."""
    parts = path.replace("\\", "/").split("/")
    masked = next((index for index, part in enumerate(parts) if _MASKED.search(part)), None)
    if masked is None:
        return None
    return "/".join(parts[:masked]) or "."


# What ``quoted`` escapes: a fixed set, where repr() asks the running Python's Unicode tables,
# which grow with each version (3.10 shows U+1FAE0 as '\U0001fae0', 3.11 as the character).
# Controls, invisible spaces and format characters, surrogates and tag characters.
@cache
def _invisible() -> re.Pattern[str]:
    """Compiled when first needed: its ranges cost 5 M instructions to compile, a hundredth
    of a pre-commit run, which seldom quotes a value."""
    return re.compile(
        "[\x00-\x1f\x7f-\xa0\xad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u2000-\u200f"
        "\u2028-\u202f\u205f-\u206f\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufffb\ud800-\udfff"
        "\U0001d173-\U0001d17a\U000e0000-\U000e0fff]"
    )


_NAMED_ESCAPES = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}


def quoted(value: object) -> str:
    """``value`` as repr() shows it, the same on every Python, its identifiers masked first:
    text in quotes, with repr()'s escapes for ASCII, and only a fixed set of others escaped."""
    if isinstance(value, str):
        return _quoted_text(redact(value))
    if isinstance(value, list | tuple):
        items = ", ".join(quoted(item) for item in value)
        return f"[{items}]" if isinstance(value, list) else f"({items}{',' if len(value) == 1 else ''})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{quoted(key)}: {quoted(item)}" for key, item in value.items()) + "}"
    return repr(value)


def _quoted_text(text: str) -> str:
    quote = '"' if "'" in text and '"' not in text else "'"
    body = text.replace("\\", "\\\\").replace(quote, "\\" + quote)
    return quote + _invisible().sub(_escape, body) + quote


def _escape(match: re.Match[str]) -> str:
    character = match.group()
    code = ord(character)
    if character in _NAMED_ESCAPES:
        return _NAMED_ESCAPES[character]
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"
