"""What the standard library words differently from one Python to the next, policylint words
itself: these cases give the same bytes on 3.10 to 3.13 (``.ci/run`` runs them on each)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from policylint.load.masking import quoted
from tests.conftest import AS_OF, DESCRIPTOR_HEAD, Result

Run = Callable[..., Result]
Write = Callable[[str, str], Path]


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("plain", "'plain'"),
        ("it's", '"it\'s"'),
        ("tab\tnew\nline\x1b\x7f\\", "'tab\\tnew\\nline\\x1b\\x7f\\\\'"),
        ("\xa0\u200b\ufeff", "'\\xa0\\u200b\\ufeff'"),
        # Unicode 14 and 15 characters: repr() escapes them on older Pythons, shows them on newer
        ("\U0001fae0 \U0001fae8 \u0cf3", "'\U0001fae0 \U0001fae8 \u0cf3'"),
        ("中文", "'中文'"),
        (["a", 1, None], "['a', 1, None]"),
        (2.5, "2.5"),
    ],
)
def test_values_are_quoted_the_same_on_every_python(value: object, shown: str) -> None:
    assert quoted(value) == shown


def test_a_wrong_value_with_new_unicode_characters_reads_the_same(run: Run, write: Write) -> None:
    path = write("new-characters.yaml", DESCRIPTOR_HEAD + "  protectionGrade: \U0001fae8\u0cf3\n")
    result = run("check", "--lang", "en", "--as-of", AS_OF, str(path))
    assert result.code == 2
    assert "'spec.protectionGrade': Input should be '普', '中' or '高' (got '\U0001fae8\u0cf3')" in result.err


def test_help_shows_options_the_same_on_every_python(run: Run, capsys: pytest.CaptureFixture[str]) -> None:
    """argparse up to 3.12 writes ``--output FILE, -o FILE``, 3.13 ``--output, -o FILE``."""
    with pytest.raises(SystemExit):
        run("check", "--help")
    help_text = capsys.readouterr().out
    assert "  --output, -o FILE     write the report to FILE" in help_text
    assert "  --jobs, -j N          worker processes" in help_text
