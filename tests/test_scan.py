"""Identifiers and guessable passwords in ordinary configuration files, masked everywhere."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from policylint.report import REPORTERS
from tests.conftest import AS_OF, Result, shown

Run = Callable[..., Result]
PLANTED = "F131104093"  # a valid national ID (checksum verified in tests/detectors)
RESIDENT = "A800000014"  # a valid 2021-format resident certificate number

TREE = {
    "deploy/compose.yaml": (
        f"services:\n  db:\n    environment:\n      ADMIN_ID: {PLANTED}\n      POSTGRES_PASSWORD: 1qaz2wsx\n"
    ),
    "deploy/secret.json": '{"auth": {"username": "svc", "password": "svc2024"}, "note": "call 0912345678"}\n',
    ".env": f"DB_USER=app\nDB_PASSWORD=20170101\n# owner {RESIDENT}\nAPI_TOKEN_REF=${{VAULT_TOKEN}}\n",
    "conf/app.properties": "mail.user=mission\nmail.password=Xq7#vR2m!pL9wZ\n",
    "conf/settings.ini": "[db]\npassword = 0650101\nsecret_name = prod-db\n",
    "conf/app.toml": 'title = "x"\n[db]\npassword = "${DB_PASSWORD}"\n',
    "data/seed.csv": f"name,id\n王小明,{PLANTED}\n測試,A123456788\n",
    "docs/readme.md": f"{PLANTED} in a markdown file is not configuration\n",
    "deploy/configmap.yaml": (
        f"kind: ConfigMap\ndata:\n  seed.sql: |\n    -- owner\n    INSERT INTO users VALUES ('{PLANTED}');\n"
    ),
    # A password key inside a merged mapping, and one spelled with an escape: keys the text
    # does not show as they are, which the walk for password keys must still reach.
    "deploy/merged.yaml": 'name: x\nbase:\n  <<: {db: {password: "20170101"}}\n',
    "deploy/escaped.yaml": 'name: x\nsvc:\n  "p\\x61ssword": "20170101"\n',
}
EXPECTED = {
    ("deploy/compose.yaml", 4, "national-id-in-config"),
    ("deploy/compose.yaml", 5, "rule-derived-passwords"),
    ("deploy/secret.json", 1, "rule-derived-passwords"),
    (".env", 2, "rule-derived-passwords"),
    (".env", 3, "national-id-in-config"),
    ("conf/settings.ini", 2, "rule-derived-passwords"),
    ("data/seed.csv", 2, "national-id-in-config"),
    ("deploy/configmap.yaml", 5, "national-id-in-config"),
    ("deploy/merged.yaml", 3, "rule-derived-passwords"),
    ("deploy/escaped.yaml", 3, "rule-derived-passwords"),
}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    for name, text in TREE.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def _report(run: Run, tree: Path, *options: str) -> Result:
    return run(
        "check", str(tree), "--as-of", AS_OF, "--select", "national-id-in-config,rule-derived-passwords", *options
    )


def test_flags_exactly_the_identifiers_and_guessable_passwords(run: Run, tree: Path) -> None:
    result = _report(run, tree, "--format", "json")
    assert result.code == 1
    report = json.loads(result.out)
    findings = report["findings"]
    found = {(str(Path(f["file"]).relative_to(shown(tree))), f["line"], f["policy"]) for f in findings}
    assert found == EXPECTED
    compose = next(f for f in findings if f["file"].endswith("compose.yaml") and f["line"] == 4)
    assert (compose["column"], compose["pointer"]) == (17, "/services/db/environment/ADMIN_ID")
    assert report["rules"][compose["policy"]]["references"] == [{"case": "20170101", "reminder": 1}]


@pytest.mark.parametrize("output_format", sorted(REPORTERS))
def test_no_output_contains_a_planted_identifier_or_password(run: Run, tree: Path, output_format: str) -> None:
    (tree / "bad.yaml").write_text(
        "apiVersion: policylint/v1\nkind: InformationSystem\nmetadata: {name: x, agency: y}\n"
        f"spec:\n  authentication:\n    defaultCredentials:\n      accountSource: {PLANTED}\n",
        encoding="utf-8",
    )
    result = _report(run, tree, "--format", output_format)
    assert result.code == 2, "the invalid descriptor is an error, whose message quotes the value"
    everything = result.out + result.err
    for secret in (PLANTED, RESIDENT, "1qaz2wsx", "0650101", "svc2024"):
        assert secret not in everything
    assert "F1******93" in everything


def test_fingerprints_do_not_hold_the_value(run: Run, tree: Path) -> None:
    findings = json.loads(_report(run, tree, "--format", "json").out)["findings"]
    import hashlib

    plain = hashlib.sha256(PLANTED.encode()).hexdigest()
    assert all(plain[:16] not in f["fingerprint"] for f in findings)


def test_git_ignored_files_are_skipped(run: Run, tree: Path) -> None:
    import subprocess

    subprocess.run(["git", "init", "-q", str(tree)], check=True)
    (tree / ".gitignore").write_text("data/\n", encoding="utf-8")
    findings = json.loads(_report(run, tree, "--format", "json").out)["findings"]
    assert not any(f["file"].endswith("seed.csv") for f in findings)
