"""Configuration files, parameters, extra policy directories and entry-point packs."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import DESCRIPTOR_HEAD, Result
from tests.test_catalog import GUIDELINE, POLICY

Run = Callable[..., Result]
Write = Callable[[str, str], Path]
LOCKOUT = (
    DESCRIPTOR_HEAD
    + """\
  loginProtection:
    rateLimit: {perIpPerMinute: 10, perAccountPerMinute: 5}
    lockout: {enabled: true, threshold: 5, durationMinutes: 15}
"""
)


@pytest.fixture
def in_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _findings(result: Result) -> list[dict]:  # type: ignore[type-arg]
    return json.loads(result.out)["findings"]  # type: ignore[no-any-return]


def test_parameter_override_tightens_a_policy(run: Run, write: Write, in_dir: Path) -> None:
    system = write("system.yaml", LOCKOUT)
    assert run("check", str(system), "--select", "login-rate-limit").code == 0
    write(".policylint.yaml", "parameters:\n  login-rate-limit:\n    maxFailures: 3\n")
    result = run("check", str(system), "--select", "login-rate-limit", "--format", "json", "--lang", "en")
    assert result.code == 1
    (finding,) = _findings(result)
    assert finding["pointer"] == "/spec/loginProtection/lockout/threshold"
    assert "expected at most 3" in finding["message"]


def test_config_is_found_walking_up_and_sets_defaults(
    run: Run, write: Write, in_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(".policylint.yaml", "lang: en\nfail-on: critical\nselect: [login-rate-limit]\n")
    system = write("deep/er/system.yaml", DESCRIPTOR_HEAD + "  internetFacing: true\n")
    monkeypatch.chdir(in_dir / "deep" / "er")
    result = run("check", "system.yaml")
    assert result.code == 0  # login-rate-limit is high, below fail-on critical
    assert "loginProtection is not declared; needed by login-rate-limit" in result.out
    assert run("check", "system.yaml", "--fail-on", "high").code == 1  # the command line wins
    assert system.exists()


def test_pyproject_tool_section(run: Run, write: Write, in_dir: Path) -> None:
    write("pyproject.toml", '[project]\nname = "x"\n\n[tool.policylint]\nlang = "en"\nignore = ["audit-logging"]\n')
    result = run("config")
    assert 'lang: "en"  # ' in result.out and "pyproject.toml" in result.out
    assert 'ignore: ["audit-logging"]' in result.out


def test_config_typo_is_an_error_with_line_and_hint(run: Run, write: Write, in_dir: Path) -> None:
    write(".policylint.yaml", "lang: en\nfail_on: high\n")
    result = run("check", str(write("s.yaml", LOCKOUT)))
    assert result.code == 2
    assert ".policylint.yaml:2:1: unknown setting 'fail_on'; did you mean 'fail-on'?" in result.err


def test_config_wrong_type_is_an_error_with_line(run: Run, write: Write, in_dir: Path) -> None:
    write(".policylint.yaml", "lang: en\nmax-file-size: big\n")
    result = run("check", str(write("s.yaml", LOCKOUT)))
    assert result.code == 2
    assert ".policylint.yaml:2:1: 'max-file-size'" in result.err


def test_explicit_config_file_overrides_discovery(run: Run, write: Write, in_dir: Path) -> None:
    write(".policylint.yaml", "lang: zh-TW\n")
    other = write("ci/policylint.yaml", "lang: en\n")
    result = run("config", "--config", str(other))
    assert 'lang: "en"  # ' in result.out and "ci/policylint.yaml:1" in result.out


def test_config_shows_defaults(run: Run, in_dir: Path) -> None:
    result = run("config")
    assert "# configuration file: none found" in result.out
    assert 'fail-on: "low"  # default' in result.out


def test_config_shows_where_each_policy_came_from(
    run: Run, write: Write, in_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write("org-pack/agency-mfa.yaml", POLICY)
    write("org-pack/guideline.yaml", GUIDELINE)
    write("repo/.policylint.yaml", "policies: [../org-pack]\n")
    monkeypatch.chdir(in_dir / "repo")
    result = run("config")
    assert "#   agency-mfa: ../org-pack/agency-mfa.yaml\n" in result.out
    assert "#   audit-logging: built-in\n" in result.out
    assert "may lie outside the repository" in result.out
    assert str(in_dir) not in result.out


def test_include_and_exclude_globs(run: Run, write: Write, in_dir: Path) -> None:
    write("systems/a.yaml", LOCKOUT.replace("test-system", "a"))
    write("vendor/b.yaml", LOCKOUT.replace("test-system", "b"))
    write(".policylint.yaml", "exclude: ['vendor/*']\n")
    report = json.loads(run("check", ".", "--format", "json", "--select", "login-rate-limit").out)
    assert [s["system"] for s in report["systems"]] == ["a"]


def test_extra_policy_directory_from_config(run: Run, write: Write, in_dir: Path) -> None:
    write("agency/agency-mfa.yaml", POLICY)
    write("agency/guideline.yaml", GUIDELINE)
    write(".policylint.yaml", "policies: [agency]\n")
    result = run("check", str(write("s.yaml", LOCKOUT)), "--select", "agency-mfa", "--format", "json")
    (finding,) = _findings(result)
    shared = json.loads(result.out)["rules"][finding["policy"]]  # policylint/v2: what a policy's findings share
    assert finding.get("references", shared["references"]) == [{"case": "TC-1", "reminder": 1}]
    assert finding["status"] == "not_declared"


@pytest.fixture
def policy_pack(tmp_path: Path) -> Iterator[Path]:
    """An installed policy pack: a module and a dist-info registering it as an entry point."""
    site = tmp_path / "site"
    pack = site / "agency_pack"
    pack.mkdir(parents=True)
    (pack / "__init__.py").write_text(
        "from pathlib import Path\n\ndef policies():\n    return Path(__file__).parent / 'policies'\n"
    )
    (pack / "policies").mkdir()
    (pack / "policies" / "agency-mfa.yaml").write_text(POLICY, encoding="utf-8")
    (pack / "policies" / "guideline.yaml").write_text(GUIDELINE, encoding="utf-8")
    info = site / "agency_pack-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: agency-pack\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text("[policylint.policies]\nagency = agency_pack:policies\n")
    sys.path.insert(0, str(site))
    yield site
    sys.path.remove(str(site))
    sys.modules.pop("agency_pack", None)


def test_entry_point_pack_joins_the_catalog(run: Run, policy_pack: Path) -> None:
    rules = json.loads(run("rules", "--format", "json").out)
    assert "agency-mfa" in [rule["id"] for rule in rules]


def test_rules_show_where_each_policy_comes_from(run: Run, write: Write, in_dir: Path, policy_pack: Path) -> None:
    """Built in, the TWGCB pack, an installed pack by its name, a directory's file relative to
    the working directory; never a path of the machine. ``config`` says the same."""
    renamed = {"agency-mfa": "agency-audit", "agency-rules": "org-rules", "TC-1": "TC-2", "ACT-1": "ACT-2"}
    policy, guideline = POLICY, GUIDELINE
    for old, new in renamed.items():
        policy, guideline = policy.replace(old, new), guideline.replace(old, new)
    write("org/agency-audit.yaml", policy)
    write("org/guideline.yaml", guideline)
    rules = json.loads(run("rules", "--format", "json", "--policies", "org").out)
    origins = {rule["id"]: rule["origin"] for rule in rules}
    assert origins["audit-logging"] == {"kind": "built-in"}
    assert origins["twgcb-lockout-duration"] == {"kind": "twgcb"}
    assert origins["agency-mfa"] == {"kind": "pack", "name": "agency"}
    assert origins["agency-audit"] == {"kind": "directory", "path": "org/agency-audit.yaml"}
    text = run("rules", "--policies", "org").out
    lines = {line.split()[0]: line for line in text.splitlines()}
    pack, directory = lines["agency-mfa"], lines["agency-audit"]
    assert pack.index("  pack agency  ") == directory.index("  org/agency-audit.yaml  ")  # a column
    title = directory.index("org/") + len("org/agency-audit.yaml  ")  # the widest origin, two spaces
    assert pack.index("多因子驗證") == directory.index("多因子驗證") == title
    assert lines["audit-logging"].index(" built-in ") + 1 == directory.index("org/")
    assert "  twgcb  " in lines["twgcb-lockout-duration"]
    assert str(in_dir) not in text and str(policy_pack) not in text
    write(".policylint.yaml", "policies: [org]\n")
    config = run("config").out
    assert "#   agency-mfa: pack agency\n" in config and "#   agency-audit: org/agency-audit.yaml\n" in config
    assert "#   twgcb-lockout-duration: twgcb\n" in config


def test_verify_runs_policy_examples(run: Run, write: Write, tmp_path: Path) -> None:
    write("examples/login-rate-limit/pass/ok.yaml", LOCKOUT)
    result = run("verify", str(tmp_path / "examples"))
    assert result.code == 0
    assert "1 of 1 policy examples behave as declared" in result.out
    write(
        "examples/login-rate-limit/fail/wrong.yaml", "# expect: login-rate-limit failed 1:1 /x 20170101-3\n" + LOCKOUT
    )
    result = run("verify", str(tmp_path / "examples"))
    assert result.code == 1
    assert "FAIL login-rate-limit fail" in result.out


_WAIVER = {"policy": "p", "reason": "r", "owner": "o", "expires": "2027-01-01", "system": "s"}
CONFIG_SAMPLES: list[dict[str, Any]] = [
    {},
    {"fail-on": "high", "lang": "en", "select": ["a"], "ignore": ["b"], "max-file-size": 10},
    {"parameters": {"p": {"days": 90, "list": [1, "x"]}}, "policies": ["extra"], "include": ["*.yaml"]},
    {"waivers": [_WAIVER, {**_WAIVER, "system": None, "path": "a/*.yaml", "pointer": "/spec"}]},
    {"fail-on": "severe"},
    {"max-file-size": "10"},
    {"max-file-size": 0},
    {"max-file-size": True},
    {"select": "a"},
    {"select": [1]},
    {"parameters": {"p": 1}},
    {"parameters": {1: {"days": 1}}},
    {"unknown": 1},
    {"waivers": [{**_WAIVER, "reason": " "}]},
    {"waivers": [{**_WAIVER, "system": None}]},
    {"waivers": [{**_WAIVER, "expires": 1700000000}]},
    {"waivers": [{**_WAIVER, "expires": "2027-01-01T10:00:00"}]},
    {"waivers": [{**_WAIVER, "extra": 1}]},
    {"waivers": [{key: value for key, value in _WAIVER.items() if key != "owner"}]},
]


@pytest.mark.parametrize("data", CONFIG_SAMPLES, ids=[json.dumps(sample) for sample in CONFIG_SAMPLES])
def test_settings_check_agrees_with_pydantic(data: dict[str, Any]) -> None:
    """Settings are checked against their shipped schema, without pydantic; whatever that check
    accepts, pydantic must accept as the same settings, and what it refuses it must refuse."""
    from pydantic import TypeAdapter, ValidationError

    from policylint.model.checker import Invalid
    from policylint.model.config import Settings, checked_settings

    try:
        expected: Settings | None = TypeAdapter(Settings).validate_json(json.dumps(data, default=str))
    except ValidationError:
        expected = None
    try:
        checked: Settings | None = checked_settings(data)
    except (Invalid, ValueError):
        checked = None
    assert checked == expected


def test_a_valid_configuration_does_not_import_pydantic(write: Write, in_dir: Path) -> None:
    """A valid file is checked against the shipped schema: no pydantic import, from the first run."""
    write(
        ".policylint.yaml",
        "fail-on: high\nwaivers:\n  - {policy: p, reason: r, owner: o, expires: 2027-01-01, path: a}\n",
    )
    code = "import sys; from policylint.cli.commands import find_config, load_config; from pathlib import Path; "
    code += "load_config(find_config(Path.cwd())); print('pydantic' in sys.modules)"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"
