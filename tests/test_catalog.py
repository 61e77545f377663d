"""The catalog refuses invalid policies with file:line, and checks references both ways."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from policylint.catalog.compile import MAX_DEPTH
from policylint.catalog.policies import BUILTIN_CATALOG, Catalog, CatalogError, builtin_catalog, load_catalog
from tests.conftest import Result, shown

Write = Callable[[str, str], Path]

POLICY = """\
id: agency-mfa
severity: medium
title: {zh-TW: 多因子驗證, en: Multi-factor authentication}
message: {zh-TW: 未啟用多因子驗證, en: MFA is not enabled}
remediation: {zh-TW: 啟用 MFA, en: Enable MFA}
references:
  - {case: "TC-1", reminder: 1}
laws: [ACT-1]
assert:
  fact: /spec/authentication/mfa/enabled
  op: equals
  value: true
"""

GUIDELINE = """\
id: agency-rules
title: {zh-TW: 機關規範, en: Agency rules}
laws:
  - {id: ACT-1, zh-TW: 資通安全管理法, en: Cyber Security Management Act}
cases:
  - id: TC-1
    title: {zh-TW: 案例, en: Case}
    summary: {zh-TW: 摘要, en: Summary}
    laws: [ACT-1]
    reminders:
      - number: 1
        text: {zh-TW: 啟用多因子驗證, en: Enable MFA}
        policies: [agency-mfa]
