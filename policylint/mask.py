"""The one place where text bound for any output is stripped of what it must not show:
personal identifiers (masked) and, in quoted source lines, the values of password keys."""

from __future__ import annotations

import re

from policylint.detectors.identifiers import mask, redact

__all__ = ["SECRET_MASK", "mask", "one_line", "redact", "redact_source_line"]

SECRET_MASK = "********"
# key: value, key = value, KEY=VALUE, "key": "value" (also inside JSON or flow mappings)
_PAIR = re.compile(
    r"""(?P<key>"[^"\n]*"|'[^'\n]*'|[^\s=:#;"'\[\]{},]+)(?P<separator>\s*[=:]\s*)"""
    r"""(?P<value>"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^\s,}\]#]+)"""
)


def redact_source_line(line: str) -> str:
    """A quoted source line: identifiers masked, and every password-like key's value hidden."""
    from policylint.detectors.passwords import is_password_key

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
