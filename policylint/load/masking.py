"""The one place where text bound for any output is stripped of what it must not show:
personal identifiers (masked) and, in quoted source lines, the values of password keys."""

from __future__ import annotations

import re

from policylint.load.identifiers import mask, redact

__all__ = ["PASSWORD_KEY_PATTERN", "SECRET_MASK", "is_password_key", "mask", "one_line", "redact", "redact_source_line"]

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


def redact_source_line(line: str) -> str:
    """A quoted source line: identifiers masked, and every password-like key's value hidden."""

    def hide(match: re.Match[str]) -> str:
        if not is_password_key(match.group("key").strip("\"'")):
            return match.group(0)
        return match.group("key") + match.group("separator") + SECRET_MASK

    return redact(_PAIR.sub(hide, line))


# Control and bidirectional-override characters: a newline could forge an output line, an
# escape sequence or an override could rewrite what a terminal shows.
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def one_line(text: str) -> str:
    """``text`` on one line, its control characters escaped as in Python (``\\n``, ``\\x1b``)."""
    return _UNSAFE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)
