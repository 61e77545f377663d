"""The spool a reporter writes what it prints late to: the same bytes whether it stays in
memory or goes to disk, and read back in whole lines."""

from __future__ import annotations

import io

import pytest

from policylint.report import stream
from policylint.report.stream import Spool

LINES = [f'    {{"file": "系統-{number}.yaml", "line": {number}}},\n' for number in range(20_000)]


def _copied(spool: Spool) -> bytes:
    raw = io.BytesIO()
    out = io.TextIOWrapper(raw, encoding="utf-8", newline="")
    spool.copy_to(out)
    out.flush()
    return raw.getvalue()


@pytest.mark.parametrize("held", [1, 1 << 10, 1 << 30])
def test_a_spool_gives_back_what_was_written_held_or_on_disk(monkeypatch: pytest.MonkeyPatch, held: int) -> None:
    monkeypatch.setattr(stream, "_HELD", held)
    spool = Spool()
    for line in LINES:
        spool.write(line)
    assert not spool.empty
    assert _copied(spool) == "".join(LINES).encode()


def test_a_spool_is_read_back_in_whole_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stream, "_HELD", 1 << 10)
    spool = Spool()
    for line in LINES:
        spool.write(line)
    chunks = list(spool.chunks())
    assert len(chunks) > 1
    assert all(chunk.endswith("\n") for chunk in chunks)
    assert "".join(chunks) == "".join(LINES)


def test_a_lone_surrogate_is_kept_to_be_written_by_the_outputs_rules() -> None:
    spool = Spool()
    spool.write("bad-\udcff.yaml\n")
    out = io.StringIO()
    spool.copy_to(out)
    assert out.getvalue() == "bad-\udcff.yaml\n"


def test_an_empty_spool_copies_nothing() -> None:
    spool = Spool()
    spool.write("")
    assert spool.empty
    assert _copied(spool) == b""