"""


def _load(write: Write, policy: str = POLICY, guideline: str = GUIDELINE) -> Catalog:
    policy_path = write("extra/agency-mfa.yaml", policy)
    write("extra/guideline.yaml", guideline)
    return load_catalog([policy_path.parent])


def test_extra_directory_with_its_own_guideline_joins_the_catalog(write: Write) -> None:
    catalog = _load(write)
    assert "agency-mfa" in catalog.policies
    assert catalog.case("TC-1") is not None


def test_invalid_policy_is_refused_with_file_line_and_why(write: Write) -> None:
    with pytest.raises(CatalogError) as raised:
        _load(write, POLICY.replace("severity: medium", "severity: urgent"))
    error = raised.value
    assert error.file.endswith("agency-mfa.yaml")
    assert (error.line, error.column) == (2, 1)
    assert "severity" in error.message and "urgent" in error.message


def test_unknown_operator_is_refused(write: Write) -> None:
    with pytest.raises(CatalogError) as raised:
        _load(write, POLICY.replace("op: equals", "op: roughly"))
    assert raised.value.line == 11


def test_a_condition_too_deep_to_compile_is_refused(write: Write) -> None:
    """A bound on nesting keeps evaluation far from Python's recursion limit: an error
    naming the policy file."""
    nested: dict[str, Any] = {"fact": "/spec/a", "op": "declared"}
    for _ in range(MAX_DEPTH + 1):
        nested = {"each": "/spec/list", "assert": nested}
    deep = POLICY.split("assert:")[0] + "assert: " + json.dumps(nested) + "\n"
    with pytest.raises(CatalogError, match="invalid policy: a condition nests too deeply to compile") as raised:
        _load(write, deep)
    assert raised.value.file.endswith("agency-mfa.yaml")


def test_unknown_parameter_is_refused(write: Write) -> None:
    with pytest.raises(CatalogError, match="unknown parameter 'nope'"):
        _load(write, POLICY.replace("value: true", "value: {param: nope}"))


def test_a_parameter_source_must_name_a_parameter_and_be_a_citation_or_the_product_default(write: Write) -> None:
    sourced = POLICY + "parameters: {minMethods: 1}\nparameterSources:\n  minMethods: {source}\n"
    catalog = _load(write, sourced.replace("{source}", "policylint default"))
    assert catalog.policies["agency-mfa"].parameter_sources["minMethods"].zh == "policylint 預設值"
    catalog = _load(write, sourced.replace("{source}", "{zh-TW: 機關規範第 3 點, en: 'Agency rules, point 3'}"))
    assert catalog.policies["agency-mfa"].parameter_sources["minMethods"].en == "Agency rules, point 3"
    with pytest.raises(CatalogError, match="invalid policy at /parameterSources/minMethods"):
        _load(write, sourced.replace("{source}", "GCB"))
    with pytest.raises(CatalogError, match="parameterSources names unknown parameter 'maxMethods'"):
        _load(write, sourced.replace("  minMethods: {source}", "  maxMethods: policylint default"))


def test_citing_a_reminder_that_does_not_exist_is_refused(write: Write) -> None:
    with pytest.raises(CatalogError, match="cites TC-1-9, which no guideline defines") as raised:
        _load(write, POLICY.replace("reminder: 1}", "reminder: 9}"))
    assert raised.value.line == 7


def test_reminder_naming_a_missing_policy_is_refused(write: Write) -> None:
    guideline = GUIDELINE.replace("policies: [agency-mfa]", "policies: [agency-mfa, agency-typo]")
    with pytest.raises(CatalogError, match="names policy 'agency-typo', which does not exist"):
        _load(write, guideline=guideline)


def test_reminder_without_policy_is_refused(write: Write) -> None:
    guideline = GUIDELINE + "      - number: 2\n        text: {zh-TW: 二, en: two}\n        policies: []\n"
    with pytest.raises(CatalogError, match="reminder TC-1-2 has no policy"):
        _load(write, guideline=guideline)


def test_law_outside_the_case_is_refused(write: Write) -> None:
    with pytest.raises(CatalogError, match="law 'ACT-2' is not among the laws"):
        _load(write, POLICY.replace("laws: [ACT-1]", "laws: [ACT-1, ACT-2]"))


def test_duplicate_policy_id_is_refused(write: Write) -> None:
    write("extra/copy.yaml", POLICY)
    with pytest.raises(CatalogError, match="is also defined in"):
        _load(write)


def test_cli_reports_an_invalid_extra_policy_directory(run: Callable[..., Result], write: Write) -> None:
    path = write("extra/agency-mfa.yaml", POLICY.replace("severity: medium", "severity: urgent"))
    result = run("rules", "--policies", str(path.parent))
    assert result.code == 2
    assert f"{shown(path)}:2:1: invalid policy at /severity" in result.err
    assert "Traceback" not in result.err


def test_parameter_overrides_apply_and_are_type_checked() -> None:
    catalog = load_catalog(overrides={"login-rate-limit": {"maxFailures": 3}})
    assert catalog.policies["login-rate-limit"].parameters["maxFailures"] == 3
    with pytest.raises(CatalogError, match="no str parameter 'maxFailures'"):
        load_catalog(overrides={"login-rate-limit": {"maxFailures": "3"}})


def test_every_builtin_parameter_says_where_its_default_comes_from(catalog: Catalog) -> None:
    for policy in catalog.policies.values():
        assert set(policy.parameter_sources) == set(policy.parameters), policy.id


def test_an_overridden_parameter_is_shown_as_set_by_the_configuration() -> None:
    catalog = load_catalog(overrides={"login-rate-limit": {"maxFailures": 3}})
    sources = catalog.policies["login-rate-limit"].parameter_sources
    assert sources["maxFailures"].en == "set by the configuration"
    assert sources["maxPerIpPerMinute"].en == "policylint default"


def test_parameters_in_zh_tw_text_are_enumerated_with_the_enumeration_comma(catalog: Catalog) -> None:
    remediation = catalog.policies["audit-logging"].remediation
    assert "events 涵蓋 login、dataAccess、export、admin" in remediation.zh
    assert "events covering login, dataAccess, export, admin" in remediation.en


def test_builtin_policies_cite_only_their_cases_laws(catalog: Catalog) -> None:
    for policy in catalog.policies.values():
        case_laws = {law for ref in policy.references for law in catalog.case(ref.case).laws}  # type: ignore[union-attr]
        assert set(policy.laws) <= case_laws, policy.id


def test_the_shipped_builtin_catalog_is_policies_validated() -> None:
    """A run reads the built-in catalog as shipped data, without checking it: it must be
    what validating policies/ gives now."""
    shipped = json.loads(BUILTIN_CATALOG.read_text(encoding="utf-8"))
    assert shipped == builtin_catalog(), (
        "the shipped built-in catalog is stale; regenerate it with: .venv/bin/python -c "
        "'from policylint.catalog.policies import write_builtin_catalog as w; w()'"
    )


def test_an_extra_directory_is_validated_on_every_load(write: Write) -> None:
    policy_path = write("extra/agency-mfa.yaml", POLICY)
    write("extra/guideline.yaml", GUIDELINE)
    first = load_catalog([policy_path.parent])
    assert first.digest != load_catalog().digest
    policy_path.write_text(POLICY.replace("severity: medium", "severity: urgent"), encoding="utf-8")
    with pytest.raises(CatalogError, match="urgent"):
        load_catalog([policy_path.parent])
